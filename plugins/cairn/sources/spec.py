"""The body of a credential spec: six required sections and a rubric table."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from cairn.model import SECTIONS, Rubric, Section
from cairn.sources.problems import Problems

_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$")
_FENCE = re.compile(r"^[ \t]{0,3}(```|~~~)")
_TABLE_DELIMITER = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")


def normalise_heading(text: str) -> str:
    """'research  AND resources:' and 'Research & Resources' compare equal."""
    text = text.lower().replace("&", " and ")
    text = re.sub(r"[^a-z0-9 ]", " ", text)
    return " ".join(text.split())


_CANONICAL = {normalise_heading(title): title for title in SECTIONS}


@dataclass(frozen=True)
class ParsedBody:
    sections: tuple[Section, ...]
    rubric: Rubric


@dataclass
class _RawSection:
    title: str
    heading: str
    line: int
    lines: list[tuple[int, str]]


def parse_body(body: str, first_line: int, path: Path, problems: Problems) -> ParsedBody | None:
    """Find the six sections in order and read the rubric; record every problem found."""
    found: list[_RawSection] = []
    preamble: list[tuple[int, str]] = []
    in_fence = None
    for number, line in enumerate(body.split("\n"), start=first_line):
        fence = _FENCE.match(line)
        if fence:
            in_fence = None if in_fence == fence.group(1) else (in_fence or fence.group(1))
        heading = None if in_fence or fence else _HEADING.match(line)
        if heading and len(heading.group(1)) == 1:
            problems.add(
                path,
                number,
                "a level-1 heading in the body",
                "the page title comes from 'title:' in the front matter; use '## ' for the six sections",
            )
        elif heading and len(heading.group(1)) == 2:
            text = heading.group(2)
            canonical = _CANONICAL.get(normalise_heading(text))
            if canonical is None:
                problems.add(
                    path,
                    number,
                    f"unknown section '## {text}'",
                    "the sections are " + ", ".join(SECTIONS) + "; use '### ' for a subsection",
                )
                (found[-1].lines if found else preamble).append((number, line))
                continue
            found.append(_RawSection(canonical, text, number, []))
            continue
        (found[-1].lines if found else preamble).append((number, line))

    ok = True
    if any(text.strip() for _, text in preamble):
        first = next(n for n, text in preamble if text.strip())
        problems.add(
            path,
            first,
            "text before the first section",
            "move it into '## Competency' or into 'summary:' in the front matter",
        )
        ok = False
    titles = [s.title for s in found]
    last_line = first_line + body.count("\n")
    for index, title in enumerate(SECTIONS):
        if title not in titles:
            after = next((s for s in found if SECTIONS.index(s.title) > index), None)
            where = f"add it before '## {after.heading}'" if after else "add it at the end"
            problems.add(
                path,
                after.line if after else last_line,
                f"missing section '## {title}'",
                f"{where}; every spec has, in order: " + ", ".join(SECTIONS),
            )
            ok = False
    seen: set[str] = set()
    for section in found:
        if section.title in seen:
            problems.add(path, section.line, f"section '## {section.heading}' appears twice", "keep one")
            ok = False
        seen.add(section.title)
        if not any(text.strip() for _, text in section.lines):
            problems.add(
                path,
                section.line,
                f"section '## {section.heading}' is empty",
                "write what a teacher needs to know here",
            )
            ok = False
    firsts = [s for i, s in enumerate(found) if s.title not in titles[:i]]
    expected = [t for t in SECTIONS if t in titles]
    if [s.title for s in firsts] != expected:
        wrong = next(s for s, e in zip(firsts, expected, strict=True) if s.title != e)
        problems.add(
            path, wrong.line, f"section '## {wrong.heading}' is out of order", "the order is " + ", ".join(SECTIONS)
        )
        ok = False
    rubric_section = next((s for s in found if s.title == "Scoring Rubric"), None)
    rubric = _parse_rubric(rubric_section, path, problems) if rubric_section else None
    if not ok or rubric is None:
        return None
    sections = tuple(Section(s.title, s.heading, "\n".join(text for _, text in s.lines).strip("\n")) for s in found)
    return ParsedBody(sections, rubric)


def _cells(line: str) -> list[str]:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|") and not line.endswith("\\|"):
        line = line[:-1]
    return [cell.strip().replace("\\|", "|") for cell in _CELL_SPLIT.split(line)]


def _parse_rubric(section: _RawSection, path: Path, problems: Problems) -> Rubric | None:
    lines = section.lines
    start = next((i for i, (_, text) in enumerate(lines) if text.lstrip().startswith("|")), None)
    fix = "write a table: '| Criterion | Level 1 | Level 2 |', a '|---|---|---|' line, then one row per criterion"
    if start is None or start + 1 >= len(lines) or not _TABLE_DELIMITER.match(lines[start + 1][1].strip()):
        problems.add(path, section.line, "the Scoring Rubric has no table", fix)
        return None
    header = _cells(lines[start][1])
    ok = True
    if len(header) < 3:
        problems.add(
            path,
            lines[start][0],
            f"the rubric has {max(len(header) - 1, 0)} performance level(s); at least 2 are needed",
            "add a column per performance level after the criterion column",
        )
        ok = False
    if any(not cell for cell in header):
        problems.add(path, lines[start][0], "a rubric column has no heading", "name every column")
        ok = False
    rows = []
    for number, text in lines[start + 2 :]:
        if not text.lstrip().startswith("|"):
            break
        cells = _cells(text)
        if len(cells) != len(header):
            problems.add(
                path,
                number,
                f"this rubric row has {len(cells)} cells, the header has {len(header)}",
                "give every row one cell per column",
            )
            ok = False
            continue
        if not all(cells):
            problems.add(
                path,
                number,
                "this rubric row has an empty cell",
                "describe what the level looks like for this criterion",
            )
            ok = False
            continue
        rows.append((cells[0], tuple(cells[1:])))
    if not rows and ok:
        problems.add(path, lines[start][0], "the rubric table has no criteria rows", fix)
        ok = False
    if not ok:
        return None
    return Rubric(header[0], tuple(header[1:]), tuple(rows))
