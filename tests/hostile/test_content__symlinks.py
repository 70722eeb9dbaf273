"""A pull request commits symbolic links into content/, the folder MkDocs copies into the site
as it is (git stores links, so a reviewer sees only a one-line file). None of them may publish
the signing key, the committee's award links or the earner records: each is refused, with the
file and what to do, all in one report, before anything is built."""

from __future__ import annotations

from pathlib import Path

from conftest import run_cli

SECRET_KEY = "-----BEGIN PRIVATE KEY-----\nthe-district-signing-key\n-----END PRIVATE KEY-----\n"
REFUSED = "outside content/ (replace it with the file itself, or remove it)"


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_links_to_the_key_the_award_links_and_the_earners_are_refused(project: Path, capsys) -> None:
    assert run_cli(project, "build") == 0  # build/award-links.csv now holds every email
    (project / "keys").mkdir(exist_ok=True)
    (project / "keys" / "ob3-signing-key.pem").write_text(SECRET_KEY, encoding="ascii")
    published = tree(project / "site")
    content = project / "content"
    (content / "key.pem").symlink_to("../keys/ob3-signing-key.pem")
    (content / "links.csv").symlink_to("../build/award-links.csv")
    (content / "raw").symlink_to("../earners", target_is_directory=True)
    (content / "help.md").write_text("# Help\n\nAsk the committee.\n", encoding="utf-8")
    (content / "faq.md").symlink_to("help.md")  # stays inside content/: allowed
    capsys.readouterr()

    assert run_cli(project, "build") == 1

    report = capsys.readouterr().err
    assert f"content/key.pem:1: a symbolic link to ../keys/ob3-signing-key.pem, {REFUSED}" in report
    assert f"content/links.csv:1: a symbolic link to ../build/award-links.csv, {REFUSED}" in report
    assert "content/raw:1: a symbolic link to ../earners, outside content/" in report
    assert "faq.md" not in report
    assert tree(project / "site") == published  # the last good site, untouched
    everything = b"".join(published.values())
    assert b"the-district-signing-key" not in everything
    assert b"@example.org" not in everything


def test_check_reports_the_same_links(project: Path, capsys) -> None:
    (project / "content" / "earners").symlink_to("../earners", target_is_directory=True)
    (project / "content" / "passwd").symlink_to("/etc/passwd")

    assert run_cli(project, "check") == 1

    report = capsys.readouterr().err
    assert "content/earners:1: a symbolic link to ../earners, outside content/" in report
    assert f"content/passwd:1: a symbolic link to /etc/passwd, {REFUSED}" in report


def test_a_link_to_a_folder_that_holds_it_is_refused(project: Path, capsys) -> None:
    # MkDocs follows links to folders: content/loop/loop/loop/... would be published 40 times over.
    (project / "content" / "loop").symlink_to(".", target_is_directory=True)

    assert run_cli(project, "build") == 1

    report = capsys.readouterr().err
    assert "content/loop:1: a symbolic link to ., the folder that holds it" in report
    assert not (project / "site").exists()
