"""Typed reading of one YAML mapping, recording a Problem for every bad field."""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from pathlib import Path
from typing import Any

from cairn.sources.problems import Problems
from cairn.sources.source import KeyPath, Lines

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Ids name files and folders (credentials/<id>/, earners/<slug>/, catalog/<stack>/): Windows
# cannot check out a file or folder with a device's name, whatever its case or extension.
WINDOWS_DEVICES = frozenset({"con", "prn", "aux", "nul", *(f"{port}{n}" for port in ("com", "lpt") for n in range(10))})
ID_HINT = (
    "use lower-case letters, digits and single hyphens only, e.g. 'wait-time', and not a name Windows "
    "reserves: con, prn, aux, nul, com0-9, lpt0-9"
)
_DEVICE_HINT = (
    "choose another: Windows reserves con, prn, aux, nul, com0-9 and lpt0-9 and cannot check out a file named so"
)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# Free text: fields whose value may run over several lines (a bio, a narrative, a description).
# Everywhere else a line break or a tab is a mistake: names, titles and roles are one line, in
# a page's <title>, a search result, a CSV cell.
MULTI_LINE_FIELDS = frozenset({"bio", "narrative", "description"})
_LINE_BREAKS = "\n\u2028\u2029"
# C0 and C1 control characters and DEL; tab and line breaks are told apart below.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# Bidirectional formatting that opens a scope (embeddings and overrides close with U+202C,
# isolates with U+2069). Left unclosed, one reverses the rest of whatever follows the value
# (the site's name after a page title). The marks U+200E and U+200F open nothing: always fine.
_BIDI_OPENERS = {"\u202a": "\u202c", "\u202b": "\u202c", "\u202d": "\u202c", "\u202e": "\u202c"}
_BIDI_OPENERS.update({"\u2066": "\u2069", "\u2067": "\u2069", "\u2068": "\u2069"})
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def is_id(value: object) -> bool:
    return (
        isinstance(value, str)
        and len(value) <= 64
        and bool(ID_PATTERN.match(value))
        and value.lower() not in WINDOWS_DEVICES
    )


def is_windows_device(value: object) -> bool:
    """A file name Windows reserves for a device (con, nul.md, COM1.yml, ...): in any case, with
    or without an extension. Ids never are (is_id); this is for names that are not ids."""
    return isinstance(value, str) and value.split(".")[0].strip().lower() in WINDOWS_DEVICES


def text_problem(key: str, value: str, multi_line: bool = False) -> tuple[str, str] | None:
    """What is wrong with a text value's invisible characters, as (message, hint), or None."""
    for match in _CONTROL.finditer(value):
        char = match.group()
        if multi_line and char in "\t" + _LINE_BREAKS:
            continue
        code = _code(char)
        if char == "\t":
            return f"'{key}' holds a tab ({code})", "write it on one line, with a space in its place"
        if char in _LINE_BREAKS:
            return f"'{key}' holds a line break ({code})", "write it on one line, with a space in its place"
        return (
            f"'{key}' holds the control character {code}",
            "retype it: an invisible character came with pasted text",
        )
    open_scopes: list[str] = []
    for match in _BIDI.finditer(value):
        char = match.group()
        if char in _BIDI_OPENERS:
            open_scopes.append(char)
        elif open_scopes and _BIDI_OPENERS[open_scopes[-1]] == char:
            open_scopes.pop()
        else:
            return f"'{key}' holds a {_char_name(char)} ({_code(char)}) that closes nothing", "delete it"
    if open_scopes:
        char = open_scopes[-1]
        closer = _BIDI_OPENERS[char]
        return (
            f"'{key}' opens a {_char_name(char)} ({_code(char)}) and does not close it",
            f"delete it, or close it with a {_char_name(closer)}, {_code(closer)}",
        )
    return None


def _code(char: str) -> str:
    return f"U+{ord(char):04X}"


def _char_name(char: str) -> str:
    return unicodedata.name(char, _code(char)).lower()


