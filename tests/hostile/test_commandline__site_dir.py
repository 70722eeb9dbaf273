"""`python build.py build --site-dir X` publishes into X, and publishing removes from X every
file the build did not make: X must never be a source folder, hold one, lie inside one, hold
the signing key or be the private folder. It is refused as a wrong command line (exit 2)
before a single file is touched."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import run_cli


def everything(project: Path) -> dict[str, bytes | str]:
    found: dict[str, bytes | str] = {}
    for folder, dirs, names in os.walk(project):
        for name in dirs + names:
            path = Path(folder) / name
            relative = path.relative_to(project).as_posix()
            found[relative] = os.readlink(path) if path.is_symlink() else path.read_bytes() if path.is_file() else "/"
    return found


@pytest.mark.parametrize(
    ("site_dir", "why"),
    [
        ("earners", "is the earners folder"),
        ("catalog", "is the catalog folder"),
        ("theme", "is the theme's custom_dir"),
        ("catalog/site", "is inside the catalog folder"),
        ("keys", "holds the signing key"),
        ("build", "is the private folder"),
    ],
)
def test_a_site_dir_over_what_must_stay_is_refused(project: Path, capsys, site_dir: str, why: str) -> None:
    (project / "keys").mkdir()
    (project / "keys" / "ob3-signing-key.pem").write_text("the-district-signing-key", encoding="ascii")
    (project / "build").mkdir()
    (project / "build" / "award-links.csv").write_text("kept", encoding="utf-8")
    before = everything(project)

    assert run_cli(project, "build", "--site-dir", str(project / site_dir)) == 2

    assert f"--site-dir {project / site_dir}: it {why}" in capsys.readouterr().err
    assert everything(project) == before
