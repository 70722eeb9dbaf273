"""Sources stay inside their folders; what is read, what is published and what is private
never overlap.

Git stores symbolic links, so a pull request can add `content/key.pem -> ../keys/...pem`:
MkDocs copies content/ (its docs_dir) into the site as it is, following links to files and
to folders alike, Material copies the theme's files, and the loader reads a spec or an earner
file wherever its link leads. So before anything is read or built, every link in the four
source folders is looked at (links to folders are looked at, not walked into): one that leads
outside its folder, or into the signing key's folder, the private folder or the site, is an
error with the file and the fix. A link that stays inside its folder is allowed (a page under
a second name, an image shared by two pages), unless it leads nowhere or to a folder that
holds it (a loop MkDocs would follow forty levels deep).

The settings get the same care (`folder_conflicts`): the private folder and the key are never
inside a published folder, the site is never a source folder, holds none and lies in none
(publishing removes every file of the site folder that the build did not make).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cairn.sources.problems import Problem, Problems

if TYPE_CHECKING:
    from cairn.settings import Settings

MKDOCS_SETTINGS = ("site_dir", "docs_dir", "custom_dir")  # the others are the cairn plugin's
FILE_HINT = "replace it with the file itself, or remove it"
FOLDER_HINT = "replace it with a copy of the folder, or remove it"


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))


def shown(path: Path, root: Path) -> str:
    """`path` as a problem shows it: relative to the project, its last part not followed."""
    where = _real(path.parent) / path.name
    try:
        return where.relative_to(_real(root)).as_posix()
    except ValueError:
        return where.as_posix()


def link_problem(path: Path, folder: Path, root: Path, avoid: Iterable[tuple[Path, str]] = ()) -> Problem | None:
    """Why the file or folder at `path`, inside `folder`, may not be used, or None when it may:
    it is, or is reached through, a symbolic link that leads outside `folder`, into one of the
    places in `avoid` (path, what it is), nowhere, or round to a folder that holds it."""
    home = _real(folder)
    real = _real(path)
    target = os.readlink(path) if path.is_symlink() else str(real)
    name = shown(folder, root)
    is_folder = real.is_dir()
    hint = FOLDER_HINT if is_folder else FILE_HINT
    if not real.is_relative_to(home):
        message = f"a symbolic link to {target}, outside {name}/"
    elif found := next((what for place, what in avoid if real.is_relative_to(_real(place))), None):
        message = f"a symbolic link to {target}, into {found}"
    elif not os.path.exists(path):
        message = f"a symbolic link to {target}, which leads nowhere"
    elif is_folder and _real(path.parent).is_relative_to(real):
        message, hint = f"a symbolic link to {target}, the folder that holds it (a loop)", "remove it"
    else:
        return None
    return Problem(shown(path, root), 1, message, hint)


def check_links(folder: Path, problems: Problems, avoid: Iterable[tuple[Path, str]] = ()) -> None:
    """Every symbolic link under `folder` that may not be used, as an error."""
    avoid = list(avoid)
    pending = [folder]
    while pending:
        try:
            entries = list(os.scandir(pending.pop()))
        except OSError:  # missing or unreadable: the loader, or MkDocs, says so
            continue
        for entry in entries:
            if entry.is_symlink():  # a link to a folder is looked at, not walked into
                problem = link_problem(Path(entry.path), folder, problems.root, avoid)
                if problem is not None:
                    problems.items.append(problem)
            elif entry.is_dir(follow_symlinks=False):
                pending.append(Path(entry.path))


@dataclass(frozen=True)
class Conflict:
    """Two folders of the settings that must be apart, and are not."""

    setting: str  # as in mkdocs.yml: site_dir, private_dir, signing_key
    value: str  # its value as shown
    what: str  # e.g. "is inside docs_dir 'content', which is published as it is"
    hint: str

    def __str__(self) -> str:
        prefix = "" if self.setting in MKDOCS_SETTINGS else "cairn "
        return f"{prefix}{self.setting} '{self.value}' {self.what}"


def folder_conflicts(settings: Settings) -> list[Conflict]:
    """What is wrong with where the settings put the site, the private folder and the key."""
    root = settings.root

    def show(path: Path) -> str:
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            return path.as_posix()

    sources = [
        (settings.catalog_dir, f"the catalog folder '{show(settings.catalog_dir)}'", False),
        (settings.earners_dir, f"the earners folder '{show(settings.earners_dir)}'", False),
        (settings.content_dir, f"docs_dir '{show(settings.content_dir)}'", True),
    ]
    if settings.theme_dir is not None:
        sources.append((settings.theme_dir, f"the theme's custom_dir '{show(settings.theme_dir)}'", True))
    site, private, key = _real(settings.site_dir), _real(settings.private_dir), _real(settings.signing_key)
    site_hint = "publishing removes every file there that the build did not make: give the site a folder of its own"
    found = []

    def site_conflict(what: str) -> None:
        found.append(Conflict("site_dir", show(settings.site_dir), what, site_hint))

    for folder, name, _ in sources:
        place = _real(folder)
        if site == place:
            site_conflict(f"is {name}")
        elif place.is_relative_to(site):
            site_conflict(f"holds {name}")
        elif site.is_relative_to(place):
            site_conflict(f"is inside {name}")
    if site == private:
        site_conflict(f"is the private folder '{show(settings.private_dir)}'")
    elif private.is_relative_to(site):
        site_conflict(f"holds the private folder '{show(settings.private_dir)}'")
    elif site.is_relative_to(private):
        site_conflict(f"is inside the private folder '{show(settings.private_dir)}'")
    if key.is_relative_to(site):
        site_conflict(f"holds the signing key '{show(settings.signing_key)}'")

    private_hint = "it holds every earner's email: keep it apart from the sources and the site, e.g. private_dir: build"
    key_hint = (
        "keep the key outside every folder that is published or committed, e.g. in keys/, which git ignores, "
        "or give it in the CAIRN_SIGNING_KEY environment variable"
    )
    for folder, name, published in sources:
        place = _real(folder)
        which = f"{name}, which is published as it is" if published else f"{name}, which is committed"
        shown_private = show(settings.private_dir)
        if private == place:
            found.append(Conflict("private_dir", shown_private, f"is {which}", private_hint))
        elif private.is_relative_to(place):
            found.append(Conflict("private_dir", shown_private, f"is inside {which}", private_hint))
        elif place.is_relative_to(private):
            found.append(Conflict("private_dir", shown_private, f"holds {name}", private_hint))
        if key.is_relative_to(place):
            found.append(Conflict("signing_key", show(settings.signing_key), f"is inside {which}", key_hint))

    # A published folder never overlaps one that is read: docs_dir 'earners' publishes every email.
    for folder, _, published in sources:
        setting = "docs_dir" if folder == settings.content_dir else "custom_dir"
        for other, name, other_published in sources:
            a, b = _real(folder), _real(other)
            if published and not other_published and (a.is_relative_to(b) or b.is_relative_to(a)):
                what = f"overlaps {name}, whose files are read, never published as they are"
                found.append(Conflict(setting, show(folder), what, "give each its own folder"))
    return found


def _line_of(config: Path, setting: str) -> int:
    """The line of `setting:` in mkdocs.yml, or 1."""
    try:
        lines = config.read_text(encoding="utf-8").split("\n")
    except (OSError, UnicodeDecodeError):
        return 1
    for number, line in enumerate(lines, start=1):
        if line.split("#", 1)[0].strip().startswith(f"{setting}:"):
            return number
    return 1


def check_sources(settings: Settings, problems: Problems) -> None:
    """Every conflict of the folder settings, and every link in the four source folders that
    may not be used, as errors (each link in catalog/ and earners/ is also refused by the
    loader when it meets it: see read_text's `within`)."""
    for conflict in folder_conflicts(settings):
        line = _line_of(settings.config_file, conflict.setting)
        problems.items.append(Problem(settings.config_file.name, line, str(conflict), conflict.hint))
    keys = settings.signing_key.parent
    avoid = [
        (settings.signing_key, "the signing key"),
        (keys, f"{shown(keys, settings.root)}/, the signing key's folder"),
        (settings.private_dir, "the private folder"),
        (settings.site_dir, "the published site"),
    ]
    for folder in filter(None, (settings.catalog_dir, settings.earners_dir, settings.content_dir, settings.theme_dir)):
        # A place that holds the folder itself is a conflict of the settings, reported above.
        check_links(folder, problems, [(p, what) for p, what in avoid if not _real(folder).is_relative_to(_real(p))])


def private_folder(path: Path) -> None:
    """The private folder, made or tightened to its owner only (0700) before anything is
    written into it. One that was open to others (an older Cairn's, or made by hand) has
    everything in it tightened too: files 0600, folders 0700."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        path.mkdir(parents=True, mode=0o700)
        os.chmod(path, 0o700)  # mkdir's mode is only what the umask lets through
        return
    if mode == 0o700:
        return
    os.chmod(path, 0o700)
    for parent, folders, files in os.walk(path):
        for name in folders:
            if not os.path.islink(os.path.join(parent, name)):
                os.chmod(os.path.join(parent, name), 0o700)
        for name in files:
            if not os.path.islink(os.path.join(parent, name)):
                os.chmod(os.path.join(parent, name), 0o600)
