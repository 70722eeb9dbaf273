"""A committee member runs `python build.py check` and is told every mistake, with file and line."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from conftest import run_cli

VALID_SPEC = """---
title: Cold Calling with Care
summary: Call on students who have not raised a hand, kindly and predictably.
level: proficient
topics: [classroom-discourse]
estimated_hours: 8
expires_after: 2 years
status: active
---

## Competency

The educator calls on students without hands raised so every student prepares an answer.

## Key Method

Pose the question, pause, then name the student.

## Method Components

- Ask first, name second.

## Research & Resources

- Lemov, D. (2021). *Teach Like a Champion 3.0*. Jossey-Bass.

## Submission Criteria

1. A lesson video.

## Scoring Rubric

| Criterion | Not yet | Proficient |
|---|---|---|
| Questions | Names before asking | Asks, pauses, then names |
"""

RUBRIC = VALID_SPEC[VALID_SPEC.index("| Criterion") :].strip()
TWIN_IDS = (
    "    evidence:\n      url: https://example.net/evidence\n"
    "  - credential: cold-calling\n    issued: 2025-02-10\n"
    "    id: zchp5w25nkh2ocq6gypxl42noa\n    salt: 00112233445566778899aabbccddeeff\n    status_index: 90001"
)

VALID_STACK = """title: Planted
description: A stack made by the tests.
credentials:
  - cold-calling
"""

VALID_EARNER = """name: Test Earner
slug: test-earner
email: test.earner@example.net
public: true
school: lincoln-ms
awards:
  - credential: cold-calling
    id: zchp5w25nkh2ocq6gypxl42noa
    salt: 00112233445566778899aabbccddeeff
    status_index: 90000
    issued: 2025-01-10
    evidence:
      url: https://example.net/evidence
