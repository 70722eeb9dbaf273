"""What credentials count for: a committee declares pay, CEUs and points in
catalog/_recognition.yml, milestones in catalog/_milestones/, and Cairn does the arithmetic,
refuses what does not add up, and writes the milestones earners reach."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from cairn.commands.ids import award_met_milestones, new_award_id, new_salt
from cairn.model import Completion, District, Earner, Threshold
from cairn.recognition import (
    counted_awards,
    counts_for,
    earned,
    milestones_due,
    milestones_met,
    next_milestones,
    progress,
    schemes_shown,
    shown,
    totals,
)
from cairn.sources.load import STATUS_FILE, Sources, load_district
from cairn.sources.problems import Problems
from conftest import copy_project, run_cli

TODAY = dt.date.today()

RECOGNITION = """\
# Kettle Moraine-style pay tiers, Baltimore County-style CEUs, Deerfield-style points.
- id: pay
  label: Base-pay increase
  kind: money
  unit: USD
  by_level: {foundational: 200, proficient: 400, advanced: 600}
  show: catalog
- id: ceu
  label: Continuing education units
  kind: credits
  unit: CEU
  per_hour: 0.1
  show: profiles
- id: points
  label: District degree points
  kind: points
  unit: points
  fixed: 50
  show: profiles
  milestones:
    - credential: associate
      at: 100
    - credential: bachelor
      at: 200
"""

MILESTONE = """\
---
title: {title}
summary: Awarded on reaching a number of district degree points.
kind: milestone
---

## Competency

The educator has earned district degree points through micro-credentials scored by colleagues.
"""

COMPLETION = """
completion:
  credential: fa-practitioner
  of: 2
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The sample district as it was before it declared any scheme: these tests declare their own."""
    project = copy_project(tmp_path / "district")
    (project / "catalog" / "_recognition.yml").unlink()
    shutil.rmtree(project / "catalog" / "_milestones")
    stack = project / "catalog" / "formative-assessment" / "_stack.yml"
    text = stack.read_text(encoding="utf-8")
    stack.write_text(text[: text.index("# Holding")], encoding="utf-8")
    written = re.compile(r"  # milestone written by python build.py ids:.*\n(?:  - credential:.*\n)(?:    .*\n)*")
    for earner in (project / "earners").glob("*.yml"):
        earner.write_text(written.sub("", earner.read_text(encoding="utf-8")), encoding="utf-8")
    return project


def write(project: Path, name: str, text: str) -> Path:
    path = project / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def recognise(project: Path, recognition: str = RECOGNITION, completion: str = COMPLETION) -> None:
    """The district declares its schemes, three milestones, and the Formative Assessment stack's
    completion credential (any 2 of its credentials current on the same day)."""
    write(project, "catalog/_recognition.yml", recognition)
    for milestone, title in (("associate", "Associate"), ("bachelor", "Bachelor"), ("fa-practitioner", "Practitioner")):
        write(project, f"catalog/_milestones/{milestone}.md", MILESTONE.format(title=title))
    stack = project / "catalog" / "formative-assessment" / "_stack.yml"
    stack.write_text(stack.read_text(encoding="utf-8") + completion, encoding="utf-8")
    # The awards the tests plant take status indices from 90000: reserve them.
    write(project, f"earners/{STATUS_FILE}", "next_index: 100000\n")


def award(credential: str, issued: str, index: int, extra: str = "") -> str:
    return (
        f"  - credential: {credential}\n    issued: {issued}\n    id: {new_award_id()}\n"
        f"    salt: {new_salt()}\n    status_index: {90000 + index}\n{extra}"
    )


def plant_earner(project: Path, *awards: str) -> Path:
    text = "name: Test Earner\nemail: test.earner@example.net\npublic: false\nschool: lincoln-ms\nawards:\n"
    return write(project, "earners/test-earner.yml", text + "".join(awards))


def load(project: Path) -> tuple[District, Problems]:
    return load_district(Sources(project / "catalog", project / "earners", project), TODAY)


def loaded(project: Path) -> District:
    district, problems = load(project)
    assert not problems.errors, [str(p) for p in problems.errors]
    return district


def the_earner(district: District) -> Earner:
    return next(e for e in district.earners if e.name == "Test Earner")


def check(project: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    code = run_cli(project, "check")
    return code, capsys.readouterr().err.strip().splitlines()


def line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").split("\n")
    return next(number for number, line in enumerate(lines, start=1) if needle in line)


def set_front_matter(project: Path, credential: str, line: str) -> Path:
    """Add a line to a sample spec's front matter, below its title."""
    path = next((project / "catalog").glob(f"*/{credential}.md"))
    text = path.read_text(encoding="utf-8")
    head, rest = text.split("\ntitle:", 1)
    first, after = rest.split("\n", 1)
    path.write_text(f"{head}\ntitle:{first}\n{line}\n{after}", encoding="utf-8")
    return path