class Fields:
    """Reads fields out of `data` (found at `at` in a parsed file), noting what is wrong."""

    def __init__(self, data: Any, lines: Lines, path: Path, problems: Problems, at: KeyPath = ()) -> None:
        self.path, self.lines, self.problems, self.at = path, lines, problems, at
        self.ok = True
        if isinstance(data, dict):
            self.data = data
        else:
            self.data = {}
            self.fail(
                (),
                f"expected a mapping of 'field: value' lines, found {_kind(data)}",
                "write one 'field: value' per line",
            )

    def line(self, *key: Any) -> int:
        return self.lines.of(*self.at, *key)

    def fail(self, key: KeyPath, message: str, hint: str = "") -> None:
        self.problems.add(self.path, self.line(*key), message, hint)
        self.ok = False

    def warn(self, key: KeyPath, message: str, hint: str = "") -> None:
        self.problems.warn(self.path, self.line(*key), message, hint)

    def only(self, allowed: tuple[str, ...]) -> None:
        """Unknown fields are errors: a misspelt field would otherwise be silently ignored."""
        for key in self.data:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f"did you mean '{close[0]}'?" if close else "the fields are " + ", ".join(allowed)
                self.fail((key,), f"unknown field '{key}'", hint)

    def text(self, key: str, required: bool = True, max_length: int = 200, default: str = "") -> str:
        value = self.data.get(key)
        if value is None:
            if required:
                self.fail((), f"'{key}' is missing", f"add a line '{key}: ...'")
            return default
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            self.fail((key,), f"'{key}' should be text, found {_kind(value)}", "write it as plain text")
            return default
        value = value.strip()
        if required and not value:
            self.fail((key,), f"'{key}' is empty", "fill it in")
        elif len(value) > max_length:
            self.fail((key,), f"'{key}' is {len(value)} characters, over the limit of {max_length}", "shorten it")
        elif problem := text_problem(key, value, key in MULTI_LINE_FIELDS):
            self.fail((key,), *problem)
        return value

    def identifier(self, key: str, default: str | None = None, required: bool = True) -> str | None:
        if key not in self.data and default is not None:
            return default
        value = self.data.get(key)
        if value is None:
            if required:
                self.fail((), f"'{key}' is missing", f"add a line '{key}: ...'")
            return None
        if isinstance(value, str) and value in WINDOWS_DEVICES:
            self.fail((key,), f"'{key}' {_show(value)} is a name Windows reserves for a device", _DEVICE_HINT)
            return None
        if not is_id(value):
            self.fail((key,), f"'{key}' {_show(value)} is not a valid id", ID_HINT)
            return None
        return value

    def choice(self, key: str, allowed: tuple[str, ...], default: str | None = None) -> str:
        value = self.data.get(key, default)
        if value is None:
            self.fail((), f"'{key}' is missing", f"add '{key}: ' and one of: " + ", ".join(allowed))
            return allowed[0]
        if value not in allowed:
            self.fail((key,), f"'{key}' {_show(value)} is not allowed", "use one of: " + ", ".join(allowed))
            return allowed[0]
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            self.fail((key,), f"'{key}' should be true or false, found {_show(value)}", "write true or false")
            return default
        return value

    def number(self, key: str, minimum: float, maximum: float) -> float:
        value = self.data.get(key)
        if value is None:
            self.fail((), f"'{key}' is missing", f"add '{key}: ' and a number")
            return minimum
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not minimum <= value <= maximum:
            self.fail(
                (key,),
                f"'{key}' {_show(value)} should be a number from {minimum:g} to {maximum:g}",
                "write a plain number, e.g. 10",
            )
            return minimum
        return float(value)

    def date(self, key: str, today: dt.date, required: bool = True) -> dt.date | None:
        value = self.data.get(key)
        if value is None:
            if required:
                self.fail((), f"'{key}' is missing", f"add '{key}: YYYY-MM-DD'")
            return None
        if not isinstance(value, str) or not _DATE.match(value.strip()):
            self.fail((key,), f"'{key}' {_show(value)} is not a date", "write it as YYYY-MM-DD, e.g. 2025-03-14")
            return None
        try:
            day = dt.date.fromisoformat(value.strip())
        except ValueError:
            self.fail((key,), f"'{key}' {value} is not a real date", "check the month and day")
            return None
        if day.year < 1990:
            self.fail((key,), f"'{key}' {value} is before 1990", "check the year")
            return None
        return day

    def text_list(self, key: str, item_is_id: bool = False) -> tuple[str, ...]:
        value = self.data.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.fail((key,), f"'{key}' should be a list, found {_kind(value)}", f"write '{key}: [a, b]'")
            return ()
        items = []
        for index, item in enumerate(value):
            if item_is_id and isinstance(item, str) and item in WINDOWS_DEVICES:
                self.fail(
                    (key, index), f"{_show(item)} in '{key}' is a name Windows reserves for a device", _DEVICE_HINT
                )
            elif item_is_id and not is_id(item):
                self.fail((key, index), f"{_show(item)} in '{key}' is not a valid id", ID_HINT)
            elif not item_is_id and not isinstance(item, str):
                self.fail((key, index), f"{_show(item)} in '{key}' should be text", "write it as text")
            elif not item_is_id and (problem := text_problem(key, item)):
                self.fail((key, index), *problem)
            else:
                items.append(item)
        return tuple(items)

    def mappings(self, key: str) -> list[tuple[Any, KeyPath]]:
        """A list of mappings (one mapping alone is taken as a list of one)."""
        value = self.data.get(key)
        if value is None:
            return []
        if isinstance(value, dict):
            return [(value, (*self.at, key))]
        if not isinstance(value, list):
            self.fail((key,), f"'{key}' should be a list, found {_kind(value)}", "start each entry with '- '")
            return []
        return [(item, (*self.at, key, index)) for index, item in enumerate(value)]

    def sub(self, data: Any, at: KeyPath) -> Fields:
        return Fields(data, self.lines, self.path, self.problems, at)


def _kind(value: object) -> str:
    if value is None:
        return "nothing"
    return {bool: "true/false", int: "a number", float: "a number", str: "text", list: "a list", dict: "a mapping"}.get(
        type(value), type(value).__name__
    )


def _show(value: object) -> str:
    """A value for a message, its invisible characters written as \\uXXXX: echoed raw, an escape
    sequence or a right-to-left override would act on the committee member's terminal."""
    text = repr(value) if not isinstance(value, str) else f"'{value}'"
    text = "".join(f"\\u{ord(ch):04x}" if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in text)
    return text if len(text) <= 60 else text[:57] + "...'"
