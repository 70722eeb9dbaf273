"""A PD planner asks who holds what, who has not, who can lead, and whether every role gets
the same chance; the public sees the same figures in aggregate, small groups withheld."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from fractions import Fraction
from pathlib import Path

import pytest
import yaml
from cairn.insights import figures
from cairn.insights.figures import MARK, Table, workforce
from cairn.insights.roles import default_role_groups, read_role_groups
from cairn.model import Award, District, Earner, Revocation, expiry
from cairn.sources.load import Sources, load_district
from cairn.sources.problems import Problems
from conftest import REPO

TODAY = dt.date(2026, 1, 15)  # the day the constructed districts are judged on


@pytest.fixture(scope="module")
def sample() -> District:
    district, problems = load_district(
        Sources(catalog=REPO / "catalog", earners=REPO / "earners", root=REPO), dt.date.today()
    )
    assert not problems.errors
    return district


def award(credential: str, issued: str, **extra: object) -> Award:
    return Award(credential, dt.date.fromisoformat(issued), Path("earners/x.yml"), 1, **extra)  # type: ignore[arg-type]


def person(
    name: str, school: str | None, role: str, *awards: Award, public: bool = False, hide: bool = False
) -> Earner:
    key = name.lower().replace(" ", "-")
    if hide:
        awards = tuple(dataclasses.replace(a, public=False) for a in awards)
    return Earner(
        name=name,
        email=f"{key}@example.org",
        public=public,
        school=school,
        role=role,
        bio="",
        awards=tuple(awards),
        source=Path(f"earners/{key}.yml"),
        slug=key if public else None,
    )


def staffed(sample: District, *earners: Earner) -> District:
    """The sample's catalog and schools with these staff instead of the sample's."""
    return dataclasses.replace(sample, earners=tuple(earners))


def cell_text(table: Table, row_label: str, column_key: str) -> str:
    row = next(r for r in (*table.rows, *table.totals) if r.label == row_label)
    return row.cells[table.column(column_key)].text


# -- roles ----------------------------------------------------------------------------------


def test_every_role_in_the_sample_lands_in_the_group_a_planner_would_put_it_in() -> None:
    roles = default_role_groups()
    written = {yaml.safe_load(p.read_text(encoding="utf-8"))["role"] for p in (REPO / "earners").glob("[!_]*.yml")}
    expected = {
        "Grade 3 teacher": "classroom",
        "Kindergarten teacher (Spanish–English bilingual)": "classroom",
        "English language development teacher, grades 6–8": "classroom",
        "Algebra 1 teacher (first year in the district)": "classroom",
        "Special education teacher, K–2 inclusion": "special-education",
        "Special education teacher, resource room grades 6–8": "special-education",
        "Instructional coach": "coach",
        "District instructional coach": "coach",
        "District social-emotional learning specialist": "coach",
        "K–12 STEM and computer science coordinator": "coach",
        "Principal": "administrator",
        "School counselor": "other",
        "Library media specialist": "other",
    }
    assert set(expected) <= written, "the sample's roles changed: update this story"
    assert {role: roles.group_of(role) for role in expected} == expected
    # Every other role in the sample is a teacher of a grade or subject.
    assert {roles.group_of(r) for r in written - set(expected)} == {"classroom"}
    assert roles.group_of("Assistant Principal") == "administrator"
    assert roles.group_of("") == "other"
    assert roles.group_of("Teaching assistant") == "other"  # phrases are whole words: 'teacher' is not in it


def test_a_district_names_its_own_role_groups_in_earners_roles_yml(tmp_path: Path) -> None:
    (tmp_path / "_roles.yml").write_text(
        "# ours\nspecial-education: [special education, SpEd]\nsupport: [counselor, library]\nclassroom: teacher\n",
        encoding="utf-8",
    )
    problems = Problems(tmp_path)
    roles = read_role_groups(tmp_path, problems)
    assert not problems.items
    assert roles.ids == ("special-education", "support", "classroom", "other")
    assert roles.group_of("SPED teacher, grade 2") == "special-education"
    assert roles.group_of("School counselor") == "support"
    assert roles.label("support") == "Support"
    assert roles.group_of("Principal") == "other"  # the file replaces the default whole


def test_every_mistake_in_roles_yml_is_reported_at_once_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "_roles.yml").write_text(
        "coach: [coach, coordinator]\n"
        "other: [counselor]\n"
        "Big Bosses: [principal]\n"
        "admin: [principal, Coach]\n"
        "classroom: {teacher: yes}\n"
        "support: [counselor, 12, '--']\n",
        encoding="utf-8",
    )
    problems = Problems(tmp_path)
    roles = read_role_groups(tmp_path, problems)
    found = [str(p) for p in problems.errors]
    assert found == [
        "_roles.yml:2: 'other' is the group of roles that match no phrase, so it takes no phrases "
        "(remove it, or give the group another id)",
        "_roles.yml:3: group 'Big Bosses' is not a valid id (" + found[1].split("(", 1)[1],
        "_roles.yml:4: the phrase 'Coach' is already in group 'coach' on line 1 "
        "(keep it in one group: the first group with a phrase found in a role wins)",
        "_roles.yml:5: group 'classroom' should have a list of phrases "
        "(write one group per line: 'coach: [coach, coordinator]')",
        "_roles.yml:6: a phrase of group 'support' is not text with a letter or digit (write a word)",
        "_roles.yml:6: a phrase of group 'support' is not text with a letter or digit (write a word)",
    ]
    assert roles == default_role_groups()  # nothing half-read is used


def test_a_district_without_roles_yml_gets_the_default(tmp_path: Path) -> None:
    assert read_role_groups(tmp_path, Problems(tmp_path)) == default_role_groups()


# -- the planner's questions, on the sample -------------------------------------------------


def test_the_planner_sees_every_staff_member_public_or_not(sample: District) -> None:
    w = workforce(sample, dt.date.today())
    matrix = figures.staff_by_topic(w)
    names = {row.label for row in matrix.rows}
    assert names == {e.name for e in sample.earners}
    assert any(not e.public for e in sample.earners)
    # A person's SEL count is the number of their current SEL credentials.
    jamal = next(r for r in matrix.rows if r.key == "jamal-robinson")
    assert jamal.cells[matrix.column("sel")].value == 2  # morning meetings, growth-mindset feedback


def test_staff_at_a_school_with_nothing_on_a_topic_are_the_people_a_session_is_for(sample: District) -> None:
    w = workforce(sample, dt.date.today())
    table = figures.without_topic(w, "sel", school="washington-hs")
    by_hand = set()
    for earner in sample.earners:
        if earner.school != "washington-hs":
            continue
        sel = [
            a
            for a in earner.awards
            if a.revoked is None and "sel" in sample.credentials[a.credential].topics and a.issued <= w.today
        ]
        current = [
            a for a in sel if (lapses := expiry(a, sample.credentials[a.credential])) is None or lapses > w.today
        ]
        if not current:
            by_hand.add(earner.name)
    assert {row.label for row in table.rows} == by_hand
    assert by_hand, "the sample should have someone at Washington with no SEL credential"


def test_experts_are_everyone_holding_a_current_credential_on_the_topic(sample: District) -> None:
    w = workforce(sample, dt.date.today())
    table = figures.experts(w, "pbl")
    counts = [row.cells[table.column("current")].value for row in table.rows]
    assert counts == sorted(counts, reverse=True)
    assert any(not e.public for e in sample.earners if e.name in {r.label for r in table.rows})


def test_one_persons_record_says_what_they_hold_and_lack(sample: District) -> None:
    w = workforce(sample, dt.date.today())
    record = figures.person_record(w, "jamal-robinson")
    status = {row.key: row.cells[record.column("status")].text for row in record.rows}
    assert status["morning-meetings"] == "holds"
    assert status["restorative-conversations"] == "lacks (stack started)"
    assert "wait-time" not in status and "Formative Assessment (5 credentials)" in record.note


# -- hand-counted districts ----------------------------------------------------------------


def test_equity_by_role_matches_the_records_counted_by_hand(sample: District) -> None:
    district = staffed(
        sample,
        # Classroom: Ana has three credentials (days 0, 10, 40), Ben none, Cy one.
        person("Ana", "lincoln-ms", "Grade 3 teacher", award("wait-time", "2025-01-01"),
               award("exit-tickets", "2025-01-11"), award("public-products", "2025-02-10")),
        person("Ben", "lincoln-ms", "Grade 4 teacher"),
        person("Cy", "roosevelt-es", "Chemistry teacher", award("wait-time", "2025-03-01")),
        # Special education: Dee has two, 30 days apart, and a third that was revoked.
        person("Dee", "lincoln-ms", "Special education teacher", award("wait-time", "2025-01-01"),
               award("exit-tickets", "2025-01-31"),
               award("public-products", "2025-01-05", revoked=Revocation(dt.date(2025, 2, 1), "plagiarism"))),
        # Administrator: Eve renewed the one credential she holds: still one credential.
        person("Eve", "roosevelt-es", "Assistant principal", award("wait-time", "2021-01-01"),
               award("wait-time", "2024-01-01")),
    )  # fmt: skip
    table = figures.equity(workforce(district, TODAY))
    assert [r.label for r in table.rows] == [
        "Special education",
        "Administrators",
        "Coaches and specialists",
        "Classroom teachers",
        "Other roles",
    ]
    row = {r.key: [c.text for c in r.cells] for r in (*table.rows, *table.totals)}
    #                       staff holding share held per-person two median
    assert row["classroom"] == ["3", "2", "67%", "4", "1.3", "1", "10"]
    assert row["special-education"] == ["1", "1", "100%", "2", "2.0", "1", "30"]
    assert row["administrator"] == ["1", "1", "100%", "1", "1.0", "0", "—"]
    assert row["coach"] == ["0", "0", "—", "0", "—", "0", "—"]
    assert row["*"] == ["5", "4", "80%", "7", "1.4", "2", "20"]
    assert row["spread"][2] == "33 points"  # 100% − 67%
    assert row["spread"][6] == "20"  # 30 − 10 days
    # The group sizes beside every figure.
    classroom = next(r for r in table.rows if r.key == "classroom")
    assert [c.n for c in classroom.cells] == [3, 3, 3, 3, 3, 3, 1]


def test_current_means_issued_not_revoked_and_not_expired_on_the_day(sample: District) -> None:
    district = staffed(
        sample,
        # wait-time expires after 3 years: Ann's lapsed on 2025-01-10, Bo's is current.
        person("Ann", "lincoln-ms", "Grade 5 teacher", award("wait-time", "2022-01-10")),
        person("Bo", "lincoln-ms", "Grade 5 teacher", award("wait-time", "2024-01-10")),
        person("Cal", "lincoln-ms", "Grade 5 teacher",
               award("exit-tickets", "2025-01-10", revoked=Revocation(dt.date(2025, 3, 1), "error"))),
        person("Di", "lincoln-ms", "Grade 5 teacher", award("exit-tickets", "2025-01-10", expires=TODAY)),
    )  # fmt: skip
    w = workforce(district, TODAY)
    assert cell_text(figures.coverage(w), "Lincoln Middle School", "formative-assessment") == "1"
    assert [r.label for r in figures.experts(w, "formative-assessment").rows] == ["Bo"]
    lacking = figures.without_topic(w, "formative-assessment", "lincoln-ms")
    assert {r.label: r.cells[2].text for r in lacking.rows} == {"Ann": "lapsed", "Cal": "never", "Di": "lapsed"}


def test_who_is_one_or_two_credentials_from_a_stack(sample: District) -> None:
    pbl = ["driving-questions", "project-sprints", "critique-and-revision", "public-products"]
    district = staffed(
        sample,
        person("Three", "lincoln-ms", "Grade 5 teacher", *(award(c, "2025-01-10") for c in pbl[:3])),
        person("Two", "lincoln-ms", "Grade 5 teacher", *(award(c, "2025-01-10") for c in pbl[:2])),
        person("One", "lincoln-ms", "Grade 5 teacher", award(pbl[0], "2025-01-10")),
        person("All", "lincoln-ms", "Grade 5 teacher", *(award(c, "2025-01-10") for c in pbl)),
        # project-sprints expires after 3 years: lapsed, so it is missing again.
        person("Lapsed", "lincoln-ms", "Grade 5 teacher", award(pbl[1], "2022-01-01"),
               *(award(c, "2025-01-10") for c in (pbl[0], pbl[2], pbl[3]))),
    )  # fmt: skip
    table = figures.close_to_stacks(figures.workforce(district, TODAY))
    found = {(r.label, r.cells[1].text): r.cells[3].text for r in table.rows}
    assert found == {
        ("Three", "Project-Based Learning"): "1",
        ("Lapsed", "Project-Based Learning"): "1",
        ("Two", "Project-Based Learning"): "2",
    }
    lapsed = next(r for r in table.rows if r.label == "Lapsed")
    assert lapsed.cells[4].text == "Project Sprints with Scrum Boards"


def test_uptake_counts_awards_by_month_and_by_school_year_starting_in_july(sample: District) -> None:
    district = staffed(
        sample,
        person(
            "Ann",
            "lincoln-ms",
            "Grade 5 teacher",
            award("wait-time", "2025-06-30"),
            award("exit-tickets", "2025-07-01"),
        ),
        person("Bo", "roosevelt-es", "Grade 5 teacher", award("public-products", "2025-07-20")),
    )
    w = workforce(district, TODAY)
    years = figures.uptake(w, "school-year", "topic")
    assert [r.label for r in years.rows] == ["2024–25", "2025–26"]
    assert cell_text(years, "2024–25", "formative-assessment") == "1"
    assert cell_text(years, "2025–26", "formative-assessment") == "1"
    assert cell_text(years, "2025–26", "pbl") == "1"
    assert cell_text(years, "2025–26", "all") == "2"
    assert cell_text(years, "All", "all") == "3"
    # wait-time is on two topics: it counts once for each, and once in "All awards".
    assert cell_text(years, "2024–25", "classroom-discourse") == "1"
    months = figures.uptake(w, "month", "school")
    assert [r.label for r in months.rows] == ["2025-06", "2025-07"]
    assert cell_text(months, "2025-07", "lincoln-ms") == "1"
    assert cell_text(months, "2025-07", "roosevelt-es") == "1"


# -- public figures: k-suppression and differencing ----------------------------------------


def many(prefix: str, count: int, school: str, role: str, *awards: Award, public: bool = False) -> list[Earner]:
    return [person(f"{prefix} {n}", school, role, *awards, public=public) for n in range(count)]


def small_district(sample: District) -> District:
    """Lincoln 12 staff, Roosevelt 7, César Chávez 2 (under k), Washington 6, everyone private."""
    sel = award("morning-meetings", "2025-01-10")
    fa = award("exit-tickets", "2025-03-10")
    late = (award("morning-meetings", "2025-09-10"), award("exit-tickets", "2025-10-10"))  # 2025–26: two people
    return staffed(
        sample,
        *many("Lincoln SEL", 8, "lincoln-ms", "Grade 6 teacher", sel, fa),
        *many("Lincoln none", 4, "lincoln-ms", "Grade 7 teacher"),
        *many("Roosevelt", 7, "roosevelt-es", "Grade 2 teacher", sel),
        *many("Chavez", 2, "cesar-chavez-es", "Special education teacher", *late),
        *many("Washington", 6, "washington-hs", "Instructional coach", fa),
    )


def test_a_school_with_fewer_than_k_staff_is_withheld_and_marked(sample: District) -> None:
    table = figures.coverage(workforce(small_district(sample), TODAY), k=5)
    chavez = next(r for r in table.rows if r.key == "cesar-chavez-es")
    assert all(c.hidden and c.text == MARK for c in chavez.cells)
    assert all(c.suppressed for c in chavez.cells)
    assert "withheld" in table.note and "fewer than 5 people" in table.note
    # 7 of 7 at Roosevelt hold SEL: a group of 7, no one left out: shown.
    assert cell_text(table, "Roosevelt Elementary School", "sel") == "7"
    # 8 of 12 at Lincoln hold SEL, so 4 do not: that tells about 4 people, withheld.
    assert cell_text(table, "Lincoln Middle School", "sel") == MARK


def test_no_withheld_figure_can_be_worked_out_from_the_published_ones(sample: District) -> None:
    w = workforce(small_district(sample), TODAY)
    for table in figures.public_insights(w, k=5):
        assert any(c.hidden for r in table.rows for c in r.cells), table.name
        assert attack(table) == set(), f"{table.name}: recovered {attack(table)}"


def test_the_guard_is_needed_without_it_the_attack_works(sample: District) -> None:
    """Primary suppression alone leaves a column with one withheld cell: the district total
    minus the others gives it back. (The attacker below must be able to fail the guard.)"""
    w = workforce(small_district(sample), TODAY)
    grid_table = figures.coverage(w)  # private: nothing withheld
    staff = grid_table.column("staff")
    chavez = next(i for i, r in enumerate(grid_table.rows) if r.key == "cesar-chavez-es")
    rows = list(grid_table.rows)
    cells = list(rows[chavez].cells)
    cells[staff] = figures._withhold(cells[staff], suppressed=True)
    rows[chavez] = dataclasses.replace(rows[chavez], cells=tuple(cells))
    primary_only = dataclasses.replace(grid_table, rows=tuple(rows), k=5)
    assert attack(primary_only) == {(chavez, staff)}


def test_subtracting_public_profiles_cannot_reveal_a_small_private_group(sample: District) -> None:
    sel = award("morning-meetings", "2025-01-10")
    district = staffed(
        sample,
        *many("Open", 6, "lincoln-ms", "Grade 6 teacher", sel, public=True),
        *many("Quiet", 2, "lincoln-ms", "Grade 6 teacher"),  # 2 private staff who hold nothing
        *many("Roosevelt", 9, "roosevelt-es", "Grade 2 teacher", sel),
    )
    table = figures.coverage(workforce(district, TODAY), k=5)
    # 8 staff, 6 SEL holders, all six on public profiles: "6" would say the 2 others hold none.
    assert cell_text(table, "Lincoln Middle School", "sel") == MARK
    assert cell_text(table, "Lincoln Middle School", "staff") == "8"  # a head count tells nothing


def test_a_hidden_award_makes_its_holder_count_as_private(sample: District) -> None:
    sel = award("morning-meetings", "2025-01-10")
    district = staffed(
        sample,
        *many("Open", 7, "lincoln-ms", "Grade 6 teacher", sel, public=True),
        person("Shy", "lincoln-ms", "Grade 6 teacher", sel, public=True, hide=True),
    )
    w = workforce(district, TODAY)
    assert [p.visible for p in w.people].count(False) == 1
    assert cell_text(figures.coverage(w, k=5), "Lincoln Middle School", "sel") == MARK


def test_every_public_table_of_the_sample_resists_the_attack(sample: District) -> None:
    w = workforce(sample, dt.date.today())
    for table in figures.public_insights(w):
        assert table.k == figures.DEFAULT_K
        assert attack(table) == set(), table.name
        for row in (*table.rows, *table.totals):
            for cell in row.cells:
                assert cell.hidden or cell.n is None or cell.n == 0 or cell.n >= 5 or row.key == "spread"


def test_public_tables_name_no_one(sample: District) -> None:
    w = workforce(sample, dt.date.today())
    names = {e.name for e in sample.earners}
    for table in figures.public_insights(w):
        text = repr(table.csv_rows())
        assert not any(name in text for name in names)


# -- scale ----------------------------------------------------------------------------------


def big_district(sample: District, earners: int = 5000, awards: int = 50000) -> District:
    credentials = [c.id for c in sample.credentials.values() if not c.is_milestone]
    schools = [*sample.schools]
    roles = ["Grade 3 teacher", "Special education teacher", "Instructional coach", "Principal", "Counselor"]
    per = awards // earners
    staff = []
    for n in range(earners):
        held = tuple(
            award(credentials[(n + i) % len(credentials)], f"{2019 + (n + i) % 7}-{1 + (n * 7 + i) % 12:02d}-15")
            for i in range(per)
        )
        staff.append(person(f"P{n}", schools[n % len(schools)], roles[n % len(roles)], *held, public=n % 3 == 0))
    return staffed(sample, *staff)


def test_a_district_of_5000_staff_and_50000_awards_takes_well_under_two_seconds(sample: District) -> None:
    district = big_district(sample)
    start = time.perf_counter()
    w = workforce(district, TODAY)
    tables = [
        *figures.public_insights(w),
        figures.equity(w, "school"),
        figures.uptake(w, "month", "topic"),
        figures.staff_by_topic(w),
        figures.close_to_stacks(w),
    ]
    elapsed = time.perf_counter() - start
    assert len(tables[5].rows) == 5000
    assert elapsed < 2.0, f"{elapsed:.2f} s"


# -- the attacker ---------------------------------------------------------------------------


def attack(table: Table) -> set[tuple[int, int]]:
    """Every withheld cell a reader can work out exactly from the published ones: the sums
    each public table implies (a column of groups adds up to its total row; an uptake row by
    schools adds up to its "All"; a share times the staff is the count), solved by linear
    algebra over the rationals. Written apart from figures.py's guard, which it checks."""
    rows = [*table.rows, *table.totals]
    if table.name.startswith("equity"):
        rows = rows[:-1]  # the spread row is not a sum
    keys = [c.key for c in table.columns]
    if table.name.startswith("coverage"):
        additive = list(range(len(keys)))
        across = False
    elif table.name.startswith("uptake"):
        additive = list(range(len(keys)))
        across = True
    else:
        additive = [keys.index(k) for k in ("staff", "holding", "awards", "two")]
        across = False
    equations: list[tuple[dict[tuple[int, int], int], Fraction]] = []
    unknown: set[tuple[int, int]] = set()

    def term(r: int, c: int) -> tuple[tuple[int, int] | None, Fraction]:
        cell = rows[r].cells[c]
        if cell.hidden:
            unknown.add((r, c))
            return (r, c), Fraction(0)
        return None, Fraction(str(cell.value))

    last = len(rows) - 1
    lines = [[(r, c) for r in range(len(rows))] for c in additive]
    if across:
        lines += [[(r, c) for c in additive] for r in range(len(rows))]
    for line in lines:
        coefficients: dict[tuple[int, int], int] = {}
        constant = Fraction(0)
        for position, (r, c) in enumerate(line):
            sign = -1 if position == len(line) - 1 else 1
            var, value = term(r, c)
            if var is None:
                constant -= sign * value
            else:
                coefficients[var] = coefficients.get(var, 0) + sign
        equations.append((coefficients, constant))
    if table.name.startswith("equity"):
        # A shown share or rate with one of its two counts shown gives the other.
        for r in range(last + 1):
            for derived, (a, b) in (
                (keys.index("share"), ("holding", "staff")),
                (keys.index("per-person"), ("awards", "staff")),
            ):
                if rows[r].cells[derived].hidden:
                    continue
                pair = [(r, keys.index(a)), (r, keys.index(b))]
                hidden = [rc for rc in pair if rows[rc[0]].cells[rc[1]].hidden]
                if len(hidden) == 1:
                    unknown.add(hidden[0])
                    equations.append(({hidden[0]: 1}, Fraction(0)))  # solvable: mark it so
    variables = sorted(unknown)
    if not variables:
        return set()
    matrix = [[Fraction(eq.get(v, 0)) for v in variables] for eq, _ in equations]
    rank = _rank(matrix)
    recovered = set()
    for i, v in enumerate(variables):
        unit = [Fraction(int(j == i)) for j in range(len(variables))]
        if _rank([*matrix, unit]) == rank:
            recovered.add(v)
    return recovered


