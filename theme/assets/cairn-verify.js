// The badge verifier (/verify/), in the browser, by the rules of plugins/cairn/verify.py.
// Open Badges 2.0 hosted badges: a baked PNG, a pasted assertion URL, ?a=<award id> or
// ?url=<assertion URL>. Open Badges 3.0 signed credentials: a baked PNG (an `openbadgecredential`
// chunk, or an `openbadges` one holding the credential), a credential's JSON (pasted or as a
// file), a URL that serves one, or ?c=<award id> (this site's published credential). Credentials
// are judged by the Digital Credentials Consortium's verifier (assets/vendor/dcc-verifier.js),
// loaded only when one is checked. The email is hashed here and never sent or stored. This site's
// award URLs come from the page (data-*-url, made by plugins/cairn/urls.py): none is spelt here.
(function () {
  "use strict";
  var root = document.getElementById("cairn-verify");
  if (!root) return;
  // Limits on what a stranger's badge may make this page do: bytes read or inflated for one
  // document (an HTTP answer is read as it streams and dropped past MAX, a baked PNG's data
  // inflated a slice at a time), how long an answer may take, and how deep its JSON may nest.
  var SITE = root.dataset.siteUrl, DISTRICT = root.dataset.issuerName, MAX = 1 << 20;
  var MAX_STATUS_LIST = 16 << 20, FETCH_MS = 20000, MAX_DEPTH = 64;
  var VERIFIER = new URL(root.dataset.ob3Verifier, document.baseURI).href, OWN_DID = didWeb(SITE);
  // URL patterns: {award} stands for an award id, {prefix} for its first two characters.
  var ASSERTION_URL = root.dataset.assertionUrl, OB3_URL = root.dataset.ob3Url, NAMES_URL = root.dataset.namesUrl;
  var VERIFY_URL = root.dataset.verifyUrl, VERIFY_AWARD_URL = root.dataset.verifyAwardUrl;
  var VERIFY_CREDENTIAL_URL = root.dataset.verifyCredentialUrl;
  var $ = function (id) { return document.getElementById(id); };
  var form = $("verify-form"), fileInput = $("verify-file"), urlInput = $("verify-url"), jsonInput = $("verify-json");
  var email = $("verify-email"), result = $("verify-result"), details = $("verify-details"), shown = $("verify-verdict");
  var emailResult = $("verify-email-result");
  var current = null, runs = 0, lastField = null, verifier = null;

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
  function object(value) { return value && typeof value === "object" && !Array.isArray(value) ? value : null; }
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
  // This site's did:web (ob3.did_web): the host, a port as %3A, then the path's segments.
  function didWeb(site) {
    var u = new URL(site);
    return "did:web:" + [u.host].concat(u.pathname.split("/").filter(Boolean)).map(encodeURIComponent).join(":");
  }
  function isCredential(doc) { return !!object(doc) && [].concat(doc.type).indexOf("VerifiableCredential") >= 0; }

  // JSON no deeper than any badge nests, checked level by level (nothing here recurses into it).
  function shallow(doc, what) {
    for (var level = [doc], depth = 0; level.length; depth++) {
      if (depth >= MAX_DEPTH) stop("notfound", what + " is nested too deeply to be a badge.");
      var next = [];
      level.forEach(function (value) {
        if (value && typeof value === "object") {
          Object.values(value).forEach(function (child) { if (child && typeof child === "object") next.push(child); });
        }
      });
      level = next;
    }
    return doc;
  }
  function parse(text, what, noun) {
    var doc;
    try { doc = JSON.parse(text); } catch (error) {
      stop("notfound", what + " holds no " + noun + " (it is not JSON).");
    }
    return shallow(doc, what);
  }
  // The body of an answer, read as it arrives: at most MAX bytes, within FETCH_MS of asking.
  async function readBody(response, url, noun, deadline) {
    var tooLarge = new Stop("altered", url + " is larger than a " + noun + " can be.");
    if (!response.body) return "";
    var reader = response.body.getReader(), parts = [], size = 0, chunk;
    if (Number(response.headers.get("Content-Length")) > MAX) { reader.cancel().catch(function () {}); throw tooLarge; }
    while (!(chunk = await reader.read()).done) {
      size += chunk.value.length;
      if (size > MAX) { reader.cancel().catch(function () {}); throw tooLarge; }
      if (Date.now() > deadline) { reader.cancel().catch(function () {}); throw new Error("timeout"); }
      parts.push(chunk.value);
    }
    return new TextDecoder().decode(await new Blob(parts).arrayBuffer());
  }
  async function getJson(url, noun) {
    var response, body, doc, deadline = Date.now() + FETCH_MS, controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, FETCH_MS);
    noun = noun || "badge record";
    try {
      response = await fetch(url, { headers: { Accept: "application/ld+json, application/json" },
        credentials: "omit", referrerPolicy: "no-referrer", cache: "no-store", signal: controller.signal });
      if (!response.ok) {
        response.body && response.body.cancel().catch(function () {});
        stop("notfound", url + " answered HTTP " + response.status + ": there is no " + noun + " there.");
      }
      body = await readBody(response, url, noun, deadline);
    } catch (error) {
      if (error instanceof Stop) throw error;
      throw unreachable(url, "the " + noun);
    } finally {
      clearTimeout(timer);
    }
    doc = parse(body, url, noun);
    if (!object(doc)) stop("altered", url + " is not a " + noun + ".");
    return doc;
  }

  // Why `address` could not be read, in the words that fit the case: this browser is offline;
  // this page's own site did not answer; this page is served at another address than the
  // district's site_url (a preview, a copy), whose server does not let it read the badges there;
  // or another issuer's site does not let other sites' pages read its badges (CORS), or is down.
  // A browser does not tell a page which of the last two it was. Lines for the verdict.
  function cannotRead(address, what) {
    var there = new URL(address), host = there.host, not = "This does not mean the badge is invalid";
    if (navigator.onLine === false) {
      return ["Your browser is offline, so it could not read " + what + " at " + host + ".",
        not + ": connect to the internet and check it again."];
    }
    if (there.origin === location.origin) {
      return [host + " did not answer when this page asked for " + what + ": the site may be down, " +
        "or your connection was interrupted.", not + ": try again in a moment."];
    }
    if (under(address, SITE)) {
      var award = idIn(ASSERTION_URL, address), credential = idIn(OB3_URL, address);
      var own = award ? fill(VERIFY_AWARD_URL, "award", award) : credential ? fill(VERIFY_CREDENTIAL_URL, "award", credential) : VERIFY_URL;
      return ["This page is at " + location.host + ", but " + DISTRICT + "'s badges are at " + host +
        ", which did not answer, or did not let this page read " + what + " (a browser lets a page read another site's files only when that site allows it).",
        h("span", {}, not + ": check it on ", h("a", { href: own }, "its issuer's verify page"), ", at " + host + "."),
        "If you publish this site: its site_url must be the address it is served at."];
    }
    return ["The site of its issuer, " + host + ", could not be reached from your browser to read " + what +
      ": it may not let other sites' pages read its badges, or it may be down.",
      h("span", {}, not + ": open ", link(address, address), " in your browser to read it yourself, or ask its issuer.")];
  }
  function unreachable(address, what) {
    return Object.assign(new Stop("unreachable", address), { lines: cannotRead(address, what) });
  }

  // ---- reading a baked PNG: its `openbadges` or `openbadgecredential` iTXt or tEXt chunk
  // `data` inflated ("deflate": zlib; "gzip"), or null past `limit` bytes; throws if damaged.
  // The compressed bytes go in 1 KB at a time, and only as fast as the output is read: deflate
  // makes at most about 1 MB of a KB, so a bomb stops within a slice of the limit. (Piped in
  // whole, a large piece of input was inflated at once before any was read: 18 GB took 14 s.)
  async function inflate(data, format, limit) {
    var stream = new DecompressionStream(format), writer = stream.writable.getWriter(), reader = stream.readable.getReader();
    var parts = [], size = 0, done = false, chunk;
    (async function () {
      for (var at = 0; at < data.length && !done; at += 1024) await writer.write(data.subarray(at, at + 1024));
      if (!done) await writer.close();
    })().catch(function () {}); // a failure shows on the reading side
    try {
      while (!(chunk = await reader.read()).done) {
        size += chunk.value.length;
        if (size > limit) break;
        parts.push(chunk.value);
      }
    } finally {
      done = true;
    }
    if (size > limit) { reader.cancel().catch(function () {}); return null; }
    return new Uint8Array(await new Blob(parts).arrayBuffer());
  }
  async function inflateText(data) {
    var text;
    if (typeof DecompressionStream !== "function") {
      stop("notfound", "The badge data in this image is compressed, and this browser cannot decompress it: paste the badge's URL instead.");
    }
    try { text = await inflate(data, "deflate", MAX); } catch (error) {
      stop("notfound", "The badge data in this image is damaged: it could not be decompressed.");
    }
    if (!text) stop("altered", "The badge data in this image is too large to be a badge.");
    return new TextDecoder().decode(text);
  }
  function after(bytes, from) { var i = bytes.indexOf(0, from); return i < 0 ? bytes.length : i + 1; }
  async function unbake(buffer) {
    var bytes = new Uint8Array(buffer), view = new DataView(buffer), at = 8;
    while (at + 8 <= bytes.length) {
      var length = view.getUint32(at), type = String.fromCharCode.apply(null, bytes.subarray(at + 4, at + 8));
      var data = bytes.subarray(at + 8, at + 8 + length), nul = data.indexOf(0);
      if (data.length !== length || type === "IEND") break;
      var keyword = nul > 0 && nul < 80 ? String.fromCharCode.apply(null, data.subarray(0, nul)) : "";
      var named = keyword === "openbadges" || keyword === "openbadgecredential";
      if (named && type === "tEXt") return new TextDecoder("latin1").decode(data.subarray(nul + 1));
      if (named && type === "iTXt" && data.length >= nul + 3) {
        var body = data.subarray(after(data, after(data, nul + 3)));
        return data[nul + 1] ? inflateText(body) : new TextDecoder().decode(body);
      }
      at += 12 + length;
    }
    stop("notfound", "This image carries no badge: it has no Open Badges data (an 'openbadges' or 'openbadgecredential' chunk).");
  }
  // What a badge carries: {url} to fetch, {url, carried} for a baked OB 2.0 assertion, or {credential}.
  function carriedBy(content) {
    var carried;
    if (web(content)) return { url: content };
    try { carried = JSON.parse(content); } catch (error) {
      stop("notfound", "The badge holds neither a badge URL, an assertion nor a credential.");
    }
    shallow(carried, "The badge's data");
    if (isCredential(carried)) return { credential: carried };
    if (!object(carried) || !web(carried.id)) stop("altered", "The assertion in the badge has no valid id.");
    return { url: carried.id, carried: carried };
  }
  async function readFile(file) {
    if (file.size > 20 * MAX) stop("notfound", "This file is too large to be a badge.");
    var buffer = await file.arrayBuffer(), head = new Uint8Array(buffer.slice(0, 8));
    var png = [137, 80, 78, 71, 13, 10, 26, 10].every(function (b, i) { return head[i] === b; });
    return carriedBy((png ? await unbake(buffer) : new TextDecoder().decode(buffer)).trim());
  }
  function readPasted(value) {
    if (value.length > MAX) stop("notfound", "That text is too large to be a credential.");
    try { JSON.parse(value); } catch (error) {
      stop("notfound", "That is not a credential's JSON: paste its whole text, from the first { to the last }.");
    }
    return carriedBy(value);
  }

  // ---- Open Badges 2.0: the checks, in verify.py's order
  // A revocation's heading ("Revoked on <date>" when its reason starts so, as this site's do)
  // and its reason, shown as text under it.
  function revocation(reason) {
    reason = typeof reason === "string" ? reason.trim() : "";
    var dated = /^Revoked on (\d{4}-\d{2}-\d{2})(?::\s*|$)/.exec(reason);
    return { title: dated ? "Revoked on " + dated[1] : "Revoked", reason: dated ? reason.slice(dated[0].length) : reason };
  }
  async function check(url, carried) {
    var ours = url.indexOf(SITE) === 0, home = ours ? SITE : new URL(url).origin + "/";
    var facts = { url: url, ours: ours, host: new URL(url).host };
    try {
      var assertion = await getJson(url);
      if (!carried && isCredential(assertion)) return checkCredential(assertion, url);
      if (assertion.type !== "Assertion" || assertion.id !== url) {
        stop("altered", "The record at " + url + " is not the assertion with that address.");
      }
      // A revoked assertion keeps only its id and why (Open Badges 2.0): its issuer's word,
      // even against a copy in the image that still holds the rest.
      if (assertion.revoked === true) {
        Object.assign(facts, { assertion: assertion, revoked: true });
        stop("revoked", assertion.revocationReason);
      }
      if (carried && !same(carried, assertion)) {
        stop("altered", "The assertion inside the image differs from the one its issuer hosts at " + url + ".");
      }
      if (["hosted", "HostedBadge"].indexOf((object(assertion.verification) || {}).type) < 0) {
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
      var reason = null;
      if (typeof issuer.revocationList === "string") {
        ((await getJson(issuer.revocationList)).revokedAssertions || []).some(function (entry) {
          var listed = entry && typeof entry === "object";
          if ((listed ? entry.id : entry) !== url) return false;
          reason = (listed && entry.revocationReason) || reason || "";
          return true;
        });
      }
      if (reason != null) {
        facts.revoked = true;
        stop("revoked", reason);
      }
      if (facts.expires && facts.expires <= today()) stop("expired", "Expired on " + facts.expires);
      stop("valid");
    } catch (error) {
      if (!(error instanceof Stop)) throw error;
      facts.kind = error.kind;
      facts.detail = error.detail;
      facts.lines = error.lines;
    }
    return facts;
  }

  // ---- Open Badges 3.0: the DCC verifier checks the proof against the issuer's did:web key,
  // the status list and the dates; this page puts the verdict in verify.py's order.
  function loadVerifier() {
    if (window.CairnOB3) return Promise.resolve(window.CairnOB3);
    if (!verifier) {
      verifier = new Promise(function (resolve, reject) {
        var script = h("script", { src: VERIFIER, async: true });
        script.addEventListener("load", function () { window.CairnOB3 ? resolve(window.CairnOB3) : reject(); });
        script.addEventListener("error", function () { script.remove(); reject(); });
        document.head.append(script);
      });
      verifier.catch(function () { verifier = null; }); // a later check tries again
    }
    return verifier.catch(function () {
      stop("unreachable", navigator.onLine === false ?
        "Your browser is offline, so this page could not load its Open Badges 3.0 verifier: connect to the internet and check again." :
        "This page could not load its Open Badges 3.0 verifier from " + location.host + ": try again in a moment.");
    });
  }
  function unreached(problem, what) {
    return problem.kind === "unreachable" ? unreachable(problem.detail, what) : problem;
  }
  // A status list whose gzipped bits inflate past any list's size is refused before the
  // verifier inflates it whole.
  async function boundedList(doc, address) {
    var subject = object([].concat(doc.credentialSubject)[0]) || {}, encoded = subject.encodedList;
    if (typeof encoded !== "string" || encoded[0] !== "u") return doc;
    var bits;
    try {
      var b64 = encoded.slice(1).replace(/-/g, "+").replace(/_/g, "/");
      bits = await inflate(Uint8Array.from(atob(b64 + "===".slice((b64.length + 3) % 4)), function (c) {
        return c.charCodeAt(0);
      }), "gzip", MAX_STATUS_LIST);
    } catch (error) {
      return doc; // not base64url, or not gzip: the verifier says so
    }
    if (!bits) stop("altered", address + " is larger than a status list can be.");
    return doc;
  }
  async function checkCredential(vc, url) {
    var issuer = object(vc.issuer) || { id: vc.issuer }, did = typeof issuer.id === "string" ? issuer.id : "";
    var subject = object([].concat(vc.credentialSubject)[0]) || {};
    var lists = [].concat(vc.credentialStatus).map(function (s) { return object(s) && s.statusListCredential; });
    var facts = { ob3: true, credential: vc, url: url || null, did: did, ours: did === OWN_DID, issuer: issuer,
      subject: subject, achievement: object(subject.achievement) || {}, expires: day(vc.validUntil) };
    var problems = [];
    function fetchJson(address) {
      var noun = lists.indexOf(address) >= 0 ? "status list" : "DID document";
      return getJson(address, noun).then(function (doc) {
        return noun === "status list" ? boundedList(doc, address) : doc;
      }).catch(function (error) {
        if (error instanceof Stop) problems.push(Object.assign(error, { url: address, noun: noun }));
        throw new Error(error instanceof Stop ? error.detail : String(error));
      });
    }
    try {
      var types = [].concat(vc.type);
      if (types.indexOf("OpenBadgeCredential") < 0 && types.indexOf("AchievementCredential") < 0) {
        stop("notfound", "This is a verifiable credential, but not an Open Badge.");
      }
      if (!/^did:web:./.test(did)) {
        stop("unreachable", "Its issuer is identified as " + (did || "nobody") +
          ": this page can check only credentials whose issuer has a did:web address.");
      }
      var dcc = await loadVerifier(), report;
      try { report = await dcc.verifyCredential(vc, { fetchJson: fetchJson }); } catch (error) {
        stop("invalid", "The verifier could not read it (" + ((error && error.message) || error) + ").");
      }
      var mine = function (kind) { return problems.filter(function (p) { return p.noun === kind; })[0]; };
      if (!report.signature) {
        if (mine("DID document")) throw unreached(mine("DID document"), "its issuer's public keys");
        stop("altered", "Its signature does not match the credential: it was changed after its issuer signed it, or its issuer did not sign it.");
      }
      facts.signed = true;
      if (report.revoked === true) {
        facts.revoked = true;
        stop("revoked", "Revoked by its issuer, in its signed list of revoked credentials.");
      }
      if (report.revoked !== false && lists.some(Boolean)) {
        if (mine("status list")) throw unreached(mine("status list"), "its issuer's list of revoked credentials");
        stop("unreachable", "Whether its issuer has revoked it could not be checked: its status list did not verify (" +
          (report.errors[0] || "no reason given") + ").");
      }
      if (report.expired || (facts.expires && facts.expires <= today())) {
        stop("expired", "Expired on " + (facts.expires || String(vc.validUntil).slice(0, 10)));
      }
      var from = day(vc.validFrom);
      if (!from || from > today()) stop("notyet", "Its issuer dates it from " + text(vc.validFrom) + ": it is not valid before then.");
      if (!report.verified) stop("invalid", "It breaks the Verifiable Credentials rules: " + (report.errors[0] || "no reason given") + ".");
      stop("valid");
    } catch (error) {
      if (!(error instanceof Stop)) throw error;
      facts.kind = error.kind;
      facts.detail = error.detail;
      facts.lines = error.lines;
    }
    return facts;
  }

  // ---- the earner's name: only for a public earner's award whose id the input gave
  function fill(pattern, name, value) { return pattern.split("{" + name + "}").join(value); }
  // The award id in a URL that follows `pattern`, else null.
  function idIn(pattern, url) {
    var parts = pattern.split("{award}");
    var fits = typeof url === "string" && url.startsWith(parts[0]) && url.endsWith(parts[1]);
    var id = fits ? url.slice(parts[0].length, url.length - parts[1].length) : "";
    return /^[A-Za-z0-9_-]+$/.test(id) ? id : null;
  }
  function awardId(facts) { return idIn(facts.ob3 ? OB3_URL : ASSERTION_URL, facts.url); }
  async function earnerOf(id) {
    try {
      var response = await fetch(fill(NAMES_URL, "prefix", id.slice(0, 2)), { credentials: "omit" });
      var entry = response.ok ? (await response.json())[id] : null;
      return entry && typeof entry.name === "string" ? entry : null;
    } catch (error) {
      return null;
    }
  }

  // ---- showing the verdict: a heading (focused once the check ends, so it is on the screen and
  // read out), the lines that explain it, then the badge's facts in plain words, its formats and
  // addresses behind "Technical details".
  var TITLES = { valid: "Valid", notfound: "Not found", altered: "Altered", unreachable: "Could not check",
    invalid: "Not valid", notyet: "Not yet valid", revoked: "Revoked" };
  function say(kind, title) {
    var lines = [].slice.call(arguments, 2).map(function (line) { return h("p", {}, line); });
    var heading = h("h2", { id: "verify-verdict-heading", className: "cairn-verdict cairn-verdict--" + kind, tabIndex: -1 }, title);
    result.replaceChildren.apply(result, [heading].concat(lines));
  }
  // The verdict on the screen, below the sticky header (scrolled to only when it is not: the
  // scroll margin is in cairn-verify.css), and the focus on its heading.
  function reveal() {
    var heading = result.querySelector(".cairn-verdict"), box = result.getBoundingClientRect();
    var header = document.querySelector(".md-header"), top = header ? header.getBoundingClientRect().bottom : 0;
    if (box.top < top || box.bottom > window.innerHeight) shown.scrollIntoView({ block: "start" });
    if (heading) heading.focus({ preventScroll: true });
  }
  function row(term, value) { return h("div", {}, h("dt", {}, term), h("dd", {}, value)); }
  function showDetails(image, name, rows, technical) {
    details.replaceChildren(
      /^(https?:|data:image\/)/i.test(image || "") ? h("img", { src: image, alt: text(name) + " badge", width: 160, height: 160 }) : null,
      h("div", { className: "cairn-verify-facts" },
        h("dl", { className: "cairn-facts cairn-facts--wide" }, ...rows),
        h("details", { className: "cairn-verify-technical" }, h("summary", {}, "Technical details"),
          h("dl", { className: "cairn-facts cairn-facts--wide" }, ...technical)))
    );
    details.hidden = false;
  }
  // The facts every verdict with a badge shows, in the order an earner reads them.
  function plainRows(f, credential, by, issued) {
    var rows = [row("Credential", credential)];
    if (f.earner) rows.push(row("Earned by", under(f.earner.profile, SITE) ? link(f.earner.profile, f.earner.name) : f.earner.name));
    rows.push(row("Issued by", by), row("Issued on", issued));
    if (f.expires) rows.push(row(f.expires <= today() ? "Expired on" : "Expires on", f.expires));
    return rows;
  }
  function render(f) {
    if (f.ob3) return renderCredential(f);
    var lines = [], title = TITLES[f.kind] || f.detail;
    var by = f.issuer ? text(f.issuer.name) + (f.ours ? "" : " (" + f.host + ")") : null;
    if (f.kind === "valid") lines.push(f.ours ? "Authentic, current and not revoked." : "Authentic, current and not revoked, by its own issuer's records.");
    if (f.kind === "expired") lines.push("The badge is authentic, but no longer current.");
    if (f.kind === "revoked") {
      var revoked = revocation(f.detail);
      title = revoked.title;
      lines.push(revoked.reason ? "Reason given by its issuer: " + revoked.reason : "Its issuer gives no reason.",
        "It is no longer valid: do not rely on it.");
    }
    if (f.kind === "notfound" || f.kind === "altered") lines.push(f.detail, "Do not rely on this badge.");
    if (f.kind === "unreachable") lines.push.apply(lines, f.lines || [f.detail]);
    if (!f.ours) {
      lines.push(h("strong", { className: "cairn-verify-foreign" }, by ? "Issued by " + by + ", not by " + DISTRICT + "." :
        "This badge comes from another site (" + f.host + "), not from " + DISTRICT + "."));
    }
    say.apply(null, [f.kind, title].concat(lines));
    if (!f.issuer || ["valid", "expired", "revoked"].indexOf(f.kind) < 0) return;
    var badge = f.badge, image = badge.image && typeof badge.image === "object" ? badge.image.id : badge.image;
    var rows = plainRows(f, link((badge.criteria || {}).id, text(badge.name)), by, day(f.assertion.issuedOn));
    rows.push(row("Checked against", "Its issuer's own record of it, at " + f.host));
    showDetails(image, badge.name, rows, [
      row("Format", "Open Badges 2.0, hosted by its issuer"),
      row("Badge record", link(f.url, f.url)),
      row("Issuer profile", link(f.issuer.id, text(f.issuer.id))),
    ]);
    // This site hosts no baked PNGs: an earner downloads theirs here (cairn-bake.js).
    if (f.ours && f.kind !== "revoked" && window.CairnSaveBaked && web(image)) {
      var status = h("span", { role: "status" });
      var button = h("button", { type: "button", className: "md-button cairn-download" }, "Download baked badge");
      button.addEventListener("click", function () {
        status.textContent = "";
        window.CairnSaveBaked(image, f.url, String(f.url).split("/").pop().replace(/\.json$/, "") + "-badge.png")
          .catch(function () { status.textContent = " The badge image could not be fetched: try again later."; });
      });
      details.append(h("p", {}, button, status));
    }
  }
  function renderCredential(f) {
    var lines = [], named = typeof f.issuer.name === "string" && f.issuer.name;
    var by = text(f.issuer.name) + (f.ours ? "" : " (" + (f.did || "no issuer id") + ")");
    if (f.kind === "valid") lines.push("Authentic, current and not revoked: its issuer's signature and status list check out.");
    if (f.kind === "revoked") lines.push(f.detail + " The badge is authentic, but no longer valid: do not rely on it.");
    if (f.kind === "expired") lines.push("The badge is authentic, but no longer current.");
    if (["notfound", "altered", "invalid", "notyet"].indexOf(f.kind) >= 0) lines.push(f.detail, "Do not rely on this badge.");
    if (f.kind === "unreachable") lines.push.apply(lines, f.lines || [f.detail]);
    if (!f.ours) {
      lines.push(h("strong", { className: "cairn-verify-foreign" }, f.signed && named ? "Issued by " + by + ", not by " + DISTRICT + "." :
        "This credential names another issuer (" + (f.did || "none") + "), not " + DISTRICT + "."));
    }
    say.apply(null, [f.kind, TITLES[f.kind] || f.detail].concat(lines));
    if (!f.signed || ["valid", "expired", "revoked"].indexOf(f.kind) < 0) return;
    var a = f.achievement, image = object(a.image) ? a.image.id : a.image;
    var rows = plainRows(f, link((object(a.criteria) || {}).id, text(a.name)), by,
      day(f.credential.validFrom) || text(f.credential.validFrom));
    rows.push(row("Checked against", "Its issuer's digital signature and list of revoked badges"));
    var technical = [row("Format", "Open Badges 3.0, signed by its issuer"), row("Issuer's id", f.did || "(not given)")];
    if (f.url) technical.push(row("Badge record", link(f.url, f.url)));
    showDetails(image, a.name, rows, technical);
  }

  // ---- the email: an OB 2.0 recipient, or an OB 3.0 subject's identifiers
  async function sha256(value) {
    var digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value));
    return "sha256$" + Array.from(new Uint8Array(digest), function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }
  async function checkEmail() {
    var value = email.value.trim().toLowerCase(), badge = current;
    emailResult.textContent = "";
    if (!value || !badge) return;
    if (badge.revoked) { emailResult.textContent = "A revoked badge cannot be matched to an email."; return; }
    var identities = badge.ob3 ? [].concat(badge.subject.identifier).filter(function (i) {
      return object(i) && typeof i.identityHash === "string" && [undefined, "emailAddress"].indexOf(i.identityType) >= 0;
    }).map(function (i) { return { identity: i.identityHash, hashed: i.hashed !== false, salt: i.salt }; })
      : [badge.assertion.recipient || {}];
    if (identities.some(function (i) { return i.hashed; }) && !(window.crypto && crypto.subtle)) {
      emailResult.textContent = "This browser cannot check emails on this page.";
      return;
    }
    var matches = false;
    for (var i = 0; i < identities.length && !matches; i++) {
      var expected = identities[i].hashed ? await sha256(value + (identities[i].salt || "")) : value;
      matches = String(identities[i].identity || "").toLowerCase() === expected;
    }
    if (badge !== current || value !== email.value.trim().toLowerCase()) return; // a newer check answers instead
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
      var input = source.file ? await readFile(source.file) : source.json ? readPasted(source.json) : { url: source.url };
      if (input.credential) facts = await checkCredential(input.credential, null);
      else if (!web(input.url)) stop("notfound", "That is not a web address: a badge's URL starts with https://");
      else facts = await check(input.url, input.carried);
      var id = facts.ours && (facts.kind === "valid" || facts.kind === "expired") ? awardId(facts) : null;
      if (id) facts.earner = await earnerOf(id);
    } catch (error) {
      // Whatever the input does (a stack overflow, a malformed structure), the visitor gets a verdict.
      facts = error instanceof Stop ? { kind: error.kind, detail: error.detail, lines: error.lines, ours: true } :
        { kind: "notfound", detail: "This badge could not be read (" + ((error && error.message) || error) + ").", ours: true };
    }
    if (mine !== runs) return;
    render(facts);
    reveal();
    if (facts.ob3 ? facts.signed : facts.assertion && facts.kind !== "altered") { current = facts; await checkEmail(); }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var url = urlInput.value.trim(), json = jsonInput.value.trim();
    if (json && (!url || lastField === jsonInput)) run({ json: json });
    else if (url) run({ url: url });
    else { say("notfound", "Nothing to check", "Choose a badge image, paste its URL or paste its credential."); reveal(); }
  });
  [urlInput, jsonInput].forEach(function (field) {
    field.addEventListener("input", function () { lastField = field; });
  });
  jsonInput.addEventListener("keydown", function (event) { // Enter makes a new line here: Ctrl+Enter checks
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); lastField = jsonInput; form.requestSubmit(); }
  });
  $("verify-email-form").addEventListener("submit", function (event) {
    event.preventDefault();
    if (!current) emailResult.textContent = email.value.trim() ? "Check a badge first, then its email." : "";
    else checkEmail();
  });
  fileInput.addEventListener("change", function () { if (fileInput.files[0]) run({ file: fileInput.files[0] }); });
  var drop = $("verify-drop");
  drop.addEventListener("dragover", function (event) { event.preventDefault(); drop.classList.add("cairn-verify-drop--over"); });
  drop.addEventListener("dragleave", function () { drop.classList.remove("cairn-verify-drop--over"); });
  drop.addEventListener("drop", function (event) {
    event.preventDefault();
    drop.classList.remove("cairn-verify-drop--over");
    if (event.dataTransfer.files[0]) run({ file: event.dataTransfer.files[0] });
  });
  root.hidden = false;

  // ?a=<award id>: its OB 2.0 assertion; ?c=<award id>: its OB 3.0 credential; ?url=<either's URL>.
  var params = new URLSearchParams(location.search), url = params.get("url");
  [["a", ASSERTION_URL], ["c", OB3_URL]].forEach(function (pair) {
    var award = params.get(pair[0]);
    if (award === null) return;
    url = /^[A-Za-z0-9_-]+$/.test(award) ? fill(pair[1], "award", award) : "";
    if (!url) { say("notfound", "Not found", "'" + award + "' is not an award id."); reveal(); }
  });
  if (url) { urlInput.value = url; run({ url: url.trim() }); }
})();
