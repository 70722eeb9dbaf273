"""Progress of a long build, in the committee's words: what is being made, how many of how
many, and on a terminal the time left; in a log (CI), one line when a stage ends.

Work done across the cores comes back a batch at a time; each batch counts for the items in
it (`size`), so the count and the time left are in pages or earners, not batches.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from tqdm import tqdm

log = logging.getLogger("mkdocs.plugins.cairn")
T = TypeVar("T")


def stage(items: Iterable[T], name: str, total: int, unit: str, size: Callable[[T], int] = lambda _: 1) -> Iterator[T]:
    """Yield `items`, reporting progress of `name` ("making profile pages") in `unit`s."""
    start = time.perf_counter()
    done = 0
    bar = None
    if sys.stderr.isatty() and total:
        bar = tqdm(desc=f"cairn: {name}", total=total, unit=f" {unit}", leave=False, file=sys.stderr)
    try:
        for item in items:
            step = size(item)
            done += step
            if bar is not None:
                bar.update(step)
            yield item
    finally:
        if bar is not None:
            bar.close()
    if total:
        seconds = time.perf_counter() - start
        log.info(f"cairn: {name}: {done:,} {unit}{'s' if done != 1 else ''} in {seconds:.1f} s")
