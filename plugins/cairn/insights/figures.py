"""Figures about the workforce for PD planners: who holds what, who has not, uptake, equity.

Pure functions over the model: `workforce(district, today)` reads every earner's awards once
into `Person` facts; each figure is then a `Table` (title, column headings, rows, and beside
every figure `Cell.n`, the number of people it is computed over). Nothing here writes files
or HTML: the private planner view and the public /insights/ page render these tables, and
charts.py draws pictures of them.

The rules, in one place:

- **Staff** are every earner file, public or not; a person's school is their `school:` (or
  "no school recorded"), their role group comes from roles.py.
- **An award counts** from the day it was issued and never when revoked. **Current**: issued
  on or before the day, not revoked, not expired (expired on its expiry day and after, as
  model.expiry says). Coverage, experts and stack progress use current credentials.
- **Held** (equity): the micro-credentials a person has been awarded and not had revoked, each
  counted once (a renewal is not a second credential); milestones are left out of equity and
  uptake, being earned by rule and not by a submission.
- **Uptake** counts awards (renewals included: each is a submission scored) by the month or the
  **school year** they were issued in; a school year starts on 1 July (`year_start_month`),
  so 2025-07-01 to 2026-06-30 is "2025–26".
- **Time to a second credential**: days from the issue date of a person's first held
  micro-credential to that of their second, the median over the people who have two.
- **Public tables** (`k` given) apply `suppress`: see its docstring for the rule and for which
  differencing it guards against.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

from cairn.insights.roles import RoleGroups, default_role_groups
from cairn.model import SCHOOL_YEAR_STARTS, District, expiry, school_year_label, school_year_start

DEFAULT_K = 5
SCHOOL_YEAR_START_MONTH = SCHOOL_YEAR_STARTS  # 1 July unless the settings say
NO_SCHOOL = "No school recorded"
MARK = "*"  # what a withheld cell shows, whatever the reason (the reason would itself tell something)

Kind = Literal["text", "count", "share", "rate", "days", "date"]
Period = Literal["month", "school-year"]


# -- tables ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One figure as shown. `value` is the number (or text) itself, None when there is
    nothing to show (a share of no one) or it is withheld; `n` the people it is computed over."""

    value: int | float | str | None
    text: str
    n: int | None = None
    suppressed: bool = False  # withheld: its own group is smaller than k
    withheld: bool = False  # withheld so that a suppressed cell cannot be worked out (complementary)

    @property
    def hidden(self) -> bool:
        return self.suppressed or self.withheld


@dataclass(frozen=True)
class Column:
    key: str  # a topic, school, credential or role-group id, or a name for a measure ("staff")
    heading: str
    kind: Kind = "count"


@dataclass(frozen=True)
class Row:
    key: str  # a school id, a role-group id, a period, a person's file name ...
    label: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Table:
    name: str  # what it holds, for its CSV file: "coverage-by-school-and-topic"
    title: str
    row_heading: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    totals: tuple[Row, ...] = ()  # the district total and the spread between groups, below the rows
    note: str = ""  # how the figures are computed, as a sentence for under the table
    k: int | None = None  # public tables: the smallest group shown; None for the private view

    def column(self, key: str) -> int:
        return next(i for i, c in enumerate(self.columns) if c.key == key)

    def csv_rows(self) -> list[list[str]]:
        """Headings then every row as text, withheld cells as MARK: for the CSV export (the
        writer still guards cells a spreadsheet would run as formulas)."""
        head = [self.row_heading, *(c.heading for c in self.columns)]
        return [head, *([row.label, *(c.text for c in row.cells)] for row in (*self.rows, *self.totals))]


def _text(value: str) -> Cell:
    return Cell(value, value)


def _count(value: int, n: int | None = None) -> Cell:
    return Cell(value, f"{value:,}", n)


def _share(part: int, n: int) -> Cell:
    return Cell(part / n, f"{round(100 * part / n)}%", n) if n else Cell(None, "—", 0)


def _rate(total: int, n: int) -> Cell:
    return Cell(total / n, f"{total / n:.1f}", n) if n else Cell(None, "—", 0)


def _days(values: list[int]) -> Cell:
    if not values:
        return Cell(None, "—", 0)
    median = statistics.median(values)
    return Cell(median, f"{median:.0f}", len(values))


