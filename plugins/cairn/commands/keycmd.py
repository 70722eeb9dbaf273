"""`key`: make the district's Open Badges 3.0 signing key (Ed25519).

It is written readable by its owner only where the settings say (signing_key), or printed
for a CI secret without being written. A key is never overwritten: `--rotate` moves the old
one aside and says how to keep what it signed verifiable (retired_keys).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from cairn.issue.keys import (
    ALLOW_DEVELOPMENT_VARIABLE,
    ENVIRONMENT_VARIABLE,
    KeyProblem,
    SigningKey,
    new_key,
    pem_text,
    read_key_file,
    secret_multibase,
    write_key_file,
)
from cairn.issue.ob3 import public_multibase

SECRET_HELP = (
    f"Give it to CI as the secret {ENVIRONMENT_VARIABLE} (GitHub: Settings > Secrets and variables > Actions; "
    "GitLab: Settings > CI/CD > Variables, protected; GitLab masks only one-line values, such as what "
    "`python build.py key --print` prints). Keep a copy where the committee keeps its "
    "passwords: a lost key cannot be made again, and a new one leaves what the old one signed unverifiable "
    "unless its public key is listed in retired_keys."
)


class KeyCommandError(Exception):
    """The key cannot be made or rotated; the message says why and what to do."""


@dataclass(frozen=True)
class Shown:
    """How a path is named in messages: relative to the district's folder when inside it."""

    root: Path

    def __call__(self, path: Path) -> str:
        try:
            return str(path.resolve().relative_to(self.root.resolve()))
        except ValueError:
            return str(path)


def print_new_key(out: TextIO | None = None, err: TextIO | None = None) -> None:
    """A new key on stdout, in the one-line form CAIRN_SIGNING_KEY takes; nothing is written."""
    out, err = out or sys.stdout, err or sys.stderr
    key = new_key()
    print(secret_multibase(key), file=out)
    print(f"public key: {public_multibase(key.public_key())}", file=err)
    print(
        "This key was written nowhere: the line above is the only copy. " + SECRET_HELP + " To build on this "
        f"machine with it, set {ENVIRONMENT_VARIABLE} to that line.",
        file=err,
    )


def write_new_key(
    path: Path, root: Path, rotate: bool, create_development_key: bool = False, out: TextIO | None = None
) -> None:
    """Write a new key to path (0600); with rotate, the key there is first moved aside."""
    out = out or sys.stdout
    shown = Shown(root)
    old: SigningKey | None = None
    if path.exists() or path.is_symlink():
        if not path.is_file():
            raise KeyCommandError(f"{shown(path)} is not a file (set signing_key in mkdocs.yml to a file's path)")
        try:
            old = read_key_file(path)
        except (OSError, KeyProblem) as error:
            raise KeyCommandError(f"{error}: move it away yourself, then run python build.py key again") from None
        if not rotate:
            kind = "a development key" if old.development else "the district's key"
            raise KeyCommandError(
                f"{shown(path)} already holds {kind} (public key {old.public_multibase}); the build signs with it. "
                "To replace it, run python build.py key --rotate (it keeps the old key aside)"
            )
    key = new_key()
    retired_to = None
    if old is not None:
        retired_to = _free_name(path)
        os.rename(path, retired_to)
    try:
        write_key_file(path, pem_text(key))
    except OSError as error:
        if retired_to is not None:
            os.rename(retired_to, path)
        raise KeyCommandError(f"cannot write {shown(path)}: {error.strerror}") from None
    print(f"wrote {shown(path)} (readable by you only; keep it out of git)", file=out)
    print(f"public key: {public_multibase(key.public_key())}", file=out)
    print(SECRET_HELP + f" E.g. gh secret set {ENVIRONMENT_VARIABLE} < {shown(path)}", file=out)
    if old is not None and retired_to is not None:
        print(
            f"The old key is now {shown(retired_to)} (public key {old.public_multibase}). So that credentials it "
            "signed still verify, add its public key to the cairn plugin settings in mkdocs.yml:\n"
            f"      retired_keys: [{old.public_multibase}]\n"
            f"and update the {ENVIRONMENT_VARIABLE} secret to the new key.",
            file=out,
        )
    if create_development_key:
        print(
            "mkdocs.yml still says create_development_key: true; remove it now that the district has a key.", file=out
        )
    if os.environ.get(ENVIRONMENT_VARIABLE):
        print(f"note: {ENVIRONMENT_VARIABLE} is set in this shell; builds sign with it, not with the file.", file=out)


def _free_name(path: Path) -> Path:
    for number in range(1, 10_000):
        candidate = path.with_name(f"{path.stem}.retired-{number}{path.suffix}")
        if not candidate.exists() and not candidate.is_symlink():
            return candidate
    raise KeyCommandError(f"too many retired keys beside {path}: move some away")


@contextlib.contextmanager
def development_key_allowed(allowed: bool) -> Iterator[None]:
    """`build --allow-development-key`: for this build only, as CAIRN_ALLOW_DEVELOPMENT_KEY=1 would."""
    if not allowed:
        yield
        return
    before = os.environ.get(ALLOW_DEVELOPMENT_VARIABLE)
    os.environ[ALLOW_DEVELOPMENT_VARIABLE] = "1"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(ALLOW_DEVELOPMENT_VARIABLE, None)
        else:
            os.environ[ALLOW_DEVELOPMENT_VARIABLE] = before


def key_main(config: Any, print_only: bool, rotate: bool) -> int:
    """The `key` command, given the loaded mkdocs.yml (None with --print); returns the exit code."""
    if print_only:
        print_new_key()
        return 0
    plugin = config.plugins["cairn"].config
    root = Path(config.config_file_path).resolve().parent
    try:
        write_new_key(root / plugin.signing_key, root, rotate, plugin.create_development_key)
    except KeyCommandError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0
