"""Award ids and salts, and public earners' slugs: made once, saved in the earner files,
never changed.

`python build.py ids` writes the missing ones into the YAML text itself (below each
award's first line, below the earner's name), so comments and layout stay as they were.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from cairn.commands.atomic import write_atomically
from cairn.sources.fields import is_id
from cairn.sources.problems import Problems
from cairn.sources.source import compose_yaml

if TYPE_CHECKING:
    from cairn.model import District


def new_award_id() -> str:
    """128 random bits as 26 lower-case base32 characters: unguessable, URL- and file-safe.

    `check` refuses an id that looks typed (sources/load.py plausibly_random); a random one does
    once in trillions, and is then drawn again, so every id made here passes. Redrawing those
    few leaves more than 127.99 bits of randomness."""
    from cairn.sources.load import plausibly_random

    while True:
        award_id = base64.b32encode(secrets.token_bytes(16)).decode("ascii").rstrip("=").lower()
        if plausibly_random(award_id):
            return award_id


def new_salt() -> str:
    return secrets.token_hex(16)


STATUS_HEADER = """# The next free index in the Open Badges 3.0 revocation status lists.
# Written by `python build.py ids`. Never lower it: an index is never reused.
"""


def assign_missing_ids(earner_files: list[Path], problems: Problems, status_file: Path) -> dict[Path, int]:
    """Give every award without an id, salt or status index new ones, and every public earner
    without a slug one derived from their name; returns the number of additions per file."""
    from cairn.sources.load import read_next_status_index

    contents = {}
    for path in earner_files:
        contents[path] = path.read_bytes()
    planned = plan_missing_ids(contents, problems, read_next_status_index(status_file, problems))
    write_planned(planned, status_file)
    return planned.additions


@dataclass
class Planned:
    """What `ids` would write: the new bytes of each earner file it changes, how many lines it
    adds to each, and the status lists' next free index afterwards."""

    files: dict[Path, bytes] = field(default_factory=dict)
    additions: dict[Path, int] = field(default_factory=dict)
    next_index: int = 0


def plan_missing_ids(contents: dict[Path, bytes], problems: Problems, next_index: int) -> Planned:
    """The ids, salts, status indices and slugs missing from these earner files (path -> the
    file's bytes: what is on disk, or what `import` is about to write), inserted into their
    text; nothing is written. Every file of the folder must be given: slugs are unique."""
    from cairn.people import slug_for

    counter = [next_index]
    parsed = []
    taken: set[str] = set()
    for path, raw in contents.items():
        bom = raw.startswith(b"\xef\xbb\xbf")
        try:
            original = raw[3 if bom else 0 :].decode("utf-8")
        except UnicodeDecodeError:
            problems.add(path, 1, "the file is not UTF-8 text", "save it as UTF-8, then run this again")
            continue
        text = original.replace("\r\n", "\n")
        composed = compose_yaml(text, path, problems)
        if composed is None or not isinstance(composed[0], yaml.MappingNode):
            continue
        root = composed[0]
        fields = {key.value: value for key, value in root.value if isinstance(key, yaml.ScalarNode)}
        if isinstance(fields.get("slug"), yaml.ScalarNode):
            taken.add(fields["slug"].value)
        parsed.append((path, bom, "\r\n" if "\r\n" in original else "\n", text, root, fields))

    planned = Planned(next_index=next_index)
    for path, bom, newline, text, root, fields in parsed:
        insertions = _award_insertions(root, path, problems, counter)
        if _wants_slug(fields):
            slug = base = slug_for(fields["name"].value)
            number = 2
            while slug in taken or not is_id(slug):  # "Con" -> con-2: Windows reserves "con"
                slug, number = f"{base}-{number}", number + 1
            taken.add(slug)
            end = fields["name"].end_mark
            insertions.append((end.line + (1 if end.column > 0 else 0), [f"slug: {slug}"]))
        if not insertions:
            continue
        lines = text.split("\n")
        for at, new_lines in sorted(insertions, reverse=True):
            lines[at:at] = new_lines
        planned.files[path] = (b"\xef\xbb\xbf" if bom else b"") + newline.join(lines).encode("utf-8")
        planned.additions[path] = len(insertions)
    planned.next_index = counter[0]
    return planned


def write_planned(planned: Planned, status_file: Path, also: dict[Path, bytes] | None = None) -> None:
    """Write the status lists' counter, then each changed earner file (and `also`: files
    changed for another reason, e.g. by import), each atomically (atomic.py).

    The counter goes first: a run stopped after it but before some earner files leaves
    indices unused (harmless: they are never reused), never an index given out twice."""
    files = {**(also or {}), **planned.files}
    if not files:
        return
    write_atomically(status_file, f"{STATUS_HEADER}next_index: {planned.next_index}\n".encode())
    for path, data in files.items():
        write_atomically(path, data)


def _wants_slug(fields: dict[str, yaml.Node]) -> bool:
    public, name = fields.get("public"), fields.get("name")
    return (
        "slug" not in fields
        and isinstance(public, yaml.ScalarNode)
        and public.value.lower() == "true"
        and isinstance(name, yaml.ScalarNode)
        and bool(name.value.strip())
    )