# -- the facts, read once -------------------------------------------------------------------


@dataclass(frozen=True)
class Holding:
    """A credential one person holds (their awards of it that were not revoked)."""

    credential: str
    first_issued: dt.date
    current: bool  # one of its awards is current on the day
    expires: dt.date | None  # when the current award lapses, else when the last one did


@dataclass(frozen=True)
class Person:
    index: int
    key: str  # the earner file's name without .yml: unique, and the name of their private package
    name: str
    school: str  # school id, "" when none is recorded
    role: str
    group: str  # role-group id
    visible: bool  # a public profile shows all they hold (public, with a slug, no award hidden)
    holdings: dict[str, Holding] = field(repr=False)  # credential id -> holding, in first-issued order
    awards: tuple[tuple[str, dt.date, bool], ...] = field(repr=False)  # (credential, issued, micro), not revoked
    current: frozenset[str] = field(repr=False)  # credentials held current on the day
    topics: dict[str, int] = field(repr=False)  # topic id -> current credentials on it
    micro: tuple[Holding, ...] = field(repr=False)  # micro-credentials held, in the order first awarded


@dataclass(frozen=True)
class Workforce:
    """Everyone on staff and what they hold on one day: what every figure is computed from."""

    district: District
    roles: RoleGroups
    today: dt.date
    people: tuple[Person, ...]
    year_start_month: int = SCHOOL_YEAR_START_MONTH

    def school_name(self, school_id: str) -> str:
        school = self.district.schools.get(school_id)
        return school.name if school else NO_SCHOOL

    @property
    def schools(self) -> list[str]:
        """School ids by name, "" (no school recorded) last when anyone has none."""
        ids = sorted(self.district.schools, key=lambda s: (self.district.schools[s].name.lower(), s))
        return ids + ([""] if any(not p.school for p in self.people) else [])

    def topics_of(self, credential_id: str) -> tuple[str, ...]:
        credential = self.district.credentials.get(credential_id)
        return credential.topics if credential else ()

    def school_year(self, day: dt.date) -> str:
        """'2025–26' for a day from 1 July 2025 to 30 June 2026 (with the default start)."""
        return school_year_label(school_year_start(day, self.year_start_month))


def workforce(
    district: District,
    today: dt.date,
    roles: RoleGroups | None = None,
    year_start_month: int = SCHOOL_YEAR_START_MONTH,
) -> Workforce:
    """One pass over every award: who holds what, current on `today`."""
    roles = roles or default_role_groups()
    people = []
    credentials = district.credentials
    for index, earner in enumerate(district.earners):
        holdings: dict[str, Holding] = {}
        awards = []
        for award in sorted(earner.awards, key=lambda a: (a.issued, a.credential)):
            credential = credentials.get(award.credential)
            if award.revoked is not None or credential is None or award.issued > today:
                continue
            awards.append((award.credential, award.issued, not credential.is_milestone))
            lapses = expiry(award, credential)
            current = lapses is None or today < lapses
            before = holdings.get(award.credential)
            if before is None:
                holdings[award.credential] = Holding(award.credential, award.issued, current, lapses)
            elif current or not before.current:  # a renewal: the latest current award says when it lapses
                holdings[award.credential] = (
                    Holding(award.credential, before.first_issued, True, lapses)
                    if current
                    else Holding(award.credential, before.first_issued, False, lapses)
                )
        topics: dict[str, int] = {}
        for holding in holdings.values():
            if holding.current:
                for topic in credentials[holding.credential].topics:
                    topics[topic] = topics.get(topic, 0) + 1
        people.append(
            Person(
                index=index,
                key=earner.source.stem,
                name=earner.name,
                school=earner.school or "",
                role=earner.role,
                group=roles.group_of(earner.role),
                visible=earner.public and bool(earner.slug) and all(a.public for a in earner.awards),
                holdings=holdings,
                awards=tuple(awards),
                current=frozenset(cid for cid, h in holdings.items() if h.current),
                topics=topics,
                micro=tuple(h for h in holdings.values() if not credentials[h.credential].is_milestone),
            )
        )
    return Workforce(district, roles, today, tuple(people), year_start_month)


