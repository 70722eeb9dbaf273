"""The issuer's Ed25519 signing key for Open Badges 3.0: read, made by `build.py key`, or
made once for development.

The key is read from the environment variable CAIRN_SIGNING_KEY (a PEM block or a
`z...` secret Multikey) or else from a PEM file outside site/. It is never written
into site/, and never committed (the default folder, keys/, is ignored by git).

A development key (made because `create_development_key: true` found no key) carries a
marker line above its PEM block. A build never signs with one for a site_url that is not a
local address unless told to (CAIRN_ALLOW_DEVELOPMENT_KEY=1, which `build
--allow-development-key` sets): the key is made again on every fresh checkout, and what it
signed stops verifying when it is.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import base58
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)

from cairn.issue.ob3 import _ED25519_PRIV, private_key_from_multibase, public_multibase

ENVIRONMENT_VARIABLE = "CAIRN_SIGNING_KEY"
ALLOW_DEVELOPMENT_VARIABLE = "CAIRN_ALLOW_DEVELOPMENT_KEY"  # "1": sign a published site with a development key
DEVELOPMENT_MARKER = "# Cairn development key"
_DEVELOPMENT_HEADER = (
    f"{DEVELOPMENT_MARKER}: made by create_development_key for trials on a local site. Never publish\n"
    "# a site signed with it: make the district's key with `python build.py key`.\n"
)


class KeyProblem(ValueError):
    pass


@dataclass(frozen=True)
class SigningKey:
    private: Ed25519PrivateKey
    source: str  # where it came from, for messages; never the key itself
    development: bool = False  # made by create_development_key (its PEM carries the marker)

    @property
    def public_multibase(self) -> str:
        return public_multibase(self.private.public_key())


def _parse(text: str, source: str) -> Ed25519PrivateKey:
    text = text.strip()
    try:
        if text.startswith("z"):
            return private_key_from_multibase(text)
        key = load_pem_private_key(text.encode("ascii"), password=None)
    except (ValueError, TypeError) as error:
        raise KeyProblem(f"{source} does not hold an Ed25519 private key ({error})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyProblem(f"{source} holds a key that is not Ed25519")
    return key


def is_development_key(text: str) -> bool:
    return any(line.strip().startswith(DEVELOPMENT_MARKER) for line in text.splitlines())


def is_local_site(site_url: str) -> bool:
    """True for a site served only to this machine: localhost, 127.0.0.0/8, ::1."""
    host = (urlsplit(site_url).hostname or "").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def development_key_refused(source: str, site_url: str) -> str:
    return (
        f"{source} is a development key, made for trials, and site_url {site_url} is a published address: "
        "a development key is made again on every fresh checkout or CI run, and every credential it signed "
        "then fails verification. Make the district's key with `python build.py key` (or give it in "
        f"{ENVIRONMENT_VARIABLE}) and remove create_development_key from mkdocs.yml; for a trial site, "
        f"build with --allow-development-key (or set {ALLOW_DEVELOPMENT_VARIABLE}=1)"
    )


def new_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def pem_text(key: Ed25519PrivateKey) -> str:
    return key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode("ascii")


def secret_multibase(key: Ed25519PrivateKey) -> str:
    """The one-line form CAIRN_SIGNING_KEY also takes (a `z...` secret Multikey)."""
    raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return "z" + base58.b58encode(_ED25519_PRIV + raw).decode("ascii")


def write_key_file(path: Path, text: str) -> None:
    """Write a key readable by its owner only (0600, folder 0700); never over an existing file."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as out:
        out.write(text)


def read_key_file(path: Path) -> SigningKey:
    text = path.read_text(encoding="ascii", errors="replace")
    return SigningKey(_parse(text, str(path)), str(path), is_development_key(text))


def load_signing_key(
    path: Path, create_development_key: bool, site_url: str = "", allow_development: bool = False
) -> tuple[SigningKey, bool]:
    """The signing key, and whether a development key was just made. With a site_url that is not
    local, a development key is refused (and none is made) unless allow_development."""
    refuse = bool(site_url) and not allow_development and not is_local_site(site_url)
    if os.environ.get(ENVIRONMENT_VARIABLE):
        text = os.environ[ENVIRONMENT_VARIABLE]
        key = SigningKey(_parse(text, ENVIRONMENT_VARIABLE), ENVIRONMENT_VARIABLE, is_development_key(text))
    elif path.is_file():
        key = read_key_file(path)
    elif not create_development_key:
        raise KeyProblem(
            f"no signing key: make the district's key with `python build.py key` (it writes {path}), or give it "
            f"in {ENVIRONMENT_VARIABLE}; for a trial site on this machine set create_development_key: true "
            "in the cairn plugin settings"
        )
    elif refuse:
        raise KeyProblem(
            development_key_refused(f"no key at {path}: the key create_development_key would make", site_url)
        )
    else:
        made = new_key()
        write_key_file(path, _DEVELOPMENT_HEADER + pem_text(made))
        return SigningKey(made, str(path), development=True), True
    if key.development and refuse:
        raise KeyProblem(development_key_refused(key.source, site_url))
    return key, False