def _award_insertions(
    root: yaml.MappingNode, path: Path, problems: Problems, counter: list[int]
) -> list[tuple[int, list[str]]]:
    awards = next((value for key, value in root.value if key.value == "awards"), None)
    if not isinstance(awards, yaml.SequenceNode):
        return []
    result = []
    for award in awards.value:
        if not isinstance(award, yaml.MappingNode) or not award.value:
            continue
        keys = {key.value for key, _ in award.value}
        missing = [k for k in ("id", "salt", "status_index") if k not in keys]
        if not missing:
            continue
        if award.flow_style:
            problems.add(
                path,
                award.start_mark.line + 1,
                "this award is written on one line in { }",
                "write it as '- credential: ...' with one field per line, then run this again",
            )
            continue
        first_key, first_value = award.value[0]
        end = first_value.end_mark
        at = end.line + (1 if end.column > 0 else 0)
        indent = " " * first_key.start_mark.column
        values = {"id": new_award_id(), "salt": new_salt(), "status_index": counter[0]}
        if "status_index" in missing:
            counter[0] += 1
        result.append((at, [f"{indent}{key}: {values[key]}" for key in missing]))
    return result


MILESTONE_NOTE = "# milestone written by python build.py ids: {shortfall}"


def award_met_milestones(district: District, problems: Problems, status_file: Path) -> dict[Path, int]:
    """Write into each earner's file an award of every milestone they have met and not yet been
    awarded (recognition.milestones_due), issued on the day its rule was met, with its id, salt
    and status index; returns the number of awards added per file. `district` must be loaded
    from the files as they are now (after assign_missing_ids: only awards check accepts count)."""
    from cairn.sources.load import read_next_status_index

    planned = plan_milestone_awards(district, problems, read_next_status_index(status_file, problems))
    write_planned(planned, status_file)
    return planned.additions


def plan_milestone_awards(district: District, problems: Problems, next_index: int) -> Planned:
    """The milestone awards due, appended to each earner's `awards:` list in their file's text
    (a comment above each says what was reached); nothing is written."""
    from cairn.recognition import milestones_due, progress

    planned = Planned(next_index=next_index)
    for earner in district.earners:
        due = milestones_due(district, earner)
        if not due:
            continue
        raw = earner.source.read_bytes()
        bom = raw.startswith(b"\xef\xbb\xbf")
        original = raw[3 if bom else 0 :].decode("utf-8")  # the loader read it as UTF-8 a moment ago
        newline = "\r\n" if "\r\n" in original else "\n"
        text = original.replace("\r\n", "\n")
        composed = compose_yaml(text, earner.source, problems)
        if composed is None or not isinstance(composed[0], yaml.MappingNode):
            continue
        awards = next((value for key, value in composed[0].value if key.value == "awards"), None)
        if not isinstance(awards, yaml.SequenceNode) or not awards.value:
            continue
        lines = text.split("\n")
        if awards.flow_style or not isinstance(awards.value[-1], yaml.MappingNode) or awards.value[-1].flow_style:
            problems.add(
                earner.source,
                awards.start_mark.line + 1,
                "the awards are written on one line in [ ] or { }, so a milestone award cannot be added",
                "write each award as '- credential: ...' with one field per line, then run this again",
            )
            continue
        last = awards.value[-1]
        key_column = last.value[0][0].start_mark.column
        dash_column = len(lines[last.start_mark.line][:key_column].rstrip()) - 1
        at = _end_line(last)
        while at > 0 and not lines[at - 1].strip():
            at -= 1  # above the blank lines that follow the last award
        added = []
        for milestone in due:
            reached = progress(district, earner, milestone.credential, milestone.met)
            fields = {
                "credential": milestone.credential,
                "issued": milestone.met.isoformat(),
                "id": new_award_id(),
                "salt": new_salt(),
                "status_index": planned.next_index,
            }
            planned.next_index += 1
            added.append(" " * dash_column + MILESTONE_NOTE.format(shortfall=reached.shortfall()))
            for number, (key, value) in enumerate(fields.items()):
                lead = (
                    " " * dash_column + "-" + " " * (key_column - dash_column - 1) if number == 0 else " " * key_column
                )
                added.append(f"{lead}{key}: {value}")
        lines[at:at] = added
        planned.files[earner.source] = (b"\xef\xbb\xbf" if bom else b"") + newline.join(lines).encode("utf-8")
        planned.additions[earner.source] = len(due)
    return planned


def _end_line(node: yaml.Node) -> int:
    """The 0-based line after a node's last written character (its last value's, for a block
    mapping or list, whose own end is where the next thing starts, past any comments)."""
    while isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and node.value and not node.flow_style:
        last = node.value[-1]
        node = last[1] if isinstance(node, yaml.MappingNode) else last
    end = node.end_mark
    return int(end.line + (1 if end.column > 0 else 0))
