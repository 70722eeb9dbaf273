"""Progress of a long build, in the committee's words: what is being made, how many of how
many, and on a terminal the time left; in a log (CI), one line when a stage ends.

Work done across the cores comes back a batch at a time; each batch counts for the items in
it (`size`), so the count and the time left are in pages or earners, not batches.
"""

from __future__ import annotations

import logging
import os
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


class Timings:
    """Where a build's time went, stage by stage, for one log line (`make bench` prints it):
    each stage runs from the end of the one before, so the stages add up to the whole."""

    def __init__(self) -> None:
        self.spans: dict[str, float] = {}
        self._last = time.perf_counter()
        if not _REPORTED:  # the interpreter and imports, once per process (serve builds again and again)
            self.spans["start-up"] = _since_start()

    def end(self, name: str) -> None:
        """The stage `name` ends now (it began when the last one ended)."""
        now = time.perf_counter()
        self.spans[name] = self.spans.get(name, 0.0) + now - self._last
        self._last = now

    def report(self) -> None:
        _REPORTED.append(True)
        log.info("cairn: time: " + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in self.spans.items()))


_REPORTED: list[bool] = []  # a build of this process said where its time went


def _since_start() -> float:
    """Seconds since this process started (the interpreter and imports), as Linux counts them."""
    try:
        with open("/proc/self/stat") as stat:
            started = int(stat.read().rsplit(")", 1)[1].split()[19]) / os.sysconf("SC_CLK_TCK")
        return max(0.0, time.clock_gettime(time.CLOCK_BOOTTIME) - started)
    except (OSError, ValueError, IndexError, AttributeError):
        return 0.0
