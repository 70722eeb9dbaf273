"""The build cache (build/.cache/cache.sqlite) can miss but never lie, run code or fail a build:
an editor saving mid-build, a planted pickle, a damaged or locked file all end in the site a
clean build gives."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import pickle
import shutil
import sqlite3
from pathlib import Path

import pytest
from cairn.pipeline.cache import ContentCache
from conftest import REPO, run_cli


def tree(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def everything_in(site: Path) -> str:
    return "".join(p.read_text("utf-8", errors="replace") for p in site.rglob("*") if p.is_file())


def cache_warnings(err: str) -> list[str]:
    return [line for line in err.splitlines() if "build cache" in line]


CACHE = Path("build") / ".cache" / ContentCache.FILE


def test_an_award_naming_a_credential_by_its_old_id_counts_with_a_warning(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # catalog/project-based-learning/project-sprints.md: aliases: [scrum-boards]
    kevin = project / "earners" / "kevin-obrien.yml"
    kevin.write_text(
        kevin.read_text(encoding="utf-8").replace("credential: project-sprints", "credential: scrum-boards"), "utf-8"
    )
    award_id = "7uvdknlqontnkmx5ff7z6ioqpm"  # that award's id in the file
    assert run_cli(project, "build") == 0
    err = capsys.readouterr().err
    assert "'scrum-boards' is the old id of 'project-sprints'" in err
    assertion = json.loads((project / "site" / "assertions" / f"{award_id}.json").read_text(encoding="utf-8"))
    assert assertion["badge"].endswith("/badges/project-sprints.json")


def test_an_earner_file_saved_while_the_build_reads_it_cannot_poison_the_cache(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`serve` rebuilds as an editor saves: Hannah is made public for a moment, then the
    change is undone. Once the file says `public: false` again, she appears nowhere."""
    hannah = project / "earners" / "hannah-kowalski.yml"
    private = hannah.read_bytes()
    assert b"\npublic: false\n" in private
    public = private.replace(b"\npublic: false\n", b"\npublic: true\nslug: hannah-kowalski\n")
    read_bytes = Path.read_bytes
    saved = []

    def read_then_the_editor_saves(path: Path) -> bytes:
        data = read_bytes(path)
        if path.name == hannah.name and not saved:
            saved.append(path)
            hannah.write_bytes(public)
        return data

    monkeypatch.setattr(Path, "read_bytes", read_then_the_editor_saves)
    assert run_cli(project, "build") == 0
    monkeypatch.undo()
    assert saved

    hannah.write_bytes(private)  # the editor's undo
    assert run_cli(project, "build") == 0
    site = project / "site"
    assert not (site / "earners" / "hannah-kowalski").exists()
    assert "Hannah Kowalski" not in everything_in(site)


