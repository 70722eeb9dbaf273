// The badge verifier (/verify/): checks an Open Badges 2.0 hosted badge in the browser, by the
// rules of plugins/cairn/verify.py. A baked PNG, a pasted assertion URL, ?a=<award id> or
// ?url=<assertion URL>. The email is hashed here and never sent or stored.
(function () {
  "use strict";
  var root = document.getElementById("cairn-verify");
  if (!root) return;
  var SITE = root.dataset.siteUrl, DISTRICT = root.dataset.issuerName, MAX = 1 << 20;
  var $ = function (id) { return document.getElementById(id); };
  var form = $("verify-form"), fileInput = $("verify-file"), urlInput = $("verify-url"), email = $("verify-email");
  var result = $("verify-result"), details = $("verify-details"), emailResult = $("verify-email-result");
  var current = null, runs = 0;

  function Stop(kind, detail) { this.kind = kind; this.detail = detail; }
  function stop(kind, detail) { throw new Stop(kind, detail); }
  function h(tag, props) {
    var node = Object.assign(document.createElement(tag), props);
    node.append.apply(node, [].slice.call(arguments, 2).filter(function (k) { return k != null; }));
    return node;
  }
  function web(url) {
    try { return typeof url === "string" && /^https?:$/.test(new URL(url).protocol); } catch (error) { return false; }
  }
  function link(url, text) { return web(url) ? h("a", { href: url }, text) : text; }
  function text(value) { return typeof value === "string" && value ? value : "(not given)"; }
  function under(url, home) { return typeof url === "string" && url.indexOf(home) === 0; }
  function today() {
    var d = new Date();
    return d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0") + "-" + String(d.getDate()).padStart(2, "0");
  }
  // The date an ISO 8601 timestamp names in its own zone, as verify.py reads it; null if not one.
  function day(value) {
    var m = typeof value === "string" && /^(\d{4}-\d{2}-\d{2})([T ]\d{2}(:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}(:?\d{2})?)?)?$/.exec(value);
    return m && !isNaN(Date.parse(m[1])) && new Date(m[1]).toISOString().slice(0, 10) === m[1] ? m[1] : null;
  }
  function same(a, b) {
    if (a === b) return true;
    if (!a || !b || typeof a !== "object" || typeof b !== "object" || Array.isArray(a) !== Array.isArray(b)) return false;
    var keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every(function (k) {
      return Object.prototype.hasOwnProperty.call(b, k) && same(a[k], b[k]);
    });
  }

  async function getJson(url) {
    var response, body, doc;
    try {
      response = await fetch(url, { headers: { Accept: "application/ld+json, application/json" },
        credentials: "omit", referrerPolicy: "no-referrer", cache: "no-cache" });
      body = await response.text();
    } catch (error) {
      stop("unreachable", url);
    }
    if (!response.ok) stop("notfound", url + " answered HTTP " + response.status + ": there is no badge record there.");
    if (body.length > MAX) stop("altered", url + " is larger than a badge record can be.");
    try { doc = JSON.parse(body); } catch (error) { stop("notfound", url + " holds no badge record (it is not JSON)."); }
    if (!doc || typeof doc !== "object" || Array.isArray(doc)) stop("altered", url + " is not a badge record.");
    return doc;
  }

  // ---- reading a baked PNG: its `openbadges` iTXt or tEXt chunk
  async function inflate(data) {
    if (typeof DecompressionStream !== "function") {
      stop("notfound", "The badge data in this image is compressed, and this browser cannot decompress it: paste the assertion URL instead.");
    }
    var reader = new Blob([data]).stream().pipeThrough(new DecompressionStream("deflate")).getReader();
    var parts = [], size = 0, chunk;
    try {
      while (!(chunk = await reader.read()).done) {
        size += chunk.value.length;
        if (size > MAX) { reader.cancel(); break; }
        parts.push(chunk.value);
      }
    } catch (error) {
      stop("notfound", "The badge data in this image is damaged: it could not be decompressed.");
    }
    if (size > MAX) stop("altered", "The badge data in this image is too large to be a badge.");
    return new TextDecoder().decode(await new Blob(parts).arrayBuffer());
  }
  function after(bytes, from) { var i = bytes.indexOf(0, from); return i < 0 ? bytes.length : i + 1; }
  async function unbake(buffer) {
    var bytes = new Uint8Array(buffer), view = new DataView(buffer), at = 8;
    while (at + 8 <= bytes.length) {
      var length = view.getUint32(at), type = String.fromCharCode.apply(null, bytes.subarray(at + 4, at + 8));
      var data = bytes.subarray(at + 8, at + 8 + length), nul = data.indexOf(0);
      if (data.length !== length || type === "IEND") break;
      var named = nul === 10 && String.fromCharCode.apply(null, data.subarray(0, 10)) === "openbadges";
      if (named && type === "tEXt") return new TextDecoder("latin1").decode(data.subarray(11));
      if (named && type === "iTXt" && data.length >= 13) {
        var body = data.subarray(after(data, after(data, 13)));
        return data[11] ? inflate(body) : new TextDecoder().decode(body);
      }
      at += 12 + length;
    }
    stop("notfound", "This image carries no badge: it has no Open Badges data (an 'openbadges' chunk).");
  }
  async function readFile(file) {
    if (file.size > 20 * MAX) stop("notfound", "This file is too large to be a badge.");
    var buffer = await file.arrayBuffer(), head = new Uint8Array(buffer.slice(0, 8));
    var png = [137, 80, 78, 71, 13, 10, 26, 10].every(function (b, i) { return head[i] === b; });
    var content = (png ? await unbake(buffer) : new TextDecoder().decode(buffer)).trim();
    if (web(content)) return [content, null];
    var carried;
    try { carried = JSON.parse(content); } catch (error) {
      stop("notfound", "The badge holds neither an assertion URL nor an assertion.");
    }
    if (!carried || typeof carried !== "object" || !web(carried.id)) stop("altered", "The assertion in the badge has no valid id.");
    return [carried.id, carried];
  }

  // ---- the checks, in verify.py's order
  async function check(url, carried) {
    var ours = url.indexOf(SITE) === 0, home = ours ? SITE : new URL(url).origin + "/";
    var facts = { url: url, ours: ours, host: new URL(url).host };
    try {
      var assertion = await getJson(url);
      if (carried && !same(carried, assertion)) {
        stop("altered", "The assertion inside the image differs from the one its issuer hosts at " + url + ".");
      }
      if (assertion.type !== "Assertion" || assertion.id !== url) {
        stop("altered", "The record at " + url + " is not the assertion with that address.");
      }
      if (["hosted", "HostedBadge"].indexOf((assertion.verification || {}).type) < 0) {
        stop("altered", "The assertion is not a hosted badge.");
      }
      if (!under(assertion.badge, home)) stop("altered", "The assertion's badge is not on its issuer's site " + home + ".");
      var badge = await getJson(assertion.badge);
      if (badge.type !== "BadgeClass" || badge.id !== assertion.badge) {
        stop("altered", assertion.badge + " is not the badge with that address.");
      }
      if (!under(badge.issuer, home)) stop("altered", "The badge's issuer is not on " + home + ".");
      var issuer = await getJson(badge.issuer);
      if (["Issuer", "Profile"].indexOf(issuer.type) < 0 || issuer.id !== badge.issuer) {
        stop("altered", badge.issuer + " is not the issuer with that address.");
      }
      Object.assign(facts, { assertion: assertion, badge: badge, issuer: issuer, expires: day(assertion.expires) });
      var issued = day(assertion.issuedOn);
      if (!issued || issued > today()) stop("altered", "Its issue date (" + assertion.issuedOn + ") is not a past date.");
      var reason = assertion.revoked === true ? assertion.revocationReason : null;
      if (typeof issuer.revocationList === "string") {
        ((await getJson(issuer.revocationList)).revokedAssertions || []).some(function (entry) {
          var listed = entry && typeof entry === "object";
          if ((listed ? entry.id : entry) !== url) return false;
          reason = (listed && entry.revocationReason) || reason || "";
          return true;
        });
      }
      if (reason != null || assertion.revoked === true) {
        reason = typeof reason === "string" ? reason.trim() : "";
        facts.revoked = true;
        stop("revoked", /^Revoked on \d{4}-\d{2}-\d{2}: /.test(reason) ? reason : "Revoked" + (reason ? ": " + reason : ""));
      }
      if (facts.expires && facts.expires <= today()) stop("expired", "Expired on " + facts.expires);
      stop("valid");
    } catch (error) {
      if (!(error instanceof Stop)) throw error;
      facts.kind = error.kind;
      facts.detail = error.detail;
    }
    return facts;
  }

  async function earnerOf(facts) {
    var prefix = SITE + "assertions/", id = facts.url.slice(prefix.length).replace(/\.json$/, "");
    if (facts.url.indexOf(prefix) !== 0 || !/^[A-Za-z0-9_-]+$/.test(id)) return null;
    try {
      var response = await fetch(SITE + "verify/names/" + id.slice(0, 2) + ".json", { credentials: "omit" });
      var entry = response.ok ? (await response.json())[id] : null;
      return entry && typeof entry.name === "string" ? entry : null;
    } catch (error) {
      return null;
    }
  }

  // ---- showing the verdict
  var TITLES = { valid: "Valid", notfound: "Not found", altered: "Altered", unreachable: "Could not check" };
  function say(kind, title) {
    var lines = [].slice.call(arguments, 2).map(function (line) { return h("p", {}, line); });
    result.replaceChildren.apply(result, [h("p", { className: "cairn-verdict cairn-verdict--" + kind }, title)].concat(lines));
  }
  function render(f) {
    var lines = [];
    var by = f.issuer ? text(f.issuer.name) + (f.ours ? "" : " (" + f.host + ")") : null;
    if (f.kind === "valid") lines.push(f.ours ? "Authentic, current and not revoked." : "Authentic, current and not revoked, by its own issuer's records.");
    if (f.kind === "expired") lines.push("The badge is authentic, but no longer current.");
    if (f.kind === "notfound" || f.kind === "altered") lines.push(f.detail, "Do not rely on this badge.");
    if (f.kind === "unreachable") {
      lines.push(f.ours ? "This site could not be reached from your browser: you may be offline. Try again later." :
        "The site that hosts this badge, " + f.host + ", could not be reached from your browser: it may not allow " +
        "checks from other sites, or it may be offline. This does not mean the badge is invalid: open its record at " +
        f.url + " or ask its issuer.");
    }
    if (!f.ours) {
      lines.push(h("strong", { className: "cairn-verify-foreign" }, by ? "Issued by " + by + ", not by " + DISTRICT + "." :
        "This badge comes from another site (" + f.host + "), not from " + DISTRICT + "."));
    }
    say.apply(null, [f.kind, TITLES[f.kind] || f.detail].concat(lines));
    if (!f.issuer || ["valid", "expired", "revoked"].indexOf(f.kind) < 0) return;
    var badge = f.badge, image = badge.image && typeof badge.image === "object" ? badge.image.id : badge.image;
    var row = function (term, value) { return h("div", {}, h("dt", {}, term), h("dd", {}, value)); };
    var rows = [
      row("Credential", link((badge.criteria || {}).id, text(badge.name))),
      row("Issuer", by),
      row("Issued on", day(f.assertion.issuedOn)),
    ];
    if (f.expires) rows.push(row(f.expires <= today() ? "Expired on" : "Expires on", f.expires));
    if (f.earner) rows.push(row("Earner", under(f.earner.profile, SITE) ? link(f.earner.profile, f.earner.name) : f.earner.name));
    rows.push(row("Assertion", link(f.url, f.url)));
    details.replaceChildren(
      /^(https?:|data:image\/)/i.test(image || "") ? h("img", { src: image, alt: text(badge.name) + " badge", width: 160, height: 160 }) : null,
      h("dl", { className: "cairn-facts cairn-facts--wide" }, ...rows)
    );
    details.hidden = false;
  }

  async function checkEmail() {
    var value = email.value.trim().toLowerCase();
    emailResult.textContent = "";
    if (!value || !current) return;
    if (current.revoked) { emailResult.textContent = "A revoked badge cannot be matched to an email."; return; }
    var badge = current, recipient = current.assertion.recipient || {}, expected = value;
    if (recipient.hashed) {
      if (!window.crypto || !crypto.subtle) { emailResult.textContent = "This browser cannot check emails on this page."; return; }
      var digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value + (recipient.salt || "")));
      expected = "sha256$" + Array.from(new Uint8Array(digest), function (b) { return b.toString(16).padStart(2, "0"); }).join("");
      if (badge !== current || value !== email.value.trim().toLowerCase()) return; // a newer check answers instead
    }
    var matches = String(recipient.identity || "").toLowerCase() === expected;
    emailResult.textContent = matches ? "The email matches the badge's recipient." : "The email does not match the badge's recipient.";
  }

  async function run(source) {
    var mine = ++runs;
    current = null;
    details.hidden = true;
    emailResult.textContent = "";
    say("checking", "Checking…");
    var facts;
    try {
      var input = typeof source === "string" ? [source.trim(), null] : await readFile(source);
      if (!web(input[0])) stop("notfound", "That is not a web address: an assertion URL starts with https://");
      facts = await check(input[0], input[1]);
      if (facts.ours && (facts.kind === "valid" || facts.kind === "expired")) facts.earner = await earnerOf(facts);
    } catch (error) {
      if (!(error instanceof Stop)) throw error;
      facts = { kind: error.kind, detail: error.detail, ours: true };
    }
    if (mine !== runs) return;
    render(facts);
    if (facts.assertion && facts.kind !== "altered") { current = facts; await checkEmail(); }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (urlInput.value.trim()) run(urlInput.value);
    else say("notfound", "Nothing to check", "Choose a badge image or paste its assertion URL.");
  });
  $("verify-email-form").addEventListener("submit", function (event) {
    event.preventDefault();
    if (!current) emailResult.textContent = email.value.trim() ? "Check a badge first, then its email." : "";
    else checkEmail();
  });
  fileInput.addEventListener("change", function () { if (fileInput.files[0]) run(fileInput.files[0]); });
  var drop = $("verify-drop");
  drop.addEventListener("dragover", function (event) { event.preventDefault(); drop.classList.add("cairn-verify-drop--over"); });
  drop.addEventListener("dragleave", function () { drop.classList.remove("cairn-verify-drop--over"); });
  drop.addEventListener("drop", function (event) {
    event.preventDefault();
    drop.classList.remove("cairn-verify-drop--over");
    if (event.dataTransfer.files[0]) run(event.dataTransfer.files[0]);
  });
  root.hidden = false;

  var params = new URLSearchParams(location.search), award = params.get("a"), url = params.get("url");
  if (award !== null) {
    url = /^[A-Za-z0-9_-]+$/.test(award) ? SITE + "assertions/" + award + ".json" : "";
    if (!url) say("notfound", "Not found", "'" + award + "' is not an award id.");
  }
  if (url) { urlInput.value = url; run(url); }
})();