class _Shared:
    """Equal cells made once: a staff matrix repeats a few values over thousands of rows."""

    def __init__(self) -> None:
        self.cells: dict[tuple[object, str], Cell] = {}

    def cell(self, value: int | str, text: str) -> Cell:
        found = self.cells.get((value, text))
        if found is None:
            found = self.cells[value, text] = Cell(value, text, 1)
        return found

    def text(self, value: str) -> Cell:
        found = self.cells.get((None, value))
        if found is None:
            found = self.cells[None, value] = _text(value)
        return found


def _staff(w: Workforce, school: str | None = None, group: str | None = None) -> list[Person]:
    return sorted(
        (p for p in w.people if (school is None or p.school == school) and (group is None or p.group == group)),
        key=lambda p: (p.name.lower(), p.key),
    )


# -- the private view: who holds what, who has not, who can lead ----------------------------


def staff_by_topic(w: Workforce, school: str | None = None, group: str | None = None) -> Table:
    """Staff × topic: how many current credentials each person holds on each topic."""
    topics = list(w.district.topics.values())
    shared = _Shared()
    rows = []
    for person in _staff(w, school, group):
        counts = person.topics
        cells = [shared.text(w.school_name(person.school)), shared.text(w.roles.label(person.group))]
        cells += [shared.cell(counts.get(t.id, 0), str(counts[t.id]) if t.id in counts else "") for t in topics]
        rows.append(Row(person.key, person.name, tuple(cells)))
    return Table(
        name="staff-by-topic",
        title="Current credentials by person and topic",
        row_heading="Person",
        columns=(
            Column("school", "School", "text"),
            Column("role-group", "Role group", "text"),
            *(Column(t.id, t.label) for t in topics),
        ),
        rows=tuple(rows),
        note="Each number is the person's current credentials on the topic; blank: none.",
    )


def staff_by_credential(
    w: Workforce, school: str | None = None, group: str | None = None, stack: str | None = None
) -> Table:
    """Staff × credential: for every published credential (of one stack, if given), whether each
    person holds it current ("held"), held it once ("expired") or not (blank)."""
    credentials = [c for c in w.district.in_stack_order() if stack is None or c.stack == stack]
    shared = _Shared()
    rows = []
    for person in _staff(w, school, group):
        cells = [shared.text(w.school_name(person.school)), shared.text(w.roles.label(person.group))]
        for credential in credentials:
            holding = person.holdings.get(credential.id)
            status = "" if holding is None else "held" if holding.current else "expired"
            cells.append(shared.cell(status, status))
        rows.append(Row(person.key, person.name, tuple(cells)))
    return Table(
        name="staff-by-credential" + (f"-{stack}" if stack else ""),
        title="Credentials by person",
        row_heading="Person",
        columns=(
            Column("school", "School", "text"),
            Column("role-group", "Role group", "text"),
            *(Column(c.id, c.title, "text") for c in credentials),
        ),
        rows=tuple(rows),
        note="held: current on the day; expired: held once, lapsed since; blank: never held (or revoked).",
    )


def person_record(w: Workforce, key: str) -> Table:
    """One person's page: every published credential of the stacks they have started, with what
    they hold, have let lapse and lack; the stacks they have not started are named in the note
    (listing their credentials one by one made a district's 5,000 pages 600 MB). `key`: their
    earner file's name."""
    person = next(p for p in w.people if p.key == key)
    started = {c.stack for c in w.district.credentials.values() if c.id in person.holdings}
    rows = []
    not_started: dict[str, int] = {}
    for credential in w.district.in_stack_order():
        holding = person.holdings.get(credential.id)
        if holding is None and credential.stack not in started:
            not_started[credential.stack] = not_started.get(credential.stack, 0) + 1
            continue
        if holding is None:
            status = "lacks (stack started)"
            issued, expires = "", ""
        else:
            status = "holds" if holding.current else "expired"
            issued = holding.first_issued.isoformat()
            expires = holding.expires.isoformat() if holding.expires else ""
        stack = w.district.stacks[credential.stack].title if credential.stack in w.district.stacks else ""
        rows.append(
            Row(
                credential.id,
                credential.title,
                (_text(stack), _text(status), Cell(issued, issued), Cell(expires, expires)),
            )
        )
    return Table(
        name=f"person-{person.key}",
        title=f"What {person.name} holds and lacks",
        row_heading="Credential",
        columns=(
            Column("stack", "Stack", "text"),
            Column("status", "Status", "text"),
            Column("issued", "First issued", "date"),
            Column("expires", "Expires", "date"),
        ),
        rows=tuple(rows),
        note=_not_started(w, not_started),
    )


