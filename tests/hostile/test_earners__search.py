"""A public earner's name, role or school holds HTML (pasted, or typed on purpose). A visitor
who types a matching word into the site's search box sees it as text; nothing runs."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from browser_support import TIMEOUT_MS
from conftest import copy_project, run_cli, serve_folder

WORD = "Zebrafinch"  # on no page of the sample district
NAME = f"Ana {WORD} <img src=x onerror=alert('name')>"
ROLE = f"{WORD} coach <img src=x onerror=alert('role')>"
SCHOOL = f"Lincoln <img src=x onerror=alert('school')> {WORD} School"
TITLE = f"Wait Time <img src=x onerror=alert('title')> {WORD}"
HEADING = f"{WORD} notes <img src=x onerror=alert('heading')>"


# Script a Content-Security-Policy stopped still counts: the site must not depend on the policy.
WATCH_BLOCKED_SCRIPT = """window.cairnBlocked = [];
document.addEventListener('securitypolicyviolation', e => {
  if (e.effectiveDirective.startsWith('script-src'))
    window.cairnBlocked.push(e.effectiveDirective + ' ' + e.blockedURI);
});"""


def quoted(text: str) -> str:
    return '"' + text.replace('"', '\\"') + '"'


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The sample district with HTML in Ana Ruiz's name, role and school, and in one credential's
    title and a heading of its body; served locally."""
    project = copy_project(tmp_path_factory.mktemp("search"))
    earner = project / "earners" / "ana-ruiz.yml"
    text = earner.read_text(encoding="utf-8")
    assert "public: true" in text and "school: lincoln-ms" in text
    text = text.replace("name: Ana Ruiz", f"name: {quoted(NAME)}").replace(
        "role: Grade 7 science teacher", f"role: {quoted(ROLE)}"
    )
    earner.write_text(text, encoding="utf-8")
    schools = project / "earners" / "_schools.yml"
    schools.write_text(
        schools.read_text(encoding="utf-8").replace("name: Lincoln Middle School", f"name: {quoted(SCHOOL)}"),
        encoding="utf-8",
    )
    spec = project / "catalog" / "formative-assessment" / "wait-time.md"
    text = spec.read_text(encoding="utf-8").replace("title: Wait Time", f"title: {quoted(TITLE)}")
    spec.write_text(text.replace("## Key Method\n", f"## Key Method\n\n### {HEADING}\n\n"), encoding="utf-8")
    assert run_cli(project, "build") == 0
    yield from serve_folder(project / "site")


def test_searching_a_name_that_holds_html_shows_it_as_text(page, served: str) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.add_init_script(WATCH_BLOCKED_SCRIPT)
    page.goto(served)
    blocked_at_load = page.evaluate("window.cairnBlocked.length")
    box = page.locator("input.md-search__input")
    page.keyboard.press("/")  # Material's shortcut for the search box
    box.press_sequentially(WORD, delay=20)
    results = page.locator(".md-search-result__list")
    wanted = ["earners/ana-ruiz/", "credentials/wait-time/"]
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while time.monotonic() < deadline:
        links = results.locator("a").evaluate_all("links => links.map(a => a.href)")
        if all(any(link.startswith(served + path) for link in links) for path in wanted):
            break
        page.wait_for_timeout(100)
    else:
        pytest.fail(f"searching {WORD!r} should find {wanted}; found {links}")
    page.locator(".md-search-result__more summary").evaluate_all("els => els.forEach(el => el.click())")
    page.wait_for_timeout(500)  # time for an inserted image to fail and fire its handler
    dialogs += [f"script blocked by the policy ({b})" for b in page.evaluate("window.cairnBlocked")[blocked_at_load:]]
    assert dialogs == [], f"search results ran (or tried to run) script: {dialogs}"
    assert results.locator("img").count() == 0, results.inner_html()
    shown = results.inner_text()
    for text in ("<img src=x onerror=alert('name')>", "<img src=x onerror=alert('role')>"):
        assert text in shown, f"{text!r} should show as text in the results:\n{shown}"
    for text in ("onerror=alert('school')", "onerror=alert('title')", "onerror=alert('heading')"):
        assert text in shown, f"{text!r} should show as text in the results:\n{shown}"
