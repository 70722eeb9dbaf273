"""A committee names a file after a person or a credential, and the name is one Windows keeps
for a device (aux, con, nul, ...): the repository would not check out on the Windows laptops
many committees use. `check` refuses the file, and `ids` never makes such a slug."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import run_cli


def test_an_earner_file_named_for_a_device_is_refused(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.move(project / "earners" / "ana-ruiz.yml", project / "earners" / "aux.yml")
    assert run_cli(project, "check") == 1
    assert "earners/aux.yml:1: a file name Windows reserves for a device" in capsys.readouterr().err


def test_a_spec_file_named_for_a_device_is_refused_even_with_its_own_id(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = project / "catalog" / "formative-assessment"
    spec = (folder / "wait-time.md").read_text(encoding="utf-8")
    assert "\nid:" not in spec.split("---")[1]
    (folder / "con.md").write_text(spec.replace("title:", "id: wait-time\ntitle:", 1), encoding="utf-8")
    (folder / "wait-time.md").unlink()
    assert run_cli(project, "check") == 1
    assert "catalog/formative-assessment/con.md:1: a file name Windows reserves for a device" in capsys.readouterr().err


def test_ids_gives_a_person_named_con_a_slug_windows_can_check_out(project: Path) -> None:
    earner = project / "earners" / "hannah-kowalski.yml"
    text = earner.read_text(encoding="utf-8").replace("name: Hannah Kowalski", "name: Con", 1)
    earner.write_text(text.replace("\npublic: false", "\npublic: true", 1), encoding="utf-8")
    assert run_cli(project, "ids") == 0
    assert "slug: con-2" in earner.read_text(encoding="utf-8")
    assert run_cli(project, "check") == 0