def _not_started(w: Workforce, counts: dict[str, int]) -> str:
    """'Stacks not started: Formative Assessment (5 credentials); …' ('' when none)."""
    named = [f"{w.district.stacks[s].title} ({n} credential{'' if n == 1 else 's'})" for s, n in counts.items()]
    return f"Stacks not started: {'; '.join(named)}." if named else ""


def without_topic(w: Workforce, topic: str, school: str | None = None) -> Table:
    """The people a session on the topic is for: staff (at a school, if given) holding no current
    credential on it, with whether they once held one that has lapsed."""
    rows = []
    for person in _staff(w, school):
        if person.topics.get(topic):
            continue
        lapsed = any(topic in w.topics_of(cid) for cid in person.holdings)
        rows.append(
            Row(
                person.key,
                person.name,
                (
                    _text(w.school_name(person.school)),
                    _text(person.role),
                    _text("lapsed" if lapsed else "never"),
                ),
            )
        )
    label = w.district.topics[topic].label
    where = f" at {w.school_name(school)}" if school is not None else ""
    return Table(
        name=f"without-{topic}" + (f"-{school or 'no-school'}" if school is not None else ""),
        title=f"Staff{where} with no current credential in {label}",
        row_heading="Person",
        columns=(
            Column("school", "School", "text"),
            Column("role", "Role", "text"),
            Column("held", "Held one", "text"),
        ),
        rows=tuple(rows),
        note=f"{len(rows)} of {len(_staff(w, school))} staff{where}.",
    )


def close_to_stacks(w: Workforce, within: int = 2, school: str | None = None) -> Table:
    """Who is one or two (`within`) current credentials from completing a stack: the stack's
    completion rule's `of`, else all its active credentials; only active credentials count,
    and only people who hold at least one of them (those who have started)."""
    rows = []
    staff = _staff(w, school)
    for stack in w.district.stacks.values():
        active = [c for c in w.district.stack_credentials(stack.id) if c.status == "active"]
        if not active:
            continue
        need = stack.completion.of if stack.completion and stack.completion.of else len(active)
        ids = {c.id for c in active}
        for person in staff:
            current = person.current
            if current.isdisjoint(ids):
                continue
            held = [c for c in active if c.id in current]
            missing = [c for c in active if c.id not in current]
            short = need - len(held)
            if held and 0 < short <= within:
                rows.append(
                    Row(
                        f"{person.key}/{stack.id}",
                        person.name,
                        (
                            _text(w.school_name(person.school)),
                            _text(stack.title),
                            Cell(len(held), f"{len(held)} of {need}", 1),
                            _count(short, 1),
                            _text(", ".join(c.title for c in missing)),
                        ),
                    )
                )
    rows.sort(key=lambda r: (int(r.cells[3].value or 0), r.cells[1].text.lower(), r.label.lower(), r.key))
    return Table(
        name="close-to-a-stack",
        title=f"Staff within {within} credentials of completing a stack",
        row_heading="Person",
        columns=(
            Column("school", "School", "text"),
            Column("stack", "Stack", "text"),
            Column("held", "Current credentials", "text"),
            Column("short", "Still to earn"),
            Column("missing", "Credentials not held current", "text"),
        ),
        rows=tuple(rows),
        note="Counts current credentials (not expired, not revoked) of the stack's active ones.",
    )


def experts(w: Workforce, topic: str, school: str | None = None) -> Table:
    """Whom a principal can ask: everyone (public or not) holding current credentials on the
    topic, most first."""
    found = []
    for person in _staff(w, school):
        if not person.topics.get(topic):
            continue
        credentials = [
            w.district.credentials[cid].title
            for cid, h in person.holdings.items()
            if h.current and topic in w.topics_of(cid)
        ]
        if credentials:
            found.append((person, sorted(credentials)))
    found.sort(key=lambda pc: (-len(pc[1]), pc[0].name.lower(), pc[0].key))
    rows = tuple(
        Row(
            person.key,
            person.name,
            (
                _text(w.school_name(person.school)),
                _text(person.role),
                _count(len(credentials), 1),
                _text(", ".join(credentials)),
            ),
        )
        for person, credentials in found
    )
    return Table(
        name=f"experts-{topic}",
        title=f"Who holds current credentials in {w.district.topics[topic].label}",
        row_heading="Person",
        columns=(
            Column("school", "School", "text"),
            Column("role", "Role", "text"),
            Column("current", "Current credentials"),
            Column("credentials", "Credentials", "text"),
        ),
        rows=rows,
    )


