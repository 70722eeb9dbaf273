"""A pull request adds symbolic links to catalog/ that lead outside it: Cairn must not read what
they point at (a link to a file of secrets would otherwise be echoed back, line by line, in
`check`'s report) and must say which link to replace."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import run_cli

HINT = "(replace it with the file itself, or remove it)"


def test_a_spec_and_the_topics_linked_from_outside_are_refused_unread(project: Path, capsys) -> None:
    outside = project.parent / "secrets.md"
    outside.write_text("---\ndatabase_password: swordfish-7\n---\n\n## Competency\n\nhunter2\n", encoding="utf-8")
    (project / "catalog" / "formative-assessment" / "stolen.md").symlink_to("../../../secrets.md")
    topics = project.parent / "topics-elsewhere.yml"
    shutil.move(project / "catalog" / "_topics.yml", topics)
    (project / "catalog" / "_topics.yml").symlink_to(topics)

    assert run_cli(project, "check") == 1

    report = capsys.readouterr().err
    stolen = "catalog/formative-assessment/stolen.md"
    assert f"{stolen}:1: a symbolic link to ../../../secrets.md, outside catalog/ {HINT}" in report
    assert f"catalog/_topics.yml:1: a symbolic link to {topics}, outside catalog/ {HINT}" in report
    assert "swordfish" not in report and "database_password" not in report and "hunter2" not in report


def test_a_stack_folder_linked_from_outside_is_refused(project: Path, capsys) -> None:
    elsewhere = project.parent / "other-district-stack"
    shutil.copytree(project / "catalog" / "formative-assessment", elsewhere)
    (project / "catalog" / "borrowed").symlink_to(elsewhere, target_is_directory=True)

    assert run_cli(project, "check") == 1

    assert f"catalog/borrowed:1: a symbolic link to {elsewhere}, outside catalog/" in capsys.readouterr().err
