"""The PD planner's private view: standalone pages and CSV files of every staff member's
credentials, written into the private folder (`planner/`) and never into the site.

`planner_files(w, issuer_name, k)` renders the figures of `figures.py` (public earners and the
others alike) as plain HTML pages and one CSV file per table; `private_files(district,
settings)` is what the build hands the private folder. Pure: nothing here writes a file.

The pages answer a planner's questions, one page a question:

- `index.html`: who holds what (coverage, school × topic, and staff × topic);
- `topics.html`, `topics/<topic>.html`: who has nothing current on a topic, who can lead it;
- `stacks.html`, `stacks/<stack>.html`: staff × credential of a stack, who is close to completing it;
- `people/<person>.html`: what one person holds, has started and lacks;
- `uptake.html`: awards per month and per school year, by topic and by school;
- `equity.html`: who earns credentials, by role group and by school, with the groups' sizes.

Each page opens from disk (file://) as well as from `python build.py serve --private`: the
tables are in the page, filtered in place by a small script (school, role group, topic,
stack, school year, kept in the URL's query so a view can be bookmarked or shared); the
script and the style are in the page, allowed by their hashes in its Content-Security-Policy,
and nothing else is loaded. Pages are marked noindex; every value people typed is escaped by
the templates (autoescape), and every CSV cell a spreadsheet would run as a formula is
written as text.
"""

from __future__ import annotations

import base64
import csv
import dataclasses
import datetime as dt
import functools
import hashlib
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import jinja2

from cairn.insights import charts, figures
from cairn.insights.figures import Person, Table, Workforce, workforce
from cairn.insights.roles import RoleGroups
from cairn.issue.files import spreadsheet_text
from cairn.model import District

if TYPE_CHECKING:
    from cairn.settings import Settings

PLANNER_DIR = "planner"  # in the private folder
CSV_DIR = "csv"  # in PLANNER_DIR
NO_SCHOOL_KEY = "none"  # the filter's value for "no school recorded"
_UNSAFE = re.compile(r"[^a-z0-9_-]+")


def private_files(district: District, settings: Settings, roles: RoleGroups) -> list[tuple[str, bytes]]:
    """The planner's pages and CSV files, as paths in the private folder."""
    w = workforce(district, settings.today, roles, settings.school_year_starts)
    return [
        (f"{PLANNER_DIR}/{path}", content)
        for path, content in planner_files(w, settings.issuer.name, settings.insights_min_group)
    ]


# -- what a page shows ------------------------------------------------------------------------


@dataclass
class Shown:
    """A table as a page shows it: the figures, its CSV file, and what the filters act on."""

    table: Table
    csv: str  # the CSV file's name, in csv/
    id: str  # the table's id on its page
    rows_by: tuple[str, ...] = ()  # filters that hide rows: school, group, stack, year
    row_data: dict[str, dict[str, str]] = field(default_factory=dict)  # row key -> data-* values
    columns_by: str = ""  # a filter that hides columns: topic, stack or school
    people: bool = False  # the rows are people: their names link to their pages
    what: str = "rows"  # what a row is, for "Showing 3 of 12 staff"
    small: frozenset[str] = frozenset()  # row keys of groups smaller than k (equity)
    column_keys: frozenset[str] = frozenset()  # the columns `columns_by` hides (the other topics)


@dataclass
class Page:
    path: str  # in PLANNER_DIR
    template: str
    title: str
    nav: str  # which item of the navigation it is
    filters: tuple[str, ...]  # the filters that act on it
    data: dict[str, Any]


def _safe(name: str) -> str:
    """A file name from a name people typed (an earner file's name): lower-case letters, digits, - and _."""
    return _UNSAFE.sub("-", name.lower()).strip("-") or "x"


