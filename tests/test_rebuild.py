"""The committee rebuilds after small changes: only what changed is written, and the site is
exactly what a fresh build of the same files gives, deletions included."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
from pathlib import Path

import pytest
from cairn.adapters.mkdocs import render
from conftest import run_cli, unpack_credentials


def tree(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def stamps(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def fresh_build_of(project: Path, elsewhere: Path) -> dict[str, str]:
    """The same sources built from nothing (no site, no cache) in another folder."""
    shutil.copytree(project, elsewhere, ignore=shutil.ignore_patterns("site", "build"))
    assert run_cli(elsewhere, "build") == 0
    return tree(elsewhere / "site")


def award_ids(path: Path) -> list[str]:
    return [line.split(":", 1)[1].strip() for line in path.read_text(encoding="utf-8").splitlines() if "  id:" in line]


def test_a_rebuild_with_nothing_changed_writes_no_file(project: Path) -> None:
    assert run_cli(project, "build") == 0
    before = stamps(project / "site")
    private_before = stamps(project / "build" / "credentials")
    assert run_cli(project, "build") == 0
    assert stamps(project / "site") == before  # a host sync would upload nothing
    assert stamps(project / "build" / "credentials") == private_before


def test_an_earner_who_stops_being_public_disappears_and_the_rest_matches_a_fresh_build(
    project: Path, tmp_path: Path
) -> None:
    assert run_cli(project, "build") == 0
    ana = project / "earners" / "ana-ruiz.yml"
    ids = award_ids(ana)
    assert (project / "site" / "earners" / "ana-ruiz" / "index.html").is_file()
    assert any((project / "site" / "ob3" / f"{i}.json").is_file() for i in ids)
    text = ana.read_text(encoding="utf-8")
    assert "public: true" in text
    ana.write_text(text.replace("public: true", "public: false"), encoding="utf-8")
    wait_time = project / "catalog" / "formative-assessment" / "wait-time.md"
    wait_time.write_text(wait_time.read_text(encoding="utf-8").replace("Wait Time", "Wait Time, Revised", 1), "utf-8")

    assert run_cli(project, "build") == 0
    site = project / "site"
    assert not (site / "earners" / "ana-ruiz").exists()
    assert not any((site / "ob3" / f"{i}.json").exists() for i in ids)
    assert all((site / "assertions" / f"{i}.json").is_file() for i in ids)  # badges stay verifiable
    everything = "".join(p.read_text("utf-8", errors="replace") for p in site.rglob("*") if p.is_file())
    assert "Ana Ruiz" not in everything
    assert "Wait Time, Revised" in (site / "credentials" / "wait-time" / "index.html").read_text(encoding="utf-8")
    assert tree(site) == fresh_build_of(project, tmp_path / "fresh")


def test_a_changed_template_renders_every_page_that_uses_it_again(project: Path) -> None:
    assert run_cli(project, "build") == 0
    changed = (
        ("profile.html", "<!-- profile v2 -->"),
        ("credential.html", "<!-- credential v2 -->"),
        ("milestone.html", "<!-- milestone v2 -->"),
    )
    for name, marker in changed:
        template = project / "theme" / name
        text = template.read_text(encoding="utf-8")
        template.write_text(text.replace("{% block cairn_content %}", "{% block cairn_content %}" + marker), "utf-8")
    assert run_cli(project, "build") == 0
    site = project / "site"
    pages = [p for p in site.glob("*/*/index.html") if 'http-equiv="refresh"' not in p.read_text(encoding="utf-8")]
    profiles = [p for p in pages if p.parent.parent.name == "earners"]
    milestones = {p.stem for p in (project / "catalog" / "_milestones").glob("*.md")}
    credentials = [p for p in pages if p.parent.parent.name == "credentials" and p.parent.name not in milestones]
    milestone_pages = [p for p in pages if p.parent.parent.name == "credentials" and p.parent.name in milestones]
    assert profiles and credentials and milestone_pages
    assert all("<!-- profile v2 -->" in p.read_text(encoding="utf-8") for p in profiles)
    assert all("<!-- credential v2 -->" in p.read_text(encoding="utf-8") for p in credentials)
    assert all("<!-- milestone v2 -->" in p.read_text(encoding="utf-8") for p in milestone_pages)


def test_a_changed_setting_reaches_every_award_file(project: Path, tmp_path: Path) -> None:
    assert run_cli(project, "build") == 0
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("name: Maple Valley Unified School District", "name: Maple Valley USD"), "utf-8")
    assert run_cli(project, "build") == 0
    assertion = next((project / "site" / "assertions").glob("*.json"))
    credential = next(unpack_credentials(project).glob("*.json"))
    assert "Maple Valley USD" in (project / "site" / "issuer.json").read_text(encoding="utf-8")
    assert "Maple Valley USD" in credential.read_text(encoding="utf-8")
    assert assertion.is_file()
    assert tree(project / "site") == fresh_build_of(project, tmp_path / "fresh")


def test_files_removed_by_hand_or_a_replaced_site_folder_are_made_again(project: Path) -> None:
    assert run_cli(project, "build") == 0
    whole = tree(project / "site")
    page = project / "site" / "credentials" / "wait-time" / "index.html"
    page.unlink()
    profile = next((project / "site" / "earners").glob("*/index.html"))
    profile.unlink()
    assert run_cli(project, "build") == 0
    assert tree(project / "site") == whole

    # Someone deletes site/ and makes an empty folder there.
    shutil.rmtree(project / "site")
    (project / "site").mkdir()
    assert run_cli(project, "build") == 0
    assert tree(project / "site") == whole


def test_a_site_folder_of_someone_elses_files_is_refused_not_emptied(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A mistyped --site-dir: publishing removes what it did not make, so a folder Cairn never
    published to, holding files, is refused before anything is touched."""
    documents = project.parent / "documents"
    documents.mkdir()
    (documents / "minutes.txt").write_text("committee minutes", encoding="utf-8")
    assert run_cli(project, "build", "--site-dir", str(documents)) == 1
    assert "minutes.txt" in capsys.readouterr().err
    assert sorted(p.name for p in documents.iterdir()) == ["minutes.txt"]
    assert not [p for p in project.parent.iterdir() if "stage" in p.name]