# What a credential counts for


def test_without_a_recognition_file_nothing_counts_for_anything(project: Path) -> None:
    district = loaded(project)
    assert district.schemes == {}
    assert all(counts_for(district, c) == [] for c in district.credentials.values())


def test_pay_by_level_ceus_per_hour_and_fixed_points(project: Path) -> None:
    recognise(project)
    district = loaded(project)
    for credential in district.active:
        amounts = {a.scheme.id: a.amount for a in counts_for(district, credential)}
        assert amounts["pay"] == {"foundational": 200, "proficient": 400, "advanced": 600}[credential.level]
        assert amounts["ceu"] == Decimal("0.1") * Decimal(str(credential.estimated_hours))
        assert amounts["points"] == 50
    fifteen = next(c for c in district.active if c.estimated_hours == 15)
    ceu = next(a for a in counts_for(district, fifteen) if a.scheme.id == "ceu")
    assert ceu.amount == Decimal("1.5") and isinstance(ceu.amount, Decimal)
    assert str(ceu) == "1.5 CEU"
    pay = next(a for a in counts_for(district, fifteen) if a.scheme.id == "pay")
    assert str(pay) in ("200.00 USD", "400.00 USD", "600.00 USD")


def test_tenths_of_a_ceu_add_up_exactly(project: Path) -> None:
    """0.1 CEU an hour for 1, 2 and 3 hours is 0.6 CEU, not 0.6000000000000001."""
    recognise(project, RECOGNITION.replace("per_hour: 0.1", "per_hour: 0.1"))
    for name, hours in (("wait-time", 1), ("exit-tickets", 2), ("hinge-questions", 3)):
        path = next((project / "catalog").glob(f"*/{name}.md"))
        text = path.read_text(encoding="utf-8")
        old = next(line for line in text.split("\n") if line.startswith("estimated_hours:"))
        path.write_text(text.replace(old, f"estimated_hours: {hours}", 1), encoding="utf-8")
    plant_earner(
        project,
        award("wait-time", "2025-01-10", 0),
        award("exit-tickets", "2025-02-10", 1),
        award("hinge-questions", "2025-03-10", 2),
    )
    district = loaded(project)
    ceu = next(t for t in totals(district, the_earner(district)) if t.scheme.id == "ceu")
    assert ceu.amount == Decimal("0.6")
    assert str(ceu) == "0.6 CEU"


def test_a_specs_own_amounts_replace_the_schemes_and_zero_counts_for_nothing(project: Path) -> None:
    recognise(project)
    set_front_matter(project, "wait-time", "recognition: {ceu: 2.5, pay: 0}")
    district = loaded(project)
    amounts = {a.scheme.id: a.amount for a in counts_for(district, "wait-time")}
    assert amounts == {"ceu": Decimal("2.5"), "points": Decimal(50)}


def test_amounts_are_rounded_money_to_cents_credits_to_hundredths(project: Path) -> None:
    recognise(
        project,
        RECOGNITION.replace(
            "by_level: {foundational: 200, proficient: 400, advanced: 600}", "per_hour: 33.3335"
        ).replace("per_hour: 0.1", "per_hour: 0.0333"),
    )
    set_front_matter(project, "wait-time", "recognition: {points: 12.345}")
    district = loaded(project)
    hours = Decimal(str(district.credentials["wait-time"].estimated_hours))
    amounts = {a.scheme.id: a.amount for a in counts_for(district, "wait-time")}
    assert amounts["pay"] == (Decimal("33.3335") * hours).quantize(Decimal("0.01"))
    assert amounts["ceu"] == (Decimal("0.0333") * hours).quantize(Decimal("0.01"))
    assert amounts["points"] == Decimal("12.35")  # half up, as a person rounds


