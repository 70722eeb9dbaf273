"""Bringing a build's files into site/ and the private folder, as one step that is undone
whenever it does not finish.

A district site has 80,000 files and a rebuild changes a handful: a manifest in the cache
records what the last finished build published, and only files whose bytes differ are
written. Nothing a build makes goes into a published folder while it runs: files are
made in a stage folder beside it (same disk, so moving them is a rename), and at the end
`Publication.commit` journals every move it is about to make, moves the old files aside,
moves the new ones in, saves the manifests and only then drops the journal. A failure
the build sees puts the old files back at once; a build that was killed is put back by
the next one before it reads any manifest (`recover`). So a manifest always describes a
folder that a finished build left, and nothing is kept on the word of a run that did not
finish (docs/decisions.md 25).

Groups spare even the making: the files of one earner's awards, or one page, are recorded
under a key of everything they were made from; when the manifest holds that key and the
files are there, they are kept as they are.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import shutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MANIFEST_VERSION = 3
JOURNAL_VERSION = 1


def digest(content: bytes) -> str:
    return hashlib.blake2b(content, digest_size=16).hexdigest()


@dataclass
class WriteStats:
    written: int = 0
    kept: int = 0
    deleted: int = 0
    bytes_written: int = 0
    foreign: list[str] = field(default_factory=list)  # files found in the folder that no build made


class OutputFolder:
    """The files one build publishes under `root`, made first in `stage`, a folder beside it.

    `owned` folders (the site) hold exactly what the build makes: anything else found in
    them at commit is removed, so a site is the same bytes as a clean build's. Others (the
    private folder, which also holds the cache) lose only files an earlier build published.
    """

    def __init__(self, root: Path, manifest: Path, *, owned: bool, private: bool = False) -> None:
        self.root = root
        self.manifest = manifest
        self.owned = owned
        self.mode = 0o600 if private else 0o644
        self.dir_mode = 0o700 if private else 0o755
        self.stage = stage_folder(root)
        self.stats = WriteStats()
        self._files: dict[str, list[int | str]] = {}  # path -> [digest, size, mtime_ns]
        self._groups: dict[str, list[Any]] = {}  # group -> [key, paths]
        self._group_paths: set[str] = set()
        self._staged: set[str] = set()
        self._made: set[Path] = set()
        self._old_files, self._old_groups = self._read_manifest()
        # What a killed build staged (its generator output is the generator's to clear).
        for leftover in ("new", "old"):
            shutil.rmtree(self.stage / leftover, ignore_errors=True)
        self.stage.mkdir(exist_ok=True, mode=self.dir_mode)
        os.chmod(self.stage, self.dir_mode)  # what is set aside in it keeps the folder's privacy
        (self.stage / "new").mkdir(mode=self.dir_mode)

    def foreign_folder(self) -> list[str]:
        """For an owned folder that no build of this Cairn published to (no manifest) and that
        is not a Cairn site (no issuer.json): the files publishing would remove. A mistyped
        --site-dir must not empty someone's folder."""
        if not self.owned or self._old_files or self._old_groups or not self.root.is_dir():
            return []
        if (self.root / "issuer.json").is_file():
            return []
        return sorted(_walk_files(self.root))

    def _read_manifest(self) -> tuple[dict[str, Any], dict[str, Any]]:
        return _read_manifest(self.manifest, self.root)

    # -- single files ------------------------------------------------------------------------

    def write(self, relative: str, content: bytes) -> None:
        """Publish `content` at `relative`, unless the folder already holds exactly it."""
        hashed = digest(content)
        if not self._kept(relative, hashed):
            self._stage_bytes(relative, content)
            self._staged_file(relative, hashed, len(content))

    def write_all(self, files: Iterable[tuple[str, bytes]]) -> None:
        for relative, content in files:
            self.write(relative, content)

    def adopt_tree(self, source: Path, html: Callable[[bytes, str], bytes] | None = None) -> None:
        """Every file under `source` (MkDocs' own output), published by the same rule; changed
        files are moved, not copied, into the stage. `html(content, relative)`, when given, is
        what each HTML page is published as (its Content-Security-Policy added)."""
        for folder, _, names in os.walk(source):
            for name in names:
                path = Path(folder) / name
                relative = path.relative_to(source).as_posix()
                content = path.read_bytes()
                made = html(content, relative) if html is not None and name.endswith(".html") else content
                hashed = digest(made)
                if not self._kept(relative, hashed):
                    if made is content:
                        target = self._stage_path(relative)
                        os.replace(path, target)
                        os.chmod(target, self.mode)
                    else:
                        self._stage_bytes(relative, made)
                    self._staged_file(relative, hashed, len(made))

    def paths(self) -> Iterator[str]:
        """Every file the folder will hold once committed (after every write of the build)."""
        return itertools.chain(self._files, self._group_paths)

    def _kept(self, relative: str, hashed: str) -> bool:
        """True, and the published file kept, when the last build published these bytes there
        and the file is still as it left it (same size and time)."""
        old = self._old_files.get(relative)
        if old is None or old[0] != hashed or _stat(self.root / relative) != (old[1], old[2]):
            return False
        self._files[relative] = old
        self.stats.kept += 1
        return True

    def _staged_file(self, relative: str, hashed: str, size: int) -> None:
        self._staged.add(relative)
        self._files[relative] = [hashed, size, 0]  # size and time once in place
        self.stats.written += 1
        self.stats.bytes_written += size

    # -- groups ------------------------------------------------------------------------------

    def keep_group(self, group: str, key: str) -> bool:
        """True, and the group's files kept, when the last build published them under `key` and
        they are still there (the first is looked at: a stat of each of 80,000 files costs
        seconds); otherwise the caller makes them and calls write_group."""
        old = self._old_groups.get(group)
        if old is None or old[0] != key:
            return False
        paths = old[1]
        if paths and not os.path.exists(self.root / paths[0]):
            return False
        self._groups[group] = old
        self._group_paths.update(paths)
        self.stats.kept += len(paths)
        return True

    def write_group(self, group: str, key: str, files: list[tuple[str, bytes]]) -> None:
        """Stage a group's files; they are recorded under the group, not one by one."""
        count, size = self.write_group_files(files)
        self.record_group(group, key, [relative for relative, _ in files], count, size)

    def write_group_files(self, files: list[tuple[str, bytes]]) -> tuple[int, int]:
        """Only the staging of write_group (safe in a forked worker: the parent then calls
        record_group). Returns (files, bytes) staged."""
        size = 0
        for relative, content in files:
            self._stage_bytes(relative, content)
            size += len(content)
        return len(files), size

    def record_group(self, group: str, key: str, paths: list[str], count: int, size: int) -> None:
        self._groups[group] = [key, paths]
        self._group_paths.update(paths)
        self._staged.update(paths)
        self.stats.written += count
        self.stats.bytes_written += size

    # -- staging -----------------------------------------------------------------------------

    def _stage_path(self, relative: str) -> Path:
        if relative.startswith("/") or ".." in relative.split("/"):
            raise ValueError(f"refusing to publish outside {self.root}: {relative}")
        target = self.stage / "new" / relative
        if target.parent not in self._made:
            _make_dirs(target.parent, self.dir_mode)
            self._made.add(target.parent)
        return target

    def _stage_bytes(self, relative: str, content: bytes) -> None:
        target = self._stage_path(relative)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, self.mode)
        with os.fdopen(fd, "wb") as out:
            out.write(content)
        self._staged.add(relative)

    # -- the plan ----------------------------------------------------------------------------

    def plan(self) -> dict[str, Any]:
        """What commit will do here: files to move in (and whether one is there now) and files
        to remove. Written to the journal before anything is touched."""
        current = self._files.keys() | self._group_paths
        removals = set(self._old_files)
        for _, paths in self._old_groups.values():
            removals.update(paths)
        if self.owned and self.root.is_dir():
            found = set(_walk_files(self.root))
            self.stats.foreign = sorted(found - current - removals)
            removals |= found
        removals -= current
        removals = {r for r in removals if os.path.lexists(self.root / r)}
        folders, moves = _new_folders(self.root, self._staged)
        return {
            "root": str(self.root),
            "stage": str(self.stage),
            "folders": folders,
            "moves": [[r, os.path.lexists(self.root / r)] for r in moves],
            "removals": sorted(removals),
        }

    def manifest_data(self) -> dict[str, Any]:
        for relative in self._staged:
            entry = self._files.get(relative)
            if entry is not None:
                entry[1], entry[2] = _stat(self.root / relative) or (entry[1], 0)
        return {
            "path": str(self.root.resolve()),  # first, so prune_manifests reads it from the head
            "version": MANIFEST_VERSION,
            "root": _identity(self.root),
            "files": self._files,
            "groups": self._groups,
        }


