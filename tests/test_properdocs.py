"""Issue 13: Cairn runs under MkDocs 1.6 and ProperDocs (its maintained fork) alike.

The sample built with ProperDocs, in its own venv (make .venv-properdocs/.installed), must equal
the sample built here with MkDocs byte for byte, except each page's generator meta tag.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from conftest import REPO, copy_project

PROPERDOCS_PYTHON = REPO / ".venv-properdocs" / "bin" / "python"
GENERATOR = re.compile(rb'<meta name="generator" content="([^"]*)">')


def generators(site: Path) -> set[bytes]:
    return {tag for page in site.rglob("*.html") for tag in GENERATOR.findall(page.read_bytes())}


def build_with_properdocs(project: Path) -> subprocess.CompletedProcess[str]:
    if not PROPERDOCS_PYTHON.is_file():
        pytest.fail(f"{PROPERDOCS_PYTHON} is missing: run `make .venv-properdocs/.installed` (make test does)")
    # This checkout's Cairn, whatever the venv's editable install points at; the test signing key
    # (conftest.py) comes with os.environ.
    env = {**os.environ, "CAIRN_ENGINE": "properdocs", "PYTHONPATH": str(REPO / "plugins")}
    return subprocess.run(
        [str(PROPERDOCS_PYTHON), str(REPO / "build.py"), "--config-file", str(project / "mkdocs.yml"), "build"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_the_sample_built_with_properdocs_equals_the_mkdocs_build_but_for_the_generator_tag(
    sample_site: Path, tmp_path: Path
) -> None:
    project = copy_project(tmp_path / "properdocs")
    result = build_with_properdocs(project)
    assert result.returncode == 0, result.stderr
    site = project / "site"

    # Each build really ran its own generator: in the ProperDocs venv Material pulls in mkdocs too,
    # and a build that silently used it would be identical and prove nothing.
    mkdocs_tags = generators(sample_site)
    assert mkdocs_tags and all(tag.startswith(b"mkdocs-1.6.") for tag in mkdocs_tags), mkdocs_tags
    properdocs_tags = generators(site)
    assert properdocs_tags and all(tag.startswith(b"mkdocs-ProperDocs 1.6.") for tag in properdocs_tags), (
        f"the ProperDocs venv built with {properdocs_tags}: Cairn must choose ProperDocs "
        "(plugins/cairn/adapters/mkdocs/engine.py, which imports properdocs.replacement)"
    )

    mkdocs_files = sorted(p.relative_to(sample_site) for p in sample_site.rglob("*") if p.is_file())
    properdocs_files = sorted(p.relative_to(site) for p in site.rglob("*") if p.is_file())
    assert properdocs_files == mkdocs_files
    differing = []
    for name in mkdocs_files:
        expected, got = (sample_site / name).read_bytes(), (site / name).read_bytes()
        if expected != got:
            differing.append(name)
            assert GENERATOR.sub(b"", expected) == GENERATOR.sub(b"", got), f"{name} differs beyond the generator tag"
    # Every page Material rendered carries the tag, so those, and only those, differ.
    tagged = [name for name in mkdocs_files if GENERATOR.search((sample_site / name).read_bytes())]
    assert differing == tagged