def test_money_is_shown_on_the_catalog_but_never_on_a_profile(project: Path) -> None:
    recognise(project)
    district = loaded(project)
    pay, ceu, points = district.schemes.values()
    assert [s.id for s in schemes_shown(district, "catalog")] == ["pay", "ceu", "points"]
    assert [s.id for s in schemes_shown(district, "profile")] == ["ceu", "points"]
    assert [s.id for s in schemes_shown(district, "private")] == ["pay", "ceu", "points"]
    assert not shown(pay, "profile") and shown(pay, "private")
    assert [a.scheme.id for a in counts_for(district, "wait-time", "profile")] == ["ceu", "points"]


def test_a_private_scheme_is_in_no_public_place(project: Path) -> None:
    recognise(project, RECOGNITION.replace("show: profiles", "show: private", 1))
    district = loaded(project)
    assert [s.id for s in schemes_shown(district, "catalog")] == ["pay", "points"]
    assert [s.id for s in schemes_shown(district, "profile")] == ["points"]


# An earner's totals


def test_totals_count_each_credential_once_expired_ones_too_never_revoked_ones(project: Path) -> None:
    recognise(project)
    revoked = "    revoked:\n      date: 2025-04-01\n      reason: plagiarised evidence\n"
    plant_earner(
        project,
        award("wait-time", "2022-01-10", 0, "    expires: 2023-01-10\n"),  # expired: still earned
        award("wait-time", "2024-01-10", 1),  # renewed: counts once, by the earliest
        award("exit-tickets", "2025-02-10", 2),
        award("hinge-questions", "2025-03-10", 3, revoked),  # revoked: never counts
    )
    district = loaded(project)
    earner = the_earner(district)
    points = {t.scheme.id: t.amount for t in totals(district, earner)}["points"]
    assert points == 100
    assert [e.issued for e in earned(district, earner)] == [dt.date(2022, 1, 10), dt.date(2025, 2, 10)]
    assert [a.issued for a in counted_awards(earner, on=dt.date(2024, 12, 31))] == [dt.date(2022, 1, 10)]
    on_the_day = {t.scheme.id: t.amount for t in totals(district, earner, on=dt.date(2024, 12, 31), place="profile")}
    assert on_the_day == {
        "ceu": Decimal("0.1") * Decimal(str(district.credentials["wait-time"].estimated_hours)),
        "points": 50,
    }


# Milestones


def test_a_milestone_spec_needs_only_a_summary_and_a_competency(project: Path) -> None:
    recognise(project)
    district = loaded(project)
    associate = district.credentials["associate"]
    assert associate.kind == "milestone" and associate.stack == "" and associate.estimated_hours == 0
    assert associate.section("Competency").markdown.startswith("The educator has earned")
    assert associate.section("Scoring Rubric").markdown == "" and associate.rubric.rows == ()
    assert associate not in district.active  # in no stack: not in the catalog's list
    assert counts_for(district, associate) == []  # a milestone earns nothing itself
    assert district.milestone_rules["associate"] == Threshold("associate", "points", Decimal(100))
    assert district.milestone_rules["fa-practitioner"] == Completion("fa-practitioner", "formative-assessment", 2)


def test_a_points_milestone_is_met_on_the_day_of_the_award_that_crosses_it(project: Path) -> None:
    recognise(project)
    plant_earner(
        project,
        award("driving-questions", "2024-09-01", 0),
        award("morning-meetings", "2025-03-01", 1),  # 100 points: Associate
        award("project-sprints", "2025-06-01", 2),
    )
    district = loaded(project)
    earner = the_earner(district)
    assert [(m.credential, m.met) for m in milestones_met(district, earner)] == [("associate", dt.date(2025, 3, 1))]
    assert [str(p) for p in next_milestones(district, earner, TODAY, "profile")] == [
        "150 of 200 points toward Bachelor"
    ]
    assert milestones_met(district, earner, on=dt.date(2025, 2, 28)) == []