def _rank(matrix: list[list[Fraction]]) -> int:
    rows = [list(r) for r in matrix]
    rank = 0
    width = len(rows[0]) if rows else 0
    for col in range(width):
        pivot = next((r for r in range(rank, len(rows)) if rows[r][col]), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        for r in range(len(rows)):
            if r != rank and rows[r][col]:
                factor = rows[r][col] / rows[rank][col]
                rows[r] = [x - factor * y for x, y in zip(rows[r], rows[rank], strict=True)]
        rank += 1
    return rank


def test_the_attacker_recovers_a_lone_withheld_cell_by_subtraction() -> None:
    """The attacker itself works: a column 3 + x + 4 = 10 gives x = 3."""
    shown = figures.Cell(3, "3", 3)
    gone = figures.Cell(None, MARK, 3, suppressed=True)
    table = Table(
        name="coverage-test",
        title="t",
        row_heading="School",
        columns=(figures.Column("staff", "Staff"),),
        rows=tuple(
            figures.Row(str(i), str(i), (cell,)) for i, cell in enumerate((shown, gone, figures.Cell(4, "4", 4)))
        ),
        totals=(figures.Row("*", "District", (figures.Cell(10, "10", 10),)),),
        k=5,
    )
    assert attack(table) == {(1, 0)}
    both = dataclasses.replace(
        table, rows=(table.rows[0], table.rows[1], dataclasses.replace(table.rows[2], cells=(gone,)))
    )
    assert attack(both) == set()