class Planner:
    def __init__(self, w: Workforce, issuer_name: str, k: int) -> None:
        self.w = w
        self.issuer_name = issuer_name
        self.k = k
        self.people = {p.key: p for p in w.people}
        # Each person's page and CSV are named after their earner file, made safe and unique.
        self.file_of: dict[str, str] = {}
        taken: set[str] = set()
        for person in sorted(w.people, key=lambda p: p.key):
            name = base = _safe(person.key)
            n = 1
            while name in taken:
                n += 1
                name = f"{base}-{n}"
            taken.add(name)
            self.file_of[person.key] = name
        self.csv: dict[str, bytes] = {}
        self.close = figures.close_to_stacks(w)

    # -- tables ----------------------------------------------------------------------------

    def show(self, table: Table, **how: Any) -> Shown:
        name = table.name
        if name.startswith("person-"):
            name = "person-" + self.file_of[name.removeprefix("person-")]
        name = _safe(name)
        if how.get("columns_by"):
            w = self.w
            dimension = {"topic": set(w.district.topics), "school": {s or NO_SCHOOL_KEY for s in w.schools}}
            how["column_keys"] = frozenset(c.key for c in table.columns if c.key in dimension[how["columns_by"]])
        exported = how.pop("export", True)
        if exported:
            self.csv[f"{CSV_DIR}/{name}.csv"] = table_csv(table)
        return Shown(table, f"{name}.csv" if exported else "", id=name, **how)

    def person_data(self, person: Person) -> dict[str, str]:
        return {"school": person.school or NO_SCHOOL_KEY, "group": person.group}

    def staff_table(self, table: Table, **how: Any) -> Shown:
        """A table whose rows are people (keys: their earner file's name, or "<name>/<stack>")."""
        data = {}
        for row in table.rows:
            person_key, _, stack = row.key.partition("/")
            values = self.person_data(self.people[person_key])
            if stack:
                values["stack"] = stack
            data[row.key] = values
        return self.show(table, rows_by=how.pop("rows_by", ("school", "group")), row_data=data, people=True, **how)

    def link(self, row_key: str) -> str:
        return f"people/{self.file_of[row_key.partition('/')[0]]}.html"

    # -- pages -----------------------------------------------------------------------------

    def pages(self) -> list[Page]:
        return [
            self.index(),
            self.topics(),
            *self.topic_pages(),
            self.stacks(),
            *self.stack_pages(),
            self.uptake(),
            self.equity(),
            *self.person_pages(),
        ]

    def index(self) -> Page:
        w = self.w
        coverage = figures.coverage(w)
        covered = self.show(
            coverage,
            rows_by=("school",),
            row_data={r.key: {"school": r.key or NO_SCHOOL_KEY} for r in coverage.rows},
            columns_by="topic",
            what="schools",
        )
        short = {t: t[:4].upper() if len(t) <= 4 else _short(w.district.topics[t].label) for t in w.district.topics}
        heatmap = charts.heatmap(coverage, "coverage-heatmap", short=short)
        matrix = self.staff_table(figures.staff_by_topic(w), columns_by="topic", what="staff")
        return Page(
            "index.html",
            "index.html",
            "Who holds what",
            "index",
            ("school", "group", "topic"),
            {"heatmap": heatmap, "coverage": covered, "matrix": matrix, "exports": []},  # exports: once all are made
        )

    def topics(self) -> Page:
        w = self.w
        rows = []
        for topic in w.district.topics.values():
            holders = sum(1 for p in w.people if p.topics.get(topic.id))
            lapsed = sum(
                1
                for p in w.people
                if not p.topics.get(topic.id) and any(topic.id in w.topics_of(c) for c in p.holdings)
            )
            staff = len(w.people)
            rows.append(
                figures.Row(
                    topic.id,
                    topic.label,
                    (
                        figures.Cell(holders, f"{holders:,}", staff),
                        figures.Cell(staff - holders, f"{staff - holders:,}", staff),
                        figures.Cell(lapsed, f"{lapsed:,}", staff),
                    ),
                )
            )
        table = Table(
            name="staff-by-topic-summary",
            title="Staff holding, and not holding, a current credential on each topic",
            row_heading="Topic",
            columns=(
                figures.Column("holding", "Holding one (can lead)"),
                figures.Column("without", "Holding none"),
                figures.Column("lapsed", "Of them, lapsed"),
            ),
            rows=tuple(rows),
            note=f"All {len(w.people):,} staff, public or not, on {w.today.isoformat()}.",
        )
        return Page("topics.html", "topics.html", "Topics: who has not, who can lead", "topics", (), {
            "summary": self.show(table, what="topics"),
            "topics": list(w.district.topics.values()),
        })  # fmt: skip

    def topic_pages(self) -> Iterable[Page]:
        w = self.w
        for topic in w.district.topics.values():
            without = self.staff_table(figures.without_topic(w, topic.id), what="staff")
            leaders = self.staff_table(figures.experts(w, topic.id), what="staff")
            yield Page(
                f"topics/{_safe(topic.id)}.html",
                "topic.html",
                f"{topic.label}: who has not, who can lead",
                "topics",
                ("school", "group"),
                {"topic": topic, "without": without, "leaders": leaders, "topics": list(w.district.topics.values())},
            )

    def stacks(self) -> Page:
        close = self.staff_table(self.close, rows_by=("school", "group", "stack"), what="people and stacks")
        whole = self.staff_table(figures.staff_by_credential(self.w), columns_by="", what="staff")
        return Page(
            "stacks.html",
            "stacks.html",
            "Stacks: who is close to completing one",
            "stacks",
            ("school", "group", "stack"),
            {"close": close, "stacks": list(self.w.district.stacks.values()), "whole": whole.csv},
        )

    def stack_pages(self) -> Iterable[Page]:
        w = self.w
        for stack in w.district.stacks.values():
            ids = {c.id for c in w.district.stack_credentials(stack.id)}
            matrix = figures.staff_by_credential(w, stack=stack.id)
            everyone = len(matrix.rows)
            # The page lists those who hold (or held) one of the stack's credentials; its CSV everyone.
            shown = self.staff_table(matrix, what="staff")
            started = [row for row in matrix.rows if not ids.isdisjoint(self.people[row.key].holdings)]
            shown.table = dataclasses.replace(matrix, rows=tuple(started))
            near = self.staff_table(self.close, what="people")  # its CSV: every stack's
            near.table = dataclasses.replace(
                self.close, rows=tuple(r for r in self.close.rows if r.key.endswith(f"/{stack.id}"))
            )
            yield Page(
                f"stacks/{_safe(stack.id)}.html",
                "stack.html",
                f"{stack.title}: who holds which credential",
                "stacks",
                ("school", "group"),
                {
                    "stack": stack,
                    "matrix": shown,
                    "started": len(started),
                    "everyone": everyone,
                    "close": near,
                    "stacks": list(w.district.stacks.values()),
                },
            )

    def uptake(self) -> Page:
        w = self.w
        tables = {}
        for period in ("month", "school-year"):
            for by in ("topic", "school"):
                table = figures.uptake(w, period, by)
                years = {
                    r.key: {"year": w.school_year(dt.date.fromisoformat(r.key + "-01")) if period == "month" else r.key}
                    for r in table.rows
                }
                tables[period, by] = self.show(
                    table,
                    rows_by=("year",),
                    row_data=years,
                    columns_by="topic" if by == "topic" else "school",
                    what="months" if period == "month" else "school years",
                )
        by_month = tables["month", "topic"].table
        by_year = tables["school-year", "topic"].table
        busiest = sorted(
            (c.key for c in by_year.columns if c.key != "all"),
            key=lambda key: -(by_year.totals[0].cells[by_year.column(key)].value or 0),  # type: ignore[operator]
        )[:6]
        schools = tables["school-year", "school"].table
        school_keys = [c.key for c in schools.columns if c.key != "all"][:8]
        return Page(
            "uptake.html",
            "uptake.html",
            "Uptake over time",
            "uptake",
            ("year", "topic", "school"),
            {
                "charts": [
                    charts.line_chart(by_month, ["all"], "uptake-by-month", "Awards per month"),
                    charts.line_chart(by_year, busiest, "uptake-by-year-topic", "Awards per school year, by topic"),
                    charts.line_chart(
                        schools, school_keys, "uptake-by-year-school", "Awards per school year, by school"
                    ),
                ],
                "tables": [
                    tables["school-year", "topic"],
                    tables["school-year", "school"],
                    tables["month", "topic"],
                    tables["month", "school"],
                ],
                "year_start": dt.date(2000, w.year_start_month, 1).strftime("1 %B"),
            },
        )

    def equity(self) -> Page:
        w = self.w
        shown = []
        chart_list = []
        for by in ("role", "school"):
            table = figures.equity(w, by)
            small = frozenset(r.key for r in table.rows if 0 < int(r.cells[0].value or 0) < self.k)
            shown.append(self.show(table, what="groups", small=small))
            chart_list.append(
                charts.bar_chart(
                    table,
                    "share",
                    f"equity-share-{by}",
                    f"Share of staff holding a credential, by {'role group' if by == 'role' else 'school'}",
                )
            )
        return Page(
            "equity.html",
            "equity.html",
            "Equity: who earns credentials",
            "equity",
            (),
            {"tables": shown, "charts": chart_list, "k": self.k},
        )

    def person_pages(self) -> Iterable[Page]:
        w = self.w
        for person in sorted(w.people, key=lambda p: (p.name.lower(), p.key)):
            table = figures.person_record(w, person.key)
            data = {
                r.key: {"stack": w.district.credentials[r.key].stack}
                for r in table.rows
                if r.key in w.district.credentials
            }
            # No CSV a person: staff-by-credential.csv holds everyone (5,000 files fewer a district).
            record = self.show(table, rows_by=("stack",), row_data=data, what="credentials", export=False)
            counts: dict[str, int] = {}
            for row in table.rows:
                status = row.cells[1].text
                counts[status] = counts.get(status, 0) + 1
            yield Page(
                f"people/{self.file_of[person.key]}.html",
                "person.html",
                f"{person.name}: what they hold and lack",
                "",
                ("stack",),
                {
                    "person": person,
                    "school": w.school_name(person.school),
                    "group": w.roles.label(person.group),
                    "record": record,
                    "counts": counts,
                },
            )