def test_a_stack_completion_wants_its_credentials_current_on_the_same_day(project: Path) -> None:
    recognise(project)
    plant_earner(
        project,
        award("wait-time", "2024-01-10", 0, "    expires: 2024-06-01\n"),
        award("exit-tickets", "2024-09-01", 1),  # wait-time has lapsed: 1 of 2 current
        award("hinge-questions", "2025-02-01", 2),  # 2 of 2: complete
    )
    district = loaded(project)
    earner = the_earner(district)
    met = {m.credential: m.met for m in milestones_met(district, earner)}
    assert met["fa-practitioner"] == dt.date(2025, 2, 1)
    assert met["associate"] == dt.date(2024, 9, 1)  # points were earned, lapsed or not
    on_the_first = progress(district, earner, "fa-practitioner", dt.date(2024, 9, 1))
    assert not on_the_first.met
    assert (
        on_the_first.shortfall() == "holds 1 of 2 current credentials of the stack 'formative-assessment' on 2024-09-01"
    )


def test_of_all_asks_for_every_active_credential_and_says_which_are_missing(project: Path) -> None:
    recognise(project, completion=COMPLETION.replace("of: 2", "of: all"))
    plant_earner(project, award("wait-time", "2025-01-10", 0), award("exit-tickets", "2025-02-10", 1))
    district = loaded(project)
    step = progress(district, the_earner(district), "fa-practitioner", TODAY)
    assert str(step) == "2 of 5 credentials toward Practitioner"
    assert step.missing == ("hinge-questions", "peer-feedback", "student-self-assessment")  # not the draft
    assert "fa-practitioner" not in {m.credential for m in milestones_met(district, the_earner(district))}


