"""A pull request adds an earner file that is a symbolic link to a file elsewhere on the build
machine: Cairn must not read it (its text would be echoed in problems, or published in badges)
and must stop before anything is built, saying which link to replace."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import run_cli

HINT = "(replace it with the file itself, or remove it)"

STOLEN = """name: Someone Elsewhere
email: someone@elsewhere.example
public: true
slug: someone-elsewhere
awards:
  - credential: wait-time
    issued: 2025-01-10
    id: elsewhereelsewhereelsewhe
    salt: 00112233445566778899aabbccddeeff
    status_index: 90000
    unknown_secret: the-payroll-password
    evidence:
      url: https://example.net/evidence
"""


def test_earner_files_linked_from_outside_are_refused_unread(project: Path, capsys) -> None:
    (project.parent / "payroll.yml").write_text(STOLEN, encoding="utf-8")
    (project / "earners" / "zz-payroll.yml").symlink_to("../../payroll.yml")
    schools = project.parent / "schools.yml"
    shutil.move(project / "earners" / "_schools.yml", schools)
    (project / "earners" / "_schools.yml").symlink_to(schools)

    assert run_cli(project, "check") == 1
    report = capsys.readouterr().err
    assert f"earners/zz-payroll.yml:1: a symbolic link to ../../payroll.yml, outside earners/ {HINT}" in report
    assert f"earners/_schools.yml:1: a symbolic link to {schools}, outside earners/ {HINT}" in report
    assert "payroll-password" not in report and "elsewhere.example" not in report

    assert run_cli(project, "build") == 1
    assert not (project / "site").exists() and not (project / "build").exists()
