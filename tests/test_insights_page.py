"""A principal opens /insights/ to see, for the whole district, who holds credentials on which
topics at which school, how uptake grows year by year, and whether every role group gets the
same chance; a member of the public sees the same page and learns nothing about any one person.

Every expectation is counted here by hand from the records (earners/*.yml, the catalog's front
matter), never written down and never asked of the code under test; the page is read as HTML.
"""

from __future__ import annotations

import calendar
import datetime as dt
import html
import json
import re
import statistics
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from browser_support import axe_violations, describe_violations
from cairn.insights.roles import default_role_groups, read_role_groups
from cairn.sources.problems import Problems
from cairn.urls import PATHS, file_of
from conftest import REPO, run_cli, serve_folder

K = 5  # the sample does not set insights_min_group: the default
MARK = "*"
PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 900}
SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = "<script>alert(1)</script> & \"quoted\" 'too'"
PAGE = file_of(PATHS.insights())


# --------------------------------------------------------------------------- the page, as published


@dataclass
class Published:
    """One table of the page as a reader sees it: headings, then rows of (label, cell texts)."""

    section: str
    headings: list[str] = field(default_factory=list)
    rows: list[tuple[str, list[str]]] = field(default_factory=list)
    totals: list[tuple[str, list[str]]] = field(default_factory=list)

    def cell(self, row: str, heading: str) -> str:
        cells = next(c for label, c in (*self.rows, *self.totals) if label == row)
        return cells[self.headings.index(heading)]


class _Tables(HTMLParser):
    """The insights tables: a withheld cell (class cairn-withheld) reads as the mark alone."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, Published] = {}
        self.section = ""
        self.part = ""
        self.row: list[str] | None = None
        self.text: list[str] | None = None
        self.withheld = False
        self.hidden_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "section" and "cairn-insight" in (a.get("class") or ""):
            self.section = a.get("aria-labelledby") or ""
        elif tag == "table" and "cairn-figures" in (a.get("class") or ""):
            self.tables[self.section] = Published(self.section)
        elif tag in ("thead", "tbody", "tfoot"):
            self.part = tag
        elif tag == "tr":
            self.row = []
        elif tag in ("th", "td") and self.row is not None:
            self.text, self.withheld = [], "cairn-withheld" in (a.get("class") or "")
        elif tag == "span" and "cairn-sr-only" in (a.get("class") or "") and self.text is not None:
            self.hidden_depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "span" and self.hidden_depth:
            self.hidden_depth -= 1
        elif tag in ("th", "td") and self.text is not None and self.row is not None:
            text = " ".join("".join(self.text).split())
            self.row.append(MARK if self.withheld else text)
            assert not self.withheld or text == MARK, f"a withheld cell shows {text!r}"
            self.text = None
        elif tag == "tr" and self.row is not None:
            table = self.tables[self.section]
            if self.part == "thead":
                table.headings = self.row[1:]
            else:
                (table.rows if self.part == "tbody" else table.totals).append((self.row[0], self.row[1:]))
            self.row = None

    def handle_data(self, data: str) -> None:
        if self.text is not None and not self.hidden_depth:
            self.text.append(data)


def tables(page_html: str) -> dict[str, Published]:
    parser = _Tables()
    parser.feed(page_html)
    return parser.tables


def as_of(page_html: str) -> dt.date:
    """The day the figures are computed on, as the page says it."""
    found = re.search(r"as of (\d+) (\w+) (\d{4})", page_html)
    assert found, "the page should say the day its figures are computed on"
    day, month, year = found.groups()
    return dt.date(int(year), list(calendar.month_name).index(month), int(day))


def svgs(page_html: str) -> list[ET.Element]:
    return [ET.fromstring(m) for m in re.findall(r"<svg\b[^>]*class=\"cairn-chart\".*?</svg>", page_html, re.S)]


# --------------------------------------------------------------------------- the records, counted by hand


def front_matter(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])


@dataclass(frozen=True)
class Spec:
    topics: tuple[str, ...]
    expires_after: str | None
    milestone: bool


def catalog(project: Path) -> dict[str, Spec]:
    result = {}
    for path in sorted((project / "catalog").glob("*/*.md")):
        meta = front_matter(path)
        result[str(meta.get("id") or path.stem)] = Spec(
            tuple(meta.get("topics") or ()), meta.get("expires_after"), meta.get("kind") == "milestone"
        )
    return result


def records(project: Path) -> list[dict]:
    return [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((project / "earners").glob("[!_]*.yml"))]


def lapses(award: dict, spec: Spec) -> dt.date | None:
    if award.get("expires"):
        return award["expires"]
    if not spec.expires_after:
        return None
    amount, unit = spec.expires_after.split()
    issued: dt.date = award["issued"]
    if unit.startswith(("year", "month")):
        months = issued.month - 1 + int(amount) * (12 if unit.startswith("year") else 1)
        year, month = issued.year + months // 12, months % 12 + 1
        return dt.date(year, month, min(issued.day, calendar.monthrange(year, month)[1]))
    return issued + dt.timedelta(days=int(amount) * (7 if unit.startswith("week") else 1))


def counted_awards(person: dict, specs: dict[str, Spec], today: dt.date) -> list[dict]:
    """A person's awards that count: of a known credential, issued by the day, not revoked."""
    return [
        a
        for a in person.get("awards") or ()
        if a["credential"] in specs and a["issued"] <= today and "revoked" not in a
    ]


