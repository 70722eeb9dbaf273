"""The committee runs `python build.py build` and gets the public catalog site."""

from __future__ import annotations

import hashlib
import html
import re
import shutil
from pathlib import Path

import pytest
import yaml
from conftest import REPO, copy_project, run_cli
from PIL import Image

SITE_URL = "http://127.0.0.1:8000/"
SIX = (
    "Competency",
    "Key Method",
    "Method Components",
    "Research &amp; Resources",
    "Submission Criteria",
    "Scoring Rubric",
)


def front_matter(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])


def specs() -> dict[str, dict]:
    return {p.stem: front_matter(p) for p in sorted((REPO / "catalog").glob("[!_]*/*.md"))}


def by_status(status: str) -> list[str]:
    return [cid for cid, meta in specs().items() if meta.get("status", "active") == status]


def test_every_published_credential_has_a_page_with_six_sections_and_a_badge(sample_site: Path) -> None:
    published = by_status("active") + by_status("retired")
    assert len(published) >= 12
    for cid in published:
        page = (sample_site / "credentials" / cid / "index.html").read_text(encoding="utf-8")
        title = html.escape(specs()[cid]["title"], quote=False)
        assert f"<h1>{title}</h1>" in page
        positions = [page.find(f">{section}<") for section in SIX]
        assert -1 not in positions and positions == sorted(positions), (cid, positions)
        assert '<th scope="row">' in page and '<th scope="col">' in page
        with Image.open(sample_site / "badges" / f"{cid}.png") as badge:
            assert badge.size == (512, 512)


def test_drafts_are_not_published_anywhere(sample_site: Path) -> None:
    drafts = by_status("draft")
    assert drafts, "the sample district should show a draft"
    for cid in drafts:
        assert not (sample_site / "credentials" / cid).exists()
        assert not (sample_site / "badges" / f"{cid}.png").exists()
        for page in sample_site.rglob("*"):
            if page.is_file() and page.suffix in (".html", ".json", ".xml"):
                assert f"credentials/{cid}/" not in page.read_text(encoding="utf-8"), page


def test_retired_credentials_keep_their_page_but_leave_the_catalog_list(sample_site: Path) -> None:
    retired = by_status("retired")
    assert retired
    catalog = (sample_site / "credentials" / "index.html").read_text(encoding="utf-8")
    for cid in retired:
        assert f'href="{cid}/"' not in catalog
        page = (sample_site / "credentials" / cid / "index.html").read_text(encoding="utf-8")
        assert "Retired" in page and "no longer offered" in page
    for cid in by_status("active"):
        assert f'href="{cid}/"' in catalog


def test_stacks_topics_and_home_pages_exist_and_link_their_credentials(sample_site: Path) -> None:
    for stack in (REPO / "catalog").iterdir():
        if stack.is_dir() and not stack.name.startswith("_"):  # _milestones/ is no stack
            page = (sample_site / "stacks" / stack.name / "index.html").read_text(encoding="utf-8")
            order = [
                c
                for c in yaml.safe_load((stack / "_stack.yml").read_text())["credentials"]
                if specs()[c].get("status", "active") != "draft"
            ]
            positions = [page.find(f'href="../../credentials/{c}/"') for c in order]
            assert -1 not in positions and positions == sorted(positions), stack.name
    topics = yaml.safe_load((REPO / "catalog" / "_topics.yml").read_text())
    for topic_id, topic in topics.items():
        page = (sample_site / "topics" / topic_id / "index.html").read_text(encoding="utf-8")
        assert html.escape(topic["label"], quote=False) in page
        for cid in by_status("active"):
            if topic_id in specs()[cid]["topics"]:
                assert f'href="../../credentials/{cid}/"' in page
    home = (sample_site / "index.html").read_text(encoding="utf-8")
    assert f"{len(by_status('active'))} micro-credentials" in home


def test_the_catalog_cards_carry_the_filter_data(sample_site: Path) -> None:
    catalog = (sample_site / "credentials" / "index.html").read_text(encoding="utf-8")
    cards = re.findall(
        r'<li class="cairn-card" data-stack="([^"]+)" data-topics="([^"]+)"\s+data-level="([^"]+)"', catalog
    )
    assert len(cards) == len(by_status("active"))
    assert '<form class="cairn-filters" id="cairn-filters" hidden>' in catalog


