"""A content-addressed cache outside site/: results keyed by the hash of everything they depend on.

Used for work that is slow and pure, such as badge, preview and QR images, parsed earner
files (as plain data, see codec.py) and the search entries of pages: the same inputs always
give the same result, so a hit can be reused byte for byte.

A cache can miss, but it never runs code, never fails a build and never takes damage for a
result: values are bytes (parsed earner files as JSON, not pickles), each stored with a
checksum of its key and bytes; a damaged, truncated or foreign file or entry, a locked or
unwritable folder, all become misses, told in one warning line per build. The file holds
earners' records (emails included): it lives in the private folder, and its own folder is
made readable by its owner only.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
import os
import sqlite3
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from cairn import __version__
from cairn.model import Credential, District, Earner, Scheme
from cairn.recognition import rule_sentence, schemes_shown

if TYPE_CHECKING:
    from cairn.people import Profile, TopicExperts

log = logging.getLogger("mkdocs.plugins.cairn")

_DAMAGE = (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)
_CHECK_BYTES = 16


class ContentCache:
    """Results by key in one SQLite file (`cache.sqlite`) rather than a file each: creating a
    file costs 50-200 µs on the disks measured here, and a cold district build made 7,500.
    It is a cache: a damaged file is set aside and the work done again; a locked or unwritable
    one is left alone and this build does without it. With `enabled=False` every get misses,
    put does nothing and nothing is made on disk."""

    FILE = "cache.sqlite"
    FORMAT = 2  # PRAGMA user_version: entries written in another format are dropped, never read
    COMMIT_EVERY = 500
    GET_MANY = 500  # keys per query of get_many (SQLite takes at most 999 parameters before 3.32)
    TIMEOUT = 10.0  # seconds to wait for another build's write to finish

    def __init__(self, root: Path, enabled: bool = True) -> None:
        self.root = root
        self.enabled = enabled
        self.hits = self.misses = 0
        self._connection: sqlite3.Connection | None = None
        self._pid = 0
        self._pending = 0
        self._off = False  # could not be used: this build does without it
        self._set_aside_once = False  # a file damaged again after that is not set aside again
        self._warned = False

    @property
    def path(self) -> Path:
        return self.root / self.FILE

    @staticmethod
    def key(*parts: bytes | str) -> str:
        digest = hashlib.sha256(__version__.encode())
        for part in parts:
            data = part.encode("utf-8") if isinstance(part, str) else part
            digest.update(len(data).to_bytes(8, "big") + data)
        return digest.hexdigest()

    def get(self, key: str) -> bytes | None:
        value = self._read(key)
        if value is None:
            self.misses += 1
        else:
            self.hits += 1
        return value

    def get_many(self, keys: Iterable[str]) -> dict[str, bytes]:
        """The entries held of these keys, by key, fetched GET_MANY at a time: at district size
        one query per key took 0.4-2.3 s of a rebuild's 5,000 earner files."""
        wanted = list(dict.fromkeys(keys))
        found: dict[str, bytes] = {}
        for start in range(0, len(wanted), self.GET_MANY):
            found.update(self._read_many(wanted[start : start + self.GET_MANY]))
        self.hits += len(found)
        self.misses += len(wanted) - len(found)
        return found

    def put(self, key: str, value: bytes) -> None:
        db = self._db()
        if db is None:
            return
        try:
            db.execute("INSERT OR REPLACE INTO entry (key, value) VALUES (?, ?)", (key, _check(key, value) + value))
        except sqlite3.Error as error:
            self._failed(error)
            return
        self._pending += 1
        if self._pending >= self.COMMIT_EVERY:
            self._commit()

    def flush(self) -> None:
        """Make what was put durable for the next build; the file is closed (and its journal
        folded in) until the cache is used again."""
        if self._connection is None or self._pid != os.getpid():
            return
        if self._pending:
            self._commit()
        self._close()

    def damaged_entry(self) -> None:
        """An entry whose bytes a caller could not use (see codec.py): a miss, and told once."""
        self._warn("held damaged entries; they were ignored and the work is done again")

    def _read(self, key: str) -> bytes | None:
        db = self._db()
        if db is None:
            return None
        try:
            row = db.execute("SELECT value FROM entry WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error as error:
            self._failed(error)
            return None
        if row is None:
            return None
        stored = row[0]
        if not _sound(key, stored):
            self.damaged_entry()
            return None
        return stored[_CHECK_BYTES:]

    def _read_many(self, keys: list[str]) -> dict[str, bytes]:
        db = self._db() if keys else None
        if db is None:
            return {}
        marks = ",".join("?" * len(keys))
        try:
            rows = db.execute(f"SELECT key, value FROM entry WHERE key IN ({marks})", keys).fetchall()
        except sqlite3.Error as error:
            self._failed(error)
            return {}
        found = {}
        for key, stored in rows:
            if not isinstance(key, str) or not _sound(key, stored):
                self.damaged_entry()
                continue
            found[key] = stored[_CHECK_BYTES:]
        return found

    def _db(self) -> sqlite3.Connection | None:
        if not self.enabled or self._off:
            return None
        # One connection per process: a forked worker must not use its parent's.
        if self._connection is not None and self._pid == os.getpid():
            return self._connection
        self._pid, self._pending, self._connection = os.getpid(), 0, None
        try:
            self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
            connection = sqlite3.connect(self.path, timeout=self.TIMEOUT)
        except (OSError, sqlite3.Error) as error:
            self._failed(error)
            return self._db()  # afresh after a file set aside; else None, the cache is off
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=OFF")  # a lost entry is only work done again
            if connection.execute("PRAGMA user_version").fetchone()[0] != self.FORMAT:
                connection.execute("DROP TABLE IF EXISTS entry")
                connection.execute(f"PRAGMA user_version = {self.FORMAT:d}")
            connection.execute("CREATE TABLE IF NOT EXISTS entry (key TEXT PRIMARY KEY, value BLOB) WITHOUT ROWID")
        except sqlite3.Error as error:
            connection.close()
            self._failed(error)
            return self._db()
        self._connection = connection
        return connection

    def _commit(self) -> None:
        self._pending = 0
        if self._connection is not None and self._pid == os.getpid():
            try:
                self._connection.commit()
            except sqlite3.Error as error:
                self._failed(error)

    def _close(self) -> None:
        connection, self._connection, self._pending = self._connection, None, 0
        if connection is not None and self._pid == os.getpid():
            try:
                connection.close()
            except sqlite3.Error:
                pass

    def _failed(self, error: OSError | sqlite3.Error) -> None:
        """After a failed use: a damaged file is set aside (once) so that the next use starts
        afresh; anything else (locked, unwritable, full) turns the cache off for this build."""
        self._close()
        code = getattr(error, "sqlite_errorcode", None)
        if code is not None and code & 0xFF in _DAMAGE and not self._set_aside_once:
            self._set_aside_once = True
            if self._set_aside():
                self._warn("was damaged; it was set aside and the work is done again")
                return
        self._off = True
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        self._warn(f"cannot be used ({reason}); this build does its work again without it")

    def _set_aside(self) -> bool:
        """Keep the damaged file beside, as cache.sqlite.damaged (only the last one), for a look."""
        try:
            os.replace(self.path, self.path.with_name(self.FILE + ".damaged"))
            for suffix in ("-wal", "-shm", "-journal"):
                self.path.with_name(self.FILE + suffix).unlink(missing_ok=True)
        except OSError:
            return False
        return True

    def _warn(self, what: str) -> None:
        if not self._warned:
            self._warned = True
            log.warning(f"cairn: the build cache at {self.path} {what}")


def _recognition(district: District, credential: Credential, public: list[Scheme]) -> tuple[object, ...]:
    """What a credential's public files say of recognition: its amounts in the public schemes,
    and how it is earned if it is a milestone (the words its badge files use, which name the
    scheme or the stack they come from)."""
    amounts = [(s.id, a) for s, a in district.amounts.get(credential.id, ()) if s in public]
    return (amounts, rule_sentence(district, credential.id))


def _sound(key: str, stored: object) -> bool:
    """Whether a stored entry is bytes whose checksum is that of its key and value."""
    return isinstance(stored, bytes) and stored[:_CHECK_BYTES] == _check(key, stored[_CHECK_BYTES:])


def _check(key: str, value: bytes) -> bytes:
    """What an entry is stored with: a checksum of its key and bytes, so that damaged bytes, or
    an entry copied under another key, are a miss rather than a wrong result."""
    encoded = key.encode("utf-8", "surrogatepass")
    digest = hashlib.blake2b(len(encoded).to_bytes(8, "big") + encoded, digest_size=_CHECK_BYTES)
    digest.update(value)
    return digest.digest()


class CatalogDigests:
    """Digests of the parts of the catalog an earner's files and profile are made from, so a
    changed credential remakes the files of the earners who hold it, not of everyone.

    What credentials count for (catalog/_recognition.yml) is part of them, as far as public files
    show it: each credential's digest holds its amounts in the schemes the catalog shows (money
    aside: no badge file or profile shows it) and its milestone rule as its badge files word it;
    `shared` holds those schemes' names and units; a profile's digest also holds what every
    profile may show, the thresholds and milestones of the schemes profiles show. So a new pay
    table re-signs nothing, and doubling CEUs per hour remakes the files and profiles of the
    earners holding credentials worth CEUs."""

    def __init__(self, district: District, badges: dict[str, bytes]) -> None:
        self.district = district
        public = [s for s in schemes_shown(district, "catalog") if s.kind != "money"]
        named = [(s.id, s.label, s.kind, s.unit, s.show) for s in public]
        self.shared = ContentCache.key("catalog", repr(district.topics), repr(district.schools), repr(named))
        self.credentials = {
            cid: ContentCache.key(
                repr(c), hashlib.sha256(badges.get(cid, b"")).digest(), repr(_recognition(district, c, public))
            )
            for cid, c in district.credentials.items()
        }
        # A stack's progress names its completion credential ("3 of 5 credentials toward ...").
        self.stacks = {
            sid: ContentCache.key(
                repr(stack),
                *(self.credentials[c.id] for c in district.stack_credentials(sid)),
                self.credentials.get(stack.completion.credential, "") if stack.completion else "",
            )
            for sid, stack in district.stacks.items()
        }
        # Every profile shows the totals and next milestone of each scheme profiles show, and
        # whether there is anything to show at all (any scheme on profiles, any milestone).
        on_profiles = schemes_shown(district, "profile")
        self.recognition = ContentCache.key(
            "recognition",
            repr([(s.id, s.label, s.kind, s.unit, s.show, s.milestones) for s in on_profiles]),
            repr(sorted(district.milestone_rules)),
            *(self.credentials[m.credential] for s in on_profiles for m in s.milestones),
        )

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
            stacks = sorted({self.district.credentials[c].stack for c in held} & self.stacks.keys())  # milestones: none
            return ContentCache.key(self.for_awards(earner), self.recognition, *(self.stacks[s] for s in stacks))

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

    def seed_experts(self, by_topic: Iterable[TopicExperts]) -> None:
        """An expert on a topic is made from their profile and the topic alone (people.experts_by_topic:
        the badges it counts, the stacks they completed are the profile's, its key covers every
        stack they are on): fingerprinted by those (25,000 at district size, on the experts,
        topic and school pages; walked field by field they took 0.7 s of a rebuild)."""
        for entry in by_topic:
            for _, group in entry.by_school:
                for expert in group:
                    profile = self._memo.get(id(expert.profile))
                    if profile is not None:
                        self._memo[id(expert)] = (expert, f"expert:{profile[1]}:{entry.topic.id}")

    def of(self, value: object) -> str:
        if value is None or isinstance(value, (str, int, float, Decimal, dt.date, Path)):
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
