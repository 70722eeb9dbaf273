"""A content-addressed cache outside site/: results keyed by the hash of everything they depend on.

Used for work that is slow and pure, such as signatures: the same inputs always give
the same result, so a hit can be reused byte for byte.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
import shutil
import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from cairn import __version__
from cairn.model import District, Earner

if TYPE_CHECKING:
    from cairn.people import Profile


class ContentCache:
    """Results by key in one SQLite file (`cache.sqlite`) rather than a file each: creating a
    file costs 50-200 µs on the disks measured here, and a cold district build made 7,500.
    It is a cache: a damaged or locked database is set aside and the work done again."""

    FILE = "cache.sqlite"
    COMMIT_EVERY = 500

    def __init__(self, root: Path) -> None:
        self.root = root
        self.hits = self.misses = 0
        self._connection: sqlite3.Connection | None = None
        self._pid = 0
        self._pending = 0

    @staticmethod
    def key(*parts: bytes | str) -> str:
        digest = hashlib.sha256(__version__.encode())
        for part in parts:
            data = part.encode("utf-8") if isinstance(part, str) else part
            digest.update(len(data).to_bytes(8, "big") + data)
        return digest.hexdigest()

    def _db(self) -> sqlite3.Connection | None:
        # One connection per process: a forked worker must not use its parent's.
        if self._connection is not None and self._pid == os.getpid():
            return self._connection
        self._pid, self._pending = os.getpid(), 0
        self.root.mkdir(parents=True, exist_ok=True)
        _remove_file_per_entry_cache(self.root)
        path = self.root / self.FILE
        for attempt in range(2):
            try:
                connection = sqlite3.connect(path, timeout=10)
                connection.execute("PRAGMA journal_mode=WAL")
                connection.execute("PRAGMA synchronous=OFF")  # a lost entry is only work done again
                connection.execute("CREATE TABLE IF NOT EXISTS entry (key TEXT PRIMARY KEY, value BLOB) WITHOUT ROWID")
                self._connection = connection
                return connection
            except sqlite3.DatabaseError:
                if attempt == 0:  # not a database, or damaged: start afresh
                    for stale in self.root.glob(self.FILE + "*"):
                        stale.unlink(missing_ok=True)
        self._connection = None
        return None

    def get(self, key: str) -> bytes | None:
        db = self._db()
        row = None
        if db is not None:
            try:
                row = db.execute("SELECT value FROM entry WHERE key = ?", (key,)).fetchone()
            except sqlite3.DatabaseError:
                row = None
        if row is None:
            self.misses += 1
            return None
        self.hits += 1
        return bytes(row[0])

    def put(self, key: str, value: bytes) -> None:
        db = self._db()
        if db is None:
            return
        try:
            db.execute("INSERT OR REPLACE INTO entry (key, value) VALUES (?, ?)", (key, value))
        except sqlite3.DatabaseError:
            return
        self._pending += 1
        if self._pending >= self.COMMIT_EVERY:
            self.flush()

    def flush(self) -> None:
        """Make what was put durable for the next build."""
        if self._connection is not None and self._pid == os.getpid() and self._pending:
            try:
                self._connection.commit()
            except sqlite3.DatabaseError:
                pass
            self._pending = 0


def _remove_file_per_entry_cache(root: Path) -> None:
    # Builds before the SQLite cache kept one file per entry in folders 00..ff: remove them once.
    for folder in root.iterdir():
        if folder.is_dir() and len(folder.name) == 2 and all(c in "0123456789abcdef" for c in folder.name):
            shutil.rmtree(folder, ignore_errors=True)


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

        # Asked for several times per earner (award files, profile page, page fingerprints).
        self._memo: dict[tuple[str, int], tuple[Earner, str]] = {}

    def _remembered(self, kind: str, earner: Earner, make: Callable[[], str]) -> str:
        found = self._memo.get((kind, id(earner)))
        if found is None:
            found = self._memo[(kind, id(earner))] = (earner, make())  # the reference keeps the id
        return found[1]

    def for_awards(self, earner: Earner) -> str:
        """What an earner's badge files show: the credentials held, their badges, topic labels."""

        def make() -> str:
            held = sorted({a.credential for a in earner.awards})
            return ContentCache.key(self.shared, *(self.credentials[c] for c in held))

        return self._remembered("awards", earner, make)

    def for_profile(self, earner: Earner) -> str:
        """What a profile shows besides the earner: also the whole of every stack they are on
        (its progress counts), and the schools."""

        def make() -> str:
            held = sorted({a.credential for a in earner.awards})
            stacks = sorted({self.district.credentials[c].stack for c in held})
            return ContentCache.key(self.for_awards(earner), *(self.stacks[s] for s in stacks))

        return self._remembered("profile", earner, make)


class Fingerprints:
    """Digests of what pages show (dataclasses, dicts, lists, plain values), remembered per
    object for one build: the pages share their objects (a credential appears on many), so
    each is digested once. Pickling every page's data instead took 7 s at district size."""

    def __init__(self) -> None:
        self._memo: dict[int, tuple[object, str]] = {}

    def seed(self, earners: Iterable[Earner]) -> None:
        """Earners carry the digest of what they were made from (load.py): each earner, and each
        of its awards, is fingerprinted by it instead of field by field (a district has 50,000
        awards, and credential pages show their holders)."""
        for earner in earners:
            if earner.digest:
                self._memo[id(earner)] = (earner, "earner:" + earner.digest)
                for index, award in enumerate(earner.awards):
                    self._memo[id(award)] = (award, f"award:{earner.digest}:{index}")

    def seed_profiles(self, profiles: Iterable[Profile], catalog: CatalogDigests, today: dt.date) -> None:
        """A profile is made from its earner, the parts of the catalog it shows and the day
        (people.profiles): fingerprinted by those, not by walking its badges."""
        for profile in profiles:
            earner = profile.earner
            if earner.digest:
                key = ContentCache.key("profile", earner.digest, catalog.for_profile(earner), today.isoformat())
                self._memo[id(profile)] = (profile, "profile:" + key)

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
