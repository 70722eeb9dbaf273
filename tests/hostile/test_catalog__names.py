"""A committee member names a credential, a stack, a topic or a school. A title with a tab or
an unclosed right-to-left override, and ids Windows cannot check out (con, aux, nul, ...), are
refused by `python build.py check`, each with file, line and what to do."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_cli

SPEC = "catalog/formative-assessment/wait-time.md"
ID_HINT = (
    "use lower-case letters, digits and single hyphens only, e.g. 'wait-time', and not a name Windows "
    "reserves: con, prn, aux, nul, com0-9, lpt0-9"
)
WINDOWS = "Windows reserves con, prn, aux, nul, com0-9 and lpt0-9 and cannot check out a file named so"

# File, what is typed (replacing a line of the sample), and the report.
CASES = {
    "a tab in a credential's title": (
        SPEC,
        "title: Wait Time",
        'title: "Wait\\tTime"',
        f"{SPEC}:2: 'title' holds a tab (U+0009) (write it on one line, with a space in its place)",
    ),
    "a summary written as two lines": (
        SPEC,
        "summary: Pause three",
        "summary: |\n  Pause three\n  to five seconds.",
        f"{SPEC}:3: 'summary' holds a line break (U+000A) (write it on one line, with a space in its place)",
    ),
    "an unclosed right-to-left override in a title": (
        SPEC,
        "title: Wait Time",
        'title: "Wait \\u202eTime"',
        f"{SPEC}:2: 'title' opens a right-to-left override (U+202E) and does not close it "
        "(delete it, or close it with a pop directional formatting, U+202C)",
    ),
    "a credential id Windows reserves": (
        SPEC,
        "title: Wait Time",
        "id: nul\ntitle: Wait Time",
        f"{SPEC}:2: 'id' 'nul' is a name Windows reserves for a device (choose another: {WINDOWS})",
    ),
    "a topic id Windows reserves": (
        "catalog/_topics.yml",
        "scrum:",
        "aux:",
        f"catalog/_topics.yml:{{line}}: 'aux' is not a valid id ({ID_HINT})",  # the line of 'scrum:' today
    ),
    "a school id Windows reserves": (
        "earners/_schools.yml",
        "district-office:",
        "com1:",
        f"earners/_schools.yml:12: 'com1' is not a valid id ({ID_HINT})",
    ),
    "a control character in a school's name": (
        "earners/_schools.yml",
        "  name: Washington High School",
        '  name: "Washington\\u0000High School"',
        "earners/_schools.yml:8: 'name' holds the control character U+0000 "
        "(retype it: an invisible character came with pasted text)",
    ),
}


def replace_line(text: str, start: str, new: str) -> str:
    """The text with its first line that starts with `start` replaced by `new`."""
    lines = text.split("\n")
    index = next(i for i, line in enumerate(lines) if line.startswith(start))
    return "\n".join([*lines[:index], new, *lines[index + 1 :]])


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_check_refuses_a_name_or_id_that_would_break_a_page_or_a_checkout(
    project: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    where, old, new, report = CASES[case]
    path = project / where
    text = path.read_text(encoding="utf-8")
    line = 1 + next(i for i, written in enumerate(text.split("\n")) if written.startswith(old))
    report = report.replace("{line}", str(line))
    path.write_text(replace_line(text, old, new), encoding="utf-8")
    assert run_cli(project, "check") == 1
    lines = capsys.readouterr().err.splitlines()
    assert report in lines, "\n".join(lines)


def test_a_stack_folder_or_credential_file_named_for_a_windows_device_is_refused(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A stack folder `con/` or a file `lpt1.md` cannot be checked out on Windows, where many
    committees work. A stack's description may hold line breaks and tabs: it is free text."""
    catalog = project / "catalog"
    (catalog / "formative-assessment").rename(catalog / "con")
    stack = catalog / "social-emotional-learning" / "_stack.yml"
    text = stack.read_text(encoding="utf-8")
    folded = text[text.index("description:") : text.index("color:")]
    stack.write_text(text.replace(folded, 'description: "Two lines,\\n\\tthe second indented."\n'), encoding="utf-8")
    spec = catalog / "computational-thinking"
    first = sorted(spec.glob("*.md"))[0]
    first.rename(spec / "lpt1.md")
    assert run_cli(project, "check") == 1
    lines = capsys.readouterr().err.splitlines()
    assert f"catalog/con:1: stack folder name 'con' is not a valid id ({ID_HINT})" in lines, "\n".join(lines)
    assert (
        "catalog/computational-thinking/lpt1.md:1: a file name Windows reserves for a device "
        "(con, prn, aux, nul, com0-9, lpt0-9) (rename it after the credential's id)" in lines
    ), "\n".join(lines)
    assert not any("social-emotional-learning/_stack.yml" in line for line in lines), "\n".join(lines)