def current_topics(person: dict, specs: dict[str, Spec], today: dt.date) -> set[str]:
    topics: set[str] = set()
    for award in counted_awards(person, specs, today):
        spec = specs[award["credential"]]
        ends = lapses(award, spec)
        if ends is None or today < ends:
            topics.update(spec.topics)
    return topics


def held(person: dict, specs: dict[str, Spec], today: dt.date) -> list[tuple[dt.date, str]]:
    """(first issued, credential) of each micro-credential held (expired or not), first first."""
    first: dict[str, dt.date] = {}
    for award in counted_awards(person, specs, today):
        if not specs[award["credential"]].milestone:
            cid = award["credential"]
            first[cid] = min(first.get(cid, award["issued"]), award["issued"])
    return sorted((day, cid) for cid, day in first.items())


def school_year(day: dt.date, start_month: int = 7) -> str:
    start = day.year if day.month >= start_month else day.year - 1
    return f"{start}–{(start + 1) % 100:02d}"


def small(*sizes: int) -> bool:
    """A figure that says something about a group of 1 to k−1 people must be withheld."""
    return any(0 < size < K for size in sizes)


def labels(project: Path) -> tuple[dict[str, str], dict[str, str]]:
    schools = yaml.safe_load((project / "earners" / "_schools.yml").read_text(encoding="utf-8"))
    topics = yaml.safe_load((project / "catalog" / "_topics.yml").read_text(encoding="utf-8"))
    return {s: v["name"] for s, v in schools.items()}, {t: v["label"] for t, v in topics.items()}


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def page_html(sample_site: Path) -> str:
    return (sample_site / PAGE).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def site(sample_site: Path) -> Iterator[str]:
    yield from serve_folder(sample_site)


# --------------------------------------------------------------------------- the figures are the records'


def test_coverage_by_school_and_topic_is_the_records_counted_by_hand(page_html: str) -> None:
    today, specs, people = as_of(page_html), catalog(REPO), records(REPO)
    schools, topics = labels(REPO)
    table = tables(page_html)["coverage"]
    assert table.headings == ["Staff", *topics.values()]
    shown = withheld = 0
    rows: list[tuple[str, list[dict]]] = [(n, [p for p in people if p.get("school") == s]) for s, n in schools.items()]
    for label, staff in [*rows, ("District", people)]:
        figure = table.cell(label, "Staff")
        if small(len(staff)):
            assert figure == MARK, f"{label}: a school of {len(staff)} staff is withheld"
        elif figure != MARK:
            assert figure == f"{len(staff):,}", label
        for topic, heading in topics.items():
            holders = sum(1 for p in staff if topic in current_topics(p, specs, today))
            figure = table.cell(label, heading)
            if small(len(staff), holders, len(staff) - holders):
                assert figure == MARK, f"{label}, {heading}: {holders} of {len(staff)} must be withheld"
                withheld += 1
            elif figure == MARK:
                withheld += 1  # withheld so that another cannot be worked out
            else:
                assert figure == f"{holders:,}", f"{label}, {heading}"
                shown += 1
    assert shown and withheld, "the sample should show some figures and withhold others"