def _read_manifest(manifest: Path, root: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """A folder's files and groups as the last finished build published them; empty if unknown."""
    try:
        data = json.loads(manifest.read_bytes())
        # A manifest describes one folder: if the folder was deleted and made again, it lies.
        if data.get("version") == MANIFEST_VERSION and data.get("root") == _identity(root):
            files, groups = data["files"], data["groups"]
            if isinstance(files, dict) and isinstance(groups, dict):
                return files, groups
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    return {}, {}


def as_published(root: Path, manifest: Path, *, owned: bool) -> bool:
    """True when `root` is as the last finished build left it, by the tests a build applies
    before keeping a file (OutputFolder._kept, keep_group) and, for an owned folder, nothing
    more and nothing less than it published (a build would remove a file put there by hand)."""
    files, groups = _read_manifest(manifest, root)
    if not files and not groups:
        return False
    for relative, entry in files.items():
        if not isinstance(entry, list) or len(entry) != 3 or _stat(root / relative) != (entry[1], entry[2]):
            return False
    published = set(files)
    for entry in groups.values():
        paths = entry[1] if isinstance(entry, list) and len(entry) == 2 else None
        if not isinstance(paths, list) or (paths and not os.path.exists(root / paths[0])):
            return False
        published.update(paths)
    return not owned or set(_walk_files(root)) == published


def _new_folders(root: Path, staged: Iterable[str]) -> tuple[list[str], list[str]]:
    """The staged files cut into folders that are not in `root` yet, each moved in whole by one
    rename (a cold build stages 80,000 files in a few dozen such folders: 3.3 s of renames),
    and the files moved one by one."""
    exists: dict[str, bool] = {}
    folders: set[str] = set()
    moves = []
    for relative in sorted(staged):
        parts = relative.split("/")
        for depth in range(1, len(parts)):
            folder = "/".join(parts[:depth])
            if folder not in exists:
                exists[folder] = os.path.lexists(root / folder)
            if not exists[folder]:
                folders.add(folder)
                break
        else:
            moves.append(relative)
    return sorted(folders), moves


def stage_folder(root: Path) -> Path:
    """Where a folder's next files are made: beside it, on the same disk, never inside it."""
    return root.parent / f".{root.name}.cairn-stage"


class Publication:
    """Commits the staged files of several folders as one step (see the module docstring).

    The journal lives in the cache folder; while it exists, the folders may hold a mix of
    two builds, and `recover` (run before any folder is opened) puts back the old files."""

    def __init__(self, cache_dir: Path) -> None:
        self.cache_dir = cache_dir
        self.journal = cache_dir / "publish-journal.json"

    def recover(self) -> str | None:
        """Undo a commit that did not finish, or finish one that did; returns what was done."""
        try:
            data = json.loads(self.journal.read_bytes())
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            data = None
        if not isinstance(data, dict) or data.get("version") != JOURNAL_VERSION:
            # A journal we cannot read: trust no manifest; every folder is checked file by file.
            for manifest in self.cache_dir.glob("publish/*.json"):
                manifest.unlink(missing_ok=True)
            self.journal.unlink(missing_ok=True)
            return "a damaged publishing journal was found: every file is checked again"
        if data["state"] == "committed":
            _install_manifests(data)
            done = "finished publishing the last build, which stopped after its files were in place"
        else:
            for folder in data["folders"]:
                _roll_back(folder)
            _drop_new_manifests(data)
            done = "put back the files of the last finished build (the last build stopped while publishing)"
        for folder in data["folders"]:
            shutil.rmtree(folder["stage"], ignore_errors=True)
        self.journal.unlink(missing_ok=True)
        return done

    def commit(self, folders: list[OutputFolder]) -> None:
        plans = [folder.plan() for folder in folders]
        data: dict[str, Any] = {"version": JOURNAL_VERSION, "state": "moving", "folders": plans, "manifests": []}
        _write_durably(self.journal, json.dumps(data).encode())
        try:
            for folder, plan in zip(folders, plans, strict=True):
                _move_in(folder, plan)
            manifests = []
            for folder in folders:
                new = folder.manifest.with_name(folder.manifest.name + ".new")
                _write_durably(new, json.dumps(folder.manifest_data(), separators=(",", ":")).encode())
                manifests.append([str(new), str(folder.manifest)])
            data.update(state="committed", manifests=manifests)
            _write_durably(self.journal, json.dumps(data).encode())  # from here on, the new build stands
        except BaseException:
            self.recover()
            raise
        _install_manifests(data)
        for folder, plan in zip(folders, plans, strict=True):
            folder.stats.deleted = len(plan["removals"])
            shutil.rmtree(folder.stage, ignore_errors=True)
            for relative in plan["removals"]:
                _remove_empty_parents(folder.root, (folder.root / relative).parent)
        self.journal.unlink(missing_ok=True)


def _move_in(folder: OutputFolder, plan: dict[str, Any]) -> None:
    root, stage = folder.root, folder.stage
    _make_dirs(root, folder.dir_mode)
    made: set[Path] = set()
    for relative in plan["removals"]:
        _set_aside(root / relative, stage / "old" / relative)
    for relative in plan["folders"]:  # nothing was there: moved in whole
        target = root / relative
        if target.parent not in made:
            _make_folder(target.parent, root, stage / "old", folder.dir_mode)
            made.add(target.parent)
        os.replace(stage / "new" / relative, target)
    for relative, existed in plan["moves"]:
        target = root / relative
        if existed:
            _set_aside(target, stage / "old" / relative)
        if target.parent not in made:
            _make_folder(target.parent, root, stage / "old", folder.dir_mode)
            made.add(target.parent)
        os.replace(stage / "new" / relative, target)


def _make_folder(folder: Path, root: Path, aside: Path, mode: int) -> None:
    # A file where a folder must go (a page that became a folder of pages) is set aside too.
    for parent in [*reversed(folder.relative_to(root).parents), folder.relative_to(root)]:
        path = root / parent
        if path.is_symlink() or (path.exists() and not path.is_dir()):
            _set_aside(path, aside / parent)
    _make_dirs(folder, mode)


def _make_dirs(folder: Path, mode: int) -> None:
    """A folder and its missing parents, each with `mode`: `mkdir(parents=True, mode=…)` gives
    the mode to the last one only (the private folder's subfolders came out 0755)."""
    missing = []
    while not folder.exists():  # usually there already: one stat
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        path.mkdir(mode=mode, exist_ok=True)
        os.chmod(path, mode)  # mkdir's mode is what the umask lets through


def _set_aside(path: Path, aside: Path) -> None:
    if not os.path.lexists(path):
        return
    aside.parent.mkdir(parents=True, exist_ok=True)
    os.replace(path, aside)


def _roll_back(folder: dict[str, Any]) -> None:
    root, old = Path(folder["root"]), Path(folder["stage"]) / "old"
    for relative in folder.get("folders", []):  # none was there before this build
        target = root / relative
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
    for relative, existed in reversed(folder["moves"]):
        target, aside = root / relative, old / relative
        if os.path.lexists(aside):
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            os.replace(aside, target)
        elif not existed and os.path.lexists(target) and not target.is_dir():
            target.unlink()  # a file this build added; nothing was there before
    for relative in folder["removals"]:
        aside = old / relative
        if os.path.lexists(aside):
            (root / relative).parent.mkdir(parents=True, exist_ok=True)
            os.replace(aside, root / relative)
    if old.is_dir():  # folders set aside for files (see _make_folder)
        for path in sorted(old.rglob("*"), key=lambda p: len(p.parts)):
            target = root / path.relative_to(old)
            if os.path.lexists(path) and not os.path.lexists(target):
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(path, target)


def _install_manifests(data: dict[str, Any]) -> None:
    for new, final in data.get("manifests", []):
        if os.path.exists(new):
            os.replace(new, final)


def _drop_new_manifests(data: dict[str, Any]) -> None:
    for new, _ in data.get("manifests", []):
        Path(new).unlink(missing_ok=True)


def _write_durably(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, content)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temporary, path)


