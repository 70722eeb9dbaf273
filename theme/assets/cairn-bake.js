// "Download badge": bakes the badge here, in the browser. The site hosts one image per
// credential and one assertion per award; a link with data-bake="<assertion URL>" fetches the
// credential's image and inserts the assertion's URL as an iTXt chunk named "openbadges" right
// after IHDR, byte for byte as plugins/cairn/bake.py does, so the site need not hold a PNG per
// award (50,000 files at district size). Without script the link downloads the plain image.
(function () {
  "use strict";
  var table = null;
  function crc32(bytes) {
    if (!table) {
      table = new Uint32Array(256);
      for (var n = 0; n < 256; n++) {
        var c = n;
        for (var k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
        table[n] = c >>> 0;
      }
    }
    var crc = 0xffffffff;
    for (var i = 0; i < bytes.length; i++) crc = table[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
    return (crc ^ 0xffffffff) >>> 0;
  }
  var SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];
  var IHDR_END = 8 + 4 + 4 + 13 + 4;

  // The PNG `png` (bytes) with `text` baked under `keyword` (default "openbadges").
  function bake(png, text, keyword) {
    var ok = SIGNATURE.every(function (b, i) { return png[i] === b; }) &&
      String.fromCharCode(png[12], png[13], png[14], png[15]) === "IHDR";
    if (!ok) throw new Error("not a PNG image");
    var name = new TextEncoder().encode(keyword || "openbadges");
    var body = new TextEncoder().encode(text);
    // type, keyword, NUL, compression flag 0, method 0, empty language tag and translated keyword
    var typed = new Uint8Array(4 + name.length + 5 + body.length);
    typed.set([105, 84, 88, 116]); // "iTXt"
    typed.set(name, 4);
    typed.set(body, 4 + name.length + 5);
    var chunk = new Uint8Array(8 + typed.length);
    var view = new DataView(chunk.buffer);
    view.setUint32(0, typed.length - 4);
    chunk.set(typed, 4);
    view.setUint32(4 + typed.length, crc32(typed));
    var out = new Uint8Array(png.length + chunk.length);
    out.set(png.subarray(0, IHDR_END));
    out.set(chunk, IHDR_END);
    out.set(png.subarray(IHDR_END), IHDR_END + chunk.length);
    return out;
  }
  window.CairnBake = bake;

  function save(bytes, name) {
    var url = URL.createObjectURL(new Blob([bytes], { type: "image/png" }));
    var a = document.createElement("a");
    a.href = url;
    a.download = name;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
  }
  window.CairnSaveBaked = async function (imageUrl, assertionUrl, name) {
    var response = await fetch(imageUrl);
    if (!response.ok) throw new Error(imageUrl + ": " + response.status);
    save(bake(new Uint8Array(await response.arrayBuffer()), assertionUrl), name);
  };

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-bake]");
    if (!link) return;
    event.preventDefault();
    window.CairnSaveBaked(link.href, link.dataset.bake, link.getAttribute("download") || "badge.png").catch(function () {
      window.location.href = link.href; // the plain image, rather than nothing
    });
  });
})();
