"""A PD planner clicks through the private planner in Chromium: served by `serve --private` (a real
process) and opened from disk; filters kept in the address; answers checked against the records."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from browser_support import axe_violations, describe_violations
from test_planner import built, catalog, current_on, records, start_private_server  # noqa: F401 (fixture)

PAGES = ["index.html", "topics.html", "topics/sel.html", "stacks.html", "stacks/formative-assessment.html",
         "uptake.html", "equity.html", "people/beatriz-santos.html"]  # fmt: skip


@pytest.fixture(scope="module")
def served(built: Path) -> Iterator[str]:  # noqa: F811 (the fixture imported above)
    server, url = start_private_server(built)
    yield url
    server.terminate()
    server.wait(timeout=30)


def shown_names(page, table: str) -> set[str]:
    return set(
        page.eval_on_selector_all(
            f"#{table} tbody tr:not([hidden]) th[scope=row]", "rows => rows.map(r => r.textContent.trim())"
        )
    )


def lincoln_without_sel() -> set[str]:
    specs = catalog()
    return {p["name"] for p in records() if p.get("school") == "lincoln-ms" and not current_on("sel", p, specs)}


def test_who_at_lincoln_has_nothing_current_on_sel_over_serve_private(page, served: str) -> None:
    page.goto(served + "topics/sel.html")
    everyone = shown_names(page, "without-sel")
    page.get_by_label("School", exact=True).select_option(label="Lincoln Middle School")
    page.wait_for_function("() => location.search.includes('school=lincoln-ms')")
    assert shown_names(page, "without-sel") == lincoln_without_sel() < everyone
    assert "Showing" in page.locator("#without-sel-shown").inner_text()
    page.reload()
    assert page.get_by_label("School", exact=True).input_value() == "lincoln-ms"
    assert shown_names(page, "without-sel") == lincoln_without_sel()
    # The view follows to the other pages: a topic link keeps the school.
    page.get_by_role("link", name="Project-based learning").first.click()
    page.wait_for_url("**/topics/pbl.html?school=lincoln-ms")
    assert page.get_by_label("School", exact=True).input_value() == "lincoln-ms"


def test_the_planner_works_opened_from_disk(page, built: Path) -> None:  # noqa: F811
    index = (built / "build" / "planner" / "index.html").resolve()
    page.goto(index.as_uri())
    page.get_by_label("Topic", exact=True).select_option(label="Social-emotional learning")
    page.get_by_label("Role group", exact=True).select_option(label="Special education")
    page.wait_for_function("() => location.search.includes('topic=sel')")
    query = parse_qs(urlsplit(page.url).query)
    assert query == {"topic": ["sel"], "group": ["special-education"]}
    headings = page.eval_on_selector_all(
        "#staff-by-topic thead th:not([hidden])", "cells => cells.map(c => c.textContent.trim())"
    )
    assert headings == ["Person", "School", "Role group", "Social-emotional learning"]
    special = {p["name"] for p in records() if p.get("role", "").startswith("Special education")}
    assert shown_names(page, "staff-by-topic") == special
    page.reload()
    assert shown_names(page, "staff-by-topic") == special
    page.get_by_role("button", name="Clear filters").click()
    page.wait_for_function("() => location.search === ''")
    assert len(shown_names(page, "staff-by-topic")) == len(records())


@pytest.mark.parametrize("width", [1280, 390])
def test_every_kind_of_planner_page_is_accessible_on_a_desktop_and_a_phone(page, served: str, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    found = []
    for path in PAGES:
        page.goto(served + path)
        violations = axe_violations(page)
        if violations:
            found.append(describe_violations(path, violations))
        # Nothing wider than the phone but the tables' own scrolling regions.
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{path} is {overflow}px wider than {width}px"
    assert not found, "\n".join(found)