def test_uptake_by_school_year_is_the_records_counted_by_hand(page_html: str) -> None:
    today, specs, people = as_of(page_html), catalog(REPO), records(REPO)
    _, topics = labels(REPO)
    table = tables(page_html)["uptake"]
    assert table.headings == [*topics.values(), "All awards"]
    awards: dict[tuple[str, str], int] = {}
    who: dict[tuple[str, str], set[int]] = {}
    for index, person in enumerate(people):
        for award in counted_awards(person, specs, today):
            spec = specs[award["credential"]]
            if spec.milestone:
                continue
            year = school_year(award["issued"])
            for at in [(y, c) for y in (year, "All") for c in (*spec.topics, "all")]:
                awards[at] = awards.get(at, 0) + 1
                who.setdefault(at, set()).add(index)
    years = sorted({y for y, _ in awards} - {"All"})
    assert [label for label, _ in table.rows] == years
    shown = 0
    for year in [*years, "All"]:
        for key, heading in [*topics.items(), ("all", "All awards")]:
            figure = table.cell(year, heading)
            if small(len(who.get((year, key), ()))):
                assert figure == MARK, f"{year}, {heading}: awards of {len(who[year, key])} people must be withheld"
            elif figure != MARK:
                assert figure == f"{awards.get((year, key), 0):,}", f"{year}, {heading}"
                shown += 1
    assert shown


def test_equity_by_role_group_is_the_records_counted_by_hand_with_group_sizes(page_html: str) -> None:
    today, specs, people = as_of(page_html), catalog(REPO), records(REPO)
    roles = read_role_groups(REPO / "earners", Problems(REPO))
    assert roles == default_role_groups() or roles.source is not None
    table = tables(page_html)["equity"]
    assert table.headings[:2] == ["Staff", "Holding a credential"]  # the group's size beside every figure
    groups = [(roles.label(g), [p for p in people if roles.group_of(p.get("role") or "") == g]) for g in roles.ids]
    shown = 0
    for label, staff in [*((lbl, s) for lbl, s in groups if s), ("All staff", people)]:
        holdings = [held(p, specs, today) for p in staff]
        holders = [h for h in holdings if h]
        two = [h for h in holders if len(h) >= 2]
        total = sum(len(h) for h in holders)
        gaps = [(h[1][0] - h[0][0]).days for h in two]
        expected = {
            "Staff": (f"{len(staff):,}", (len(staff),)),
            "Holding a credential": (f"{len(holders):,}", (len(holders), len(staff) - len(holders))),
            "Share holding": (f"{round(100 * len(holders) / len(staff))}%", (len(holders), len(staff) - len(holders))),
            "Credentials held": (f"{total:,}", (len(holders), len(staff) - len(holders))),
            "Credentials per person": (f"{total / len(staff):.1f}", (len(holders), len(staff) - len(holders))),
            "Holding two or more": (f"{len(two):,}", (len(two), len(staff) - len(two))),
            "Median days, first to second": (f"{statistics.median(gaps):.0f}" if gaps else "—", (len(two),)),
        }
        for heading, (text, sizes) in expected.items():
            figure = table.cell(label, heading)
            if small(len(staff), *sizes):
                assert figure == MARK, f"{label}, {heading}: about fewer than {K} people, must be withheld"
            elif figure != MARK:
                assert figure == text, f"{label}, {heading}"
                shown += 1
    assert shown
    # Every role group with staff is a row (one of them under k in the sample: all withheld).
    assert [label for label, _ in table.rows] == [lbl for lbl, s in groups if s]
    assert any(small(len(s)) for _, s in groups), "the sample should have a role group under k"


def test_the_page_explains_the_mark_and_names_no_one(page_html: str) -> None:
    text = html.unescape(re.sub(r"<[^>]+>", " ", page_html))
    assert re.search(rf"\*\s+fewer than {K} people: not shown, to protect individuals", " ".join(text.split()))
    for person in records(REPO):
        assert person["name"] not in page_html and html.escape(person["name"]) not in page_html, person["name"]
        assert person["email"] not in page_html
        if person.get("slug"):
            assert PATHS.earner(person["slug"]) not in page_html  # no link to anyone's profile either


# --------------------------------------------------------------------------- nothing withheld can be worked out


