"""Whether a build would change nothing: the same inputs as the last finished build, and its
folders as it left them. Then the build stops before reading a single source (issue 19: a
district's rebuild with nothing changed took 9.8 s, most of it reading 5,000 earner files
to find them unchanged).

The inputs are named by what the file system says of them (size, modification and change
time, inode) rather than by their bytes: a stat of 5,600 files costs tens of milliseconds,
reading them seconds. Writing a file changes its change time, which no tool sets back (a
copy that keeps the modification time still gets a new change time). Everything else a
build reads is in the stamp too: the settings (with the build's day, so expiry is judged
again each day), mkdocs.yml, the signing key, Cairn's own code and the generator's version.
The stamp is written only after a build published, and is not trusted while a publishing
journal is open (pipeline/publish.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from cairn.issue.keys import ALLOW_DEVELOPMENT_VARIABLE, ENVIRONMENT_VARIABLE
from cairn.settings import Settings

STAMP_FILE = "unchanged.json"
STAMP_VERSION = 1
# A file changed within the same clock tick as the stamp's look at it would seem unchanged
# next time: a build whose inputs changed this shortly before it started leaves no stamp.
SETTLE_SECONDS = 2.0
CODE = Path(__file__).resolve().parent.parent  # the cairn package: a new Cairn builds again


@dataclass(frozen=True)
class Stamp:
    digest: str  # of everything the build reads
    newest: float  # the latest change among its files, in seconds since 1970
    taken: float  # when it was looked at

    @property
    def settled(self) -> bool:
        """No input changed within SETTLE_SECONDS before the stamp was taken."""
        return self.newest < self.taken - SETTLE_SECONDS


def input_stamp(settings: Settings) -> Stamp:
    """The stamp of the inputs a build with these settings reads, as they are now."""
    hashed = hashlib.blake2b(digest_size=20)
    newest, taken = 0, time.time()

    def add(*parts: str | bytes) -> None:
        for part in parts:
            data = part.encode("utf-8", "surrogateescape") if isinstance(part, str) else part
            hashed.update(len(data).to_bytes(8, "big") + data)

    # The key itself is never stored: it is one of many parts of a one-way digest.
    add(str(STAMP_VERSION), sys.version, repr(settings), settings.issuer.image_png or b"")
    add(os.environ.get(ENVIRONMENT_VARIABLE, ""), os.environ.get(ALLOW_DEVELOPMENT_VARIABLE, ""))
    folders = [settings.catalog_dir, settings.earners_dir, settings.content_dir, CODE]
    for folder in [*folders, *filter(None, [settings.theme_dir])]:
        add("folder", str(folder))
        for relative, facts, changed in _tree(folder):
            add(relative, facts)
            newest = max(newest, changed)
    for single in (settings.config_file, settings.signing_key):
        facts, changed = _facts(single)
        add("file", str(single), facts)
        newest = max(newest, changed)
    return Stamp(hashed.hexdigest(), newest / 1e9, taken)


def _facts(path: Path) -> tuple[str, int]:
    try:
        s = os.stat(path)
    except OSError:
        return "absent", 0
    return f"{s.st_size} {s.st_mtime_ns} {s.st_ctime_ns} {s.st_ino}", max(s.st_mtime_ns, s.st_ctime_ns)


def _tree(folder: Path) -> list[tuple[str, str, int]]:
    """Every file and folder under `folder` with its facts, sorted (a link as a link)."""
    found = []
    pending = [("", str(folder))]
    while pending:
        prefix, path = pending.pop()
        try:
            entries = list(os.scandir(path))
        except OSError as error:
            found.append((prefix, f"unreadable {error.errno}", 0))
            continue
        for entry in entries:
            if entry.name == "__pycache__":
                continue
            relative = prefix + entry.name
            try:
                s = entry.stat(follow_symlinks=False)
            except OSError as error:
                found.append((relative, f"unreadable {error.errno}", 0))
                continue
            facts = f"{s.st_mode} {s.st_size} {s.st_mtime_ns} {s.st_ctime_ns} {s.st_ino}"
            found.append((relative, facts, max(s.st_mtime_ns, s.st_ctime_ns)))
            if entry.is_dir(follow_symlinks=False):
                pending.append((relative + "/", entry.path))
    return sorted(found)


def read_stamp(cache_dir: Path) -> tuple[str, list[str]] | None:
    """The last finished build's stamp digest and the warnings it gave, if any is recorded."""
    try:
        data = json.loads((cache_dir / STAMP_FILE).read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("version") != STAMP_VERSION:
        return None
    digest, warnings = data.get("digest"), data.get("warnings")
    if not isinstance(digest, str) or not isinstance(warnings, list) or not all(isinstance(w, str) for w in warnings):
        return None
    return digest, warnings


def write_stamp(cache_dir: Path, stamp: Stamp, warnings: list[str]) -> None:
    """After publishing: what the next build compares its inputs with. A stamp of inputs
    that changed too recently to be told apart is not written (the next build does the work)."""
    path = cache_dir / STAMP_FILE
    if not stamp.settled:
        path.unlink(missing_ok=True)
        return
    temporary = path.with_name(path.name + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(json.dumps({"version": STAMP_VERSION, "digest": stamp.digest, "warnings": warnings}).encode())
    os.replace(temporary, path)


def forget_stamp(cache_dir: Path) -> None:
    (cache_dir / STAMP_FILE).unlink(missing_ok=True)
