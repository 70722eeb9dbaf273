"""Writing the district's own files (earner records, the status-list counter) so that a run
stopped at any moment leaves each file either as it was or as intended, never half-written.

Each file is written to a temporary file beside it (same folder, so the same file system),
flushed to the disk, and renamed over the old one: a rename is atomic, so a reader or a
later run sees the old bytes or the new, whole. The temporary file has a fixed name
(`.<name>.tmp`, which the loader skips as hidden): one a killed run left behind is simply
overwritten by the next.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def write_atomically(path: Path, data: bytes) -> None:
    """Replace (or create) `path` with `data`, all or nothing; keeps an existing file's mode."""
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        mode: int | None = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = None
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0), 0o644)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); Windows has no folder handles to flush."""
    if os.name != "posix":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