class _Planted:
    """What an attacker who can write build/.cache would store: a pickle that runs code."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, ...]:
        return (Path.touch, (self.marker,))


def test_a_pickle_planted_in_the_cache_is_never_run(project: Path, tmp_path: Path) -> None:
    assert run_cli(project, "build") == 0
    clean = tree(project / "site")
    marker = tmp_path / "the-cache-ran-code"
    planted = pickle.dumps(_Planted(marker), protocol=pickle.HIGHEST_PROTOCOL)
    with sqlite3.connect(project / CACHE) as db:
        assert db.execute("UPDATE entry SET value = ?", (planted,)).rowcount > 0
    db.close()

    shutil.rmtree(project / "site")  # everything in it is then this build's own work
    code = run_cli(project, "build")
    assert not marker.exists(), "the cache ran code"
    assert code == 0
    assert tree(project / "site") == clean


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_a_damaged_cache_file_is_set_aside_with_one_warning(
    project: Path, capsys: pytest.CaptureFixture[str], damage: str
) -> None:
    assert run_cli(project, "build") == 0
    clean = tree(project / "site")
    database = project / CACHE
    for sidecar in database.parent.glob(database.name + "-*"):  # -wal, -shm: as if after a crash
        sidecar.unlink()
    data = database.read_bytes()
    if damage == "garbage":
        database.write_bytes(hashlib.sha256(b"noise").digest() * (len(data) // 32))
    else:
        database.write_bytes(data[: len(data) // 3])
    capsys.readouterr()

    shutil.rmtree(project / "site")
    assert run_cli(project, "build") == 0
    warnings = cache_warnings(capsys.readouterr().err)
    assert len(warnings) == 1, warnings
    assert "damaged" in warnings[0] and "set aside" in warnings[0]
    assert tree(project / "site") == clean
    assert (database.parent / (database.name + ".damaged")).is_file()
    if damage == "truncated":
        return
    assert run_cli(project, "build") == 0  # the next build uses the fresh cache, silently
    assert cache_warnings(capsys.readouterr().err) == []
    assert tree(project / "site") == clean


def test_a_cache_turned_off_misses_and_writes_nothing(tmp_path: Path) -> None:
    root = tmp_path / ".cache"
    cache = ContentCache(root, enabled=False)
    key = ContentCache.key("anything")
    cache.put(key, b"value")
    cache.flush()
    assert cache.get(key) is None
    assert not root.exists()


def test_a_locked_cache_is_a_miss_with_one_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Another build holds the cache: this one waits a moment, then works without it."""
    root = tmp_path / ".cache"
    first = ContentCache(root)
    first.put(ContentCache.key("a"), b"one")
    first.flush()
    holder = sqlite3.connect(root / ContentCache.FILE, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    monkeypatch.setattr(ContentCache, "TIMEOUT", 0.05)
    caplog.set_level(logging.WARNING, "mkdocs.plugins.cairn")
    try:
        second = ContentCache(root)
        for name in "bcdefg":  # "a" may still be read: in WAL mode a writer does not stop readers
            assert second.get(ContentCache.key(name)) is None
            second.put(ContentCache.key(name), b"two")
        second.flush()
    finally:
        holder.rollback()
        holder.close()
    warnings = [r.getMessage() for r in caplog.records if "build cache" in r.getMessage()]
    assert len(warnings) == 1, warnings
    assert (root / ContentCache.FILE).is_file()  # in use, not damaged: left where it is
    assert ContentCache(root).get(ContentCache.key("a")) == b"one"


def test_a_damaged_or_foreign_value_is_a_miss(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    root = tmp_path / ".cache"
    cache = ContentCache(root)
    keys = [ContentCache.key(str(n)) for n in range(5)]
    for key in keys:
        cache.put(key, b"a badge image, say")
    cache.flush()
    with sqlite3.connect(root / ContentCache.FILE) as db:
        value = db.execute("SELECT value FROM entry WHERE key = ?", (keys[1],)).fetchone()[0]
        db.execute("UPDATE entry SET value = ? WHERE key = ?", (value[:-1] + b"!", keys[0]))  # a flipped byte
        db.execute("UPDATE entry SET value = ? WHERE key = ?", (value[:5], keys[2]))  # cut short
        db.execute("UPDATE entry SET value = ? WHERE key = ?", (10**12, keys[3]))  # not bytes at all
        db.execute("UPDATE entry SET value = ? WHERE key = ?", (value, keys[4]))  # another key's entry
    db.close()
    caplog.set_level(logging.WARNING, "mkdocs.plugins.cairn")
    reopened = ContentCache(root)
    assert [reopened.get(key) for key in keys] == [None, b"a badge image, say", None, None, None]
    assert len([r for r in caplog.records if "build cache" in r.getMessage()]) == 1


def test_every_sample_earner_comes_back_from_the_cache_as_parsed(tmp_path: Path) -> None:
    from cairn.pipeline import codec
    from cairn.sources.load import Sources, load_district

    sources = Sources(catalog=REPO / "catalog", earners=REPO / "earners", root=REPO)
    district, problems = load_district(sources, dt.date.today())
    assert district.earners
    for earner in district.earners:
        mine = [p for p in problems.items if p.path == f"earners/{earner.source.name}"]
        back = codec.decode_earner_file(codec.encode_earner_file(earner, mine, earner.digest), earner.digest)
        assert back is not None
        assert back == (earner, mine)
        assert back[0] is not None and back[0].digest == earner.digest
        assert type(back[0].source) is type(earner.source)
        assert all(isinstance(a.evidence, tuple) for a in back[0].awards)


def test_an_entry_that_is_not_exactly_a_cached_earner_is_a_miss() -> None:
    from cairn.pipeline import codec
    from cairn.sources.load import Sources, load_district

    sources = Sources(catalog=REPO / "catalog", earners=REPO / "earners", root=REPO)
    district, _ = load_district(sources, dt.date.today())
    earner = next(e for e in district.earners if any(a.revoked for a in e.awards))
    good = codec.encode_earner_file(earner, [], earner.digest)
    assert codec.decode_earner_file(good, earner.digest) is not None
    document = json.loads(good)

    def variant(change: object) -> bytes:
        copy = json.loads(good)
        change(copy)  # type: ignore[operator]
        return json.dumps(copy).encode()

    bad = [
        b"",
        good[: len(good) // 2],
        b"\x80\x04\x95",  # a pickle's first bytes
        b"[1, 2, 3]",
        b"{" * 100_000,
        b"NaN",
        good.replace(b'"issued"', b'"issue"', 1),
        variant(lambda d: d.update(format=999)),
        variant(lambda d: d.update(key="0" * 64)),  # an entry stored under another key
        variant(lambda d: d["earner"].update(public="yes")),
        variant(lambda d: d["earner"].update(public=1)),
        variant(lambda d: d["earner"].update(name=None)),
        variant(lambda d: d["earner"].update(extra=1)),
        variant(lambda d: d["earner"]["awards"][0].update(line=True)),
        variant(lambda d: d["earner"]["awards"][0].update(issued="2025-02-30")),
        variant(lambda d: d["earner"]["awards"][0].update(issued=20250101)),
        variant(lambda d: d["earner"]["awards"][0].update(evidence={"url": "x"})),
        variant(lambda d: d["earner"]["awards"][0].update(revoked={"date": "2025-01-01"})),
        variant(lambda d: d["earner"].update(aliases=[1])),
        variant(lambda d: d.update(problems=[["earners/x.yml", 1, "m", "h"]])),
        variant(lambda d: d.update(problems=[{"path": "x", "line": "1", "message": "", "hint": "", "warning": False}])),
    ]
    assert document["earner"]["awards"]
    for data in bad:
        assert codec.decode_earner_file(data, earner.digest) is None, data[:80]


def test_build_no_cache_trusts_nothing_cached_and_gives_the_same_site(project: Path, tmp_path: Path) -> None:
    """`build --no-cache` with a cache full of wrong entries: none is read, none is written,
    and the site is a clean build's."""
    assert run_cli(project, "build") == 0
    clean = tree(project / "site")
    database = project / "build" / ".cache" / "cache.sqlite"
    before = database.read_bytes()
    connection = sqlite3.connect(database)
    connection.execute("UPDATE entry SET value = ?", (b"wrong",))
    connection.commit()
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # into the file itself
    connection.close()
    wrong = database.read_bytes()
    shutil.rmtree(project / "site")
    assert run_cli(project, "build", "--no-cache") == 0
    assert tree(project / "site") == clean
    assert database.read_bytes() == wrong != before  # not read, not written
