"""Work shared between the machine's cores by forking.

The workers are forked from the build, so they inherit its data (the district, templates,
learnt document shapes): only an index goes to a worker and only its result comes back.
A worker that asks for parallel work itself gets it done in place (no pool in a pool).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")

_task: Callable[[int], Any] | None = None  # set in the parent while a pool runs, so in every worker


def _run(index: int) -> Any:
    assert _task is not None
    return _task(index)


def _quiet_signals() -> None:
    # The parent handles Ctrl-C and SIGTERM (it stops the pool and undoes what it must);
    # a worker just ends when the pool is terminated, without a traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def worker_count() -> int:
    if _task is not None or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return min(os.cpu_count() or 1, 4)


def fork_map(task: Callable[[int], T], count: int) -> Iterator[T]:
    """task(0), task(1), ... task(count - 1), in order, run across the cores when there are
    several and more than one task; results are yielded as they come, for progress bars."""
    global _task
    workers = worker_count()
    if workers < 2 or count < 2:
        yield from (task(i) for i in range(count))
        return
    _task = task
    try:
        with multiprocessing.get_context("fork").Pool(workers, initializer=_quiet_signals) as pool:
            yield from pool.imap(_run, range(count))
    finally:
        _task = None
