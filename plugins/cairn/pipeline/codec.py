"""What one earner file gave (its Earner, or None, and its problems) as plain JSON for the cache.

A cache entry is data, never code (no pickle): whoever can write build/.cache can at most
make a build miss. Decoding checks the shape of the whole and the type of every field of
exactly the model types involved (Earner, Award, Evidence, Revocation, Problem, dates,
paths, tuples); anything else (truncated, damaged, another format, an entry stored under
another key) gives None, a miss, and the file is parsed again. Never an exception.

The earners folder's index (which file was last read with which look, and the key of its
result) is kept the same way: a damaged one is a miss, and every file is read again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

from cairn.model import Award, Earner, Evidence, Revocation
from cairn.sources.problems import Problem

FORMAT = 1

EarnerFile = tuple[Earner | None, list[Problem]]


class _Invalid(Exception):
    pass


def encode_earner_file(earner: Earner | None, problems: list[Problem], key: str) -> bytes:
    """The entry stored under `key`; the earner's digest is the key (load.py), so it is not stored."""
    document = {
        "format": FORMAT,
        "key": key,
        "earner": None if earner is None else _earner_data(earner),
        "problems": [_problem_data(p) for p in problems],
    }
    # ASCII only: a lone surrogate a YAML escape made survives as \udxxx, and the bytes are UTF-8.
    return json.dumps(document, separators=(",", ":")).encode("ascii")


def decode_earner_file(data: bytes, key: str, source: Path | None = None) -> EarnerFile | None:
    """The entry read back, exactly as encoded, or None when it is anything else. `source`, the
    file's path, is used for the paths in the entry that are its text (a parse shares one too)."""
    try:
        document = json.loads(data.decode("utf-8"), parse_constant=_refuse)
        _fields(document, _FILE_FIELDS)
        if type(document["format"]) is not int or document["format"] != FORMAT or document["key"] != key:
            raise _Invalid
        paths = _Paths(source)
        earner = None if document["earner"] is None else _earner(document["earner"], key, paths)
        return earner, _list(document["problems"], _problem)
    except (_Invalid, ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        return None


def encode_index(facts: str, files: dict[str, tuple[str, str]]) -> bytes:
    """The earners folder's index (sources/load.py): by file, its look and the key of its result."""
    document = {"format": FORMAT, "facts": facts, "files": {path: list(entry) for path, entry in files.items()}}
    return json.dumps(document, separators=(",", ":")).encode("ascii")


def decode_index(data: bytes, facts: str) -> dict[str, tuple[str, str]] | None:
    """The index read back, or None when it is anything else; empty when it was made against
    other catalog facts (its files' results are then not the ones wanted)."""
    try:
        document = json.loads(data.decode("utf-8"), parse_constant=_refuse)
        _fields(document, _INDEX_FIELDS)
        files = document["files"]
        if type(document["format"]) is not int or document["format"] != FORMAT or type(files) is not dict:
            raise _Invalid
        _text(document["facts"])
        index = {}
        for path, entry in files.items():
            if type(entry) is not list or len(entry) != 2 or type(entry[0]) is not str or not _is_key(entry[1]):
                raise _Invalid
            index[path] = (entry[0], entry[1])
        return index if document["facts"] == facts else {}
    except (_Invalid, ValueError, RecursionError):
        return None


def _is_key(value: Any) -> bool:
    return type(value) is str and _KEY.fullmatch(value) is not None


def _refuse(constant: str) -> Any:
    raise _Invalid(constant)  # NaN, Infinity: never written


def _names(cls: type, *left_out: str) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls) if f.name not in left_out)


# Every field of each type, in the order encode writes them: an entry must hold exactly these
# (a field added to the model and not to this codec makes every entry a miss, never a wrong
# earner).
_FILE_FIELDS = ("format", "key", "earner", "problems")
_INDEX_FIELDS = ("format", "facts", "files")
_KEY = re.compile(r"[0-9a-f]{64}")  # ContentCache.key's
_EARNER_FIELDS = _names(Earner, "digest")
_AWARD_FIELDS = _names(Award)
_EVIDENCE_FIELDS = _names(Evidence)
_REVOCATION_FIELDS = _names(Revocation)
_PROBLEM_FIELDS = _names(Problem)


