"""A committee adapts Digital Promise specs as they are written, and `check` points at what is
really wrong, once, with a suggestion.

Digital Promise names the parts of a micro-credential "competency, key methods, method
components, supporting research and rationale, resources, and submission guidelines and
evaluation criteria"; many specs put the submission in Part 1. Overview Questions, Part 2.
Work Examples / Artifacts (with the rubric) and Part 3. Reflection. The sample district
keeps three such specs as drafts, written that way.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from cairn.sources import spec as specs  # read at call time: each test fails on its own
from cairn.sources.problems import Problems
from conftest import run_cli

# id -> (stack, [(heading on the page, a phrase of its text)], rubric levels, a rubric cell)
DP_SPECS = {
    "success-criteria": (
        "formative-assessment",
        [
            ("Competency", "co-constructs success criteria"),
            ("Key Methods", "shows students strong and weak examples"),
            ("Method Components", "rank the samples"),
            ("Research &amp; Resources", "Outstanding Formative Assessment"),
            ("Submission Guidelines", "Each part is scored as Yes or"),
            ("Part 1. Overview Questions", "Who are your students"),
            ("Part 2. Work Examples / Artifacts", "a photo of the criteria"),
            ("Part 3. Reflection", "How did the quality of final work compare"),
        ],
        ("Yes", "Not Yet"),
        "Three to five criteria, visibly written from students",
    ),
    "community-asset-mapping": (
        "culturally-responsive-teaching",
        [
            ("Competency", "identifies assets in students"),
            ("Key Method", "walks or surveys the school"),
            ("Method Components", "Record each asset on a map"),
            ("Supporting Research and Rationale", "Asset mapping turns that idea into a routine"),
            ("Resources", "A blank community map"),
            ("Submission Guidelines", "Submit your community map"),
            ("Part 1. Overview Questions", "How did you invite families"),
            ("Part 2. Work Examples / Artifacts", "the plan of the unit"),
            ("Part 3. Reflection", "How did students respond to the unit"),
            ("Scoring Rubric", "Ten or more assets"),
        ],
        ("Proficient", "Not Yet"),
        "Two assets shape what students do and learn",
    ),
    "co-created-norms": (
        "social-emotional-learning",
        [
            ("Competency", "co-creates classroom norms"),
            ("Key Method", "turns their ideas into three to five norms"),
            ("Method Components", "Model and practise each norm"),
            ("Research &amp; Resources", "The Morning Meeting Book"),
            ("Submission Guidelines and Evaluation Criteria", "every criterion must be scored Proficient"),
            ("Part 1. Overview Questions", "why you chose to co-create norms now"),
            ("Part 2. Work Examples / Artifacts", "notes from\none review meeting"),
            ("Part 3. Reflection", "What changed in how students worked together"),
        ],
        ("Proficient", "Basic", "Developing"),
        "Three to five action norms traced to students",
    ),
}


def check(project: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    code = run_cli(project, "check")
    return code, capsys.readouterr().err.strip().splitlines()


def spec_path(project: Path, credential_id: str) -> Path:
    return project / "catalog" / DP_SPECS[credential_id][0] / f"{credential_id}.md"


def parse(body: str) -> tuple[object, list[str]]:
    problems = Problems(Path("."))
    parsed = specs.parse_body(body, 1, Path("spec.md"), problems)
    return parsed, [f"{p.line}: {p.message} ({p.hint})" for p in problems.items]


DP_BODY = """## Competency

Can do it.

## Key Methods

The method.

## Method Components

- Steps.

## Supporting Research and Rationale

Why.

## Resources

- A book.

## Submission Guidelines

Submit three parts.

## Part 1. Overview Questions

Who are your students?

## Part 2. Work Examples / Artifacts

A video.

| | Yes | Not Yet |
|---|---|---|
| Video | Shows the method | Does not show it |

## Part 3. Reflection

