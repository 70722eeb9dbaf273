// Profiles: "Add to wallet" draws a QR code of the badge's signed credential (its URL under
// /ob3/) when the earner opens it, for a phone wallet (the Learner Credential Wallet) to scan.
// Drawn here rather than at build time: a code per award would cost the build 5 ms each
// (about 25,000 public awards at district size). The encoder, vendor/qrcode-generator.js (MIT), is loaded
// only when a first code is opened. Without JavaScript the link under the code still works.
(function () {
  "use strict";

  var boxes = document.querySelectorAll("details.cairn-wallet");
  if (!boxes.length) return;
  var here = document.currentScript ? document.currentScript.src : "";
  var encoder = null;  // a promise of the qrcode function, once asked for

  function loadEncoder() {
    if (!encoder) {
      encoder = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = new URL("vendor/qrcode-generator.js", here).href;
        script.onload = function () { resolve(window.qrcode); };
        script.onerror = reject;
        document.head.appendChild(script);
      });
    }
    return encoder;
  }

  // One <path> of dark modules, with the four-module quiet zone scanners need.
  function draw(qrcode, holder) {
    var code = qrcode(0, "M");
    code.addData(holder.dataset.qr, "Byte");
    code.make();
    var count = code.getModuleCount();
    var size = count + 8;
    var steps = [];
    for (var row = 0; row < count; row += 1) {
      for (var col = 0; col < count; col += 1) {
        if (code.isDark(row, col)) steps.push("M" + (col + 4) + " " + (row + 4) + "h1v1h-1z");
      }
    }
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 " + size + " " + size);
    svg.setAttribute("shape-rendering", "crispEdges");
    svg.setAttribute("aria-hidden", "true");
    var background = document.createElementNS(ns, "rect");
    background.setAttribute("width", size);
    background.setAttribute("height", size);
    background.setAttribute("fill", "#fff");
    var modules = document.createElementNS(ns, "path");
    modules.setAttribute("d", steps.join(""));
    modules.setAttribute("fill", "#000");
    svg.appendChild(background);
    svg.appendChild(modules);
    holder.appendChild(svg);
    holder.dataset.drawn = "true";
  }

  boxes.forEach(function (box) {
    box.addEventListener("toggle", function () {
      var holder = box.querySelector("[data-qr]");
      if (!box.open || !holder || holder.dataset.drawn) return;
      loadEncoder().then(function (qrcode) {
        if (!holder.dataset.drawn) draw(qrcode, holder);
      }, function () {
        holder.textContent = "The code could not be drawn: use the link below.";
      });
    });
  });
})();