"""


def plant(project: Path, spec: str = VALID_SPEC, earner: str = VALID_EARNER, stack: str = VALID_STACK) -> None:
    folder = project / "catalog" / "planted"
    folder.mkdir(exist_ok=True)
    (folder / "_stack.yml").write_text(stack, encoding="utf-8")
    (folder / "cold-calling.md").write_text(spec, encoding="utf-8")
    (project / "earners" / "test-earner.yml").write_text(earner, encoding="utf-8")
    # The planted awards take status indices 90000 and 90001: reserve them.
    (project / "earners" / "_status-list.yml").write_text("next_index: 100000\n", encoding="utf-8")


def check(project: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str]]:
    code = run_cli(project, "check", *args)
    lines = capsys.readouterr().err.strip().splitlines()
    return code, lines


def line_of(text: str, needle: str) -> int:
    return next(number for number, line in enumerate(text.split("\n"), start=1) if needle in line)


def draft_id() -> str:
    from conftest import REPO

    for path in sorted((REPO / "catalog").glob("[!_]*/*.md")):
        if "\nstatus: draft" in path.read_text(encoding="utf-8"):
            return path.stem
    raise AssertionError("the sample district should have a draft credential")


def test_the_sample_district_and_the_planted_baseline_pass(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plant(project)
    code, lines = check(project, capsys)
    assert code == 0, lines
    assert lines[-1].startswith("ok:")


SPEC_CASES = {
    "path trick in id": ("title: Cold", "id: ../../etc\ntitle: Cold", "id: ../../etc", "is not a valid id"),
    "misspelt topic": (
        "[classroom-discourse]",
        "[classroom-discours]",
        "classroom-discours",
        "did you mean 'classroom-discourse'",
    ),
    "level not allowed": ("level: proficient", "level: expert", "level: expert", "'level' 'expert' is not allowed"),
    "hours as words": ("estimated_hours: 8", "estimated_hours: eight", "estimated_hours", "should be a number"),
    "unknown field": ("status: active", "status: active\ntopic: sel", "topic: sel", "did you mean 'topics'"),
    "status not allowed": ("status: active", "status: published", "status:", "'status' 'published' is not allowed"),
    "wrong stack": (
        "status: active",
        "status: active\nstack: formative-assessment",
        "stack:",
        "does not match the folder",
    ),
    "bad duration": ("expires_after: 2 years", "expires_after: forever", "expires_after", "is not a duration"),
    "id already used": ("title: Cold", "id: wait-time\ntitle: Cold", "id: wait-time", "already used"),
    "alias of another credential": (
        "status: active",
        "status: active\naliases: [wait-time]",
        "aliases:",
        "already used",
    ),
    "yaml syntax": ("level: proficient", "level: [proficient", "level:", "YAML syntax error"),
    "yaml alias": ("level: proficient", "level: &l proficient\nx: *l", "x: *l", "aliases (*name) are not allowed"),
    "missing section": (
        "## Key Method\n\nPose the question, pause, then name the student.\n\n",
        "",
        "## Method Components",
        "missing section '## Key Method'",
    ),
    "sections out of order": (
        "## Competency",
        "## Key Method\n\nFirst.\n\n## Competency",
        "## Key Method",
        "out of order",
    ),
    "unknown section": (
        "## Submission Criteria",
        "## Notes\n\nx\n\n## Submission Criteria",
        "## Notes",
        "unknown section",
    ),
    "empty section": ("- Ask first, name second.", "", "## Method Components", "is empty"),
    "rubric with one level": (
        RUBRIC,
        "| Criterion | Proficient |\n|---|---|\n| Questions | Asks |",
        "| Criterion",
        "1 performance level(s)",
    ),
    "rubric without table": (
        RUBRIC,
        "Score it fairly.",
        "## Scoring Rubric",
        "has no table",
    ),
    "rubric ragged row": (
        "| Questions | Names before asking | Asks, pauses, then names |",
        "| Questions | Names before asking |",
        "| Questions",
        "has 2 cells",
    ),
    "front matter never closed": ("status: active\n---", "status: active", "---", "never closed"),
    "summary missing": (
        "summary: Call on students who have not raised a hand, kindly and predictably.\n",
        "",
        "title:",
        "'summary' is missing",
    ),
}


@pytest.mark.parametrize("case", list(SPEC_CASES), ids=list(SPEC_CASES))
def test_a_planted_spec_problem_is_reported_with_its_line(
    project: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    old, new, needle, message = SPEC_CASES[case]
    assert old in VALID_SPEC
    spec = VALID_SPEC.replace(old, new, 1)
    plant(project, spec=spec)
    code, lines = check(project, capsys)
    assert code == 1
    expected = f"catalog/planted/cold-calling.md:{line_of(spec, needle)}: "
    assert any(line.startswith(expected) and message in line for line in lines), (expected, message, lines)
    assert "Traceback" not in "\n".join(lines)


EARNER_CASES = {
    "unknown credential": (
        "credential: cold-calling",
        "credential: cold-caling",
        "cold-caling",
        "did you mean 'cold-calling'",
    ),
    "impossible date": ("issued: 2025-01-10", "issued: 2025-02-30", "issued:", "is not a real date"),
    "future date": ("issued: 2025-01-10", "issued: 2999-01-10", "issued:", "is in the future"),
    "date not a date": ("issued: 2025-01-10", "issued: last spring", "issued:", "is not a date"),
    "malformed email": (
        "email: test.earner@example.net",
        "email: test.earner.example.net",
        "email:",
        "is not an email address",
    ),
    "missing email": ("email: test.earner@example.net\n", "", "name:", "'email' is missing"),
    "same email as another earner": (
        "email: test.earner@example.net",
        "email: ANA.RUIZ@example.org",
        "name:",
        "is also in ana-ruiz.yml",
    ),
    "expires before issued": (
        "issued: 2025-01-10",
        "issued: 2025-01-10\n    expires: 2024-01-10",
        "expires:",
        "is not after",
    ),
    "revoked without a reason": (
        "issued: 2025-01-10",
        "issued: 2025-01-10\n    revoked:\n      date: 2025-02-01",
        "revoked:",
        "'reason' is missing",
    ),
    "unknown school": ("school: lincoln-ms", "school: lincon-ms", "school:", "unknown school"),
    "public not a boolean": ("public: true", "public: maybe", "public:", "should be true or false"),
    "evidence not a web address": (
        "url: https://example.net/evidence",
        "url: javascript:alert(1)",
        "url: javascript",
        "not a web address",
    ),
    "html in a name is fine but a control character is not": (
        "name: Test Earner",
        'name: "Test\\u0007Earner"',
        "name:",
        "control character",
    ),
    "duplicate award ids": (
        "    evidence:\n      url: https://example.net/evidence",
        TWIN_IDS,
        "  - credential: cold-calling\n    issued: 2025-02-10",
        "is also used",
    ),
}


@pytest.mark.parametrize("case", list(EARNER_CASES), ids=list(EARNER_CASES))
def test_a_planted_earner_problem_is_reported_with_its_line(
    project: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    old, new, needle, message = EARNER_CASES[case]
    assert old in VALID_EARNER
    earner = VALID_EARNER.replace(old, new, 1)
    plant(project, earner=earner)
    code, lines = check(project, capsys)
    assert code == 1
    needle_line = earner[: earner.index(needle)].count("\n") + 1
    expected = f"earners/test-earner.yml:{needle_line}: "
    assert any(line.startswith(expected) and message in line for line in lines), (expected, message, lines)


def test_an_award_of_a_draft_credential_is_refused(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    earner = VALID_EARNER.replace("credential: cold-calling", f"credential: {draft_id()}")
    plant(project, earner=earner)
    code, lines = check(project, capsys)
    assert code == 1
    assert any(
        "is a draft and cannot be awarded" in line
        and line.startswith(f"earners/test-earner.yml:{line_of(earner, 'credential:')}:")
        for line in lines
    ), lines


def test_two_earner_files_with_one_name_are_refused(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Each earner's private credentials package is named after the file: two would collide.
    plant(project)
    other = VALID_EARNER.replace("@", "+other@", 1)
    assert other != VALID_EARNER
    (project / "earners" / "test-earner.yaml").write_text(other, encoding="utf-8")
    code, lines = check(project, capsys)
    assert code == 1
    assert any(
        line.startswith("earners/test-earner.yml:1:") and "test-earner.yaml has the same name" in line for line in lines
    ), lines


def test_a_stack_order_must_match_its_folder(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plant(project, stack=VALID_STACK.replace("  - cold-calling", "  - cold-calling\n  - hot-seat"))
    code, lines = check(project, capsys)
    assert code == 1
    assert any(
        line.startswith("catalog/planted/_stack.yml:5:") and "'hot-seat' is not a credential" in line for line in lines
    )
    plant(project, stack=VALID_STACK.replace("  - cold-calling", ""))
    code, lines = check(project, capsys)
    assert any("credential 'cold-calling' is missing from the stack's order" in line for line in lines), lines


# Hostile and broken files: each one a message, never a traceback.


def test_non_utf8_bytes_are_reported_at_their_line(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plant(project)
    path = project / "catalog/planted/cold-calling.md"
    data = VALID_SPEC.replace("Call on students", "Call on \xe9tudiants").encode("latin-1")
    path.write_bytes(data)
    code, lines = check(project, capsys)
    assert code == 1
    assert (
        f"catalog/planted/cold-calling.md:{line_of(VALID_SPEC, 'summary:')}: "
        "byte 0xe9 is not UTF-8 text (save the file with UTF-8 encoding)" in lines
    )


def test_a_byte_order_mark_is_tolerated(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plant(project)
    (project / "catalog/planted/cold-calling.md").write_bytes(b"\xef\xbb\xbf" + VALID_SPEC.encode())
    (project / "earners/test-earner.yml").write_bytes(b"\xef\xbb\xbf" + VALID_EARNER.replace("\n", "\r\n").encode())
    code, lines = check(project, capsys)
    assert code == 0, lines


def test_empty_files_are_reported(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plant(project, spec="  \n", earner="")
    code, lines = check(project, capsys)
    assert code == 1
    assert "catalog/planted/cold-calling.md:1: the file is empty (fill it in or delete it)" in lines
    assert "earners/test-earner.yml:1: the file is empty (fill it in or delete it)" in lines


def test_a_billion_laughs_is_refused_quickly(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Ten levels of nine-fold aliases: a billion x's if expanded.
    names = "abcdefghij"
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{new}: &{new} [" + ", ".join([f"*{old}"] * 9) + "]\n" for old, new in zip(names, names[1:], strict=False)
    )
    plant(project, earner=bomb)
    code, lines = check(project, capsys)
    assert code == 1
    assert any(line.startswith("earners/test-earner.yml:2: YAML aliases") for line in lines), lines


def test_an_oversized_file_is_refused_before_parsing(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plant(project, earner=VALID_EARNER + "bio: " + "x" * (3 * 1024 * 1024) + "\n")
    code, lines = check(project, capsys)
    assert code == 1
    assert any(line.startswith("earners/test-earner.yml:1: file is") and "over the" in line for line in lines)


def test_python_tags_in_yaml_are_refused(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plant(project, earner=VALID_EARNER.replace("name: Test Earner", "name: !!python/object/apply:os.system [echo hi]"))
    code, lines = check(project, capsys)
    assert code == 1
    assert any(line.startswith("earners/test-earner.yml:1: unsupported YAML tag") for line in lines), lines


def _png(width: int, height: int, idat: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


IMAGE_CASES = {
    "not a png": (b"GIF89a not really", "is not a PNG file"),
    "decompression bomb": (_png(60000, 60000, zlib.compress(b"\x00" * 1000)), "over the limit"),
    "truncated png": (_png(64, 64, b"garbage"), "cannot be decoded"),
}


@pytest.mark.parametrize("case", list(IMAGE_CASES), ids=list(IMAGE_CASES))
def test_a_bad_supplied_image_is_reported(project: Path, capsys: pytest.CaptureFixture[str], case: str) -> None:
    data, message = IMAGE_CASES[case]
    spec = VALID_SPEC.replace("status: active", "status: active\nimage: badge.png")
    plant(project, spec=spec)
    (project / "catalog/planted/badge.png").write_bytes(data)
    code, lines = check(project, capsys)
    assert code == 1
    assert any(
        line.startswith(f"catalog/planted/cold-calling.md:{line_of(spec, 'image:')}:") and message in line
        for line in lines
    ), lines


def test_an_image_path_outside_the_catalog_is_refused(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plant(project, spec=VALID_SPEC.replace("status: active", "status: active\nimage: ../../mkdocs.yml"))
    code, lines = check(project, capsys)
    assert code == 1
    assert any("points outside the catalog folder" in line for line in lines), lines


def test_a_good_supplied_image_is_normalised_to_512(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from PIL import Image

    spec = VALID_SPEC.replace("status: active", "status: active\nimage: badge.png")
    plant(project, spec=spec)
    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), (200, 30, 30)).save(buffer, format="PNG")
    (project / "catalog/planted/badge.png").write_bytes(buffer.getvalue())
    assert run_cli(project, "build") == 0
    with Image.open(project / "site/badges/cold-calling.png") as badge:
        assert badge.size == (512, 512)


def test_a_dozen_planted_problems_are_all_reported_at_once_sorted(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = (
        VALID_SPEC.replace("level: proficient", "level: expert")
        .replace("[classroom-discourse]", "[sell]")
        .replace("estimated_hours: 8", "estimated_hours: -1")
        .replace("## Key Method", "## Key Mehtod")
    )
    earner = (
        VALID_EARNER.replace("email: test.earner@example.net", "email: nope")
        .replace("issued: 2025-01-10", "issued: 2025-13-01")
        .replace("school: lincoln-ms", "school: atlantis")
        .replace("public: true", "public: yes please")
    )
    plant(project, spec=spec, earner=earner)
    (project / "earners" / "bomb.yml").write_text("a: &a [1]\nb: *a\n", encoding="utf-8")
    (project / "earners" / "binary.yml").write_bytes(b"name: \xff\xfe\n")
    (project / "catalog" / "planted" / "broken.md").write_text("no front matter here\n", encoding="utf-8")
    (project / "catalog" / "_topics.yml").write_text(
        (project / "catalog" / "_topics.yml").read_text(encoding="utf-8")
        + "Bad Topic:\n  label: x\n  description: y\n",
        encoding="utf-8",
    )
    code, lines = check(project, capsys)
    assert code == 1
    problems = [line for line in lines if not line.startswith(("ok:",)) and ": warning:" not in line][:-1]
    expected = [
        "'level' 'expert'",
        "unknown topic 'sell'",
        "'estimated_hours' -1",
        "unknown section '## Key Mehtod'",  # one cause, one error, with what was meant
        "is not an email address",
        "'issued' 2025-13-01 is not a real date",
        "unknown school 'atlantis'",
        "'public' should be true or false",
        "YAML aliases",
        "is not UTF-8",
        "does not start with '---'",
        "'Bad Topic' is not a valid id",
    ]
    for fragment in expected:
        assert any(fragment in line for line in problems), (fragment, problems)
    keys = [(line.split(":")[0], int(line.split(":")[1])) for line in problems]
    assert keys == sorted(keys)
    assert lines[-1].startswith(f"{len(problems)} error(s)")