# -- figures that can be public: coverage, uptake, equity -----------------------------------


@dataclass
class _Figure:
    """A figure before suppression, with the sizes of every group it says something about."""

    cell: Cell
    people: int = 0  # distinct people counted
    hidden: int = 0  # of them, those without a complete public profile
    group: int | None = None  # the people it is computed over, when it is a part of them
    group_hidden: int | None = None
    depends: tuple[tuple[int, int], ...] = ()  # (row, column) of the figures it is derived from

    def too_small(self, k: int) -> bool:
        sizes = [self.people, self.hidden]
        if self.group is not None and self.group_hidden is not None:
            sizes += [self.group, self.group_hidden, self.group - self.people, self.group_hidden - self.hidden]
        return any(0 < size < k for size in sizes)


@dataclass
class _Grid:
    """Rows of figures (the last `totals` rows are totals) and the lines that add up: each a
    list of (row, column) whose last item is the total of the others."""

    figures: list[list[_Figure]]
    lines: list[list[tuple[int, int]]]


def _people_figure(members: Sequence[Person], group: Sequence[Person] | None = None) -> _Figure:
    people = len(members)
    hidden = sum(1 for p in members if not p.visible)
    if group is None:
        # The size of a group says nothing about its members beyond that they belong to it:
        # its people without a public profile are only counted (as the privacy rule allows).
        return _Figure(_count(people, people), people)
    size, size_hidden = len(group), sum(1 for p in group if not p.visible)
    return _Figure(_count(people, size), people, hidden, size, size_hidden)


def coverage(w: Workforce, k: int | None = None) -> Table:
    """School × topic: staff, and how many of them hold a current credential on each topic;
    the district total below. The shares are the counts over the staff."""
    topics = list(w.district.topics.values())
    by_school: dict[str, list[Person]] = {s: [] for s in w.schools}
    holders: dict[tuple[str, str], list[Person]] = {}
    for person in w.people:
        by_school.setdefault(person.school, []).append(person)
        for topic_id in person.topics:
            holders.setdefault((person.school, topic_id), []).append(person)
    keys = [*by_school, "*"]
    figures: list[list[_Figure]] = []
    for school in keys:
        staff = by_school[school] if school != "*" else list(w.people)
        row = [_people_figure(staff)]
        for topic in topics:
            held = (
                holders.get((school, topic.id), [])
                if school != "*"
                else [p for s in by_school for p in holders.get((s, topic.id), [])]
            )
            row.append(_people_figure(held, staff))
        figures.append(row)
    last = len(keys) - 1
    lines = [[(r, c) for r in range(len(keys))] for c in range(len(topics) + 1)]
    grid = _Grid(figures, lines)
    if k is not None:
        suppress(grid, k)
    labels = [w.school_name(s) for s in keys[:-1]] + ["District"]
    rows = [Row(key, label, tuple(f.cell for f in row)) for key, label, row in zip(keys, labels, figures, strict=True)]
    return Table(
        name="coverage-by-school-and-topic",
        title="Staff holding a current credential, by school and topic",
        row_heading="School",
        columns=(Column("staff", "Staff"), *(Column(t.id, t.label) for t in topics)),
        rows=tuple(rows[:last]),
        totals=(rows[last],),
        note=_note("People, public or not, holding at least one current credential on the topic.", k),
        k=k,
    )