def test_search_index_covers_titles_competency_text_and_topics(sample_site: Path) -> None:
    import json

    index = json.loads((sample_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    docs = index["docs"]
    for cid, meta in specs().items():
        if meta.get("status", "active") == "draft":
            continue
        entries = [d for d in docs if d["location"].startswith(f"credentials/{cid}/")]
        # A retired credential is still found by its name, marked so (never offered as available).
        retired = meta.get("status", "active") == "retired"
        title = html.escape(f"Retired: {meta['title']}" if retired else meta["title"])
        assert any(d["title"] == title for d in entries), cid
        assert any(d["location"].endswith("#competency") for d in entries), cid
        tags = next(d.get("tags", []) for d in entries if d["location"] == f"credentials/{cid}/")
        assert len(tags) == len(meta["topics"])


def test_no_email_from_earners_appears_in_the_site(sample_site: Path) -> None:
    emails = {yaml.safe_load(p.read_text())["email"].lower() for p in (REPO / "earners").glob("[!_]*.yml")}
    assert len(emails) >= 20
    for file in sample_site.rglob("*"):
        if file.is_file():
            text = file.read_bytes().decode("utf-8", errors="ignore").lower()
            assert not [e for e in emails if e in text], file


def test_no_page_loads_anything_from_another_host(sample_site: Path) -> None:
    for page in sample_site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        loads = re.findall(
            r'<(?:script|img|iframe)[^>]+src="([^"]+)"|<link[^>]+rel="(?:stylesheet|icon|preload)"[^>]+href="([^"]+)"',
            text,
        )
        if 'http-equiv="refresh"' in text:
            continue  # a redirect from an old URL loads nothing
        # Absolute URLs are allowed only on the site's own address (the embeddable card uses them).
        foreign = [u for pair in loads for u in pair if re.match(r"(?:https?:)?//", u) and not u.startswith(SITE_URL)]
        assert loads and not foreign, page


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_two_builds_are_byte_identical(tmp_path: Path, sample_site: Path) -> None:
    project = copy_project(tmp_path / "again")
    assert run_cli(project, "build") == 0
    assert tree_digest(project / "site") == tree_digest(sample_site)


def test_a_title_with_a_script_tag_is_shown_as_text(project: Path) -> None:
    spec = project / "catalog" / "formative-assessment" / "wait-time.md"
    text = spec.read_text(encoding="utf-8")
    text = text.replace("title: Wait Time", "title: \"<script>alert('x')</script> Wait & </title>\"")
    text = text.replace(
        "## Competency\n", "## Competency\n\n<img src=x onerror=alert(1)> [link](javascript:alert(2))\n"
    )
    spec.write_text(text, encoding="utf-8")
    assert run_cli(project, "build") == 0
    for page in (project / "site").rglob("*.html"):
        content = page.read_text(encoding="utf-8")
        assert "<script>alert" not in content and '</title>"' not in content, page
        assert "<img src=x" not in content and 'href="javascript:' not in content, page
    page = (project / "site" / "credentials" / "wait-time" / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Wait &amp; &lt;/title&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_a_build_with_errors_writes_nothing_and_keeps_the_old_site(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(project, "build") == 0
    before = tree_digest(project / "site")
    (project / "earners" / "ana-ruiz.yml").write_text("name: [unclosed\n", encoding="utf-8")
    (project / "catalog" / "formative-assessment" / "wait-time.md").write_text("---\ntitle: x\n", encoding="utf-8")
    assert run_cli(project, "build") == 1
    err = capsys.readouterr().err
    assert "earners/ana-ruiz.yml:1: YAML syntax error" in err
    assert "catalog/formative-assessment/wait-time.md:1: the front matter is never closed" in err
    assert tree_digest(project / "site") == before
    assert not list(project.glob(".site-*"))


def test_new_credential_writes_a_draft_skeleton_that_check_holds_until_filled_in(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(project, "new", "credential", "formative-assessment/cold-calling") == 0
    spec = project / "catalog" / "formative-assessment" / "cold-calling.md"
    text = spec.read_text(encoding="utf-8")
    for section in (
        "## Competency",
        "## Key Method",
        "## Method Components",
        "## Research & Resources",
        "## Submission Criteria",
        "## Scoring Rubric",
        "|---|",
    ):
        assert section in text
    stack = (project / "catalog" / "formative-assessment" / "_stack.yml").read_text(encoding="utf-8")
    assert "  - cold-calling" in stack and "# The order" in stack
    assert run_cli(project, "check") == 1  # its TODO: placeholders would be published
    assert "placeholder text left in '## Competency'" in capsys.readouterr().err
    assert run_cli(project, "new", "credential", "brand-new-stack/first-one") == 0
    assert run_cli(project, "check") == 1
    assert run_cli(project, "new", "credential", "formative-assessment/cold-calling") == 1
    assert run_cli(project, "new", "credential", "../etc/passwd") == 2


def test_wrong_command_lines_exit_2(project: Path) -> None:
    for args in (["frobnicate"], ["build", "--no-such-flag"], ["new", "stack", "x"], []):
        with pytest.raises(SystemExit) as exit_info:
            run_cli(project, *args)
        assert exit_info.value.code == 2


def test_every_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    from cairn.commands.cli import main

    for command in (
        ["--help"],
        ["build", "--help"],
        ["serve", "--help"],
        ["check", "--help"],
        ["new", "credential", "--help"],
    ):
        with pytest.raises(SystemExit) as exit_info:
            main(command)
        assert exit_info.value.code == 0
        assert "usage: python build.py" in capsys.readouterr().out


def test_badges_are_the_same_bytes_for_the_same_input() -> None:
    from cairn.issue.images import generate_badge

    first = generate_badge("Wait Time", "#1f6f8b", "foundational", "Formative Assessment")
    assert first == generate_badge("Wait Time", "#1f6f8b", "foundational", "Formative Assessment")
    assert first != generate_badge("Wait Time", "#1f6f8b", "advanced", "Formative Assessment")


def test_a_rebuild_from_the_cache_is_byte_identical_to_a_cold_build(project: Path) -> None:
    assert run_cli(project, "build") == 0
    ana = project / "earners" / "ana-ruiz.yml"
    ana.write_text(ana.read_text(encoding="utf-8").replace("issued: 2025-03-14", "issued: 2025-03-13"), "utf-8")
    assert run_cli(project, "build") == 0  # most signatures and images come from the cache
    warm = tree_digest(project / "site")
    warm_private = tree_digest(project / "build" / "credentials")
    shutil.rmtree(project / "build")
    assert run_cli(project, "build") == 0
    assert tree_digest(project / "site") == warm
    assert tree_digest(project / "build" / "credentials") == warm_private
