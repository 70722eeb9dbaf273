"""The committee builds again when nothing changed (a CI job on a push that touched nothing
Cairn reads, a second `make build`): Cairn sees that at once and says so, and anything that
did change, however it was changed, is built."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from cairn.commands.cli import main as cairn_main
from cairn.pipeline.unchanged import SETTLE_SECONDS
from conftest import run_cli

NOTHING = "nothing changed"


def build(project: Path, capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert run_cli(project, "build") == 0
    return capsys.readouterr().err


def settle() -> None:
    # A change this close before a build leaves no stamp (it could hide in one clock tick).
    time.sleep(SETTLE_SECONDS + 0.1)


def built_twice(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The first build after copying the sample, then one that records its inputs as settled."""
    build(project, capsys)
    settle()
    assert NOTHING not in build(project, capsys)


def mtimes(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def test_a_build_with_nothing_changed_stops_at_once_and_gives_the_same_warnings(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "earners" / "notes.txt").write_text("to do: ask Ana about her evidence\n", encoding="utf-8")
    build(project, capsys)
    settle()
    first = build(project, capsys)
    assert "notes.txt" in first and NOTHING not in first
    site, private = mtimes(project / "site"), mtimes(project / "build")

    again = build(project, capsys)

    assert NOTHING in again
    assert "earners/notes.txt:1: warning: not an earner file" in again  # the committee still hears of it
    assert mtimes(project / "site") == site
    assert mtimes(project / "build") == private


def test_an_earner_file_changed_keeping_its_size_and_time_is_built(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    built_twice(project, capsys)
    ana = project / "earners" / "ana-ruiz.yml"
    before = ana.stat()
    text = ana.read_text(encoding="utf-8")
    assert "name: Ana Ruiz" in text
    ana.write_text(text.replace("name: Ana Ruiz", "name: Ana Ruis"), encoding="utf-8")  # same length
    os.utime(ana, ns=(before.st_atime_ns, before.st_mtime_ns))  # as a copy that keeps times would
    assert (ana.stat().st_size, ana.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)

    assert NOTHING not in build(project, capsys)

    assert "Ana Ruis" in (project / "site" / "earners" / "ana-ruiz" / "index.html").read_text(encoding="utf-8")


def test_a_file_put_into_the_site_by_hand_or_deleted_from_it_is_put_right(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    built_twice(project, capsys)
    (project / "site" / "stray.html").write_text("<p>mine</p>", encoding="utf-8")
    profile = project / "site" / "earners" / "ana-ruiz" / "index.html"
    profile.unlink()

    err = build(project, capsys)

    assert NOTHING not in err and "stray.html" in err
    assert not (project / "site" / "stray.html").exists()
    assert profile.is_file()
    settle()
    assert NOTHING in build(project, capsys)


def test_a_new_day_a_new_signing_key_or_another_theme_is_built(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    built_twice(project, capsys)
    assert NOTHING in build(project, capsys)

    # Tomorrow, expiry is judged again.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(time.time()) + 86_400))
    assert NOTHING not in build(project, capsys)

    # A new key signs every credential again.
    assert cairn_main(["key", "--print"]) == 0
    monkeypatch.setenv("CAIRN_SIGNING_KEY", capsys.readouterr().out.strip())
    did = project / "site" / ".well-known" / "did.json"
    key_before = json.loads(did.read_text(encoding="utf-8"))["verificationMethod"][0]["publicKeyMultibase"]
    assert NOTHING not in build(project, capsys)
    assert json.loads(did.read_text(encoding="utf-8"))["verificationMethod"][0]["publicKeyMultibase"] != key_before

    # The theme's templates are read too.
    settle()
    assert NOTHING in build(project, capsys)
    template = next((project / "theme").rglob("profile.html"))
    template.write_text(template.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert NOTHING not in build(project, capsys)


def test_a_publishing_journal_left_open_is_dealt_with_first(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    built_twice(project, capsys)
    journal = project / "build" / ".cache" / "publish-journal.json"
    journal.write_text("{", encoding="utf-8")  # as a build killed while publishing could leave it

    err = build(project, capsys)

    assert NOTHING not in err and "journal" in err
    assert not journal.exists()
