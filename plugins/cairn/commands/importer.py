"""`python build.py import FILE`: awards from a spreadsheet (CSV or XLSX) into the earner files.

The committee keeps applications and decisions in a spreadsheet or a form export; one row is
one award. Every row is checked first, with the rules `check` applies to an earner file (the
row is written out as the YAML it would become and read back by the loader), and every
problem is reported at once as `FILE:row: column: what is wrong (fix)`; while any row is
wrong nothing is written. Without --apply it only says what would change.

With --apply: a person is matched by email (case-insensitive). A new person gets a new file
named after them; a known person's awards are inserted as text after their last award, so
the file's comments and layout stay as they were. Then ids, salts, status indices and slugs
are given exactly as `python build.py ids` gives them (commands/ids.py), and each file is
written once, atomically (commands/atomic.py). An award already recorded (the same person,
credential and issued date) is left alone, so importing the same file again changes nothing,
and a run that was stopped is finished by running it again.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import json
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cairn.model import Credential, District, School
from cairn.sources.fields import is_windows_device
from cairn.sources.problems import Problem, Problems

# The columns, each by its name in the README and the other headings it is known by. A
# heading is compared in lower case, with spaces, hyphens, underscores and dots alike.
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("name", "full name", "earner", "earner name", "teacher", "teacher name", "staff name", "educator"),
    "email": ("email", "e mail", "email address", "e mail address", "mail", "earner email"),
    "school": ("school", "school id", "building", "campus", "site"),
    "role": ("role", "position", "job", "job title", "assignment"),
    "credential": (
        "credential",
        "credential id",
        "credential title",
        "micro credential",
        "microcredential",
        "badge",
        "badge id",
    ),
    "issued": ("issued", "issued on", "date issued", "issue date", "awarded", "awarded on", "date awarded", "date"),
    "evidence_url": ("evidence url", "evidence link", "evidence", "url", "link", "portfolio", "portfolio url"),
    "evidence_narrative": ("evidence narrative", "narrative", "evidence description", "evidence notes"),
    "expires": ("expires", "expires on", "expiry", "expiry date", "expiration", "expiration date", "valid until"),
    "public": ("public", "public profile", "opt in", "opted in", "show publicly", "profile"),
}
REQUIRED_COLUMNS = ("email", "credential", "issued")
_VARIANTS = {variant: column for column, variants in COLUMNS.items() for variant in variants}
_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0", ""}
_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_URL = re.compile(r"^https?://[^\s<>\"]+$", re.IGNORECASE)
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)
MAX_ROWS = 1_000_000


class TableError(Exception):
    """The file cannot be read as a table at all; the message says what to do."""


def header_key(heading: str) -> str:
    return re.sub(r"[\s_\-.]+", " ", heading.strip().strip(":*").lower()).strip()


# ---------------------------------------------------------------------------------------------
# Reading the spreadsheet


def read_table(path: Path) -> list[list[Any]]:
    """Every row of the file (the first is the header), cells as Python values."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    if suffix in (".csv", ".tsv", ".txt"):
        return _read_csv(path)
    if suffix in (".xls", ".ods", ".numbers"):
        raise TableError(f"{suffix} files are not read: save the sheet as .xlsx or as CSV UTF-8, and import that")
    raise TableError("only .csv and .xlsx files are read: save the sheet as one of these")


def _read_csv(path: Path) -> list[list[Any]]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise TableError(
            f"byte {error.start} is not UTF-8 text: save it as 'CSV UTF-8' (Excel) or as CSV with UTF-8 encoding"
        ) from None
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count) if first else ","
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as error:
        raise TableError(f"not readable as CSV ({error}): check the quotes, or save it again from the sheet") from None


