"""`init DIR`: a new district folder that `check` passes and `build` builds.

The files come from district_template/ (package data) with the district's name, site
address and issuer filled in; Cairn's theme/ is copied from the Cairn checkout this package
runs from (see THEME). No key is made: `python build.py key` makes the district's own.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cairn.settings import SettingsError, district_zone

# Template files named without their leading dot (package data skips dot files) or folder.
RENAMED = {"gitignore": ".gitignore", "gitlab-ci.yml": ".gitlab-ci.yml", "github": ".github"}
# The theme is the repository's theme/ beside plugins/: init copies it from the checkout that
# Cairn is installed from (pip install -e, or run from the checkout).
THEME = Path(__file__).resolve().parents[3] / "theme"
PLACEHOLDER_REQUIREMENT = "cairn @ git+https://github.com/YOUR-ORG/cairn.git@main"


class InitError(Exception):
    """The district cannot be made; the message says why and what to do."""


@dataclass(frozen=True)
class District:
    name: str
    site_url: str
    issuer_email: str
    issuer_url: str = ""  # the district's own home page; defaults to site_url
    timezone: str = "UTC"
    cairn_requirement: str = ""  # the requirements.txt line CI installs Cairn from


# What each asked-for value is, for the prompt and for the error when it cannot be asked.
QUESTIONS = {
    "name": ("--name", 'the district\'s name, e.g. "Maple Valley USD"'),
    "site_url": ("--site-url", "the published site's address, e.g. https://badges.maplevalley.org/"),
    "issuer_email": ("--issuer-email", "the committee's email, shown in every badge, e.g. pd@maplevalley.org"),
}


def ask_missing(values: dict[str, str | None], ask: Callable[[str], str] | None) -> dict[str, str]:
    """The values given, each checked; a missing or wrong one is asked again when ask is given
    (a terminal), else every problem is raised at once."""
    problems, result = [], {}
    for field, (flag, what) in QUESTIONS.items():
        value = (values.get(field) or "").strip()
        problem = _check(field, value)
        while problem and ask is not None:
            if value:
                print(f"  {value!r}: {problem}", file=sys.stderr)
            value = ask(f"{what[0].upper()}{what[1:]}: ").strip()
            problem = _check(field, value)
        if problem:
            problems.append(f"{flag} {value!r}: {problem}" if value else f"{flag} is missing: give {what}")
        result[field] = value
    if problems:
        raise InitError("; ".join(problems))
    return result


def _check(field: str, value: str) -> str:
    if not value:
        return "missing"
    if any(ord(c) < 32 for c in value):
        return "use one line of text"
    if field == "site_url":
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return "give the absolute address, starting with https://"
    if field == "issuer_email" and ("@" not in value or " " in value):
        return "give an email address such as pd@district.org"
    if field == "name" and len(value) > 100:
        return "use at most 100 characters"
    return ""


def make_district(target: Path, district: District) -> list[Path]:
    """Write the district folder; returns the files written. Refuses a folder that is not empty."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InitError(f"{target} is not an empty folder: give a new folder's name")
    try:
        district_zone(district.timezone)
    except SettingsError as error:
        raise InitError(str(error).replace("cairn timezone", "--timezone")) from None
    if not (THEME / "cairn.html").is_file():
        raise InitError(
            f"Cairn's theme was not found at {THEME}: run init with Cairn installed from its repository "
            "(pip install -e <checkout>, or python build.py from the checkout)"
        )
    values = _values(district)
    written: list[Path] = []
    target.mkdir(parents=True, exist_ok=True)
    template = resources.files("cairn.commands").joinpath("district_template")
    for source, relative in _template_files(template, ""):
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        text = source.read_text(encoding="utf-8")
        for placeholder, value in values.items():
            text = text.replace(placeholder, value)
        destination.write_text(text, encoding="utf-8")
        written.append(destination)
    shutil.copytree(THEME, target / "theme")
    written.append(target / "theme")
    return written


def _template_files(folder: resources.abc.Traversable, prefix: str) -> list[tuple[resources.abc.Traversable, str]]:
    files = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.startswith((".", "__")):
            continue
        name = RENAMED.get(entry.name, entry.name) if not prefix else entry.name
        if entry.is_dir():
            files.extend(_template_files(entry, f"{prefix}{name}/"))
        else:
            files.append((entry, f"{prefix}{name}"))
    return files


def _values(district: District) -> dict[str, str]:
    site_url = district.site_url if district.site_url.endswith("/") else district.site_url + "/"

    def yaml(text: str) -> str:  # a JSON string is a YAML double-quoted scalar
        return json.dumps(text, ensure_ascii=False)

    return {
        "@@SITE_NAME@@": yaml(f"{district.name} — Micro-credentials"),
        "@@SITE_DESCRIPTION@@": yaml(f"Micro-credentials that recognise the professional learning of {district.name}."),
        "@@SITE_URL@@": yaml(site_url),
        "@@TIMEZONE@@": yaml(district.timezone),
        "@@ISSUER_NAME@@": yaml(district.name),
        "@@ISSUER_URL@@": yaml(district.issuer_url or site_url),
        "@@ISSUER_EMAIL@@": yaml(district.issuer_email),
        "@@ISSUER_DESCRIPTION@@": yaml(f"{district.name} awards micro-credentials to educators who show a competency."),
        "@@CAIRN_REQUIREMENT@@": district.cairn_requirement or cairn_requirement(),
        "@@NAME@@": district.name,
    }


def cairn_requirement() -> str:
    """The pip requirement for the Cairn this runs: its checkout's remote at its commit, when known."""
    checkout = THEME.parent

    def git(*args: str) -> str:
        try:
            done = subprocess.run(["git", "-C", str(checkout), *args], capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            return ""
        return done.stdout.strip() if done.returncode == 0 else ""

    remote, commit = git("remote", "get-url", "origin"), git("rev-parse", "HEAD")
    if remote.startswith("git@") and ":" in remote:  # git@github.com:org/cairn.git
        host, path = remote[4:].split(":", 1)
        remote = f"https://{host}/{path}"
    if remote.startswith("https://") and commit:
        return f"cairn @ git+{remote}@{commit}"
    return PLACEHOLDER_REQUIREMENT


def init_main(args: Any) -> int:
    """The `init` command; returns the exit code (2 for a wrong command line)."""
    interactive = sys.stdin.isatty()
    try:
        values = ask_missing(
            {"name": args.name, "site_url": args.site_url, "issuer_email": args.issuer_email},
            input if interactive else None,
        )
    except InitError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except (EOFError, KeyboardInterrupt):
        print("\nerror: stopped; nothing was written", file=sys.stderr)
        return 2
    target = Path(args.directory)
    district = District(
        name=values["name"],
        site_url=values["site_url"],
        issuer_email=values["issuer_email"],
        issuer_url=args.issuer_url or "",
        timezone=args.timezone,
        cairn_requirement=args.cairn_requirement or "",
    )
    try:
        make_district(target, district)
    except InitError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    requirement = (target / "requirements.txt").read_text(encoding="utf-8")
    print(f"made the district folder {target}")
    print(
        f"next:\n  cd {target}\n  python build.py key     # the district's signing key (then the CI secret)\n"
        "  python build.py check\n  python build.py build\n"
        "Read README.md there first. Keep its repository private: earners/*.yml hold every earner's name and email."
    )
    if PLACEHOLDER_REQUIREMENT in requirement:
        print(
            "note: edit requirements.txt: CI installs Cairn from it, and this Cairn's own address is unknown "
            "(or pass --cairn-requirement to init)"
        )
    return 0