def uptake(
    w: Workforce, period: Period = "month", by: Literal["topic", "school"] = "topic", k: int | None = None
) -> Table:
    """Awards issued per month (or school year), by topic (an award counts for each topic of
    its credential) or by the earner's school, with an "All" column of distinct awards and a
    total row. Each figure's `n` is the number of distinct people whose awards it counts."""
    if by == "topic":
        columns = [Column(t.id, t.label) for t in w.district.topics.values()]
    else:
        columns = [Column(s or "none", w.school_name(s)) for s in w.schools]
    index = {c.key: i for i, c in enumerate(columns)}
    whole = len(columns)  # the "All" column
    # Columns each credential's awards count in (its topics, or the earner's school) and "All".
    by_credential = {
        cid: (*(index[t] for t in c.topics if t in index), whole) for cid, c in w.district.credentials.items()
    }
    label: dict[dt.date, str] = {}  # a day's period, worked out once per distinct day
    awards: dict[tuple[str, int], int] = {}
    people: dict[tuple[str, int], int] = {}
    hidden: dict[tuple[str, int], int] = {}
    for person in w.people:
        mine: dict[tuple[str, int], int] = {}  # this person's awards per cell, totals included
        school = (index[person.school or "none"], whole) if by == "school" else ()
        for credential, issued, micro in person.awards:
            if not micro:
                continue
            when = label.get(issued)
            if when is None:
                when = label[issued] = f"{issued:%Y-%m}" if period == "month" else w.school_year(issued)
            for column in school or by_credential[credential]:
                mine[when, column] = mine.get((when, column), 0) + 1
                mine["*", column] = mine.get(("*", column), 0) + 1
        for at, count in mine.items():
            awards[at] = awards.get(at, 0) + count
            people[at] = people.get(at, 0) + 1
            if not person.visible:
                hidden[at] = hidden.get(at, 0) + 1
    keys = [*sorted(set(label.values())), "*"]
    figures: list[list[_Figure]] = [
        [
            _Figure(
                _count(awards.get((key, c), 0), people.get((key, c), 0)),
                people.get((key, c), 0),
                hidden.get((key, c), 0),
            )
            for c in range(whole + 1)
        ]
        for key in keys
    ]
    last = len(keys) - 1
    # Every column adds up over the periods; every row over the topics or schools (exactly for
    # schools; for topics only when each credential has one topic, but the catalog is public,
    # so the rows are guarded too).
    lines = [[(r, c) for r in range(len(keys))] for c in range(whole + 1)]
    lines += [[(r, c) for c in range(whole + 1)] for r in range(len(keys))]
    grid = _Grid(figures, lines)
    if k is not None:
        suppress(grid, k)
    what = "month" if period == "month" else "school year"
    rows = [
        Row(key, key if key != "*" else "All", tuple(f.cell for f in row))
        for key, row in zip(keys, figures, strict=True)
    ]
    start = dt.date(2000, w.year_start_month, 1).strftime("%B")
    return Table(
        name=f"uptake-by-{period}-and-{by}",
        title=f"Awards per {what}, by {by}",
        row_heading="Month" if period == "month" else "School year",
        columns=(*columns, Column("all", "All awards")),
        rows=tuple(rows[:last]),
        totals=(rows[last],),
        note=_note(
            "Micro-credential awards not revoked, renewals included"
            + (", by the topics of their credential (one award may count for two topics)" if by == "topic" else "")
            + (f"; school years start on 1 {start}." if period == "school-year" else "."),
            k,
        ),
        k=k,
    )


