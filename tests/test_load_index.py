"""A rebuild reads only the earner files that changed: each build keeps, in its cache, what the
file system said of every earner file it read (size, modification and change times, inode)
and the key of what the file gave, and does not read a file that still looks the same. Every
build says how many earner files it read. However a file was changed, the next build sees it.

The sample district's earner files are copied just before each test: a file changed within
SETTLE_SECONDS of a build is read again by the next one, so each test first lets them settle."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
from cairn.pipeline.unchanged import SETTLE_SECONDS
from conftest import run_cli

AHMED = Path("earners") / "ahmed-hassan.yml"  # public: his profile shows his bio
BIO = "Ahmed teaches third grade"
PROFILE = Path("site") / "earners" / "ahmed-hassan" / "index.html"


def settle() -> None:
    time.sleep(SETTLE_SECONDS + 0.1)


def build(project: Path, capsys: pytest.CaptureFixture[str], *options: str, code: int = 0) -> str:
    capsys.readouterr()
    assert run_cli(project, "build", *options) == code
    return capsys.readouterr().err


def files_read(err: str) -> tuple[int, int]:
    """What the build said: earner files read, and not read because they were as last read."""
    found = re.findall(r"cairn: earner files: ([\d,]+) read, ([\d,]+) unchanged since last read", err)
    assert len(found) == 1, err
    read, unchanged = found[0]
    return int(read.replace(",", "")), int(unchanged.replace(",", ""))


def earner_files(project: Path) -> int:
    return sum(1 for p in (project / "earners").glob("*.yml") if not p.name.startswith("_"))


def built_and_settled(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The district built once with every earner file settled, so that all of them are indexed."""
    settle()
    assert files_read(build(project, capsys)) == (earner_files(project), 0)


def profile(project: Path) -> str:
    return (project / PROFILE).read_text(encoding="utf-8")


