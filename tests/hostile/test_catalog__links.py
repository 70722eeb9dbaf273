"""A committee member pastes links into a spec from somewhere else. Links whose address is a
script (written with HTML entities, which the browser decodes before it reads the scheme) must
reach no visitor as a working link; ordinary links keep working."""

from __future__ import annotations

import html.parser
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import copy_project, run_cli, serve_folder

# Link text: the address as pasted. Each one becomes a script, a data document or VBScript
# once the browser has decoded its entities (and, for the tab, dropped the tab).
HOSTILE = {
    "colon-named": "javascript&colon;alert(1)",
    "colon-decimal": "javascript&#58;alert(2)",
    "colon-hex": "javascript&#x3A;alert(3)",
    "j-decimal": "&#106;avascript:alert(4)",
    "tab-inside": "java&Tab;script:alert(5)",
    "mixed-case": "JaVaScRiPt&colon;alert(6)",
    "data-named": "data&colon;text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript-named": "vbscript&colon;msgbox(1)",
}
ORDINARY = {
    "web-link": "https://example.org/wait-time-study",
    "mail-link": "mailto:pd@example.org",
    "relative-link": "../exit-tickets/",
    "anchor-link": "#scoring-rubric",
}
SCRIPT_SCHEMES = ("javascript:", "data:", "vbscript:")


def hostile_spec(text: str) -> str:
    inline = " ".join(f"[{name}]({url})" for name, url in {**HOSTILE, **ORDINARY}.items())
    images = " ".join(f"![img-{name}]({url})" for name, url in HOSTILE.items())
    text = text.replace("## Competency\n", f"## Competency\n\nInline: {inline}\n\nImages: {images}\n")
    references = " ".join(f"[ref-{name}][r-{name}]" for name in HOSTILE)
    definitions = "\n".join(f"[r-{name}]: {url}" for name, url in HOSTILE.items())
    text = text.replace("## Key Method\n", f"## Key Method\n\nReferences: {references}\n\n{definitions}\n")
    cells = " ".join(f"[cell-{name}]({url})" for name, url in HOSTILE.items())
    return text.replace("| Overview | Missing the class context", f"| Overview {cells} | Missing the class context")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample district with every hostile link pasted into Wait Time; its site/ folder."""
    project = copy_project(tmp_path_factory.mktemp("links"))
    spec = project / "catalog" / "formative-assessment" / "wait-time.md"
    spec.write_text(hostile_spec(spec.read_text(encoding="utf-8")), encoding="utf-8")
    assert run_cli(project, "build") == 0
    return project / "site"


@pytest.fixture(scope="module")
def served(built: Path) -> Iterator[str]:
    yield from serve_folder(built)


class _Addresses(html.parser.HTMLParser):
    """Every href and src as the browser reads it (entities decoded once), with its element's text."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str, str]] = []  # (tag, attribute, value)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src", "action", "formaction", "xlink:href") and value is not None:
                self.found.append((tag, name, value))


def as_browser_reads(url: str) -> str:
    """Leading and trailing spaces and controls dropped, tabs and newlines removed anywhere
    (the URL standard), lower-cased."""
    url = "".join(ch for ch in url if ch not in "\t\n\r")
    return url.strip("".join(chr(c) for c in range(0x21))).lower()


def addresses(page: Path) -> list[tuple[str, str, str]]:
    parser = _Addresses()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.found


def test_no_page_carries_a_script_address_and_ordinary_links_still_work(built: Path) -> None:
    scripted = [
        (page.relative_to(built).as_posix(), tag, name, value)
        for page in sorted(built.rglob("*.html"))
        for tag, name, value in addresses(page)
        if as_browser_reads(value).startswith(SCRIPT_SCHEMES)
    ]
    assert scripted == [], "addresses a browser would run:\n" + "\n".join(map(str, scripted))
    page = built / "credentials" / "wait-time" / "index.html"
    hrefs = {value for tag, name, value in addresses(page) if tag == "a" and name == "href"}
    assert set(ORDINARY.values()) <= hrefs, f"ordinary links lost: {set(ORDINARY.values()) - hrefs}"
    text = page.read_text(encoding="utf-8")
    for name in HOSTILE:  # each hostile link is still there as text, so the reader sees what was written
        assert f">{name}<" in text and f">ref-{name}<" in text and f">cell-{name}<" in text, name
    # The rubric keeps its structure: header cells for screen readers, the criterion as a row header.
    assert '<th scope="col">Not yet</th>' in text and '<th scope="row">Overview ' in text
    assert 'id="scoring-rubric"' in text  # headings keep their ids (table of contents, anchors)


# Script a Content-Security-Policy stopped still counts: the site must not depend on the policy.
WATCH_BLOCKED_SCRIPT = """window.cairnBlocked = [];
document.addEventListener('securitypolicyviolation', e => {
  if (e.effectiveDirective.startsWith('script-src'))
    window.cairnBlocked.push(e.effectiveDirective + ' ' + e.blockedURI);
});"""


def test_clicking_each_pasted_link_runs_nothing(page, served: str) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.add_init_script(WATCH_BLOCKED_SCRIPT)
    url = served + "credentials/wait-time/"
    page.goto(url)
    for name in HOSTILE:
        for text in (name, f"ref-{name}", f"cell-{name}"):
            before = page.evaluate("window.cairnBlocked.length")
            page.get_by_text(text, exact=True).click()
            page.wait_for_timeout(150)
            if page.url.split("#")[0] != url:
                page.goto(url)
                continue
            blocked = page.evaluate("window.cairnBlocked")[before:]
            dialogs += [f"{text}: script blocked by the policy ({b})" for b in blocked]
    assert dialogs == [], f"clicking pasted links ran (or tried to run) script: {dialogs}"
    page.get_by_text("anchor-link", exact=True).click()
    page.wait_for_url(url + "#scoring-rubric")