def test_the_private_folder_keeps_what_cairn_did_not_write(project: Path) -> None:
    notes = project / "build" / "committee-notes.txt"
    notes.parent.mkdir(parents=True)
    notes.write_text("ours", encoding="utf-8")
    assert run_cli(project, "build") == 0
    assert run_cli(project, "build") == 0
    assert notes.read_text(encoding="utf-8") == "ours"
    assert os.path.isfile(project / "build" / "award-links.csv")


def test_a_corrected_email_reaches_the_badges_of_that_earner(project: Path, tmp_path: Path) -> None:
    assert run_cli(project, "build") == 0
    ana = project / "earners" / "ana-ruiz.yml"
    first = award_ids(ana)[0]
    before = (project / "site" / "assertions" / f"{first}.json").read_bytes()
    ana.write_text(ana.read_text(encoding="utf-8").replace("ana.ruiz@example.org", "a.ruiz@example.org"), "utf-8")
    assert run_cli(project, "build") == 0
    assert (project / "site" / "assertions" / f"{first}.json").read_bytes() != before  # a new recipient hash
    assert tree(project / "site") == fresh_build_of(project, tmp_path / "fresh")


def test_profiles_made_with_shared_blocks_are_the_bytes_of_a_full_render(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Material's blocks that every profile shows alike are rendered once a build; a profile made
    with them is the same page as one rendered in full, hostile names and all."""
    ana = project / "earners" / "ana-ruiz.yml"
    text = ana.read_text(encoding="utf-8")
    hostile = "name: \"<script>alert('x')</script> O'Brien & </title> {{ 7*7 }}\""
    ana.write_text(text.replace("name: Ana Ruiz", hostile, 1), encoding="utf-8")
    assert hostile in ana.read_text(encoding="utf-8")
    elsewhere = tmp_path / "full"
    shutil.copytree(project, elsewhere)

    with caplog.at_level(logging.DEBUG, logger="mkdocs.plugins.cairn"):
        assert run_cli(project, "build") == 0
    made_once = re.search(r"(\d+) parts that every profile shows alike rendered once", caplog.text)
    assert made_once and int(made_once[1]) >= 5, "the shared blocks were not used"
    caplog.clear()
    monkeypatch.setattr(render, "SHARED_BLOCKS", ())  # every profile rendered in full
    with caplog.at_level(logging.DEBUG, logger="mkdocs.plugins.cairn"):
        assert run_cli(elsewhere, "build") == 0
    assert "rendered once" not in caplog.text

    shared, full = tree(project / "site" / "earners"), tree(elsewhere / "site" / "earners")
    assert len(shared) >= 10
    assert shared == full
    # The generated pages out of the navigation are made the same way, each kind with its own blocks.
    assert re.search(r"(\d+) parts that every page like credentials/.* shows alike rendered once", made_once.string)
    for folder in ("credentials", "topics", "stacks", "schools"):
        assert tree(project / "site" / folder) == tree(elsewhere / "site" / folder), folder
    page = next(p for p in (project / "site" / "earners").glob("*/index.html") if "O&#39;Brien" in p.read_text("utf-8"))
    assert "<script>alert" not in page.read_text(encoding="utf-8")


def test_the_award_links_after_a_renamed_credential_and_earner_are_those_of_a_fresh_build(
    project: Path, tmp_path: Path
) -> None:
    """award-links.csv keeps each earner's rows between builds: a credential's new title and an
    earner's new name still reach the committee's mail merge."""
    assert run_cli(project, "build") == 0
    spec = next((project / "catalog").rglob("wait-time.md"))
    spec.write_text(
        spec.read_text(encoding="utf-8").replace("title: Wait Time", "title: Wait Time Revised", 1), encoding="utf-8"
    )
    ana = project / "earners" / "ana-ruiz.yml"
    ana.write_text(ana.read_text(encoding="utf-8").replace("name: Ana Ruiz", "name: Ana Ruiz-Bell", 1), "utf-8")
    assert run_cli(project, "build") == 0
    links = (project / "build" / "award-links.csv").read_text(encoding="utf-8")
    assert "Wait Time Revised" in links and "Ana Ruiz-Bell" in links
    fresh_build_of(project, tmp_path / "fresh")
    assert links == (tmp_path / "fresh" / "build" / "award-links.csv").read_text(encoding="utf-8")
