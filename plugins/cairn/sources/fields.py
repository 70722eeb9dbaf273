"""Typed reading of one YAML mapping, recording a Problem for every bad field."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from pathlib import Path
from typing import Any

from cairn.sources.problems import Problems
from cairn.sources.source import KeyPath, Lines

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ID_HINT = "use lower-case letters, digits and single hyphens only, e.g. 'wait-time'"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def is_id(value: object) -> bool:
    return isinstance(value, str) and len(value) <= 64 and bool(ID_PATTERN.match(value))


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
        elif _CONTROL.search(value):
            self.fail((key,), f"'{key}' holds a control character", "retype the text")
        return value

    def identifier(self, key: str, default: str | None = None, required: bool = True) -> str | None:
        if key not in self.data and default is not None:
            return default
        value = self.data.get(key)
        if value is None:
            if required:
                self.fail((), f"'{key}' is missing", f"add a line '{key}: ...'")
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
            if item_is_id and not is_id(item):
                self.fail((key, index), f"{_show(item)} in '{key}' is not a valid id", ID_HINT)
            elif not item_is_id and not isinstance(item, str):
                self.fail((key, index), f"{_show(item)} in '{key}' should be text", "write it as text")
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
    text = repr(value) if not isinstance(value, str) else f"'{value}'"
    return text if len(text) <= 60 else text[:57] + "...'"
