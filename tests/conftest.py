"""Fixtures that build small real sites: the sample district, or a tiny one a test edits."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import browser, expected_failures, page  # noqa: F401 (fixtures for every browser test)
from cairn.commands.cli import main as cairn_main

REPO = Path(__file__).resolve().parent.parent
os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
# Every test build signs with this one test key (the W3C eddsa-rdfc-2022 test vector's), so
# two builds can be compared byte for byte. A test that needs the key file path unsets it.
TEST_SIGNING_KEY = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"
os.environ["CAIRN_SIGNING_KEY"] = TEST_SIGNING_KEY


def copy_project(destination: Path) -> Path:
    """A copy of the sample district with its mkdocs.yml, theme and content, ready to build."""
    for name in ("catalog", "earners", "theme", "content"):
        shutil.copytree(REPO / name, destination / name)
    shutil.copy(REPO / "mkdocs.yml", destination / "mkdocs.yml")
    return destination


def unpack_credentials(project: Path) -> Path:
    """What the earners receive, opened: every package in build/credentials/ unzipped into one
    fresh folder (build/unpacked/), each award's signed credential and baked PNG by its id."""
    target = project / "build" / "unpacked"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for package in sorted((project / "build" / "credentials").glob("*.zip")):
        with zipfile.ZipFile(package) as archive:
            archive.extractall(target)
    return target


def baked_badge(site: Path, credential_id: str, assertion_url: str) -> bytes:
    """What "Download badge" gives an earner: the browser bakes the credential's badge with the
    assertion's URL exactly as bake.py does (test_browser_bake checks it byte for byte)."""
    from cairn.issue.bake import bake_png

    return bake_png((site / "badges" / f"{credential_id}.png").read_bytes(), assertion_url)


def run_cli(project: Path, *args: str) -> int:
    return cairn_main(["--config-file", str(project / "mkdocs.yml"), *args])


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample district built once with real MkDocs; returns its site/ folder."""
    project = copy_project(tmp_path_factory.mktemp("sample"))
    assert run_cli(project, "build") == 0
    return project / "site"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A private copy of the sample district that a test may change."""
    return copy_project(tmp_path / "district")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the stdlib's name)
        pass


def serve_folder(
    folder: Path, handler_class: type[http.server.SimpleHTTPRequestHandler] | None = None
) -> Iterator[str]:
    handler = functools.partial(handler_class or _QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def served_site(sample_site: Path) -> Iterator[str]:
    """The sample site on a real local HTTP server; yields its base URL."""
    yield from serve_folder(sample_site)


@pytest.fixture(scope="session")
def live_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """The sample district built for, and served at, its real address http://127.0.0.1:<port>/.

    Yields (project folder, base URL). Badges, verify pages and referees need every `id`
    to be the URL it is really served at.
    """
    project = copy_project(tmp_path_factory.mktemp("live"))
    (project / "site").mkdir()
    server = serve_folder(project / "site")
    base = next(server)
    config = project / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("http://127.0.0.1:8000/", base), encoding="utf-8")
    assert run_cli(project, "build") == 0
    yield project, base
    server.close()
