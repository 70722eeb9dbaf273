"""Settings in mkdocs.yml that would publish what is private, or overwrite what is a source: the
private folder or the signing key inside a folder that is published as it is (content/, the
theme's custom_dir), the site written over a source folder. Each is refused, all in one report,
by `check` too, before anything is written. And what the private folder holds is its owner's
alone."""

from __future__ import annotations

import stat
from pathlib import Path

from conftest import run_cli


def configure(project: Path, old: str, new: str) -> None:
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    assert old in text
    config.write_text(text.replace(old, new), encoding="utf-8")


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_private_folder_inside_the_published_content_is_refused(project: Path, capsys) -> None:
    configure(project, "private_dir: build", "private_dir: content/private")
    content = files(project / "content")

    assert run_cli(project, "build") == 1

    report = capsys.readouterr().err
    assert "mkdocs.yml:" in report and "private_dir 'content/private' is inside docs_dir 'content'" in report
    assert files(project / "content") == content and not (project / "content" / "private").exists()
    assert not (project / "site").exists()


def test_the_key_and_the_private_folder_inside_the_theme_are_refused_together(project: Path, capsys) -> None:
    # The theme's custom_dir is published too: its CSS, scripts and any other file in it.
    configure(project, "private_dir: build", "private_dir: theme/private")
    configure(project, "signing_key: keys/ob3-signing-key.pem", "signing_key: theme/assets/ob3-signing-key.pem")
    (project / "theme" / "assets" / "ob3-signing-key.pem").write_text("the-district-signing-key", encoding="ascii")
    (project / "content" / "links.csv").symlink_to("../build/award-links.csv")

    assert run_cli(project, "build") == 1

    report = capsys.readouterr().err
    assert "private_dir 'theme/private' is inside the theme's custom_dir 'theme'" in report
    assert "signing_key 'theme/assets/ob3-signing-key.pem' is inside the theme's custom_dir 'theme'" in report
    assert "content/links.csv:1: a symbolic link to ../build/award-links.csv, outside content/" in report
    assert not (project / "site").exists()


def test_check_reports_the_settings_too(project: Path, capsys) -> None:
    configure(project, "private_dir: build", "private_dir: content/private")

    assert run_cli(project, "check") == 1

    assert "private_dir 'content/private' is inside docs_dir 'content'" in capsys.readouterr().err


def test_a_site_dir_over_a_source_folder_is_refused_before_anything_is_touched(project: Path, capsys) -> None:
    configure(project, "site_dir: site", "site_dir: earners")
    earners = files(project / "earners")

    assert run_cli(project, "build") == 1

    assert "site_dir 'earners' is the earners folder" in capsys.readouterr().err
    assert files(project / "earners") == earners
    assert not (project / ".earners.cairn-stage").exists() and not (project / "build").exists()


def test_the_private_folder_is_readable_by_its_owner_only(project: Path) -> None:
    (project / "build").mkdir(mode=0o755)  # as an older Cairn, or a committee member, left it

    assert run_cli(project, "build") == 0

    build = project / "build"
    for folder in (build, build / "credentials", build / ".cache"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    for file in (build / "award-links.csv", *sorted((build / "credentials").glob("*.zip"))):
        assert stat.S_IMODE(file.stat().st_mode) == 0o600, file


def test_content_that_is_the_earners_folder_is_refused(project: Path, capsys) -> None:
    # MkDocs would publish every earner file as it is, emails and all.
    configure(project, "docs_dir: content", "docs_dir: earners")

    assert run_cli(project, "build") == 1

    assert "docs_dir 'earners' overlaps the earners folder 'earners'" in capsys.readouterr().err
    assert not (project / "site").exists()