def test_check_refuses_a_milestone_awarded_before_its_rule_was_met(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recognise(project)
    path = plant_earner(
        project,
        award("driving-questions", "2024-09-01", 0),
        award("associate", "2025-01-15", 1),
        award("morning-meetings", "2025-03-01", 2),
    )
    code, lines = check(project, capsys)
    assert code == 1
    assert (
        f"earners/test-earner.yml:{line_of(path, 'credential: associate')}: the milestone 'associate' is awarded on"
        " 2025-01-15, but its rule is not met that day: has 50 of 100 points on 2025-01-15"
        " (its rule was met on 2025-03-01: if it was never published, write 'issued: 2025-03-01'; if it was,"
        " revoke it and add the milestone again with 'issued: 2025-03-01' (python build.py ids gives it an id))"
    ) in lines


def test_check_refuses_a_milestone_whose_rule_was_never_met_but_not_a_revoked_one(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recognise(project)
    revoked = "    revoked:\n      date: 2025-02-01\n      reason: awarded by mistake\n"
    plant_earner(project, award("driving-questions", "2024-09-01", 0), award("bachelor", "2025-01-15", 1))
    code, lines = check(project, capsys)
    assert code == 1
    assert any("has 50 of 200 points on 2025-01-15 (if it was never published, delete it" in line for line in lines)
    plant_earner(project, award("driving-questions", "2024-09-01", 0), award("bachelor", "2025-01-15", 1, revoked))
    code, lines = check(project, capsys)
    assert code == 0, lines


def test_ids_writes_each_milestone_met_with_the_day_it_was_met(project: Path) -> None:
    recognise(project)
    path = plant_earner(
        project,
        award("wait-time", "2024-01-10", 0),
        award("exit-tickets", "2024-09-01", 1),
        award("hinge-questions", "2025-02-01", 2),
        award("peer-feedback", "2025-05-01", 3),
    )
    before = path.read_text(encoding="utf-8")
    district = loaded(project)
    assert [m.credential for m in milestones_due(district, the_earner(district))] == [
        "associate",
        "fa-practitioner",
        "bachelor",
    ]
    problems = Problems(project)
    added = award_met_milestones(district, problems, project / "earners" / STATUS_FILE)
    assert not problems.items and added[path] == 3  # (the sample's earners reach some too)
    after = path.read_text(encoding="utf-8")
    assert after.startswith(before)  # appended below the awards; nothing else touched
    new = after[len(before) :]
    assert "  # milestone written by python build.py ids: has 100 of 100 points on 2024-09-01\n" in new
    assert "  - credential: associate\n    issued: 2024-09-01\n    id: " in new
    assert "  - credential: fa-practitioner\n    issued: 2024-09-01\n" in new
    assert "  - credential: bachelor\n    issued: 2025-05-01\n" in new
    indices = [int(line.split(": ")[1]) for line in new.split("\n") if "status_index" in line]
    assert len(set(indices)) == 3 and all(100000 <= index < 100000 + sum(added.values()) for index in indices)
    assert (project / "earners" / STATUS_FILE).read_text().endswith(f"next_index: {100000 + sum(added.values())}\n")
    district = loaded(project)  # check accepts what ids wrote
    assert milestones_due(district, the_earner(district)) == []
    assert award_met_milestones(district, problems, project / "earners" / STATUS_FILE) == {}


def test_ids_leaves_a_revoked_milestone_alone(project: Path) -> None:
    recognise(project)
    revoked = "    revoked:\n      date: 2025-02-01\n      reason: the committee withdrew it\n"
    plant_earner(
        project,
        award("driving-questions", "2024-09-01", 0),
        award("morning-meetings", "2025-01-01", 1),
        award("associate", "2025-01-01", 2, revoked),
    )
    district = loaded(project)
    assert milestones_due(district, the_earner(district)) == []


def test_python_build_py_ids_writes_the_milestones_met(project: Path) -> None:
    recognise(project)
    path = plant_earner(project, award("driving-questions", "2024-09-01", 0))
    path.write_text(
        path.read_text(encoding="utf-8") + "  - credential: morning-meetings\n    issued: 2025-03-01\n",
        encoding="utf-8",
    )
    assert run_cli(project, "ids") == 0
    assert "  - credential: associate\n    issued: 2025-03-01\n" in path.read_text(encoding="utf-8")
    assert run_cli(project, "check") == 0


# What check says about bad recognition


SCHEME_CASES = {
    "unknown scheme in a spec": (
        "spec",
        "recognition: {cue: 2}",
        "recognition:",
        "unknown scheme 'cue' (did you mean 'ceu'?)",
    ),
    "negative amount in a spec": (
        "spec",
        "recognition: {ceu: -1}",
        "recognition:",
        "the amount for 'ceu' -1 is negative (amounts are 0 or more (0: it counts for nothing))",
    ),
    "amount in words in a spec": (
        "spec",
        "recognition: {points: ten}",
        "recognition:",
        "the amount for 'points' 'ten' is not a number (write a plain number, e.g. 2.5)",
    ),
    "recognition not a mapping": (
        "spec",
        "recognition: 5",
        "recognition:",
        "'recognition' should be a mapping of scheme ids to amounts, found a number",
    ),
    "amount in words in a scheme": (
        "file",
        ("foundational: 200", "foundational: two hundred"),
        "by_level:",
        "the amount for 'foundational' 'two hundred' is not a number",
    ),
    "by_level and per_hour": (
        "file",
        ("  per_hour: 0.1\n", "  per_hour: 0.1\n  fixed: 3\n"),
        "fixed: 3",
        "'per_hour' and 'fixed' are both given (a scheme earns one way",
    ),
    "a level the scheme does not prices": (
        "file",
        (", advanced: 600}", "}"),
        "by_level:",
        "scheme 'pay' prices no 'advanced' level, the level of ",
    ),
    "a misspelt level": (
        "file",
        ("advanced: 600", "advancd: 600"),
        "by_level:",
        "'advancd' is not a level (did you mean 'advanced'?)",
    ),
    "money on profiles": (
        "file",
        ("  show: catalog", "  show: profiles"),
        "show: profiles",
        "a money scheme cannot show 'profiles': what a person is paid is never published (write 'show: catalog'",
    ),
    "no way to earn": (
        "file",
        ("  fixed: 50\n", ""),
        "id: points",
        "scheme 'points' does not say what a credential earns",
    ),
    "thresholds not increasing": (
        "file",
        ("at: 200", "at: 90"),
        "at: 90",
        "'at' 90 is not above the milestone before it (100)",
    ),
    "milestone that is a micro-credential": (
        "file",
        ("credential: bachelor", "credential: wait-time"),
        "credential: wait-time",
        "'wait-time' is a micro-credential, not a milestone",
    ),
    "unknown milestone": (
        "file",
        ("credential: bachelor", "credential: bachelr"),
        "credential: bachelr",
        "unknown milestone credential 'bachelr' (did you mean 'bachelor'?)",
    ),
    "milestones on money": (
        "file",
        ("  show: catalog\n", "  show: catalog\n  milestones: [{credential: bachelor, at: 5}]\n"),
        "milestones: [",
        "a money scheme has no milestones",
    ),
    "unknown field": (
        "file",
        ("  unit: CEU", "  unit: CEU\n  shown: catalog"),
        "shown: catalog",
        "unknown field 'shown' (did you mean 'show'?)",
    ),
    "unknown kind": (
        "file",
        ("kind: credits", "kind: hours"),
        "kind: hours",
        "'kind' 'hours' is not allowed (use one of: money, credits, points)",
    ),
}


@pytest.mark.parametrize("case", list(SCHEME_CASES), ids=list(SCHEME_CASES))
def test_a_recognition_mistake_is_reported_with_its_file_and_line(
    project: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    where, change, needle, message = SCHEME_CASES[case]
    if where == "spec":
        recognise(project)
        assert isinstance(change, str)
        path = set_front_matter(project, "wait-time", change)
        shown_path = "catalog/formative-assessment/wait-time.md"
    else:
        old, new = change
        assert old in RECOGNITION
        recognise(project, RECOGNITION.replace(old, new, 1))
        path, shown_path = project / "catalog" / "_recognition.yml", "catalog/_recognition.yml"
    code, lines = check(project, capsys)
    assert code == 1
    text = path.read_text(encoding="utf-8")
    line = text[: text.index(needle)].count("\n") + 1
    found = [entry for entry in lines if entry.startswith(f"{shown_path}:{line}: ")]
    assert any(message in entry for entry in found), lines
    assert lines[-1].startswith("1 error(s)"), lines  # one cause, one message


def test_an_override_naming_a_scheme_when_there_is_no_file(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = set_front_matter(project, "wait-time", "recognition: {ceu: 2}")
    code, lines = check(project, capsys)
    assert code == 1
    assert lines[0] == (
        f"catalog/formative-assessment/wait-time.md:{line_of(path, 'recognition:')}: unknown scheme 'ceu':"
        " there is no catalog/_recognition.yml (declare the scheme in catalog/_recognition.yml first"
        " (see the README's Recognition section))"
    )


MILESTONE_CASES = {
    "a milestone in a stack folder": (
        "catalog/formative-assessment/master.md",
        MILESTONE.format(title="Master"),
        "kind: milestone",
        "a milestone is in no stack, so its spec is not in a stack's folder (move the file to catalog/_milestones/",
    ),
    "a milestone without its competency": (
        "catalog/_milestones/associate.md",
        MILESTONE.format(title="Associate").replace("## Competency", "## Notes"),
        "## Notes",
        "unknown section '## Notes'",
    ),
    "a milestone with hours": (
        "catalog/_milestones/associate.md",
        MILESTONE.format(title="Associate").replace("kind: milestone", "kind: milestone\nestimated_hours: 3"),
        "estimated_hours",
        "a milestone has no 'estimated_hours'",
    ),
    "a micro-credential among the milestones": (
        "catalog/_milestones/associate.md",
        MILESTONE.format(title="Associate").replace("kind: milestone", "kind: micro-credential"),
        "kind:",
        "catalog/_milestones/ holds milestones only",
    ),
}


@pytest.mark.parametrize("case", list(MILESTONE_CASES), ids=list(MILESTONE_CASES))
def test_a_milestone_spec_mistake_is_reported_with_its_file_and_line(
    project: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    name, text, needle, message = MILESTONE_CASES[case]
    recognise(project)
    path = write(project, name, text)
    code, lines = check(project, capsys)
    assert code == 1
    assert any(entry.startswith(f"{name}:{line_of(path, needle)}: ") and message in entry for entry in lines), lines


def test_a_milestone_without_a_rule_is_a_warning(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """It can never be earned (check refuses any award of it), but nothing is wrong yet."""
    recognise(project)
    write(project, "catalog/_milestones/master.md", MILESTONE.format(title="Master"))
    code, lines = check(project, capsys)
    assert code == 0
    assert lines[0] == (
        "catalog/_milestones/master.md:1: warning: the milestone 'master' has no rule, so it can never be earned"
        " (name it in a scheme's 'milestones:' in catalog/_recognition.yml or in a stack's 'completion:' in its"
        " _stack.yml, or set 'status: draft')"
    )
    assert run_cli(project, "check", "--strict") == 1


def test_a_milestone_spec_must_say_what_it_recognises(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    recognise(project)
    text = MILESTONE.format(title="Associate")
    write(project, "catalog/_milestones/associate.md", text[: text.index("## Competency")])
    code, lines = check(project, capsys)
    assert code == 1
    assert any(
        "missing section '## Competency'" in line and "a milestone's spec needs '## Competency'" in line
        for line in lines
    ), lines


STACK_CASES = {
    "of more than the stack holds": (
        COMPLETION.replace("of: 2", "of: 9"),
        "of: 9",
        "'of' 9 is more than the stack's 5 credentials",
    ),
    "of in words": (COMPLETION.replace("of: 2", "of: most"), "of: most", "'of' 'most' should be 'all' or a whole"),
    "a completion that is a micro-credential": (
        COMPLETION.replace("credential: fa-practitioner", "credential: wait-time"),
        "credential: wait-time",
        "'wait-time' is a micro-credential, not a milestone",
    ),
    "a milestone with two rules": (
        COMPLETION.replace("credential: fa-practitioner", "credential: associate"),
        "credential: associate",
        "the milestone 'associate' already has a rule (scheme 'points' in _recognition.yml, line 21)",
    ),
}


@pytest.mark.parametrize("case", list(STACK_CASES), ids=list(STACK_CASES))
def test_a_stack_completion_mistake_is_reported_with_its_line(
    project: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    completion, needle, message = STACK_CASES[case]
    recognise(project, completion=completion)
    path = project / "catalog" / "formative-assessment" / "_stack.yml"
    code, lines = check(project, capsys)
    assert code == 1
    where = f"catalog/formative-assessment/_stack.yml:{line_of(path, needle)}: "
    assert any(entry.startswith(where) and message in entry for entry in lines), lines


def test_a_milestone_listed_among_a_stacks_credentials(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    recognise(project)
    path = project / "catalog" / "formative-assessment" / "_stack.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("  - wait-time\n", "  - wait-time\n  - associate\n"))
    code, lines = check(project, capsys)
    assert code == 1
    assert lines[0].startswith(
        f"catalog/formative-assessment/_stack.yml:{line_of(path, '- associate')}: 'associate' is a milestone:"
        " it is in no stack's list"
    ), lines


def test_the_readmes_worked_example_on_the_sample_districts_own_schemes(tmp_path: Path) -> None:
    """README, "Recognition": Wait Time, Exit Tickets and Hinge Questions make $800, 3.3 CEUs and
    100 points; Peer Feedback makes 150 and District Associate; Critique and Revision 200."""
    sample = copy_project(tmp_path / "sample")  # with the sample's own _recognition.yml
    write(sample, f"earners/{STATUS_FILE}", "next_index: 100000\n")  # the indices award() plants
    path = plant_earner(
        sample,
        award("wait-time", "2025-09-10", 1),
        award("exit-tickets", "2025-10-01", 2),
        award("hinge-questions", "2025-11-05", 3),
    )
    district = loaded(sample)
    earner = the_earner(district)
    assert {t.scheme.id: t.amount for t in totals(district, earner)} == {
        "pay": Decimal(800),
        "ceu": Decimal("3.3"),
        "points": Decimal(100),
    }
    assert [str(p) for p in next_milestones(district, earner, TODAY, "profile")] == [
        "100 of 150 points toward District Associate",
        "3 of 5 credentials toward Formative Assessment Practitioner",
    ]
    with path.open("a", encoding="utf-8") as more:
        more.write(award("peer-feedback", "2026-01-12", 4) + award("critique-and-revision", "2026-02-03", 5))
    district = loaded(sample)
    earner = the_earner(district)
    assert [(m.credential, m.met) for m in milestones_met(district, earner)] == [
        ("district-associate", dt.date(2026, 1, 12))
    ]
    assert [str(p) for p in next_milestones(district, earner, TODAY, "profile")] == [
        "200 of 300 points toward District Bachelor",
        "4 of 5 credentials toward Formative Assessment Practitioner",
    ]
