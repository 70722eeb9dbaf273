"""`python build.py init DIR`: a district starts on its own, from an empty folder to a built site."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from cairn.commands.cli import main as cairn_main
from conftest import REPO, run_cli

FLAGS = [
    "--name",
    "Pine Ridge USD",
    "--site-url",
    "https://badges.pineridge.example.org",
    "--issuer-email",
    "pd@pineridge.example.org",
]


def _init(target: Path, *flags: str) -> int:
    return cairn_main(["init", str(target), *flags])


def test_init_key_check_build_from_an_empty_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("CAIRN_SIGNING_KEY")
    district = tmp_path / "pine-ridge"
    assert _init(district, *FLAGS, "--cairn-requirement", "cairn @ git+https://example.org/cairn.git@v1") == 0
    assert "python build.py key" in capsys.readouterr().out

    config = yaml.safe_load((district / "mkdocs.yml").read_text(encoding="utf-8").replace("!!python", "python"))
    cairn = next(p["cairn"] for p in config["plugins"] if isinstance(p, dict) and "cairn" in p)
    assert config["site_url"] == "https://badges.pineridge.example.org/"
    assert config["theme"]["custom_dir"] == "theme" and (district / "theme" / "credential.html").is_file()
    assert cairn["issuer"] == {
        "name": "Pine Ridge USD",
        "url": "https://badges.pineridge.example.org/",
        "email": "pd@pineridge.example.org",
        "description": "Pine Ridge USD awards micro-credentials to educators who show a competency.",
    }
    assert cairn["timezone"] == "UTC" and "create_development_key" not in cairn
    assert "cairn @ git+https://example.org/cairn.git@v1" in (district / "requirements.txt").read_text("utf-8")
    example = (district / "catalog" / "formative-assessment" / "wait-time.md").read_text(encoding="utf-8")
    assert "\nstatus: draft\n" in example
    assert yaml.safe_load((district / "earners" / "_schools.yml").read_text(encoding="utf-8")) == {}
    assert "# lincoln-ms:" in (district / "earners" / "_schools.yml").read_text(encoding="utf-8")
    ignored = (district / ".gitignore").read_text(encoding="utf-8").split()
    assert {"/keys/", "/build/", "/site/", ".*.cairn-stage/"} <= set(ignored)
    readme = (district / "README.md").read_text(encoding="utf-8")
    assert "Keep this repository private" in readme and "every earner's name and email" in readme
    assert "python build.py check" in readme and "python build.py build" in readme

    assert run_cli(district, "check") == 0
    # No key yet: the build says what to do, and makes no development key.
    assert run_cli(district, "build") == 1
    assert "python build.py key" in capsys.readouterr().err
    assert not (district / "keys").exists()
    assert run_cli(district, "key") == 0
    public = capsys.readouterr().out.split("public key: ")[1].split()[0]
    assert run_cli(district, "build") == 0
    site = district / "site"
    did = json.loads((site / ".well-known" / "did.json").read_text(encoding="utf-8"))
    assert did["id"] == "did:web:badges.pineridge.example.org"
    assert [m["publicKeyMultibase"] for m in did["verificationMethod"]] == [public]
    issuer = json.loads((site / "issuer.json").read_text(encoding="utf-8"))
    assert issuer["name"] == "Pine Ridge USD" and issuer["email"] == "pd@pineridge.example.org"
    assert (site / "index.html").is_file() and not (site / "credentials" / "wait-time").exists()  # a draft
    assert "Pine Ridge USD recognises" in (site / "index.html").read_text(encoding="utf-8")


def test_the_district_builds_in_ci_with_the_key_from_the_secret(tmp_path: Path) -> None:
    """What the CI workflows run, in the district's own folder, with CAIRN_SIGNING_KEY set (as conftest sets it)."""
    district = tmp_path / "d"
    assert _init(district, *FLAGS) == 0
    environment = {**os.environ, "SOURCE_DATE_EPOCH": "1767225600", "PYTHONPATH": str(REPO / "plugins")}
    done = subprocess.run(
        [sys.executable, "build.py", "build", "--site-dir", "public"],
        cwd=district,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert (district / "public" / ".well-known" / "did.json").is_file()
    assert not (district / "keys").exists()


def test_the_ci_workflows_take_the_key_from_a_secret_and_keep_the_cache(tmp_path: Path) -> None:
    district = tmp_path / "d"
    assert _init(district, *FLAGS) == 0
    github = yaml.safe_load((district / ".github" / "workflows" / "pages.yml").read_text(encoding="utf-8"))
    steps = github["jobs"]["build"]["steps"]
    uses = [step.get("uses", "") for step in steps]
    assert any(u.startswith("actions/cache@") for u in uses)
    cache = next(step for step in steps if step.get("uses", "").startswith("actions/cache@"))
    assert cache["with"]["path"] == "build/.cache"
    build = next(step for step in steps if "python build.py build" in step.get("run", ""))
    assert build["env"]["CAIRN_SIGNING_KEY"] == "${{ secrets.CAIRN_SIGNING_KEY }}"
    assert "SOURCE_DATE_EPOCH" in build["run"] and "git log -1 --format=%ct" in build["run"]
    upload = next(step for step in steps if step.get("uses", "").startswith("actions/upload-pages-artifact@"))
    assert upload["with"]["path"] == "site/"
    assert github["jobs"]["deploy"]["steps"][0]["uses"].startswith("actions/deploy-pages@")
    assert uses.index(cache["uses"]) < steps.index(build)

    gitlab = yaml.safe_load((district / ".gitlab-ci.yml").read_text(encoding="utf-8"))
    pages = gitlab["pages"]
    assert pages["artifacts"]["paths"] == ["public"] and pages["cache"]["paths"] == ["build/.cache"]
    script = "\n".join(pages["script"])
    assert "--site-dir public" in script and "SOURCE_DATE_EPOCH" in script and "CAIRN_SIGNING_KEY" in script


def test_init_refuses_a_folder_that_is_not_empty(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "notes.txt").write_text("ours", encoding="utf-8")
    assert _init(tmp_path, *FLAGS) == 2
    assert f"{tmp_path} is not an empty folder" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]
    (tmp_path / "empty").mkdir()
    assert _init(tmp_path / "empty", *FLAGS) == 0


