"""A build stopped anywhere (killed, terminated, interrupted, or failing inside) never leaves
behind what its sources no longer say.

The story each test replays, at every stage boundary of the pipeline: the committee opts a
non-public earner in and builds; that build stops; they undo the opt-in and build again,
twice. Both builds succeed, and site/ and the private folder are byte for byte what a
clean build of the same sources gives: the earner is nowhere."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import copy_project, run_cli

POINTS = ("after-load", "after-plan", "mid-pages", "after-profiles", "after-files", "mid-commit", "committed")
DRIVER = Path(__file__).with_name("fault_driver.py")
HIDDEN = "Hannah Kowalski"  # not public in the sample


def tree(folder: Path, skip: str = ".cache") -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and skip not in p.relative_to(folder).parts
    }


def outputs(project: Path) -> tuple[dict[str, str], dict[str, str]]:
    return tree(project / "site"), tree(project / "build")


@pytest.fixture(scope="module")
def clean_outputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], dict[str, str]]:
    """The sample built once from nothing: what every recovered folder must equal."""
    project = copy_project(tmp_path_factory.mktemp("clean"))
    assert run_cli(project, "build") == 0
    return outputs(project)


def hidden_earner_file(project: Path) -> Path:
    return next(p for p in (project / "earners").glob("*.yml") if f"name: {HIDDEN}" in p.read_text("utf-8"))


def opt_in(path: Path) -> str:
    original = path.read_text(encoding="utf-8")
    assert "\npublic: false" in original
    opted_in = original.replace("\npublic: false", "\npublic: true\nslug: hannah-kowalski", 1)
    path.write_text(opted_in, encoding="utf-8")
    return original


def stopped_build(project: Path, point: str, how: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(DRIVER), str(project), point, how], capture_output=True, text=True, timeout=300
    )


def leftovers(project: Path) -> list[str]:
    """Stage folders and temporary files a build made and did not take away."""
    found = [p.name for p in project.iterdir() if p.name.startswith(".") and "stage" in p.name]
    found += [p.name for p in project.rglob("*.tmp")]
    return found


@pytest.mark.parametrize(
    ("how", "points"),
    [
        ("kill", POINTS),
        ("raise", POINTS),
        # SIGTERM and Ctrl-C take one path (KeyboardInterrupt): a few points each.
        ("term", ("mid-pages", "after-files", "mid-commit")),
        ("interrupt", ("after-profiles", "mid-commit")),
    ],
)
def test_a_build_stopped_at_any_stage_leaves_no_trace_once_the_sources_are_undone(
    how: str, points: tuple[str, ...], tmp_path: Path, clean_outputs: tuple[dict[str, str], dict[str, str]]
) -> None:
    project = copy_project(tmp_path / "district")
    assert run_cli(project, "build") == 0
    earner = hidden_earner_file(project)
    for point in points:
        before = outputs(project)
        original = opt_in(earner)
        stopped = stopped_build(project, point, how)
        assert stopped.returncode != 0, f"{point}: the build was not stopped\n{stopped.stderr[-2000:]}"
        assert "Traceback" not in stopped.stderr, f"{point}/{how}: a traceback\n{stopped.stderr[-3000:]}"
        if how != "kill":
            if point != "committed":  # past the commit point the new site stands, whole
                assert outputs(project) == before, f"{point}/{how}: a failed build changed the published folders"
            assert leftovers(project) == [], f"{point}/{how}: left behind {leftovers(project)}"
        earner.write_text(original, encoding="utf-8")
        for _ in range(2):
            assert run_cli(project, "build") == 0, point
            site, private = outputs(project)
            assert site == clean_outputs[0], f"{point}/{how}: site/ differs from a clean build"
            assert private == clean_outputs[1], f"{point}/{how}: the private folder differs from a clean build"
            assert not any(HIDDEN in p.read_text("utf-8", "replace") for p in (project / "site").rglob("*.html"))
        assert leftovers(project) == []


@pytest.mark.parametrize("how", ["kill", "raise"])
def test_a_first_build_stopped_while_publishing_leaves_nothing_and_the_next_makes_the_whole_site(
    how: str, tmp_path: Path, clean_outputs: tuple[dict[str, str], dict[str, str]]
) -> None:
    # A first build moves whole folders into site/ (one rename for 50,000 assertions): each
    # must go again as a whole when the build does not finish.
    project = copy_project(tmp_path / "district")
    stopped = stopped_build(project, "first-commit", how)
    assert stopped.returncode != 0, stopped.stderr[-2000:]
    assert "Traceback" not in stopped.stderr, stopped.stderr[-3000:]
    if how != "kill":
        assert tree(project / "site") == {}  # as before the build: nothing
        assert leftovers(project) == []
    assert run_cli(project, "build") == 0
    assert outputs(project) == clean_outputs
    assert leftovers(project) == []


def test_a_file_put_in_site_by_hand_is_removed_with_a_warning_that_says_where_it_belongs(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(project, "build") == 0
    (project / "site" / "CNAME").write_text("badges.example.org\n", encoding="utf-8")
    assert run_cli(project, "build") == 0
    assert not (project / "site" / "CNAME").exists()
    err = capsys.readouterr().err
    assert "CNAME" in err and "content folder" in err
    # Its documented home: content/, published as it is.
    (project / "content" / "CNAME").write_text("badges.example.org\n", encoding="utf-8")
    assert run_cli(project, "build") == 0
    assert (project / "site" / "CNAME").read_text(encoding="utf-8") == "badges.example.org\n"
    assert run_cli(project, "build") == 0
    assert (project / "site" / "CNAME").is_file()


def test_a_full_disk_while_staging_leaves_the_site_as_it_was(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """ENOSPC from the first file staged after the pages: the build fails with a clear message,
    site/ is untouched and nothing temporary is left."""
    from cairn.pipeline import publish

    assert run_cli(project, "build") == 0
    before = outputs(project)
    opt_in(hidden_earner_file(project))
    real = publish.OutputFolder._stage_bytes

    def full_disk(self: publish.OutputFolder, relative: str, content: bytes) -> None:
        if relative.startswith("assertions/"):
            raise OSError(28, "No space left on device")
        real(self, relative, content)

    monkeypatch.setattr(publish.OutputFolder, "_stage_bytes", full_disk)
    assert run_cli(project, "build") != 0
    assert outputs(project) == before
    assert leftovers(project) == []
