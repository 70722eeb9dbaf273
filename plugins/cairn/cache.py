"""A content-addressed cache outside site/: results keyed by the hash of everything they depend on.

Used for work that is slow and pure, such as signatures: the same inputs always give
the same result, so a hit can be reused byte for byte.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
from pathlib import Path

from . import __version__
from .model import District, Earner


class ContentCache:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.hits = self.misses = 0

    @staticmethod
    def key(*parts: bytes | str) -> str:
        digest = hashlib.sha256(__version__.encode())
        for part in parts:
            data = part.encode("utf-8") if isinstance(part, str) else part
            digest.update(len(data).to_bytes(8, "big") + data)
        return digest.hexdigest()

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / key[2:]

    def get(self, key: str) -> bytes | None:
        try:
            value = self._path(key).read_bytes()
        except OSError:
            self.misses += 1
            return None
        self.hits += 1
        return value

    def put(self, key: str, value: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}")
        temporary.write_bytes(value)
        os.replace(temporary, path)


class CatalogDigests:
    """Digests of the parts of the catalog an earner's files and profile are made from, so a
    changed credential remakes the files of the earners who hold it, not of everyone."""

    def __init__(self, district: District, badges: dict[str, bytes]) -> None:
        self.district = district
        self.shared = ContentCache.key("catalog", repr(district.topics), repr(district.schools))
        self.credentials = {
            cid: ContentCache.key(repr(c), hashlib.sha256(badges.get(cid, b"")).digest())
            for cid, c in district.credentials.items()
        }
        self.stacks = {
            sid: ContentCache.key(repr(stack), *(self.credentials[c.id] for c in district.stack_credentials(sid)))
            for sid, stack in district.stacks.items()
        }

    def for_awards(self, earner: Earner) -> str:
        """What an earner's badge files show: the credentials held, their badges, topic labels."""
        held = sorted({a.credential for a in earner.awards})
        return ContentCache.key(self.shared, *(self.credentials[c] for c in held))

    def for_profile(self, earner: Earner) -> str:
        """What a profile shows besides the earner: also the whole of every stack they are on
        (its progress counts), and the schools."""
        held = sorted({a.credential for a in earner.awards})
        stacks = sorted({self.district.credentials[c].stack for c in held})
        return ContentCache.key(self.for_awards(earner), *(self.stacks[s] for s in stacks))


class Fingerprints:
    """Digests of what pages show (dataclasses, dicts, lists, plain values), remembered per
    object for one build: the pages share their objects (a credential appears on many), so
    each is digested once. Pickling every page's data instead took 7 s at district size."""

    def __init__(self) -> None:
        self._memo: dict[int, tuple[object, str]] = {}

    def of(self, value: object) -> str:
        if value is None or isinstance(value, (str, int, float, dt.date, Path)):
            return f"{type(value).__name__}:{value!r}"
        if isinstance(value, bytes):
            return "bytes:" + hashlib.blake2b(value, digest_size=16).hexdigest()
        remembered = self._memo.get(id(value))
        if remembered is not None:
            return remembered[1]
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            # Field by field, not repr(value): repr would spell out every nested object (each
            # profile's credentials) again on every page instead of once per build.
            parts = [self.of(getattr(value, f.name)) for f in dataclasses.fields(value)]
        elif isinstance(value, dict):
            parts = [self.of(k) + "=" + self.of(v) for k, v in value.items()]
        elif isinstance(value, (list, tuple)):
            parts = [self.of(item) for item in value]
        elif isinstance(value, (set, frozenset)):
            parts = sorted(self.of(item) for item in value)
        else:
            raise TypeError(f"cannot fingerprint {type(value).__name__}")
        text = "\x00".join([type(value).__qualname__, *parts])
        result = "#" + hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
        self._memo[id(value)] = (value, result)  # the reference keeps the id from being reused
        return result
