"""A committee member types or pastes an earner's name, role or slug. Invisible characters
that would break a page (a tab or line break in a name, an unclosed right-to-left override
that reverses the rest of the browser tab's title) and slugs Windows cannot check out are
refused by `python build.py check`, each with file, line and what to do."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_cli

EARNER = "earners/ana-ruiz.yml"
WINDOWS = "Windows reserves con, prn, aux, nul, com0-9 and lpt0-9 and cannot check out a file named so"

# What is typed (replacing a line of Ana Ruiz's file): the line `check` reports, and its report.
CASES = {
    "a tab in a name": (
        "name: Ana Ruiz",
        'name: "Ana\\tRuiz"',
        f"{EARNER}:1: 'name' holds a tab (U+0009) (write it on one line, with a space in its place)",
    ),
    "a line break in a role": (
        "role: Grade 7 science teacher",
        'role: "Grade 7\\nscience teacher"',
        f"{EARNER}:8: 'role' holds a line break (U+000A) (write it on one line, with a space in its place)",
    ),
    "a C1 control character in a name": (
        "name: Ana Ruiz",
        'name: "Ana\\u0085Ruiz"',
        f"{EARNER}:1: 'name' holds the control character U+0085 "
        "(retype it: an invisible character came with pasted text)",
    ),
    "an unclosed right-to-left override in a name": (
        "name: Ana Ruiz",
        'name: "Ana \\u202eRuiz"',
        f"{EARNER}:1: 'name' opens a right-to-left override (U+202E) and does not close it "
        "(delete it, or close it with a pop directional formatting, U+202C)",
    ),
    "an unclosed isolate in a role": (
        "role: Grade 7 science teacher",
        'role: "Grade 7 \\u2067science teacher"',
        f"{EARNER}:8: 'role' opens a right-to-left isolate (U+2067) and does not close it "
        "(delete it, or close it with a pop directional isolate, U+2069)",
    ),
    "a pop with nothing to close in a bio": (
        "bio:",
        'bio: "Ana \\u202cteaches science."',
        f"{EARNER}:9: 'bio' holds a pop directional formatting (U+202C) that closes nothing (delete it)",
    ),
    "a slug Windows reserves": (
        "slug: ana-ruiz",
        "slug: con",
        f"{EARNER}:2: 'slug' 'con' is a name Windows reserves for a device (choose another: {WINDOWS})",
    ),
    "an old slug Windows reserves": (
        "slug: ana-ruiz",
        "slug: ana-ruiz\naliases: [ana, lpt1]",
        f"{EARNER}:3: 'lpt1' in 'aliases' is a name Windows reserves for a device (choose another: {WINDOWS})",
    ),
}


def replace_line(text: str, start: str, new: str) -> str:
    """The text with its first line that starts with `start` replaced by `new`."""
    lines = text.split("\n")
    index = next(i for i, line in enumerate(lines) if line.startswith(start))
    return "\n".join([*lines[:index], new, *lines[index + 1 :]])


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_check_refuses_an_earner_field_that_would_break_a_page_or_a_checkout(
    project: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    old, new, report = CASES[case]
    path = project / EARNER
    path.write_text(replace_line(path.read_text(encoding="utf-8"), old, new), encoding="utf-8")
    assert run_cli(project, "check") == 1
    lines = capsys.readouterr().err.splitlines()
    assert report in lines, "\n".join(lines)
    assert lines[-2:-1] == [report] and lines[-1].startswith("1 error(s)"), "\n".join(lines)


def test_names_in_any_script_and_balanced_direction_marks_pass_while_an_unbalanced_one_does_not(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Arabic and Hebrew names, direction marks (U+200E, U+200F), isolates that close, and a bio
    over several lines with a tab are all fine; the one unclosed override is the only problem."""
    path = project / EARNER
    text = path.read_text(encoding="utf-8")
    text = replace_line(text, "name:", 'name: "Ana Ruiz \\u2067أنا رويز\\u2069 \\u200fעברית\\u200e"')
    text = replace_line(text, "role:", 'role: "Grade 7 \\u202bscience\\u202c teacher"')
    text = replace_line(text, "bio:", 'bio: "First line.\\n\\tSecond line, \\u202eindented.\\nThird line."')
    path.write_text(text, encoding="utf-8")
    assert run_cli(project, "check") == 1
    lines = capsys.readouterr().err.splitlines()
    assert lines[:-1] == [
        f"{EARNER}:9: 'bio' opens a right-to-left override (U+202E) and does not close it "
        "(delete it, or close it with a pop directional formatting, U+202C)"
    ], "\n".join(lines)