def manifest_path(cache_dir: Path, root: Path) -> Path:
    """The manifest of one published folder (site/, a served copy, the private folder)."""
    return cache_dir / "publish" / (hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:24] + ".json")


def prune_manifests(cache_dir: Path) -> None:
    """Forget folders that are gone (each `serve` publishes into a temporary folder)."""
    for manifest in cache_dir.glob("publish/*.json"):
        try:
            with open(manifest, "rb") as head:
                found = re.match(rb'\{"path": ?("(?:[^"\\]|\\.)*")', head.read(4096))
            path = json.loads(found[1]) if found else None
        except (OSError, ValueError):
            path = None
        if not isinstance(path, str) or not os.path.isdir(path):
            manifest.unlink(missing_ok=True)


def _walk_files(root: Path) -> Iterable[str]:
    for folder, dirs, names in os.walk(root):
        relative = os.path.relpath(folder, root)
        prefix = "" if relative == "." else relative.replace(os.sep, "/") + "/"
        for name in names:
            yield prefix + name
        for name in dirs:  # a symlink to a folder is listed as a folder; it is not ours either
            if os.path.islink(os.path.join(folder, name)):
                yield prefix + name


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        result = os.stat(path)
    except OSError:
        return None
    return result.st_size, result.st_mtime_ns


def _identity(folder: Path) -> list[int] | None:
    # The device and inode: a folder deleted and made again is written whole. (Its change
    # time is not part of it: adding a file to site/ moves it, and the file is dealt with
    # by OutputFolder.plan, not by rewriting everything.)
    try:
        result = os.stat(folder)
    except OSError:
        return None
    return [result.st_dev, result.st_ino]


def _remove_empty_parents(root: Path, folder: Path) -> None:
    # A deleted profile leaves earners/<slug>/ empty: remove it, and its parents if empty too.
    while folder != root and folder.is_relative_to(root):
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
