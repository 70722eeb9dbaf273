"""Writing a build's files into a folder, touching only what changed since the last build.

A district site has 130,000 files and a build changes a handful: deleting the old site
and writing every file again took 40 of a rebuild's 75 seconds. A manifest kept beside
the cache (never in the published folder) records what the last build wrote; a file is
rewritten only when its bytes differ or it is no longer on disk as written, and files the
last build wrote that this one does not are deleted.

Groups skip even making the files: the files of one earner's awards are named together
with a key of everything they were made from (the earner's record, the catalog, the
settings); when the key is the one the manifest holds and the files are still there,
they are kept without being made again.

Every file is written to a temporary name and renamed into place, so a reader never sees
half a file. The manifest is saved last: after an interrupted build, files whose state
it does not describe are simply written again.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

MANIFEST_VERSION = 2


def digest(content: bytes) -> str:
    return hashlib.blake2b(content, digest_size=16).hexdigest()


@dataclass
class WriteStats:
    written: int = 0
    kept: int = 0
    deleted: int = 0
    bytes_written: int = 0


class OutputFolder:
    """Files of one build under `root`. `clean` folders (the site) are emptied when there is no
    usable manifest, as MkDocs does; others (the private folder, which also holds the cache)
    are never swept: only files this class wrote are ever deleted there."""

    def __init__(self, root: Path, manifest: Path | None, clean: bool = True) -> None:
        self.root = root
        self.manifest = manifest
        self.stats = WriteStats()
        self._files: dict[str, list[int | str]] = {}  # path -> [digest, size, mtime_ns]
        self._groups: dict[str, list[str | list[str]]] = {}  # group -> [key, paths]
        self._group_paths: set[str] = set()
        self._made: set[Path] = set()
        old = self._read_manifest()
        if old is None:
            self._old_files: dict[str, list[int | str]] = {}
            self._old_groups: dict[str, list[str | list[str]]] = {}
            if clean and root.is_dir():
                _empty(root)
        else:
            self._old_files, self._old_groups = old
        root.mkdir(parents=True, exist_ok=True)

    def _read_manifest(self) -> tuple[dict, dict] | None:
        if self.manifest is None or not self.root.is_dir():
            return None
        try:
            data = json.loads(self.manifest.read_bytes())
        except (OSError, ValueError):
            return None
        # A manifest describes one folder: if the folder was deleted and made again, it lies.
        if data.get("version") != MANIFEST_VERSION or data.get("root") != _identity(self.root):
            return None
        return data["files"], data["groups"]

    # -- single files ------------------------------------------------------------------------

    def write(self, relative: str, content: bytes) -> None:
        """Write `content` at `relative` unless the folder already holds exactly it."""
        target = self.root / relative
        hashed = digest(content)
        old = self._old_files.get(relative)
        if old is not None and old[0] == hashed and _stat(target) == (old[1], old[2]):
            self._files[relative] = old
            self.stats.kept += 1
            return
        if target.parent not in self._made:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._made.add(target.parent)
        temporary = target.with_name(f".{target.name}.tmp")
        temporary.write_bytes(content)
        os.replace(temporary, target)
        size, mtime = _stat(target) or (len(content), 0)
        self._files[relative] = [hashed, size, mtime]
        self.stats.written += 1
        self.stats.bytes_written += len(content)

    def write_all(self, files: Iterable[tuple[str, bytes]]) -> None:
        for relative, content in files:
            self.write(relative, content)

    def copy_tree(self, source: Path) -> None:
        """Every file under `source` (MkDocs' own output), written here by the same rule."""
        for folder, _, names in os.walk(source):
            for name in names:
                path = Path(folder) / name
                self.write(path.relative_to(source).as_posix(), path.read_bytes())

    # -- groups ------------------------------------------------------------------------------

    def keep_group(self, group: str, key: str) -> bool:
        """True, and the group's files kept, when the last build wrote them under `key` and each
        is still on disk (its first file is looked at); otherwise the caller makes them and calls write_group."""
        old = self._old_groups.get(group)
        if old is None or old[0] != key:
            return False
        paths = old[1]
        assert isinstance(paths, list)
        # One look per group, not per file: a stat of each of 230,000 files costs seconds.
        if paths and not os.path.exists(self.root / paths[0]):
            return False
        self._groups[group] = old
        self._group_paths.update(paths)
        self.stats.kept += len(paths)
        return True

    def write_group(self, group: str, key: str, files: list[tuple[str, bytes]]) -> None:
        """Write a group's files; they are recorded under the group, not one by one."""
        count, size = self.write_group_files(group, files)
        self.record_group(group, key, [relative for relative, _ in files], count, size)

    def write_group_files(self, group: str, files: list[tuple[str, bytes]]) -> tuple[int, int]:
        """Only the writing of write_group (safe in a forked worker); the parent then calls
        record_group. Returns (files, bytes) written."""
        replacing = group in self._old_groups
        size = 0
        for relative, content in files:
            target = self.root / relative
            if target.parent not in self._made:
                target.parent.mkdir(parents=True, exist_ok=True)
                self._made.add(target.parent)
            if replacing:
                temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
                temporary.write_bytes(content)
                os.replace(temporary, target)
            else:
                # A group no earlier build wrote: nobody reads its files yet, and writing in
                # place costs half the time of writing and renaming.
                target.write_bytes(content)
            size += len(content)
        return len(files), size

    def record_group(self, group: str, key: str, paths: list[str], count: int, size: int) -> None:
        self._groups[group] = [key, paths]
        self._group_paths.update(paths)
        self.stats.written += count
        self.stats.bytes_written += size

    # -- the end -----------------------------------------------------------------------------

    def finish(self) -> WriteStats:
        """Delete what the last build wrote and this one did not, then save the manifest."""
        current = self._files.keys() | self._group_paths
        old_paths = set(self._old_files)
        for _, paths in self._old_groups.values():
            old_paths.update(paths)  # type: ignore[arg-type]
        for relative in sorted(old_paths - current):
            try:
                (self.root / relative).unlink()
                self.stats.deleted += 1
            except FileNotFoundError:
                continue
            _remove_empty_parents(self.root, (self.root / relative).parent)
        if self.manifest is not None:
            self.manifest.parent.mkdir(parents=True, exist_ok=True)
            data = {
                "version": MANIFEST_VERSION,
                "root": _identity(self.root),
                "files": self._files,
                "groups": self._groups,
            }
            temporary = self.manifest.with_name(self.manifest.name + ".tmp")
            temporary.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
            os.replace(temporary, self.manifest)
        return self.stats


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        result = os.stat(path)
    except OSError:
        return None
    return result.st_size, result.st_mtime_ns


def _identity(folder: Path) -> list[int]:
    # The folder's inode alone is not enough: a folder deleted and made again often gets the
    # same one. Its change time moves when entries are added or removed in it, so a folder
    # touched since the last build is written whole (safe), as is a new one.
    result = os.stat(folder)
    return [result.st_dev, result.st_ino, result.st_ctime_ns]


def _remove_empty_parents(root: Path, folder: Path) -> None:
    # A deleted profile leaves earners/<slug>/ empty: remove it, and its parents if empty too.
    while folder != root and folder.is_relative_to(root):
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def _empty(folder: Path) -> None:
    for entry in os.scandir(folder):
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path)
        else:
            os.unlink(entry.path)
