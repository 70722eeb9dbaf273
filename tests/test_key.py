"""`python build.py key`: the district's own signing key, and no development key on a published site."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

import pytest
from cairn.commands.cli import main as cairn_main
from cairn.issue.keys import KeyProblem, _parse, is_local_site
from cairn.issue.ob3 import public_multibase
from conftest import run_cli, unpack_credentials

PUBLISHED = "https://badges.maplevalley.example.org/"
KEY_FILE = Path("keys") / "ob3-signing-key.pem"


def _publish_at(project: Path, site_url: str, *, development_key: bool = True) -> None:
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8").replace("site_url: http://127.0.0.1:8000/", f"site_url: {site_url}")
    if not development_key:
        text = text.replace("create_development_key: true", "")
    config.write_text(text, encoding="utf-8")


def _printed_public_key(out: str) -> str:
    match = re.search(r"public key: (z6Mk\w+)", out)
    assert match, out
    return match.group(1)


def _did_keys(project: Path) -> list[str]:
    did = json.loads((project / "site" / ".well-known" / "did.json").read_text(encoding="utf-8"))
    return [method["publicKeyMultibase"] for method in did["verificationMethod"]]


def _verify(project: Path, credential: Path, capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert run_cli(project, "verify", str(credential)) in (0, 1)
    return capsys.readouterr().out


def test_key_writes_a_key_only_its_owner_reads_and_the_build_signs_with_it(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("CAIRN_SIGNING_KEY")
    _publish_at(project, PUBLISHED, development_key=False)
    assert run_cli(project, "key") == 0
    out = capsys.readouterr().out
    key_file = project / KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_file.parent.stat().st_mode) == 0o700
    public = _printed_public_key(out)
    assert public == public_multibase(_parse(key_file.read_text(encoding="ascii"), "file").public_key())
    assert "CAIRN_SIGNING_KEY" in out and "secret" in out
    assert key_file.read_text(encoding="ascii").startswith("-----BEGIN PRIVATE KEY-----")  # no development marker

    assert run_cli(project, "build") == 0
    assert _did_keys(project) == [public]
    credentials = sorted(unpack_credentials(project).glob("*.json"))
    assert credentials
    assert _verify(project, credentials[0], capsys).startswith("VALID")

    # Run again, it refuses to overwrite the key the build signs with.
    assert run_cli(project, "key") == 1
    err = capsys.readouterr().err
    assert f"{KEY_FILE} already holds the district's key (public key {public})" in err
    assert "python build.py key --rotate" in err


def test_key_print_writes_nothing_and_prints_a_key_the_build_takes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # no mkdocs.yml needed: a key for a CI secret
    assert cairn_main(["key", "--print"]) == 0
    captured = capsys.readouterr()
    secret = captured.out.strip()
    assert "\n" not in secret and secret.startswith("z")  # one line: GitLab can mask it
    assert _printed_public_key(captured.err) == public_multibase(_parse(secret, "CAIRN_SIGNING_KEY").public_key())
    assert secret not in captured.err
    assert list(tmp_path.iterdir()) == []


def test_rotation_keeps_what_the_old_key_signed_verifiable(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("CAIRN_SIGNING_KEY")
    _publish_at(project, "http://127.0.0.1:8000/", development_key=False)  # verify reads the local site
    assert run_cli(project, "key") == 0
    old_public = _printed_public_key(capsys.readouterr().out)
    assert run_cli(project, "build") == 0
    old_credential = project / "old.json"
    old_credential.write_bytes(next(unpack_credentials(project).glob("*.json")).read_bytes())

    assert run_cli(project, "key", "--rotate") == 0
    out = capsys.readouterr().out
    new_public = _printed_public_key(out)
    assert new_public != old_public
    retired = project / "keys" / "ob3-signing-key.retired-1.pem"
    assert f"The old key is now keys/{retired.name} (public key {old_public})" in out
    assert f"retired_keys: [{old_public}]" in out
    assert stat.S_IMODE(retired.stat().st_mode) == 0o600
    assert stat.S_IMODE((project / KEY_FILE).stat().st_mode) == 0o600

    # Before the old key is listed, what it signed no longer verifies ...
    assert run_cli(project, "build") == 0
    assert _did_keys(project) == [new_public]
    assert _verify(project, old_credential, capsys).startswith("TAMPERED")
    # ... and once listed as the command said, it does again.
    config = project / "mkdocs.yml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "signing_key: keys/ob3-signing-key.pem",
            f"signing_key: keys/ob3-signing-key.pem\n      retired_keys: [{old_public}]",
        ),
        encoding="utf-8",
    )
    assert run_cli(project, "build") == 0
    assert _did_keys(project) == [new_public, old_public]
    assert not _verify(project, old_credential, capsys).startswith("TAMPERED")


def test_a_published_site_is_not_signed_with_a_development_key(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("CAIRN_SIGNING_KEY")
    _publish_at(project, PUBLISHED)  # the sample's create_development_key: true, at a real address
    assert run_cli(project, "build") == 1
    err = capsys.readouterr().err
    assert "is a development key, made for trials, and site_url https://badges.maplevalley.example.org/" in err
    assert "python build.py key" in err and "--allow-development-key" in err
    assert not (project / "keys").exists() and not (project / "site").exists()

    # For a trial, the flag allows it, and says so.
    assert run_cli(project, "build", "--allow-development-key") == 0
    assert "with the development key" in capsys.readouterr().err
    key_text = (project / KEY_FILE).read_text(encoding="ascii")
    assert key_text.startswith("# Cairn development key")
    # The key made for the trial is still a development key on the next build without the flag ...
    assert run_cli(project, "build") == 1
    assert f"{project / KEY_FILE} is a development key" in capsys.readouterr().err
    # ... and so is the same key given in CAIRN_SIGNING_KEY.
    monkeypatch.setenv("CAIRN_SIGNING_KEY", key_text)
    assert run_cli(project, "build") == 1
    assert "CAIRN_SIGNING_KEY is a development key" in capsys.readouterr().err

    # `key` refuses to overwrite it without --rotate, and replaces it with one.
    monkeypatch.delenv("CAIRN_SIGNING_KEY")
    assert run_cli(project, "key") == 1
    assert "already holds a development key" in capsys.readouterr().err
    assert run_cli(project, "key", "--rotate") == 0
    assert "remove it now that the district has a key" in capsys.readouterr().out
    assert run_cli(project, "build") == 0


def test_a_bad_key_file_is_named_not_a_traceback(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("CAIRN_SIGNING_KEY")
    (project / "keys").mkdir()
    (project / KEY_FILE).write_text("not a key\n", encoding="ascii")
    assert run_cli(project, "key", "--rotate") == 1
    assert "does not hold an Ed25519 private key" in capsys.readouterr().err
    with pytest.raises(KeyProblem):
        _parse("not a key", "x")


@pytest.mark.parametrize(
    ("site_url", "local"),
    [
        ("http://127.0.0.1:8000/", True),
        ("http://127.3.4.5/", True),
        ("http://localhost:8000/", True),
        ("http://[::1]:8000/", True),
        ("https://badges.example.org/", False),
        ("http://10.0.0.5/", False),
        ("http://localhost.example.org/", False),
    ],
)
def test_which_addresses_are_local(site_url: str, local: bool) -> None:
    assert is_local_site(site_url) is local