What changed?
"""


# ----------------------------------------------------------------------- the sample's three specs


def test_the_three_digital_promise_specs_pass_check_as_written(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for credential_id in DP_SPECS:
        assert spec_path(project, credential_id).is_file()
    code, lines = check(project, capsys)
    assert code == 0, lines


def test_each_digital_promise_spec_shows_every_part_and_its_rubric_on_its_page(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The committee approves them: they are published as written.
    for credential_id in DP_SPECS:
        path = spec_path(project, credential_id)
        path.write_text(path.read_text(encoding="utf-8").replace("status: draft", "status: active"), encoding="utf-8")
    assert run_cli(project, "build") == 0, capsys.readouterr().err
    for credential_id, (_, parts, levels, cell) in DP_SPECS.items():
        page = (project / "site" / "credentials" / credential_id / "index.html").read_text(encoding="utf-8")
        text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
        positions = []
        for heading, phrase in parts:
            found = re.search(rf"<h[23][^>]*>\s*{re.escape(heading)}\s*<", page)
            assert found, f"{credential_id}: no '{heading}' heading on its page"
            positions.append(found.start())
            assert " ".join(html.escape(phrase, quote=False).split()) in text, f"{credential_id}: '{phrase}' missing"
        assert positions == sorted(positions), f"{credential_id}: parts out of order on the page"
        spec = page[page.index('<div class="cairn-spec">') :]
        spec = spec[: spec.index("\n</div>\n")]
        assert len(re.findall(r"<h[23][^>]*>", spec)) == len(parts), f"{credential_id}: every part once, nothing else"
        table = page[page.index("<table") : page.index("</table>")]
        for level in levels:
            assert f'<th scope="col">{level}</th>' in table
        assert '<th scope="row">' in table and html.escape(cell, quote=False) in table
        # Badge files quote the submission and the rubric whatever the spec calls them.
        badge = json.loads((project / "site" / "badges" / f"{credential_id}.json").read_text(encoding="utf-8"))
        assert cell in badge["criteria"]["narrative"]


def test_a_rubric_inside_part_2_is_shown_once_there_and_quoted_in_badge_files(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = spec_path(project, "success-criteria")
    path.write_text(path.read_text(encoding="utf-8").replace("status: draft", "status: active"), encoding="utf-8")
    assert run_cli(project, "build") == 0, capsys.readouterr().err
    page = (project / "site" / "credentials" / "success-criteria" / "index.html").read_text(encoding="utf-8")
    part2, part3 = page.index('id="part-2-work-examples-artifacts">'), page.index('id="part-3-reflection">')
    assert page.count("<table") == 1 and part2 < page.index("<table") < part3
    assert ">Scoring Rubric<" not in page
    narrative = json.loads((project / "site" / "badges" / "success-criteria.json").read_text(encoding="utf-8"))[
        "criteria"
    ]["narrative"]
    assert narrative.count("| Work samples |") == 1


# ----------------------------------------------------------------------- headings accepted and refused


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("Key Methods", "Key Methods"),
        ("key method", "Key Method"),
        ("Supporting Research & Rationale", "Supporting Research and Rationale"),
        ("Research and Resources:", "Research & Resources"),
        ("Resources", "Resources"),
        ("Submission Guidelines & Evaluation Criteria", "Submission Guidelines and Evaluation Criteria"),
        ("Submission Guidelines", "Submission Guidelines"),
        ("Part 1: Overview Questions", "Part 1. Overview Questions"),
        ("Part 2. Work Examples/Artifacts", "Part 2. Work Examples / Artifacts"),
        ("Part 2 - Artifacts", "Part 2. Work Examples / Artifacts"),
        ("PART 3. REFLECTION", "Part 3. Reflection"),
        ("Rubric", "Scoring Rubric"),
    ],
)
def test_digital_promise_headings_and_their_variants_are_accepted(written: str, shown: str) -> None:
    heading = specs.accepted_heading(written)
    assert heading is not None and heading.name == shown
    assert specs.accepted_heading(shown) == heading


def test_every_accepted_heading_is_accepted_under_its_own_name() -> None:
    for heading in specs.ACCEPTED_HEADINGS:
        assert specs.accepted_heading(heading.name) == heading


def test_a_spec_in_the_digital_promise_layout_parses_into_the_six_parts() -> None:
    parsed, problems = parse(DP_BODY)
    assert problems == [] and parsed is not None
    titles = [s.title for s in parsed.sections]  # type: ignore[attr-defined]
    assert titles == [
        "Competency",
        "Key Method",
        "Method Components",
        "Research & Resources",
        "Submission Criteria",
        "Scoring Rubric",
    ]
    rubric = parsed.rubric  # type: ignore[attr-defined]
    assert rubric.criterion_heading == "" and rubric.levels == ("Yes", "Not Yet")
    research = parsed.sections[3]  # type: ignore[attr-defined]
    assert research.page == "## Supporting Research and Rationale\n\nWhy.\n\n## Resources\n\n- A book."


def test_a_near_miss_heading_gets_did_you_mean() -> None:
    _, problems = parse(DP_BODY.replace("## Key Methods", "## Key Mehtods"))
    # One error for one cause: the "did you mean" says what is missing.
    assert len(problems) == 1 and "unknown section '## Key Mehtods'" in problems[0], problems
    assert "did you mean '## Key Methods'" in problems[0]
    _, problems = parse(DP_BODY.replace("## Part 3. Reflection", "## Part 3. Reflektion"))
    assert any("did you mean '## Part 3. Reflection'" in p for p in problems), problems


def test_what_is_really_missing_is_still_named() -> None:
    _, problems = parse(DP_BODY.replace("## Competency\n\nCan do it.\n\n", ""))
    assert any("missing section '## Competency'" in p for p in problems), problems
    no_table = DP_BODY[: DP_BODY.index("| |")] + DP_BODY[DP_BODY.index("## Part 3") :]
    _, problems = parse(no_table)
    assert any(
        "missing section '## Scoring Rubric'" in p and "put the rubric table in the submission guidelines" in p
        for p in problems
    ), problems
    _, problems = parse(DP_BODY.replace("## Resources", "## Research & Resources"))
    assert any("repeats '## Supporting Research and Rationale'" in p for p in problems), problems


def test_only_the_top_left_rubric_cell_may_be_blank() -> None:
    _, problems = parse(DP_BODY.replace("| | Yes | Not Yet |", "| | Yes |  |"))
    assert any("a rubric level column has no heading" in p for p in problems), problems


# ----------------------------------------------------------------------- one error for one cause


def test_a_broken_spec_does_not_make_every_award_of_it_unknown(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = project / "catalog" / "formative-assessment" / "wait-time.md"
    path.write_text(path.read_text(encoding="utf-8").replace("## Key Method", "## Key Mehtod"), encoding="utf-8")
    code, lines = check(project, capsys)
    assert code == 1
    assert not [line for line in lines if "unknown credential" in line], lines
    errors = [line for line in lines if line.startswith("catalog/") and ": warning:" not in line]
    assert len(errors) == 1 and "did you mean '## Key Method'" in errors[0], errors


def test_an_award_naming_a_credential_by_its_title_is_told_its_id(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    earner = next(p for p in sorted((project / "earners").glob("*.yml")) if "credential: wait-time" in p.read_text())
    earner.write_text(earner.read_text().replace("credential: wait-time", "credential: Wait Time", 1))
    code, lines = check(project, capsys)
    assert code == 1
    assert any(
        line.startswith(f"earners/{earner.name}:") and "use its id: 'credential: wait-time'" in line for line in lines
    ), lines


def test_a_misspelt_stack_in_a_spec_gets_did_you_mean(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = project / "catalog" / "formative-assessment" / "wait-time.md"
    path.write_text(
        path.read_text(encoding="utf-8").replace("status: active", "status: active\nstack: formative-assesment"),
        encoding="utf-8",
    )
    code, lines = check(project, capsys)
    assert code == 1
    assert any("did you mean 'formative-assessment'" in line for line in lines), lines


# ----------------------------------------------------------------------- new credential


def test_new_credential_takes_its_topic_from_its_stack_and_its_placeholders_fail_check(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(project, "new", "credential", "computational-thinking/loops-in-music") == 0
    spec = project / "catalog" / "computational-thinking" / "loops-in-music.md"
    text = spec.read_text(encoding="utf-8")
    assert "topics: [computational-thinking]" in text
    code, lines = check(project, capsys)
    assert code == 1
    assert any(
        line.startswith("catalog/computational-thinking/loops-in-music.md:")
        and "placeholder text left in '## Competency'" in line
        for line in lines
    ), lines
    assert any("placeholder text left in 'summary'" in line for line in lines), lines
    # Written in the committee's own words, it passes.
    text = re.sub(r'"?TODO: ([^"\n]*)"?', lambda m: m.group(1).capitalize(), text)
    spec.write_text(text, encoding="utf-8")
    code, lines = check(project, capsys)
    assert code == 0, lines