def determined(equations: list[dict[tuple[str, int, int], Fraction]], unknown: list) -> set:
    """The unknowns a system of linear equations (coefficients only: what is known is on the
    other side) pins down exactly: those whose unit vector lies in the equations' row space."""

    def rank(rows: list[list[Fraction]]) -> int:
        rows = [list(r) for r in rows]
        found = 0
        for col in range(len(unknown)):
            pivot = next((r for r in range(found, len(rows)) if rows[r][col]), None)
            if pivot is None:
                continue
            rows[found], rows[pivot] = rows[pivot], rows[found]
            for r in range(len(rows)):
                if r != found and rows[r][col]:
                    factor = rows[r][col] / rows[found][col]
                    rows[r] = [x - factor * y for x, y in zip(rows[r], rows[found], strict=True)]
            found += 1
        return found

    matrix = [[eq.get(u, Fraction(0)) for u in unknown] for eq in equations]
    base = rank(matrix)
    return {
        u
        for i, u in enumerate(unknown)
        if rank([*matrix, [Fraction(int(j == i)) for j in range(len(unknown))]]) == base
    }


def test_no_withheld_figure_can_be_worked_out_from_the_published_tables(page_html: str) -> None:
    """From the page's tables alone, a reader adds and subtracts: every column of groups adds up
    to its total row (a school's staff, the district's; a year's awards, all years'), every
    uptake row to its "All awards" (a reader may assume so), and a share or a rate shown with
    one of its two counts gives the other. No withheld figure is pinned down by any of it."""
    published = tables(page_html)
    equations: list[dict] = []
    unknown: set = set()
    hidden_total = 0
    for name, table in published.items():
        grid = [cells for _, cells in (*table.rows, *table.totals[:1])]  # the equity spread is no sum
        hidden_total += sum(c == MARK for row in grid for c in row)

        def var(r: int, c: int, name: str = name, grid: list = grid) -> tuple[str, int, int] | None:
            if grid[r][c] == MARK:
                unknown.add((name, r, c))
                return (name, r, c)
            return None

        additive = (
            [
                table.headings.index(h)
                for h in ("Staff", "Holding a credential", "Credentials held", "Holding two or more")
            ]
            if name == "equity"
            else list(range(len(table.headings)))
        )
        lines = [[(r, c) for r in range(len(grid))] for c in additive]
        if name == "uptake":
            lines += [[(r, c) for c in additive] for r in range(len(grid))]
        for line in lines:
            equation: dict = {}
            for position, (r, c) in enumerate(line):
                v = var(r, c)
                if v is not None:
                    equation[v] = equation.get(v, Fraction(0)) + (-1 if position == len(line) - 1 else 1)
            if equation:
                equations.append(equation)
        if name == "equity":
            for r, row in enumerate(grid):
                for derived, pair in (("Share holding", ("Holding a credential", "Staff")),
                                      ("Credentials per person", ("Credentials held", "Staff"))):  # fmt: skip
                    if row[table.headings.index(derived)] == MARK:
                        continue
                    gone = [v for v in (var(r, table.headings.index(h)) for h in pair) if v is not None]
                    if len(gone) == 1:
                        equations.append({gone[0]: Fraction(1)})
    assert hidden_total, "the sample should withhold something, or there is nothing to prove"
    recovered = determined(equations, sorted(unknown))
    assert not recovered, f"withheld figures a reader can work out: {sorted(recovered)}"


def test_the_differencing_check_would_catch_a_lone_withheld_cell() -> None:
    """The check above can fail: a column 3 + * + 4 = 10 gives the withheld 3."""
    assert determined([{("t", 1, 0): Fraction(1)}], [("t", 1, 0)]) == {("t", 1, 0)}
    two = [{("t", 1, 0): Fraction(1), ("t", 2, 0): Fraction(1)}]
    assert determined(two, [("t", 1, 0), ("t", 2, 0)]) == set()


# --------------------------------------------------------------------------- pictures


def test_every_chart_is_well_formed_svg_with_title_and_description_and_its_table_beside_it(page_html: str) -> None:
    charts = svgs(page_html)
    assert len(charts) == 3
    for svg in charts:
        chart_id = svg.get("id")
        assert svg.get("role") == "img" and svg.get("aria-labelledby") == f"{chart_id}-title {chart_id}-desc"
        title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
        assert title is not None and (title.text or "").strip() and title.get("id") == f"{chart_id}-title"
        assert desc is not None and (desc.text or "").strip() and desc.get("id") == f"{chart_id}-desc"
        assert not any(e.tag.endswith(("script", "foreignObject")) for e in svg.iter())
        assert not any(n == "style" or n.startswith("on") for e in svg.iter() for n in e.attrib)
    # Each section: its chart, then its table.
    for section in re.findall(r'<section class="cairn-insight".*?</section>', page_html, re.S):
        assert section.index("<svg") < section.index('<table class="cairn-figures"'), section[:80]