def _read_xlsx(path: Path) -> list[list[Any]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        # data_only: a formula cell gives the value the spreadsheet last calculated.
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise TableError(f"not readable as an .xlsx workbook ({error}): save it again as .xlsx or as CSV") from None
    try:
        sheet = book.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


def _cell(value: Any) -> str | dt.date:
    """A cell as text, or as a date when the spreadsheet holds a date."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# ---------------------------------------------------------------------------------------------
# What the district already holds


@dataclass
class Person:
    """Someone in earners/ (or new in this spreadsheet), matched by email in lower case."""

    path: Path
    name: str
    email: str
    school: str | None = None
    role: str = ""
    public: bool = False
    held: set[tuple[str, dt.date]] = field(default_factory=set)  # (credential id, issued)
    new: bool = False
    first_row: int = 0
    awards: list[NewAward] = field(default_factory=list)


@dataclass
class NewAward:
    row: int
    credential: str
    issued: dt.date
    expires: dt.date | None
    url: str
    narrative: str


@dataclass
class Plan:
    """What an import would do, and what stops it."""

    problems: list[Problem] = field(default_factory=list)  # FILE:row: column: ... and earner files' own
    notes: list[str] = field(default_factory=list)
    people: dict[str, Person] = field(default_factory=dict)
    unchanged: int = 0
    rows: int = 0

    @property
    def created(self) -> list[Person]:
        return [p for p in self.people.values() if p.new and p.awards]

    @property
    def extended(self) -> list[Person]:
        return [p for p in self.people.values() if not p.new and p.awards]


@dataclass
class _Catalog:
    district: District
    today: dt.date
    aliases: dict[str, str]
    titles: dict[str, list[str]]
    school_names: dict[str, str]

    @classmethod
    def of(cls, district: District, today: dt.date) -> _Catalog:
        titles: dict[str, list[str]] = {}
        for credential in district.credentials.values():
            titles.setdefault(_fold(credential.title), []).append(credential.id)
        return cls(
            district,
            today,
            {alias: c.id for c in district.credentials.values() for alias in c.aliases},
            titles,
            {_fold(s.name): s.id for s in district.schools.values()},
        )

    @property
    def credentials(self) -> dict[str, Credential]:
        return self.district.credentials

    @property
    def schools(self) -> dict[str, School]:
        return self.district.schools


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def known_people(district: District, earner_files: list[Path], problems: Problems) -> dict[str, list[Person]]:
    """Everyone in earners/ by email in lower case. A file `check` rejects is still read for
    its email and awards, so its person is not taken for someone new; one whose email cannot
    be read at all is a problem (import could not tell whether a row is that person)."""
    from cairn.sources.source import parse_yaml, read_text

    people: dict[str, list[Person]] = {}
    loaded = {earner.source: earner for earner in district.earners}
    aliases = {alias: c.id for c in district.credentials.values() for alias in c.aliases}
    for path in earner_files:
        earner = loaded.get(path)
        if earner is not None:
            person = Person(path, earner.name, earner.email, earner.school, earner.role, earner.public)
            person.held = {(a.credential, a.issued) for a in earner.awards}
        else:
            local = Problems(problems.root)
            text = read_text(path, local, within=path.parent)
            parsed = parse_yaml(text, path, local) if text is not None else None
            data = parsed[0] if parsed is not None else None
            email = data.get("email") if isinstance(data, dict) else None
            if not isinstance(email, str) or not email.strip():
                problems.add(
                    path,
                    1,
                    "import cannot read whose file this is (its email)",
                    "run python build.py check and fix this file first: people are matched by email",
                )
                continue
            name = data.get("name") if isinstance(data, dict) else None
            person = Person(path, name if isinstance(name, str) else "", email.strip())
            assert isinstance(data, dict)
            for award in data.get("awards") or []:
                if isinstance(award, dict) and isinstance(award.get("credential"), str):
                    credential = str(aliases.get(award["credential"]) or award["credential"])
                    try:
                        person.held.add((credential, dt.date.fromisoformat(str(award.get("issued")).strip())))
                    except ValueError:
                        pass
        people.setdefault(person.email.lower(), []).append(person)
    return people


# ---------------------------------------------------------------------------------------------
# Checking every row


def plan_import(
    table: list[list[Any]],
    shown_as: str,
    district: District,
    today: dt.date,
    earner_files: list[Path],
    earners_folder: Path,
    problems: Problems,
) -> Plan:
    """Every row checked and matched against the district; nothing is written."""
    plan = Plan()

    def fail(row: int, column: str, message: str, hint: str) -> None:
        plan.problems.append(Problem(shown_as, row, f"{column}: {message}", hint))

    if not table or not any(_cell(v) for v in table[0]):
        fail(1, "header", "the first row is empty", "put the column headings in row 1: " + ", ".join(COLUMNS))
        return plan
    columns: dict[str, int] = {}
    headings: dict[str, str] = {}
    for index, heading in enumerate(table[0]):
        text = str(_cell(heading))
        if not text:
            continue
        column = _VARIANTS.get(header_key(text))
        if column is None:
            close = difflib.get_close_matches(header_key(text), list(_VARIANTS), n=1, cutoff=0.75)
            if close:
                fail(1, text, "unknown column", f"did you mean '{_VARIANTS[close[0]]}'? or rename it to be skipped")
            else:
                plan.notes.append(f"note: column '{text}' is not imported")
            continue
        if column in columns:
            fail(
                1,
                text,
                f"a second '{column}' column (column {index + 1}; the first is {headings[column]!r})",
                "keep one of them or rename the other",
            )
            continue
        columns[column], headings[column] = index, text
    for column in REQUIRED_COLUMNS:
        if column not in columns:
            fail(1, column, "the column is missing", f"add a column headed '{column}'")
    if "name" not in columns:
        plan.notes.append("note: there is no 'name' column: every row must be for someone already in earners/")
    if plan.problems:
        return plan

    catalog = _Catalog.of(district, today)
    known = known_people(district, earner_files, problems)
    taken_stems = {p.stem.lower() for p in earners_folder.iterdir()} if earners_folder.is_dir() else set()
    if len(table) - 1 > MAX_ROWS:
        fail(MAX_ROWS + 2, "rows", f"more than {MAX_ROWS:,} rows", "split the file")
        return plan

    for number, raw in enumerate(table[1:], start=2):
        cells = {column: _cell(raw[i]) if i < len(raw) else "" for column, i in columns.items()}
        if not any(cells.values()):
            continue
        plan.rows += 1
        _plan_row(number, cells, headings, catalog, known, taken_stems, earners_folder, plan, fail)
    return plan


def _plan_row(
    number: int,
    cells: dict[str, str | dt.date],
    headings: dict[str, str],
    catalog: _Catalog,
    known: dict[str, list[Person]],
    taken_stems: set[str],
    folder: Path,
    plan: Plan,
    fail_at: Any,
) -> None:
    errors_before = len(plan.problems)

    def text(column: str) -> str:
        value = cells.get(column, "")
        return value.isoformat() if isinstance(value, dt.date) else value

    def fail(column: str, message: str, hint: str) -> None:
        fail_at(number, headings.get(column, column), message, hint)

    # Who
    email = text("email")
    person: Person | None = None
    if not email:
        fail("email", "empty", "every row needs the earner's email: people are matched by it")
    elif not _EMAIL.match(email):
        fail("email", f"{_show(email)} is not an email address", "write it as name@example.org")
    else:
        matches = known.get(email.lower(), [])
        if len(matches) > 1:
            fail(
                "email",
                f"{email} is in {len(matches)} earner files: " + ", ".join(p.path.name for p in matches),
                "merge them into one file first: one file per person",
            )
        elif matches:
            person = matches[0]
        else:
            person = plan.people.get(email.lower())
    email_ok = len(plan.problems) == errors_before
    name = text("name")
    school = _school(text("school"), catalog, fail)
    public = _public(text("public"), fail)
    role = text("role")
    if person is None and email_ok and not name:
        fail("name", "empty", "a person not yet in earners/ needs a name: it names their file and profile")
    # What
    credential = _credential(text("credential"), catalog, fail)
    issued = _date(cells.get("issued", ""), "issued", True, fail)
    if issued and issued > catalog.today:
        fail(
            "issued",
            f"{issued} is in the future (today is {catalog.today})",
            "awards are recorded once earned; check the year",
        )
    expires = _date(cells.get("expires", ""), "expires", False, fail)
    if issued and expires and expires <= issued:
        fail("expires", f"{expires} is not after issued {issued}", "check both dates, or leave expires empty")
    url, narrative = text("evidence_url"), str(cells.get("evidence_narrative", ""))
    if url and not _URL.match(url):
        fail("evidence_url", f"{_show(url)} is not a web address", "write a full address starting https://")
    if len(plan.problems) > errors_before or issued is None or credential is None:
        return

    # The same rules as `check`: the row as the earner file it would become, read by the loader.
    if person is not None and name and _fold(name) != _fold(person.name) and person.name:
        where = "row " + str(person.first_row) if person.new else person.path.name
        if person.new:
            fail("name", f"'{name}' differs from {where}'s '{person.name}' for the same email", "use one spelling")
            return
        plan.notes.append(f"note: row {number}: name '{name}' differs from {where}'s '{person.name}'; the file is kept")
    award = NewAward(number, credential, issued, expires, url, narrative)
    draft = Person(
        Path("row"),
        (person.name or name or "-") if person is not None else name,
        person.email if person is not None else email,
        school if person is None or person.new else person.school,
        role if person is None or person.new else person.role,
        public if person is None or person.new else person.public,
    )
    if not _loader_agrees(draft, award, catalog, headings, fail):
        return
    if person is None:
        stem = base = _file_stem(name)
        counter = 2
        while stem.lower() in taken_stems or is_windows_device(stem):
            stem, counter = f"{base}-{counter}", counter + 1
        taken_stems.add(stem.lower())
        person = Person(folder / f"{stem}.yml", name, email, school, role, public, new=True, first_row=number)
        plan.people[email.lower()] = person
    elif not person.new:
        plan.people.setdefault(email.lower(), person)
        for column, given, kept in (("school", school, person.school), ("role", role, person.role)):
            if given and given != kept:
                plan.notes.append(
                    f"note: row {number}: {column} '{given}' differs from {person.path.name}'s "
                    f"'{kept or ''}'; the file is kept (edit it by hand to change it)"
                )
    key = (credential, issued)
    if key in person.held:
        plan.unchanged += 1
        return
    person.held.add(key)
    person.awards.append(award)


def _school(value: str, catalog: _Catalog, fail: Any) -> str | None:
    if not value:
        return None
    if value in catalog.schools:
        return value
    by_name = catalog.school_names.get(_fold(value)) or (value.lower() if value.lower() in catalog.schools else None)
    if by_name:
        return by_name
    choices = [*catalog.schools, *(s.name for s in catalog.schools.values())]
    close = difflib.get_close_matches(value, choices, n=1)
    fail(
        "school",
        f"unknown school {_show(value)}",
        (f"did you mean '{close[0]}'? " if close else "")
        + "use a school's id or name from earners/_schools.yml, or add it there",
    )
    return None


def _public(value: str, fail: Any) -> bool:
    folded = value.strip().lower()
    if folded in _YES:
        return True
    if folded not in _NO:
        fail("public", f"{_show(value)} is not yes or no", "write yes or no; true/false and 1/0 do too; empty means no")
    return False


def _credential(value: str, catalog: _Catalog, fail: Any) -> str | None:
    if not value:
        fail("credential", "empty", "name the credential by its id (e.g. wait-time) or its exact title")
        return None
    found = value.strip()
    if found.lower() in catalog.credentials:
        found = found.lower()
    elif found.lower() in catalog.aliases:
        found = catalog.aliases[found.lower()]
    else:
        ids = catalog.titles.get(_fold(value), [])
        if len(ids) > 1:
            fail("credential", f"the title {_show(value)} is shared by {', '.join(ids)}", "name it by its id instead")
            return None
        if not ids:
            choices = [*catalog.credentials, *(c.title for c in catalog.credentials.values())]
            close = difflib.get_close_matches(value, choices, n=1)
            fail(
                "credential",
                f"unknown credential {_show(value)}",
                (f"did you mean '{close[0]}'? " if close else "")
                + "use a credential's id, an old id, or its exact title from catalog/",
            )
            return None
        found = ids[0]
    if catalog.credentials[found].status == "draft":
        fail("credential", f"'{found}' is a draft and cannot be awarded", "set 'status: active' in its spec first")
        return None
    return found


def _date(value: str | dt.date, column: str, required: bool, fail: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        day: dt.date | None = value
    elif not value:
        if required:
            fail(column, "empty", "write the date as YYYY-MM-DD, e.g. 2025-03-14")
        return None
    else:
        match = _DATE.match(value.strip())
        if not match:
            fail(
                column,
                f"{_show(value)} is not a date",
                "write it as YYYY-MM-DD, e.g. 2025-03-14 (a date cell in a spreadsheet is fine too)",
            )
            return None
        try:
            day = dt.date.fromisoformat(match.group(1))
        except ValueError:
            fail(column, f"{value} is not a real date", "check the month and day")
            return None
    assert day is not None
    if day.year < 1990:
        fail(column, f"{day} is before 1990", "check the year")
        return None
    return day


def _loader_agrees(person: Person, award: NewAward, catalog: _Catalog, headings: dict[str, str], fail: Any) -> bool:
    """Reads the row, written as an earner file, with the loader `check` uses: whatever it
    refuses (lengths, invisible characters, ...) is reported at the row's column."""
    from cairn.commands.ids import new_award_id, new_salt
    from cairn.sources.load import _load_earner

    lines = earner_lines(person)
    lines[1:1] = [("slug: placeholder", None)]  # ids gives the slug; a public earner needs one
    lines += award_lines(award, "  - ", "    ")
    lines += [(f"    id: {new_award_id()}", None), (f"    salt: {new_salt()}", None), ("    status_index: 0", None)]
    text = "\n".join(line for line, _ in lines) + "\n"
    local = Problems(Path("."))
    earner = _load_earner(
        Path("row"), text, catalog.credentials, catalog.aliases, catalog.schools, catalog.today, local
    )
    errors = [p for p in local.items if not p.warning]
    for problem in errors:
        column = lines[problem.line - 1][1] if 0 < problem.line <= len(lines) else None
        column = column or "row"
        message = problem.message
        for key in (column, column.replace("evidence_", "")):
            message = message.removeprefix(f"'{key}' ")
        fail(column, message, problem.hint)
    return earner is not None and not errors


# ---------------------------------------------------------------------------------------------
# Writing earner files as text


def _scalar(value: str) -> str:
    """A YAML scalar for `value`: plain when that reads back as the same text, else double-quoted
    with every character YAML may not hold raw (controls, line and paragraph separators) escaped."""
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 .,'@+/:()&_\-\u00c0-\u024f]*", value) and not re.search(r": |\s$", value):
        try:
            if yaml.safe_load(f"k: {value}") == {"k": value}:
                return value
        except yaml.YAMLError:
            pass
    quoted = json.dumps(value, ensure_ascii=False)
    return "".join(
        f"\\u{ord(ch):04x}" if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs") else ch for ch in quoted
    )


def earner_lines(person: Person) -> list[tuple[str, str | None]]:
    """A new earner file's fields above its awards, each with the column it came from."""
    lines: list[tuple[str, str | None]] = [
        (f"name: {_scalar(person.name)}", "name"),
        (f"email: {_scalar(person.email)}", "email"),
        # Opt-in to a public profile and the expert directory.
        (f"public: {'true' if person.public else 'false'}", "public"),
    ]
    if person.school:
        lines.append((f"school: {person.school}", "school"))
    if person.role:
        lines.append((f"role: {_scalar(person.role)}", "role"))
    lines.append(("awards:", None))
    return lines


def award_lines(award: NewAward, dash: str, indent: str) -> list[tuple[str, str | None]]:
    lines: list[tuple[str, str | None]] = [
        (f"{dash}credential: {award.credential}", "credential"),
        (f"{indent}issued: {award.issued.isoformat()}", "issued"),
    ]
    if award.expires:
        lines.append((f"{indent}expires: {award.expires.isoformat()}", "expires"))
    if award.url or award.narrative:
        lines.append((f"{indent}evidence:", None))
        if award.url:
            lines.append((f"{indent}  url: {_scalar(award.url)}", "evidence_url"))
        if award.narrative:
            lines.append((f"{indent}  narrative: {_scalar(award.narrative)}", "evidence_narrative"))
    return lines


def new_file_bytes(person: Person) -> bytes:
    lines = earner_lines(person)
    for award in person.awards:
        lines += award_lines(award, "  - ", "    ")
    return ("\n".join(line for line, _ in lines) + "\n").encode("utf-8")


def appended_bytes(person: Person, raw: bytes, problems: Problems) -> bytes | None:
    """The file with the person's new awards inserted after their last award, as text: every
    other line, comment and blank stays as it was (as `ids` does). None after a problem."""
    from cairn.sources.source import compose_yaml

    path = person.path
    bom = raw.startswith(b"\xef\xbb\xbf")
    original = raw[3 if bom else 0 :].decode("utf-8")
    newline = "\r\n" if "\r\n" in original else "\n"
    text = original.replace("\r\n", "\n")
    composed = compose_yaml(text, path, problems)
    if composed is None or not isinstance(composed[0], yaml.MappingNode) or composed[0].flow_style:
        problems.add(path, 1, "import cannot add awards to this file", "run python build.py check and fix it first")
        return None
    root = composed[0]
    lines = text.split("\n")
    found = [(k, v) for k, v in root.value if isinstance(k, yaml.ScalarNode) and k.value == "awards"]
    dash, indent = "  - ", "    "
    if not found:
        if lines and lines[-1] == "":
            lines.pop()
        at = len(lines)
        lines.append("awards:")
        at += 1
    else:
        key, value = found[0]
        if isinstance(value, yaml.SequenceNode) and value.value and not value.flow_style:
            first = value.value[0]
            if isinstance(first, yaml.MappingNode) and first.value:
                column = first.value[0][0].start_mark.column
                line = lines[first.start_mark.line]
                dash_column = line.rfind("-", 0, column)
                if dash_column >= 0:
                    dash = " " * dash_column + "-" + " " * (column - dash_column - 1)
                    indent = " " * column
            end = value.value[-1].end_mark
            at = end.line + (1 if end.column > 0 else 0)
        elif (
            isinstance(value, yaml.ScalarNode)
            and value.value == ""
            and lines[key.start_mark.line].split("#")[0].rstrip().endswith(":")
        ):
            at = key.start_mark.line + 1
        else:
            problems.add(
                path,
                key.start_mark.line + 1,
                "import cannot add awards here: 'awards' is not a list of '- credential: ...' entries",
                "write each award as '- credential: ...' with one field per line, then import again",
            )
            return None
    new: list[str] = []
    for award in person.awards:
        new += [line for line, _ in award_lines(award, dash, indent)]
    lines[at:at] = new
    if lines[-1] != "":
        lines.append("")
    return (b"\xef\xbb\xbf" if bom else b"") + newline.join(lines).encode("utf-8")


def _file_stem(name: str) -> str:
    from cairn.people import slug_for

    return slug_for(name)


def _show(value: str) -> str:
    text = "".join(f"\\u{ord(ch):04x}" if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in value)
    return f"'{text}'" if len(text) <= 60 else f"'{text[:57]}...'"


# ---------------------------------------------------------------------------------------------
# The command


def one_per_cause(problems: list[Problem]) -> list[Problem]:
    """Rows refused with the very same message (one draft credential, one school missing from
    _schools.yml, named the same way) are one problem, at its first row, listing the others."""
    rows: dict[tuple[str, str], list[Problem]] = {}
    for problem in problems:
        rows.setdefault((problem.message, problem.hint), []).append(problem)
    result = []
    for (message, hint), same in rows.items():
        others = [str(p.line) for p in same[1:]]
        if others:
            listed = ", ".join(others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5 else "")
            hint = f"{hint}; the same in row{'s' if len(others) > 1 else ''} {listed}"
        result.append(Problem(same[0].path, same[0].line, message, hint))
    return result


def run(config_file: Path, table_file: str, apply: bool) -> int:
    """`python build.py import FILE [--apply]`; returns the exit code."""
    from cairn.commands import cli
    from cairn.commands.ids import plan_missing_ids, write_planned
    from cairn.sources.load import STATUS_FILE, _load_earner, load_district, read_next_status_index

    source = Path(table_file)
    if not source.is_file():
        print(f"error: {table_file} not found", file=sys.stderr)
        return cli.EXIT_USAGE
    try:
        table = read_table(source)
    except TableError as error:
        print(f"{table_file}:1: {error}", file=sys.stderr)
        return cli.EXIT_PROBLEMS
    except OSError as error:
        print(f"{table_file}:1: cannot be read ({error.strerror})", file=sys.stderr)
        return cli.EXIT_PROBLEMS

    config = cli._mkdocs_config(config_file)
    sources = cli._sources(config_file, config)
    today = cli._today(config)
    problems = Problems(sources.root)
    district, problems = load_district(sources, today, problems)
    earner_files = [p for p in sorted(sources.earners.glob("*.y*ml")) if not p.name.startswith(("_", "."))]
    # What every row is checked against must be sound first: the catalog and the schools.
    earner_names = {p.name for p in earner_files}
    blocking = [p for p in problems.errors if Path(p.path).name not in earner_names]
    if blocking:
        return cli.refuse(
            blocking,
            "in the catalog or the earners folder's settings files: fix them (python build.py check) "
            "and import again; nothing was written",
        )

    district_problems = Problems(sources.root)
    plan = plan_import(table, table_file, district, today, earner_files, sources.earners, district_problems)

    # The earner files as they would be: the rows added, then ids given as `ids` gives them;
    # each is read back by the loader (the earner's own problems, if any, stop the import too).
    changed: dict[Path, bytes] = {}
    if not plan.problems:
        for person in plan.created:
            changed[person.path] = new_file_bytes(person)
        for person in plan.extended:
            data = appended_bytes(person, person.path.read_bytes(), district_problems)
            if data is not None:
                changed[person.path] = data
    contents = {path: changed.get(path) or path.read_bytes() for path in earner_files}
    contents.update({path: data for path, data in changed.items() if path not in contents})
    status_file = sources.earners / STATUS_FILE
    planned = plan_missing_ids(contents, district_problems, read_next_status_index(status_file, district_problems))
    aliases = {alias: c.id for c in district.credentials.values() for alias in c.aliases}
    for path in changed:
        final = planned.files.get(path, contents[path]).decode("utf-8-sig").replace("\r\n", "\n")
        _load_earner(path, final, district.credentials, aliases, district.schools, today, district_problems)

    for note in plan.notes:
        print(note, file=sys.stderr)
    everything = one_per_cause(sorted(plan.problems, key=lambda p: p.line)) + district_problems.errors
    if everything:
        for problem in everything:
            print(problem, file=sys.stderr)
        print(
            f"{len(everything)} problem(s): nothing was written; fix them and run the import again",
            file=sys.stderr,
        )
        return cli.EXIT_PROBLEMS

    verb = ("created", "added to") if apply else ("would create", "would add to")
    for person in plan.created:
        print(f"{verb[0]} {_relative(person.path, sources.root)}: {person.name}, {_awards(len(person.awards))}")
    for person in plan.extended:
        print(f"{verb[1]} {_relative(person.path, sources.root)}: {_awards(len(person.awards))}")
    added = sum(len(p.awards) for p in plan.people.values())
    summary = (
        f"{len(plan.created)} earner(s) created, {added} award(s) added, {plan.unchanged} unchanged "
        f"({plan.rows} row(s) in {table_file})"
    )
    if not changed:
        print(f"{summary}; nothing to change")
        return cli.EXIT_OK
    if not apply:
        print(f"{summary}; a dry run: nothing was written. To write it: python build.py import {table_file} --apply")
        return cli.EXIT_OK
    write_planned(planned, status_file, also=changed)
    others = sorted(set(planned.files) - set(changed))
    if others:
        print(f"ids, salts, status indices or slugs also given in {len(others)} other earner file(s)")
    print(f"{summary}; written. Next: python build.py check, then build")
    return cli.EXIT_OK


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _awards(count: int) -> str:
    return f"{count} award" + ("" if count == 1 else "s")
