"""A content-addressed cache outside site/: results keyed by the hash of everything they depend on.

Used for work that is slow and pure, such as signatures: the same inputs always give
the same result, so a hit can be reused byte for byte.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from . import __version__
from .model import District


class ContentCache:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.hits = self.misses = 0

    @staticmethod
    def key(*parts: bytes | str) -> str:
        digest = hashlib.sha256(__version__.encode())
        for part in parts:
            data = part.encode("utf-8") if isinstance(part, str) else part
            digest.update(len(data).to_bytes(8, "big") + data)
        return digest.hexdigest()

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / key[2:]

    def get(self, key: str) -> bytes | None:
        try:
            value = self._path(key).read_bytes()
        except OSError:
            self.misses += 1
            return None
        self.hits += 1
        return value

    def put(self, key: str, value: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}")
        temporary.write_bytes(value)
        os.replace(temporary, path)


def catalog_digest(district: District, badges: dict[str, bytes]) -> str:
    """Everything of the district but its earners (credentials, stacks, topics, schools) and
    the badge images: what every earner's pages and files share."""
    parts = [repr(district.topics), repr(district.stacks), repr(district.credentials), repr(district.schools)]
    parts += [f"{name}:{hashlib.sha256(png).hexdigest()}" for name, png in sorted(badges.items())]
    return ContentCache.key("catalog", *parts)
