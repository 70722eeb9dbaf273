"""Runs `python build.py build` on a project and stops it at one point of the pipeline, as a
killed CI job, a closed laptop or a late fault would: `python fault_driver.py PROJECT POINT HOW`.

POINT is a stage boundary (after-load, after-plan, mid-pages, after-profiles, after-files,
mid-commit, committed); HOW is kill (SIGKILL), term (SIGTERM), interrupt (Ctrl-C) or raise
(an exception inside the build). The build's own code is not changed: its stages are
wrapped from outside, here."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from cairn.commands.cli import main
from cairn.pipeline import publish, stages

project, point, how = Path(sys.argv[1]), sys.argv[2], sys.argv[3]


class Fault(RuntimeError):
    pass


def stop() -> None:
    if how == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    if how == "term":
        os.kill(os.getpid(), signal.SIGTERM)
    if how == "interrupt":
        os.kill(os.getpid(), signal.SIGINT)
    raise Fault(f"injected fault at {point}")


def after(owner: object, name: str, when: str, count: int = 1) -> None:
    original = getattr(owner, name)
    calls = [0]

    def wrapped(*args: object, **kwargs: object) -> object:
        if when == point:
            calls[0] += 1
            if calls[0] > count:
                stop()
        result = original(*args, **kwargs)
        if when == point and calls[0] == count:
            stop()
        return result

    setattr(owner, name, wrapped)


after(stages.Build, "load", "after-load")
after(stages.Build, "plan", "after-plan")
after(stages.Build, "page_rendered", "mid-pages", count=3)
after(stages.Build, "profiles", "after-profiles")
after(stages.Build, "make_files", "after-files")
after(publish, "_install_manifests", "committed")  # the journal says committed; manifests not yet in place

if point == "mid-commit":
    # Stop after 40 files have been moved into site/.
    original_replace = os.replace
    moved = [0]
    original_move_in = publish._move_in

    def move_in(*args: object) -> None:
        def counting_replace(source: object, target: object) -> None:
            original_replace(source, target)  # type: ignore[arg-type]
            moved[0] += 1
            if moved[0] == 40:
                stop()

        publish.os.replace = counting_replace  # type: ignore[assignment]
        try:
            original_move_in(*args)  # type: ignore[arg-type]
        finally:
            publish.os.replace = original_replace  # type: ignore[assignment]

    publish._move_in = move_in  # type: ignore[assignment]

sys.exit(main(["--config-file", str(project / "mkdocs.yml"), "build"]))
