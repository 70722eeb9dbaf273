"""Runs `python build.py build` on a project and stops it at one point of the pipeline, as a
killed CI job, a closed laptop or a late fault would: `python fault_driver.py PROJECT POINT HOW`.

POINT is a stage boundary (after-load, after-plan, mid-pages, after-profiles, after-files,
mid-commit, committed; first-commit: the third move of a build into an empty folder); HOW is
kill (SIGKILL), term (SIGTERM), interrupt (Ctrl-C) or raise
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
if point == "mid-pages":
    # Stop after the third generated page is recorded (pages are rendered by the core).
    original_record = publish.OutputFolder.record_group
    recorded = [0]

    def record_group(self: publish.OutputFolder, group: str, *args: object) -> None:
        original_record(self, group, *args)  # type: ignore[arg-type]
        if group.startswith("page:") and not group.startswith("page:earners/"):
            recorded[0] += 1
            if recorded[0] == 3:
                stop()

    publish.OutputFolder.record_group = record_group  # type: ignore[method-assign]
after(stages.Build, "profiles", "after-profiles")
after(stages.Build, "make_files", "after-files")
after(publish, "_install_manifests", "committed")  # the journal says committed; manifests not yet in place

if point in ("mid-commit", "first-commit"):
    # Stop after 40 files have been moved into site/ (a first build moves whole folders: 3 moves).
    stop_at = 40 if point == "mid-commit" else 3
    original_replace = os.replace
    moved = [0]
    original_move_in = publish._move_in

    def move_in(*args: object) -> None:
        def counting_replace(source: object, target: object) -> None:
            original_replace(source, target)  # type: ignore[arg-type]
            moved[0] += 1
            if moved[0] == stop_at:
                stop()

        publish.os.replace = counting_replace  # type: ignore[assignment]
        try:
            original_move_in(*args)  # type: ignore[arg-type]
        finally:
            publish.os.replace = original_replace  # type: ignore[assignment]

    publish._move_in = move_in  # type: ignore[assignment]

sys.exit(main(["--config-file", str(project / "mkdocs.yml"), "build"]))
