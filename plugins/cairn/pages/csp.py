"""The Content-Security-Policy the site is published under.

Every HTML page carries its policy in a `<meta http-equiv="Content-Security-Policy">`, put
right after `<meta charset>`, before anything the policy governs: hosts that send no headers
of our choosing (GitHub Pages, a school's file server) enforce it too. Scripts and styles come
from the site's own files; the few inline ones that Material writes (`__md_scope=new URL(...)`,
whose text changes with the page's depth, and a tab-restoring script) and the style block of
the embeddable card are allowed by their sha256, page by page, so nothing that is not in the
page as built can run. Markdown never yields a script or style element (raw HTML is shown as
text, and the sanitizer allows neither: pages/markdown.py); should one ever reach a page's
content (Material's <article>, where Markdown lands), it is not hashed, so it does not run.

What a `<meta>` cannot carry (frame-ancestors: who may frame a page) goes in header files:
`_headers` for Netlify and Cloudflare Pages, written into the site, and the nginx lines in the
README; embeddable cards (/embed/) may be framed by any site, every other page only by ours.

The hashing reads the page once with two regular expressions: it runs on every page a build
renders (5,600 at district size), so it parses no HTML.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

from cairn.urls import PATHS, did_document_path, file_of

log = logging.getLogger("mkdocs.plugins.cairn")

# Directives every page and every header share.
BASE = ("object-src 'none'", "base-uri 'self'", "form-action 'self'")
# What a header adds, which a <meta> cannot carry. An embeddable card may be framed anywhere.
HEADER_POLICY = "; ".join(("frame-ancestors 'self'", *BASE))
EMBED_HEADER_POLICY = "; ".join(BASE)
EMBED_FOLDER = PATHS.embed("x").split("/", 1)[0]  # "embed"
HEADERS_FILE = "_headers"
# What verifiers and wallets read from other origins (a browser verifier; the Learner
# Credential Wallet adding a credential from its URL): the credential files, all public
# already. Top-level folders and files of the site, so a rule never overlaps another.
CROSS_ORIGIN = frozenset(
    path.split("/", 1)[0] + ("/" if "/" in path else "")
    for path in (
        PATHS.ob3_credential("x"),
        PATHS.status_list(1),
        PATHS.assertion("x"),
        PATHS.badge_class("x"),
        PATHS.issuer(),
        PATHS.revocations(),
        did_document_path("https://a.example/"),
        did_document_path("https://a.example/path/"),
    )
)
# Pages that check other issuers' badges: they read those issuers' files and show their images.
FOREIGN_READERS = frozenset({file_of(PATHS.verify())})

_META = re.compile(rb'\n?<meta http-equiv="Content-Security-Policy" content="[^"]*">')
_HEAD = re.compile(rb"<head\b[^>]*>(?:\s*<meta charset=[^>]*>)?", re.IGNORECASE)
_DOCTYPE = re.compile(rb"\s*<!doctype[^>]*>", re.IGNORECASE)
_INLINE = re.compile(rb"<(script|style)\b([^>]*)>(.*?)</\1\s*>", re.IGNORECASE | re.DOTALL)
_CONTENT = b'<article class="md-content__inner'  # Material's; Markdown lands inside it
_SRC = re.compile(rb"(?:^|\s)src\s*=", re.IGNORECASE)
_TYPE = re.compile(rb"""(?:^|\s)type\s*=\s*["']?([^"'\s>]*)""", re.IGNORECASE)
# What a browser runs as a script; anything else (application/json: Material's __config) is data.
_SCRIPT_TYPES = frozenset(
    {b"", b"module", b"text/javascript", b"application/javascript", b"text/ecmascript", b"application/ecmascript"}
)


@dataclass(frozen=True)
class Policy:
    """The policy of a site published at `site_url`.

    `serving`: the build is for the local preview (`build.py serve`), whose server adds a
    live-reload script to every page, a new text at each build: there inline scripts are
    allowed (a hash would turn that off), and only there."""

    site_url: str
    serving: bool = False

    def secure(self, html: bytes, path: str) -> bytes:
        """`html`, the page published at `path` (relative to the site), with its policy."""
        if b'http-equiv="Content-Security-Policy"' in html:  # secured before: the policy is made anew
            html = _META.sub(b"", html)
        scripts: dict[str, None] = {}
        styles: dict[str, None] = {}
        content_start = html.find(_CONTENT)
        content_end = html.rfind(b"</article>") if content_start >= 0 else -1
        for match in _INLINE.finditer(html):
            if content_start < match.start() < content_end:
                log.warning(f"cairn: {path}: an inline <script> or <style> in the page's content will not run")
                continue
            tag, attributes, body = match.groups()
            if tag.lower() == b"style":
                styles[_sha256(body)] = None
            elif not _SRC.search(attributes) and _script_type(attributes) in _SCRIPT_TYPES:
                scripts[_sha256(body)] = None
        meta = b'<meta http-equiv="Content-Security-Policy" content="%s">' % self.text(path, scripts, styles).encode()
        # Before anything the policy governs (a <meta> applies to what follows it).
        place = _HEAD.search(html) or _DOCTYPE.match(html)
        at = place.end() if place else 0
        return html[:at] + b"\n" + meta + html[at:]

    def text(self, path: str, scripts: Iterable[str] = (), styles: Iterable[str] = ()) -> str:
        """The policy of one page, given the hashes of its inline scripts and style blocks."""
        script_src = ["'self'", "'unsafe-inline'"] if self.serving else ["'self'", *scripts]
        images, connect = ["'self'", "data:"], ["'self'"]
        if path in FOREIGN_READERS:
            # Other issuers' badges, their keys and revocation lists, from wherever they are
            # published (an https page cannot read http addresses anyway: mixed content).
            foreign = ["https:", "http:"] if urlsplit(self.site_url).scheme == "http" else ["https:"]
            images += foreign
            connect += foreign
        directives = (
            "default-src 'self'",
            "script-src " + " ".join(script_src),
            "style-src " + " ".join(["'self'", *styles]),
            "img-src " + " ".join(images),
            "connect-src " + " ".join(connect),
            *BASE,
        )
        return "; ".join(directives)

    def identity(self) -> str:
        """What the policy of a page depends on besides the page: part of every page's key, so a
        page kept from an earlier build never carries an older policy."""
        return hashlib.sha256(Path(__file__).read_bytes() + repr(self).encode()).hexdigest()


def _sha256(body: bytes) -> str:
    # A browser hashes the element's text as parsed: line breaks normalised to \n, UTF-8.
    body = body.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return "'sha256-" + base64.b64encode(hashlib.sha256(body).digest()).decode() + "'"


def _script_type(attributes: bytes) -> bytes:
    found = _TYPE.search(attributes)
    return found[1].lower().strip() if found else b""


def headers_file(paths: Iterable[str], district_rules: bytes = b"") -> bytes:
    """`_headers` for Netlify and Cloudflare Pages, for a site holding `paths` (relative),
    followed by the `district_rules` of the content folder's own `_headers`, if any.

    When two rules match a path, both hosts send both values joined by a comma: two policies,
    both enforced, so a rule for /* would keep /embed/ from being framed whatever /embed/*
    said. The policy is set once per top-level file or folder instead, so no path matches two.
    (So the district's rules can add to Cairn's policy, never take from it.)"""
    # "name/" for a folder, "name" for a file; one pass at C speed (a state's site: 1.4M files, 0.3 s).
    tops = {path[: path.find("/") + 1] or path for path in paths}
    folders = {top[:-1] for top in tops if top.endswith("/")}
    files = {top for top in tops if not top.endswith("/")} - {HEADERS_FILE}
    lines = [
        "# Made by Cairn at each build: what only a header can add to the Content-Security-Policy",
        "# that every page carries in its <meta> (who may frame the page). Embeddable cards may be",
        "# framed by any site. Rules never overlap: two rules on one path would be two policies.",
        "# Credential files may be read from any origin (verifiers, wallets adding a credential).",
        "/*",
        "  X-Content-Type-Options: nosniff",
    ]
    rules = [(f"/{quote(name)}/*", f"{name}/") for name in sorted(folders)]
    rules += [(f"/{quote(name)}", name) for name in sorted(files)]
    if "index.html" in files:
        rules.append(("/", "index.html"))
    for pattern, top in rules:
        policy = EMBED_HEADER_POLICY if top == f"{EMBED_FOLDER}/" else HEADER_POLICY
        lines += [pattern, f"  Content-Security-Policy: {policy}"]
        if top in CROSS_ORIGIN:
            lines.append("  Access-Control-Allow-Origin: *")
    made = ("\n".join(lines) + "\n").encode()
    if district_rules.strip():
        made += b"\n# The district's own rules (the content folder's _headers):\n" + district_rules.rstrip() + b"\n"
    return made
