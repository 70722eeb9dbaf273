"""The body of a credential spec: the parts of a Digital-Promise-style micro-credential and
its rubric table.

A spec names its parts with level-2 headings. Cairn's own names (Competency, Key Method,
Method Components, Research & Resources, Submission Criteria, Scoring Rubric) and the names
Digital Promise and NEA specs use as written (Key Methods, Supporting Research and
Rationale, Resources, Submission Guidelines and Evaluation Criteria, Part 1. Overview
Questions, Part 2. Work Examples / Artifacts, Part 3. Reflection) are accepted: see
ACCEPTED_HEADINGS. However a spec is written, the model holds the six parts of SECTIONS in
order (what badge files quote), and each part's `page` is what its credential page shows:
the headings the author chose, in their accepted spelling, with their text as written.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

from cairn.model import SECTIONS, Rubric, Section
from cairn.sources.problems import Problems

_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$")
_FENCE = re.compile(r"^[ \t]{0,3}(```|~~~)")
_TABLE_DELIMITER = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
# What `new credential` writes where the committee's own words go; refused until replaced.
PLACEHOLDER = "TODO:"
_PLACEHOLDER = re.compile(r"\bTODO:")


def normalise_heading(text: str) -> str:
    """'research  AND resources:' and 'Research & Resources' compare equal."""
    text = text.lower().replace("&", " and ")
    text = re.sub(r"[^a-z0-9 ]", " ", text)
    return " ".join(text.split())


@dataclass(frozen=True)
class Heading:
    """An accepted level-2 heading: the name a page shows, the part of SECTIONS it writes, the
    places it takes in a spec's order (Research & Resources takes both research and resources)
    and the spellings accepted for it, as normalised text (a regular expression)."""

    name: str
    section: str
    first: int
    last: int
    spellings: str


# In a spec's order. Parts 1-3 may also be '### ' subsections of the submission guidelines.
ACCEPTED_HEADINGS = (
    Heading("Competency", "Competency", 0, 0, r"competency|competencies"),
    Heading("Key Method", "Key Method", 1, 1, r"key method"),
    Heading("Key Methods", "Key Method", 1, 1, r"key methods"),
    Heading("Method Components", "Method Components", 2, 2, r"method components?"),
    Heading("Research & Resources", "Research & Resources", 3, 4, r"research and resources|research resources"),
    Heading(
        "Supporting Research and Rationale",
        "Research & Resources",
        3,
        3,
        r"supporting research(?: and)? rationale|research(?: and)? rationale",
    ),
    Heading("Supporting Research", "Research & Resources", 3, 3, r"supporting research"),
    Heading("Research", "Research & Resources", 3, 3, r"research"),
    Heading("Resources", "Research & Resources", 4, 4, r"resources"),
    Heading("Submission Criteria", "Submission Criteria", 5, 5, r"submission criteria"),
    Heading("Submission Guidelines", "Submission Criteria", 5, 5, r"submission guidelines?|submission requirements"),
    Heading(
        "Submission Guidelines and Evaluation Criteria",
        "Submission Criteria",
        5,
        5,
        r"submission guidelines?(?: and)? evaluation criteria|submission and evaluation criteria",
    ),
    Heading("Part 1. Overview Questions", "Submission Criteria", 6, 6, r"part (?:1|one|i) overview(?: questions?)?"),
    Heading(
        "Part 2. Work Examples / Artifacts",
        "Submission Criteria",
        7,
        7,
        r"part (?:2|two|ii) (?:work examples?(?: and| or)?(?: artifacts?)?|artifacts?|work samples?)",
    ),
    Heading("Part 3. Reflection", "Submission Criteria", 8, 8, r"part (?:3|three|iii) reflections?(?: questions?)?"),
    Heading("Scoring Rubric", "Scoring Rubric", 9, 9, r"scoring rubric|rubric|evaluation rubric"),
)
_MATCHERS = [(re.compile(h.spellings), h) for h in ACCEPTED_HEADINGS]
_NAMES = {normalise_heading(h.name): h for h in ACCEPTED_HEADINGS}
_SUBMISSION_PARTS = ("Part 1. Overview Questions", "Part 2. Work Examples / Artifacts", "Part 3. Reflection")


def accepted_heading(text: str) -> Heading | None:
    normal = normalise_heading(text)
    return next((h for pattern, h in _MATCHERS if pattern.fullmatch(normal)), None)


def _did_you_mean(text: str) -> Heading | None:
    close = difflib.get_close_matches(normalise_heading(text), list(_NAMES), n=1, cutoff=0.7)
    return _NAMES[close[0]] if close else None


@dataclass(frozen=True)
class ParsedBody:
    sections: tuple[Section, ...]
    rubric: Rubric


@dataclass
class _RawSection:
    kind: Heading
    heading: str  # as written
    line: int
    lines: list[tuple[int, str]]

    @property
    def text(self) -> str:
        return "\n".join(text for _, text in self.lines).strip("\n")


_ORDER = ", ".join(SECTIONS)
_ALSO = (
    "Digital Promise's names work too, e.g. Key Methods, Supporting Research and Rationale, Resources,"
    " Submission Guidelines, Part 1-3"
)


# A milestone (kind: milestone) is earned by a rule, not a submission: its spec needs only
# '## Competency' (what reaching it recognises); the other parts may be written, the rubric too.
MILESTONE_SECTIONS = ("Competency",)
NO_RUBRIC = Rubric("", (), ())


def parse_body(
    body: str, first_line: int, path: Path, problems: Problems, required: tuple[str, ...] = SECTIONS
) -> ParsedBody | None:
    """Find the parts in order and read the rubric; record every problem found. `required`: the
    parts that must be there (a milestone's: MILESTONE_SECTIONS); without 'Scoring Rubric' among
    them a spec may have no rubric table (NO_RUBRIC), and the parts not written are empty."""
    found: list[_RawSection] = []
    preamble: list[tuple[int, str]] = []
    unknown = False
    suggested: set[str] = set()  # parts a misspelt heading was probably meant to be
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
                "the page title comes from 'title:' in the front matter; use '## ' for the sections",
            )
        elif heading and len(heading.group(1)) == 2:
            text = heading.group(2)
            kind = accepted_heading(text)
            if kind is None:
                close = _did_you_mean(text)
                unknown = True
                if close:
                    suggested.add(close.section)
                problems.add(
                    path,
                    number,
                    f"unknown section '## {text}'",
                    f"did you mean '## {close.name}'? Or use '### ' for a subsection"
                    if close
                    else f"the sections are {_ORDER} ({_ALSO}); use '### ' for a subsection",
                )
            else:
                found.append(_RawSection(kind, text, number, []))
                continue
        (found[-1].lines if found else preamble).append((number, line))

    ok = not unknown
    if any(text.strip() for _, text in preamble):
        first = next(n for n, text in preamble if text.strip())
        problems.add(
            path,
            first,
            "text before the first section",
            "move it into '## Competency' or into 'summary:' in the front matter",
        )
        ok = False
    ok &= _check_order(found, path, problems)
    rubric_home = [s for s in found if s.kind.section == "Scoring Rubric"]
    submission = [s for s in found if s.kind.section == "Submission Criteria"]
    embedded = None if rubric_home else next((s for s in submission if _table_start(s.lines) is not None), None)
    last_line = first_line + body.count("\n")
    for index, title in enumerate(SECTIONS):
        if any(s.kind.section == title for s in found) or (title == "Scoring Rubric" and embedded):
            continue
        if title not in required:
            continue
        if title in suggested:
            continue  # the misspelt heading's "did you mean" says it: one error for one cause
        after = next((s for s in found if SECTIONS.index(s.kind.section) > index), None)
        where = f"add it before '## {after.heading}'" if after else "add it at the end"
        if title == "Scoring Rubric" and submission:
            where += ", or put the rubric table in the submission guidelines (e.g. under Part 2)"
        every = (
            f"every spec has, in order: {_ORDER} ({_ALSO})"
            if required == SECTIONS
            else "a milestone's spec needs " + ", ".join(f"'## {t}'" for t in required)
        )
        problems.add(path, after.line if after else last_line, f"missing section '## {title}'", f"{where}; {every}")
        ok = False
    for index, section in enumerate(found):
        nxt = found[index + 1] if index + 1 < len(found) else None
        if section.text.strip():
            if _PLACEHOLDER.search(section.text):
                number = next(n for n, text in section.lines if _PLACEHOLDER.search(text))
                problems.add(
                    path,
                    number,
                    f"placeholder text left in '## {section.heading}'",
                    f"replace the '{PLACEHOLDER} …' text with this credential's own words",
                )
                ok = False
            continue
        if section.kind.first == 5 and nxt is not None and nxt.kind.name in _SUBMISSION_PARTS:
            continue  # "## Submission Guidelines" directly followed by "## Part 1. …"
        problems.add(
            path, section.line, f"section '## {section.heading}' is empty", "write what a teacher needs to know here"
        )
        ok = False
    if rubric_home:
        rubric = _parse_rubric(rubric_home[0], path, problems)
    elif embedded:
        rubric = _parse_rubric(embedded, path, problems)
    else:
        rubric = None if "Scoring Rubric" in required else NO_RUBRIC
    if not ok or rubric is None:
        return None
    return ParsedBody(tuple(_section(title, found, embedded) for title in SECTIONS), rubric)


def _check_order(found: list[_RawSection], path: Path, problems: Problems) -> bool:
    ok = True
    firsts: list[_RawSection] = []
    for section in found:
        twin = next(
            (s for s in firsts if s.kind.first <= section.kind.last and section.kind.first <= s.kind.last), None
        )
        if twin is None:
            firsts.append(section)
        elif twin.kind == section.kind:
            problems.add(path, section.line, f"section '## {section.heading}' appears twice", "keep one")
            ok = False
        else:
            problems.add(
                path,
                section.line,
                f"section '## {section.heading}' repeats '## {twin.heading}' (line {twin.line})",
                "keep one of them",
            )
            ok = False
    expected = sorted(firsts, key=lambda s: s.kind.first)
    if firsts != expected:
        wrong = next(s for s, e in zip(firsts, expected, strict=True) if s is not e)
        problems.add(
            path,
            wrong.line,
            f"section '## {wrong.heading}' is out of order",
            f"the order is {_ORDER} (Parts 1-3 inside or after the submission guidelines)",
        )
        ok = False
    return ok


def _section(title: str, found: list[_RawSection], embedded: _RawSection | None) -> Section:
    """One of the six parts: its text for badge files, and what the credential page shows."""
    written = [s for s in found if s.kind.section == title]
    if not written and not (title == "Scoring Rubric" and embedded is not None):
        return Section(title, "", "", page="")  # a part a milestone's spec leaves out: nothing shows it
    page = "\n\n".join(f"## {s.kind.name}\n\n{s.text}".rstrip("\n") for s in written)
    if title == "Scoring Rubric" and not written and embedded is not None:
        start = _table_start(embedded.lines)
        assert start is not None
        table = _table_lines(embedded.lines, start)
        # Shown where it is written (inside the submission guidelines); quoted here for badge files.
        return Section(title, embedded.heading, "\n".join(text for _, text in table), page="")
    if title == "Submission Criteria" and embedded is not None:
        quoted = set(_table_lines(embedded.lines, _table_start(embedded.lines) or 0))  # in Scoring Rubric
        texts = [
            "\n".join(text for n, text in s.lines if (n, text) not in quoted).strip("\n") if s is embedded else s.text
            for s in written
        ]
    else:
        texts = [s.text for s in written]
    if len(written) == 1:
        markdown = texts[0]
    else:
        markdown = "\n\n".join(
            f"### {s.kind.name}\n\n{text}".rstrip("\n") for s, text in zip(written, texts, strict=True)
        )
    return Section(title, written[0].heading, markdown, page=page)


def _cells(line: str) -> list[str]:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|") and not line.endswith("\\|"):
        line = line[:-1]
    return [cell.strip().replace("\\|", "|") for cell in _CELL_SPLIT.split(line)]


def _table_start(lines: list[tuple[int, str]]) -> int | None:
    """Where the first table (a header row and a '|---|' line) starts."""
    for i, (_, text) in enumerate(lines[:-1]):
        if text.lstrip().startswith("|") and _TABLE_DELIMITER.match(lines[i + 1][1].strip()):
            return i
    return None


def _table_lines(lines: list[tuple[int, str]], start: int) -> list[tuple[int, str]]:
    end = start
    while end < len(lines) and lines[end][1].lstrip().startswith("|"):
        end += 1
    return lines[start:end]


def _parse_rubric(section: _RawSection, path: Path, problems: Problems) -> Rubric | None:
    lines = section.lines
    start = _table_start(lines)
    fix = "write a table: '| Criterion | Level 1 | Level 2 |', a '|---|---|---|' line, then one row per criterion"
    if start is None:
        problems.add(path, section.line, f"the rubric under '## {section.heading}' has no table", fix)
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
    # The top-left cell (over the criteria) may be blank, as in many Digital Promise rubrics.
    if any(not cell for cell in header[1:]):
        problems.add(path, lines[start][0], "a rubric level column has no heading", "name every performance level")
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