def equity(w: Workforce, by: Literal["role", "school"] = "role", k: int | None = None) -> Table:
    """By role group (or school): staff, how many hold at least one credential and what share,
    awards per person, how many have two, the median days from their first to their second;
    all staff below, then the spread (highest − lowest) between the groups shown."""
    label_of: Callable[[str], str]
    if by == "role":
        keys = list(w.roles.ids)
        label_of = w.roles.label
        group_of: Callable[[Person], str] = lambda p: p.group  # noqa: E731
    else:
        keys = w.schools
        label_of = w.school_name
        group_of = lambda p: p.school  # noqa: E731
    members: dict[str, list[Person]] = {key: [] for key in keys}
    for person in w.people:
        members.setdefault(group_of(person), []).append(person)
    keys = [*members, "*"]
    held = {p.index: p.micro for p in w.people}
    figures: list[list[_Figure]] = []
    for key in keys:
        staff = members[key] if key != "*" else list(w.people)
        holders = [p for p in staff if held[p.index]]
        awards = sum(len(held[p.index]) for p in holders)
        two = [p for p in holders if len(held[p.index]) >= 2]
        gaps = [(held[p.index][1].first_issued - held[p.index][0].first_issued).days for p in two]
        r = len(figures)
        holding = _people_figure(holders, staff)
        row = [
            _people_figure(staff),
            holding,
            _Figure(_share(len(holders), len(staff)), *_sizes(holding), depends=((r, 0), (r, 1))),
            _Figure(_count(awards, len(staff)), *_sizes(holding)),
            _Figure(_rate(awards, len(staff)), *_sizes(holding), depends=((r, 0), (r, 3))),
            _people_figure(two, staff),
            _Figure(_days(gaps), len(two), sum(1 for p in two if not p.visible)),
        ]
        figures.append(row)
    last = len(keys) - 1
    lines = [[(r, c) for r in range(len(keys))] for c in (0, 1, 3, 5)]
    grid = _Grid(figures, lines)
    if k is not None:
        suppress(grid, k)
    rows = [
        Row(key or "none", label_of(key) if key != "*" else "All staff", tuple(f.cell for f in row))
        for key, row in zip(keys, figures, strict=True)
    ]
    spread = [_text("")] * len(figures[0])
    for column in (2, 4, 6):
        shown = [
            row.cells[column]
            for row in rows[:last]
            if not row.cells[column].hidden and row.cells[column].value is not None
        ]
        values = [float(c.value) for c in shown if isinstance(c.value, (int, float))]
        if len(values) >= 2:
            gap = max(values) - min(values)
            text = f"{round(100 * gap)} points" if column == 2 else f"{gap:.1f}" if column == 4 else f"{gap:.0f}"
            spread[column] = Cell(gap, text, len(values))
    what = "role group" if by == "role" else "school"
    return Table(
        name=f"equity-by-{'role-group' if by == 'role' else 'school'}",
        title=f"Who earns credentials, by {what}",
        row_heading="Role group" if by == "role" else "School",
        columns=(
            Column("staff", "Staff"),
            Column("holding", "Holding a credential"),
            Column("share", "Share holding", "share"),
            Column("awards", "Credentials held"),
            Column("per-person", "Credentials per person", "rate"),
            Column("two", "Holding two or more"),
            Column("days", "Median days, first to second", "days"),
        ),
        rows=tuple(rows[:last]),
        totals=(rows[last], Row("spread", f"Spread between {what}s", tuple(spread))),
        note=_note(
            "Micro-credentials held (not revoked), each counted once per person. The spread is the "
            f"highest minus the lowest figure among the {what}s shown (its n: how many).",
            k,
        ),
        k=k,
    )


def _sizes(figure: _Figure) -> tuple[int, int, int | None, int | None]:
    return figure.people, figure.hidden, figure.group, figure.group_hidden


def public_insights(w: Workforce, k: int = DEFAULT_K) -> tuple[Table, ...]:
    """What /insights/ may show: aggregate figures only, every group smaller than k withheld."""
    return (coverage(w, k), uptake(w, "school-year", "topic", k), equity(w, "role", k))


def _note(text: str, k: int | None) -> str:
    if k is None:
        return text
    return (
        f"{text} {MARK} withheld: the figure concerns fewer than {k} people (those counted, those "
        "not counted, or those without a public profile), or would let a withheld figure be worked "
        "out from the totals."
    )


# -- suppression ----------------------------------------------------------------------------