def test_without_a_terminal_every_missing_or_wrong_value_is_named_by_its_flag(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False, raising=False)
    assert _init(tmp_path / "d", "--site-url", "badges.example.org") == 2
    err = capsys.readouterr().err
    assert "--name is missing: give the district's name" in err
    assert "--site-url 'badges.example.org': give the absolute address, starting with https://" in err
    assert "--issuer-email is missing" in err
    assert not (tmp_path / "d").exists()


def test_on_a_terminal_init_asks_for_what_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    answers = iter(["Cedar Hills SD", "cedar hills", "https://badges.cedarhills.example.org/"])
    asked: list[str] = []

    def answer(prompt: str) -> str:
        asked.append(prompt)
        return next(answers)

    monkeypatch.setattr("builtins.input", answer)
    assert _init(tmp_path / "d", "--issuer-email", "pd@cedarhills.example.org") == 0
    assert asked[0].startswith("The district's name") and asked[1].startswith("The published site's address")
    assert len(asked) == 3  # the address was asked again after a wrong one
    assert "'cedar hills': give the absolute address" in capsys.readouterr().err
    config = (tmp_path / "d" / "mkdocs.yml").read_text(encoding="utf-8")
    assert 'site_url: "https://badges.cedarhills.example.org/"' in config and 'name: "Cedar Hills SD"' in config


def test_a_name_with_quotes_and_colons_stays_one_yaml_value(tmp_path: Path) -> None:
    assert _init(tmp_path / "d", *FLAGS[2:], "--name", 'St. Mary\'s "North": District #4') == 0
    config = yaml.safe_load((tmp_path / "d" / "mkdocs.yml").read_text(encoding="utf-8").replace("!!python", "python"))
    assert config["site_name"] == 'St. Mary\'s "North": District #4 — Micro-credentials'
    assert run_cli(tmp_path / "d", "check") == 0