def _short(label: str) -> str:
    """'Social-emotional learning' -> 'SEL': a heatmap column's code."""
    return "".join(part[0] for part in re.split(r"[\s-]+", label) if part).upper()[:5]


# -- files --------------------------------------------------------------------------------------


def table_csv(table: Table) -> bytes:
    """A table as CSV: headings, rows then totals; a cell a spreadsheet would run as a formula is text."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in table.csv_rows():
        writer.writerow([spreadsheet_text(value) for value in row])
    return out.getvalue().encode("utf-8")


@functools.cache
def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("cairn.insights", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _asset(name: str) -> tuple[str, str]:
    """A file of the templates folder and the CSP source that allows it inline."""
    text = _templates().loader.get_source(_templates(), name)[0]  # type: ignore[union-attr]
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
    return text, f"'sha256-{digest}'"


NAV = (
    ("index", "index.html", "Who holds what"),
    ("topics", "topics.html", "Who has not, who can lead"),
    ("stacks", "stacks.html", "Close to a stack"),
    ("uptake", "uptake.html", "Uptake"),
    ("equity", "equity.html", "Equity"),
)


def planner_files(w: Workforce, issuer_name: str, k: int = figures.DEFAULT_K) -> list[tuple[str, bytes]]:
    """Every page and CSV file of the planner, as (path in the planner folder, bytes), in a stable order."""
    planner = Planner(w, issuer_name, k)
    pages = planner.pages()
    pages[0].data["exports"] = [path.removeprefix(f"{CSV_DIR}/") for path in sorted(planner.csv)]
    pages[0].data["recognition"] = bool(w.district.schemes)  # HR's report (cairn.reports) is beside the planner
    script, script_source = _asset("planner.js")
    style, style_source = _asset("planner.css")
    policy = (
        f"default-src 'none'; script-src {script_source}; style-src {style_source}; img-src data:; "
        "base-uri 'none'; form-action 'none'"
    )
    schools = [(s or NO_SCHOOL_KEY, w.school_name(s)) for s in w.schools]
    groups = [(g, w.roles.label(g)) for g in w.roles.ids if any(p.group == g for p in w.people)]
    years = sorted({w.school_year(issued) for p in w.people for _, issued, _ in p.awards})
    options = {
        "school": ("School", "All schools", schools),
        "group": ("Role group", "All role groups", groups),
        "topic": ("Topic", "All topics", [(t.id, t.label) for t in w.district.topics.values()]),
        "stack": ("Stack", "All stacks", [(s.id, s.title) for s in w.district.stacks.values()]),
        "year": ("School year", "All school years", [(y, y) for y in years]),
    }
    files: list[tuple[str, bytes]] = []
    for page in pages:
        root = "../" * page.path.count("/")
        html = (
            _templates()
            .get_template(page.template)
            .render(
                page=page,
                root=root,
                nav=NAV,
                issuer=issuer_name,
                today=w.today.isoformat(),
                staff=len(w.people),
                filters=[(name, *options[name]) for name in page.filters],
                policy=policy,
                script=script,
                style=style,
                link=planner.link,
                **page.data,
            )
        )
        files.append((page.path, html.encode("utf-8")))
    files += sorted(planner.csv.items())
    return files
