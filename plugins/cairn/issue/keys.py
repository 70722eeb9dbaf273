"""The issuer's Ed25519 signing key for Open Badges 3.0: read, or made once for development.

The key is read from the environment variable CAIRN_SIGNING_KEY (a PEM block or a
`z...` secret Multikey) or else from a PEM file outside site/. It is never written
into site/, and never committed (the default folder, keys/, is ignored by git).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)

from cairn.issue.ob3 import private_key_from_multibase, public_multibase

ENVIRONMENT_VARIABLE = "CAIRN_SIGNING_KEY"


class KeyProblem(ValueError):
    pass


@dataclass(frozen=True)
class SigningKey:
    private: Ed25519PrivateKey
    source: str  # where it came from, for messages; never the key itself

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


def load_signing_key(path: Path, create_development_key: bool) -> tuple[SigningKey, bool]:
    """The signing key, and whether a development key was just made."""
    if os.environ.get(ENVIRONMENT_VARIABLE):
        return SigningKey(_parse(os.environ[ENVIRONMENT_VARIABLE], ENVIRONMENT_VARIABLE), ENVIRONMENT_VARIABLE), False
    if path.is_file():
        return SigningKey(_parse(path.read_text(encoding="ascii", errors="replace"), str(path)), str(path)), False
    if not create_development_key:
        raise KeyProblem(
            f"no signing key: set {ENVIRONMENT_VARIABLE} or put the issuer's Ed25519 key (PEM) at {path}; "
            "for a trial site set create_development_key: true in the cairn plugin settings"
        )
    key = Ed25519PrivateKey.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    return SigningKey(key, str(path)), True
