"""Progress of a long build: stage, count and rate on a terminal; stage lines only in logs (CI).

tqdm draws the bar when stderr is a terminal; otherwise each stage logs one line when it
starts and one with its count and rate when it ends.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

from tqdm import tqdm

log = logging.getLogger("mkdocs.plugins.cairn")
T = TypeVar("T")


def stage(items: Iterable[T], name: str, total: int | None = None, unit: str = "file") -> Iterator[T]:
    """Yield `items`, reporting progress under `name`."""
    start = time.perf_counter()
    count = 0
    if sys.stderr.isatty():
        for item in tqdm(items, desc=f"cairn: {name}", total=total, unit=unit, leave=False, file=sys.stderr):
            count += 1
            yield item
    else:
        log.info(f"cairn: {name}" + (f" ({total:,} {unit}s)" if total else ""))
        for item in items:
            count += 1
            yield item
    seconds = time.perf_counter() - start
    rate = f", {count / seconds:,.0f} {unit}s/s" if seconds > 0.05 else ""
    log.info(f"cairn: {name}: {count:,} {unit}s in {seconds:.1f} s{rate}")