def test_a_rebuild_after_one_earner_file_changed_reads_that_file_alone(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    built_and_settled(project, capsys)
    ahmed = project / AHMED
    ahmed.write_text(ahmed.read_text(encoding="utf-8").replace(BIO, "Ahmed teaches fourth grade"), "utf-8")
    assert files_read(build(project, capsys)) == (1, earner_files(project) - 1)
    assert "Ahmed teaches fourth grade" in profile(project)


def test_an_earner_file_edited_in_place_to_the_same_size_and_modification_time_is_read(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A tool that keeps the modification time (a restore, `touch -r`, a copy with -p) still
    changes the file's change time, which no tool sets back."""
    built_and_settled(project, capsys)
    ahmed = project / AHMED
    before = ahmed.stat()
    with ahmed.open("r+b") as file:  # the same bytes but one word, written in place
        data = file.read()
        file.seek(0)
        file.write(data.replace(BIO.encode(), b"Ahmed teaches fifth grade"))
    os.utime(ahmed, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = ahmed.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (before.st_size, before.st_mtime_ns, before.st_ino)

    assert files_read(build(project, capsys)) == (1, earner_files(project) - 1)
    assert "Ahmed teaches fifth grade" in profile(project)


def test_an_earner_file_replaced_by_another_with_the_same_size_and_modification_time_is_read(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A checkout or sync tool writes a new file beside and renames it over the old one."""
    built_and_settled(project, capsys)
    ahmed = project / AHMED
    before = ahmed.stat()
    replacement = ahmed.with_name(ahmed.name + ".tmp")
    replacement.write_text(ahmed.read_text(encoding="utf-8").replace(BIO, "Ahmed teaches fifth grade"), "utf-8")
    os.utime(replacement, ns=(before.st_atime_ns, before.st_mtime_ns))
    os.replace(replacement, ahmed)
    after = ahmed.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert after.st_ino != before.st_ino

    assert files_read(build(project, capsys)) == (1, earner_files(project) - 1)
    assert "Ahmed teaches fifth grade" in profile(project)


def test_an_earner_file_saved_while_the_build_reads_it_is_read_again_by_the_next_build(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`serve` rebuilds as an editor saves. What the build read is indexed under what the file
    system said before the read: a save after that is seen next time, never taken for the
    text read."""
    built_and_settled(project, capsys)
    ahmed = project / AHMED
    first = ahmed.read_text(encoding="utf-8").replace(BIO, "Ahmed teaches fifth grade")
    ahmed.write_text(first, "utf-8")
    settle()  # so that this build indexes what it reads of the file
    read_bytes = Path.read_bytes
    saved = []

    def read_then_the_editor_saves(path: Path) -> bytes:
        data = read_bytes(path)
        if path.name == ahmed.name and not saved:
            saved.append(path)
            ahmed.write_text(first.replace("fifth grade", "sixth grade"), "utf-8")
        return data

    monkeypatch.setattr(Path, "read_bytes", read_then_the_editor_saves)
    assert files_read(build(project, capsys)) == (1, earner_files(project) - 1)
    monkeypatch.undo()
    assert saved
    assert "Ahmed teaches fifth grade" in profile(project)  # what it read

    assert files_read(build(project, capsys)) == (1, earner_files(project) - 1)
    assert "Ahmed teaches sixth grade" in profile(project)


def test_a_warning_about_an_earner_file_is_given_again_by_a_build_that_does_not_read_it(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # catalog/project-based-learning/project-sprints.md: aliases: [scrum-boards]
    kevin = project / "earners" / "kevin-obrien.yml"
    kevin.write_text(
        kevin.read_text(encoding="utf-8").replace("credential: project-sprints", "credential: scrum-boards"), "utf-8"
    )
    warning = "'scrum-boards' is the old id of 'project-sprints'"
    settle()
    err = build(project, capsys)
    assert err.count(warning) == 1
    ahmed = project / AHMED
    ahmed.write_text(ahmed.read_text(encoding="utf-8").replace(BIO, "Ahmed teaches fourth grade"), "utf-8")

    err = build(project, capsys)
    assert files_read(err) == (1, earner_files(project) - 1)  # not Kevin's file
    assert err.count(warning) == 1
    assert "earners/kevin-obrien.yml" in next(line for line in err.splitlines() if warning in line)


def test_unchanged_earner_files_are_checked_again_against_a_changed_catalog(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A credential set back to draft: the files that award it are read and checked again,
    though none of them changed."""
    built_and_settled(project, capsys)
    spec = project / "catalog" / "culturally-responsive-teaching" / "translanguaging-discussions.md"
    spec.write_text(spec.read_text(encoding="utf-8").replace("status: active", "status: draft", 1), "utf-8")

    err = build(project, capsys, code=1)
    assert files_read(err) == (earner_files(project), 0)
    assert "earners/lucia-fernandez.yml" in err
    assert "'translanguaging-discussions' is a draft and cannot be awarded" in err


def test_build_no_cache_reads_every_earner_file(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    built_and_settled(project, capsys)
    assert files_read(build(project, capsys, "--no-cache")) == (earner_files(project), 0)


def test_an_index_that_is_not_exactly_an_index_is_a_miss() -> None:
    """Whoever can write the cache can at most make a build read every earner file again."""
    from cairn.pipeline import codec
    from cairn.pipeline.cache import ContentCache

    facts = ContentCache.key("facts")
    key = ContentCache.key("a result")
    good = codec.encode_index(facts, {"/district/earners/ahmed-hassan.yml": ("33188 1459 1 2 3 4", key)})
    assert codec.decode_index(good, facts) == {"/district/earners/ahmed-hassan.yml": ("33188 1459 1 2 3 4", key)}
    assert codec.decode_index(good, ContentCache.key("other facts")) == {}  # another catalog: nothing known
    bad = [
        b"",
        good[: len(good) // 2],
        b"\x80\x04\x95",  # a pickle's first bytes
        b"[1, 2, 3]",
        b"{" * 100_000,
        good.replace(b'"format":1', b'"format":2'),
        good.replace(b'"files"', b'"file"'),
        good.replace(key.encode(), b"../../etc/passwd"),  # not a key
        good.replace(key.encode(), key.upper().encode()),
        good.replace(b'"33188 1459 1 2 3 4"', b"33188"),
        good.replace(b'"]}', b'",1]}'),
    ]
    for data in bad:
        assert codec.decode_index(data, facts) is None, data[:80]