def _earner_data(earner: Earner) -> dict[str, Any]:
    return {
        "name": earner.name,
        "email": earner.email,
        "public": earner.public,
        "school": earner.school,
        "role": earner.role,
        "bio": earner.bio,
        "awards": [_award_data(a) for a in earner.awards],
        "source": str(earner.source),
        "slug": earner.slug,
        "aliases": list(earner.aliases),
    }


def _award_data(award: Award) -> dict[str, Any]:
    revoked = award.revoked
    return {
        "credential": award.credential,
        "issued": award.issued.isoformat(),
        "source": str(award.source),
        "line": award.line,
        "evidence": [{"url": e.url, "narrative": e.narrative} for e in award.evidence],
        "expires": None if award.expires is None else award.expires.isoformat(),
        "revoked": None if revoked is None else {"date": revoked.date.isoformat(), "reason": revoked.reason},
        "id": award.id,
        "salt": award.salt,
        "public": award.public,
        "status_index": award.status_index,
    }


def _problem_data(problem: Problem) -> dict[str, Any]:
    return {
        "path": problem.path,
        "line": problem.line,
        "message": problem.message,
        "hint": problem.hint,
        "warning": problem.warning,
    }


def _earner(value: Any, key: str, paths: _Paths) -> Earner:
    _fields(value, _EARNER_FIELDS)
    return Earner(
        name=_text(value["name"]),
        email=_text(value["email"]),
        public=_flag(value["public"]),
        school=_optional(value["school"], _text),
        role=_text(value["role"]),
        bio=_text(value["bio"]),
        awards=tuple(_award(award, paths) for award in _list(value["awards"], _any)),
        source=paths.of(value["source"]),
        slug=_optional(value["slug"], _text),
        aliases=tuple(_list(value["aliases"], _text)),
        digest=key,
    )


def _award(value: Any, paths: _Paths) -> Award:
    _fields(value, _AWARD_FIELDS)
    return Award(
        credential=_text(value["credential"]),
        issued=_date(value["issued"]),
        source=paths.of(value["source"]),
        line=_whole(value["line"]),
        evidence=tuple(_list(value["evidence"], _evidence)),
        expires=_optional(value["expires"], _date),
        revoked=_optional(value["revoked"], _revocation),
        id=_optional(value["id"], _text),
        salt=_optional(value["salt"], _text),
        public=_flag(value["public"]),
        status_index=_optional(value["status_index"], _whole),
    )


def _evidence(value: Any) -> Evidence:
    _fields(value, _EVIDENCE_FIELDS)
    return Evidence(url=_optional(value["url"], _text), narrative=_optional(value["narrative"], _text))


def _revocation(value: Any) -> Revocation:
    _fields(value, _REVOCATION_FIELDS)
    return Revocation(date=_date(value["date"]), reason=_text(value["reason"]))


def _problem(value: Any) -> Problem:
    _fields(value, _PROBLEM_FIELDS)
    return Problem(
        path=_text(value["path"]),
        line=_whole(value["line"]),
        message=_text(value["message"]),
        hint=_text(value["hint"]),
        warning=_flag(value["warning"]),
    )


def _fields(value: Any, names: tuple[str, ...]) -> None:
    if type(value) is not dict or tuple(value) != names:
        raise _Invalid


def _list(value: Any, item: Any) -> list[Any]:
    if type(value) is not list:
        raise _Invalid
    return [item(v) for v in value]


def _any(value: Any) -> Any:
    return value


def _optional(value: Any, kind: Any) -> Any:
    return None if value is None else kind(value)


def _text(value: Any) -> str:
    if type(value) is not str:
        raise _Invalid
    return value


def _flag(value: Any) -> bool:
    if type(value) is not bool:
        raise _Invalid
    return value


def _whole(value: Any) -> int:
    if type(value) is not int:  # not bool
        raise _Invalid
    return value


def _date(value: Any) -> dt.date:
    date = dt.date.fromisoformat(_text(value))  # ValueError when it is no date
    if date.isoformat() != value:  # only the form encode writes (fromisoformat takes others)
        raise _Invalid
    return date


class _Paths:
    """Path objects by their text, made once per entry (an earner's awards all name its file)."""

    def __init__(self, source: Path | None) -> None:
        self.made: dict[str, Path] = {} if source is None else {str(source): source}

    def of(self, value: Any) -> Path:
        path = self.made.get(_text(value))
        if path is None:
            if not value:
                raise _Invalid
            path = self.made[value] = Path(value)
        return path