def test_the_home_page_shows_the_way_to_insights(sample_site: Path) -> None:
    home = (sample_site / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<a class="cairn-ways__link" href="insights/">Insights</a>', home)


# --------------------------------------------------------------------------- a phone, a desk, no script


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["phone", "desk"])
def test_insights_fits_a_phone_and_axe_finds_nothing(page, site: str, viewport: dict) -> None:
    page.set_viewport_size(viewport)
    page.goto(site + PATHS.insights())
    page.wait_for_load_state("load")
    width = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"/insights/ is {width[0]} px wide on a {width[1]} px screen"
    violations = axe_violations(page)
    assert not violations, describe_violations("insights/", violations)
    if viewport is PHONE:
        # A wide table scrolls inside its own box, and the page says so.
        hints = page.locator("article .cairn-scroll-hint:visible")
        assert hints.count() >= 1


def test_the_charts_and_tables_show_without_script(browser, site: str) -> None:
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    try:
        tab = context.new_page()
        tab.goto(site + PATHS.insights())
        boxes = tab.evaluate(
            """() => Array.from(document.querySelectorAll('article svg.cairn-chart, article table.cairn-figures'),
                 el => el.getBoundingClientRect().width)"""
        )
        assert len(boxes) == 6 and all(w > 200 for w in boxes), boxes
        assert tab.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()


# --------------------------------------------------------------------------- a district's choices, and hostile names


def set_plugin_option(project: Path, line: str) -> None:
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace("      catalog_dir: catalog\n", f"      catalog_dir: catalog\n      {line}\n"), "utf-8"
    )


def test_a_district_that_turns_insights_off_publishes_no_page_and_no_link(project: Path) -> None:
    assert run_cli(project, "build") == 0
    site = project / "site"
    assert (site / PAGE).is_file()
    assert PATHS.insights() in (site / "sitemap.xml").read_text(encoding="utf-8")

    set_plugin_option(project, "insights: false")
    assert run_cli(project, "build") == 0
    assert not (site / PAGE).exists() and not (site / PATHS.insights()).exists()
    assert 'href="insights/"' not in (site / "index.html").read_text(encoding="utf-8")
    assert PATHS.insights() not in (site / "sitemap.xml").read_text(encoding="utf-8")
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert not [d for d in index["docs"] if d["location"].startswith(PATHS.insights())]


def test_k_is_the_districts_to_set(project: Path) -> None:
    set_plugin_option(project, "insights_min_group: 10")
    assert run_cli(project, "build") == 0
    text = (project / "site" / PAGE).read_text(encoding="utf-8")
    assert "fewer than 10 people: not shown, to protect individuals" in " ".join(text.split())
    staff = [cells[0] for _, cells in tables(text)["coverage"].rows]  # each school's head count
    assert MARK in staff and all(c == MARK or int(c.replace(",", "")) >= 10 for c in staff), staff


def test_a_hostile_school_name_and_topic_label_are_shown_as_text(project: Path) -> None:
    schools = project / "earners" / "_schools.yml"
    text = schools.read_text(encoding="utf-8")
    schools.write_text(text.replace("name: Lincoln Middle School", f"name: {json.dumps(HOSTILE)}"), "utf-8")
    topics = project / "catalog" / "_topics.yml"
    text = topics.read_text(encoding="utf-8")
    topics.write_text(text.replace("label: Social-emotional learning", f"label: {json.dumps(HOSTILE)}", 1), "utf-8")
    assert run_cli(project, "build") == 0
    page_html = (project / "site" / PAGE).read_text(encoding="utf-8")
    assert "<script>alert" not in page_html
    published = tables(page_html)
    assert HOSTILE in [label for label, _ in published["coverage"].rows]
    assert HOSTILE in published["coverage"].headings and HOSTILE in published["uptake"].headings
    charts = svgs(page_html)  # still well-formed
    drawn = "".join("".join(svg.itertext()) for svg in charts)
    assert HOSTILE[:20] in drawn