def suppress(grid: _Grid, k: int) -> None:
    """Withhold what could point at fewer than `k` people, in place.

    Primary: a figure is withheld when any group it says something about has 1 to k−1 people:
    the people it counts; the people it is computed over (a school's staff); those of them it
    does not count (30 staff of whom 28 hold SEL tells about 2); and each of these counted
    among people without a complete public profile only (public profiles already show who
    the others are, so a count minus them tells about the rest). Zero is shown.

    Complementary: every line that adds up (a column of schools and its district total, a row
    of topics and its "All") is then checked: a line with exactly one withheld figure has
    its smallest other figure (not zero, if it can be helped) withheld too; then the table's
    withheld figures are solved for as a linear system of all its lines, and while any one of
    them is determined, one more figure in its lines is withheld. Figures derived from others
    (a share from a count and its staff) are withheld with them.

    Guarded: working a withheld figure out exactly from one table's published figures by any
    sums and differences of its lines (a total minus the other cells; a district total minus
    the other groups), and subtracting what public profiles show. Not guarded: ranges (a
    withheld count is known to be below k, or below a total); medians, which are order
    statistics of at least k people; comparing builds over time (a person who joins or
    earns between two builds can be found by the difference); and figures combined with
    outside knowledge (who works where, from elsewhere than the site).
    """
    figures = grid.figures
    for row in figures:
        for figure in row:
            if figure.too_small(k):
                figure.cell = _withhold(figure.cell, suppressed=True)
    while True:
        changed = _complete_lines(grid)
        determined = _determined(grid)
        for r, c in determined:
            line = next((line for line in grid.lines if (r, c) in line and _candidates(grid, line)), None)
            if line is not None:
                r2, c2 = min(_candidates(grid, line), key=lambda rc: _order(figures[rc[0]][rc[1]]))
                figures[r2][c2].cell = _withhold(figures[r2][c2].cell)
                changed = True
                break
        if not changed:
            break
    for row in figures:
        for figure in row:
            if not figure.cell.hidden and any(figures[r][c].cell.hidden for r, c in figure.depends):
                figure.cell = _withhold(figure.cell)


def _withhold(cell: Cell, suppressed: bool = False) -> Cell:
    if cell.hidden:
        return cell
    return Cell(None, MARK, cell.n, suppressed=suppressed, withheld=not suppressed)


def _order(figure: _Figure) -> tuple[bool, float]:
    value = figure.cell.value if isinstance(figure.cell.value, (int, float)) else 0
    return (value == 0, float(value))


def _candidates(grid: _Grid, line: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The figures of a line that may still be withheld, the total last of all."""
    shown = [rc for rc in line[:-1] if not grid.figures[rc[0]][rc[1]].cell.hidden]
    if shown:
        return shown
    total = line[-1]
    return [] if grid.figures[total[0]][total[1]].cell.hidden else [total]


def _complete_lines(grid: _Grid) -> bool:
    changed = False
    again = True
    while again:
        again = False
        for line in grid.lines:
            if sum(1 for r, c in line if grid.figures[r][c].cell.hidden) == 1:
                candidates = _candidates(grid, line)
                if candidates:
                    r, c = min(candidates, key=lambda rc: _order(grid.figures[rc[0]][rc[1]]))
                    grid.figures[r][c].cell = _withhold(grid.figures[r][c].cell)
                    changed = again = True
    return changed


def _determined(grid: _Grid) -> list[tuple[int, int]]:
    """The withheld figures that the lines' sums pin down exactly, given the figures shown."""
    unknown = sorted({rc for line in grid.lines for rc in line if grid.figures[rc[0]][rc[1]].cell.hidden})
    if not unknown:
        return []
    column = {rc: i for i, rc in enumerate(unknown)}
    matrix = []
    for line in grid.lines:
        row = [Fraction(0)] * len(unknown)
        for rc in line[:-1]:
            if rc in column:
                row[column[rc]] += 1
        if line[-1] in column:
            row[column[line[-1]]] -= 1
        if any(row):
            matrix.append(row)
    pivots = _reduce(matrix, len(unknown))
    free = set(range(len(unknown))) - {p for _, p in pivots}
    return [unknown[p] for r, p in pivots if not any(matrix[r][f] for f in free)]


def _reduce(matrix: list[list[Fraction]], width: int) -> list[tuple[int, int]]:
    """Reduced row echelon form in place; the (row, column) of each pivot."""
    pivots = []
    row = 0
    for col in range(width):
        pick = next((r for r in range(row, len(matrix)) if matrix[r][col]), None)
        if pick is None:
            continue
        matrix[row], matrix[pick] = matrix[pick], matrix[row]
        lead = matrix[row][col]
        matrix[row] = [x / lead for x in matrix[row]]
        for r in range(len(matrix)):
            if r != row and matrix[r][col]:
                factor = matrix[r][col]
                matrix[r] = [a - factor * b for a, b in zip(matrix[r], matrix[row], strict=True)]
        pivots.append((row, col))
        row += 1
    return pivots


def hidden_cells(table: Table) -> Iterable[tuple[int, int]]:
    """(row, column) of every withheld cell, totals rows counted after the others."""
    for r, row in enumerate((*table.rows, *table.totals)):
        for c, cell in enumerate(row.cells):
            if cell.hidden:
                yield r, c
