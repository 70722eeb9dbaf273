"""Every award is also a signed Open Badges 3.0 credential that verifies with no call home but
the issuer's DID document and status list."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import gzip
import hashlib
import json
import os
import shutil
import stat
import zipfile
from pathlib import Path

import pytest
import yaml
from cairn.issue import ob3
from conftest import REPO, copy_project, run_cli, unpack_credentials

SITE_URL = "http://127.0.0.1:8000/"
W3C_KEY = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"
W3C_METHOD = "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
ALUMNI = {
    "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
    "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
    "type": ["VerifiableCredential", "AlumniCredential"],
    "name": "Alumni Credential",
    "description": "A minimum viable example of an Alumni Credential.",
    "issuer": "https://vc.example/issuers/5678",
    "validFrom": "2023-01-01T00:00:00Z",
    "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"},
}


def test_the_w3c_eddsa_rdfc_2022_test_vector_is_reproduced() -> None:
    # W3C vc-di-eddsa, appendix B.1: canonical hashes and the proof value, byte for byte.
    assert hashlib.sha256(ob3.canonical_nquads(ALUMNI).encode()).hexdigest() == (
        "517744132ae165a5349155bef0bb0cf2258fff99dfe1dbd914b938d775a36017"
    )
    options = ob3.proof_options(ALUMNI, W3C_METHOD, "2023-02-24T23:36:38Z")
    assert hashlib.sha256(ob3.canonical_nquads(options).encode()).hexdigest() == (
        "bea7b7acfbad0126b135104024a5f1733e705108f42d59668b05c0c50004c6b0"
    )
    key = ob3.private_key_from_multibase(W3C_KEY)
    signed = ob3.sign(ALUMNI, key, W3C_METHOD, "2023-02-24T23:36:38Z")
    assert signed["proof"][0]["proofValue"] == (
        "z2YwC8z3ap7yx1nZYCg4L3j3ApHsF8kgPdSb5xoS1VR7vPG3F561B52hYnQF9iseabecm3ijx4K1FBTQsCZahKZme"
    )
    assert ob3.verify_proof(signed, key.public_key())
    assert not ob3.verify_proof({**signed, "name": "Alumni Credential!"}, key.public_key())


def test_signing_refuses_a_term_no_context_defines() -> None:
    document = {
        **ALUMNI,
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "credentialSubject": {"id": "did:example:abcdefgh"},
        "nickname": "Al",
    }
    with pytest.raises(ob3.SigningRefused, match="nickname"):
        ob3.sign(document, ob3.private_key_from_multibase(W3C_KEY), W3C_METHOD, "2023-02-24T23:36:38Z")


def test_contexts_are_never_fetched() -> None:
    document = {**ALUMNI, "@context": ["https://www.w3.org/ns/credentials/v2", "https://example.com/ctx.json"]}
    with pytest.raises(Exception) as raised:  # noqa: PT011 (pyld wraps the loader's error)
        ob3.canonical_nquads(document)
    chain, error = [], raised.value
    while error is not None:
        chain.append(str(error))
        error = getattr(error, "cause", None) or error.__cause__
    assert any("https://example.com/ctx.json is not bundled" in text for text in chain), chain


def rows(project: Path) -> list[dict[str, str]]:
    with open(project / "build" / "award-links.csv", encoding="utf-8", newline="") as links:
        return list(csv.DictReader(links))


def test_the_did_document_status_list_and_public_credentials(sample_site: Path) -> None:
    did = json.loads((sample_site / ".well-known" / "did.json").read_text(encoding="utf-8"))
    assert did["id"] == "did:web:127.0.0.1%3A8000"
    method = did["verificationMethod"][0]
    assert method["type"] == "Multikey" and method["id"] == f"{did['id']}#{method['publicKeyMultibase']}"
    assert did["assertionMethod"] == [method["id"]]
    status = json.loads((sample_site / "status" / "1.json").read_text(encoding="utf-8"))
    assert status["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    encoded = status["credentialSubject"]["encodedList"]
    bits = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert len(bits) * 8 >= 131_072
    assert status["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"
    project = sample_site.parent
    unpacked = unpack_credentials(project)
    revoked = 0
    for earner in (yaml.safe_load(p.read_text(encoding="utf-8")) for p in (REPO / "earners").glob("[!_]*.yml")):
        for award in earner["awards"]:
            signed = json.loads((unpacked / f"{award['id']}.json").read_text("utf-8"))
            assert signed["credentialStatus"]["statusListIndex"] == str(award["status_index"])
            set_bit = bool(bits[award["status_index"] // 8] & (0x80 >> (award["status_index"] % 8)))
            assert set_bit == ("revoked" in award)
            revoked += set_bit
            published = earner.get("public") and "revoked" not in award and award.get("public", True)
            assert (sample_site / "ob3" / f"{award['id']}.json").exists() == bool(published)
    assert revoked >= 1
    # Never a private key in the site.
    for file in sample_site.rglob("*"):
        if file.is_file():
            text = file.read_bytes()
            assert b"PRIVATE KEY" not in text and ob3.private_key_from_multibase.__name__.encode() not in text
            assert os.environ["CAIRN_SIGNING_KEY"].encode() not in text


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = copy_project(tmp_path_factory.mktemp("ob3"))
    assert run_cli(project, "build") == 0
    unpack_credentials(project)
    return project


def verdict(project: Path, path: str, capsys: pytest.CaptureFixture[str], *email: str) -> tuple[int, str]:
    code = run_cli(
        project, "verify", str(project / "build" / "unpacked" / path), *(("--email", email[0]) if email else ())
    )
    return code, capsys.readouterr().out


def test_verify_judges_ob3_credentials_and_their_baked_pngs(built: Path, capsys: pytest.CaptureFixture[str]) -> None:
    today = dt.date.today().isoformat()
    all_rows = rows(built)
    current = next(r for r in all_rows if not r["revoked_on"] and (not r["expires"] or r["expires"] > today))
    expired = next(r for r in all_rows if not r["revoked_on"] and r["expires"] and r["expires"] <= today)
    revoked = next(r for r in all_rows if r["revoked_on"])
    for column in ("ob3_credential_file", "ob3_badge_file"):
        code, out = verdict(built, current[column], capsys, current["email"])
        assert code == 0 and out.startswith("VALID") and "(matches)" in out
        assert verdict(built, expired[column], capsys)[1].startswith(f"EXPIRED: expired on {expired['expires']}")
        assert verdict(built, revoked[column], capsys)[1].startswith("REVOKED")
    assert verdict(built, current["ob3_credential_file"], capsys, "x@example.org")[1].startswith("NOT ISSUED")
    altered = json.loads((built / "build" / "unpacked" / current["ob3_credential_file"]).read_text(encoding="utf-8"))
    altered["credentialSubject"]["achievement"]["name"] = "Something grander"
    (built / "build" / "unpacked" / "altered.json").write_text(json.dumps(altered), encoding="utf-8")
    code, out = verdict(built, "altered.json", capsys)
    assert code == 1 and out.startswith("TAMPERED")


def test_each_earner_gets_one_package_of_exactly_their_credentials(built: Path) -> None:
    """build/credentials/<earner file>.zip: what the committee sends one earner, every award's
    signed credential and baked PNG, as award-links.csv names them."""
    expected: dict[str, set[str]] = {}
    for row in rows(built):
        expected.setdefault(row["ob3_package"], set()).update({row["ob3_credential_file"], row["ob3_badge_file"]})
    packages = sorted(p.relative_to(built / "build").as_posix() for p in (built / "build" / "credentials").iterdir())
    assert packages == sorted(expected)
    for name, members in expected.items():
        with zipfile.ZipFile(built / "build" / name) as archive:
            assert archive.testzip() is None
            assert set(archive.namelist()) == members
    with_awards = {p.stem for p in (built / "earners").glob("[!_]*.yml") if yaml.safe_load(p.read_text())["awards"]}
    assert {Path(name).stem for name in expected} == with_awards


def test_the_same_award_signed_again_gives_the_same_bytes(built: Path) -> None:
    before = {p.name: p.read_bytes() for p in (built / "build" / "credentials").iterdir()}
    shutil.rmtree(built / "build" / ".cache")  # no manifest, no cache: every credential is signed again
    assert run_cli(built, "build") == 0
    after = {p.name: p.read_bytes() for p in (built / "build" / "credentials").iterdir()}
    assert before == after


def test_a_development_key_is_made_once_outside_the_site_and_rotation_keeps_old_credentials(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("CAIRN_SIGNING_KEY")
    assert run_cli(project, "build") == 0
    key_file = project / "keys" / "ob3-signing-key.pem"
    assert key_file.is_file() and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert "made a development signing key" in capsys.readouterr().err
    old_did = json.loads((project / "site" / ".well-known" / "did.json").read_text(encoding="utf-8"))
    old_key = old_did["verificationMethod"][0]["publicKeyMultibase"]
    old_credential = project / "old.json"
    old_credential.write_bytes(next(unpack_credentials(project).glob("*.json")).read_bytes())
    # Rotate: a new key file, the old public key listed as retired.
    key_file.rename(project / "keys" / "retired.pem")
    config = project / "mkdocs.yml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "create_development_key: true", f"create_development_key: true\n      retired_keys: [{old_key}]"
        ),
        "utf-8",
    )
    assert run_cli(project, "build") == 0
    did = json.loads((project / "site" / ".well-known" / "did.json").read_text(encoding="utf-8"))
    keys = [m["publicKeyMultibase"] for m in did["verificationMethod"]]
    assert len(keys) == 2 and keys[1] == old_key and keys[0] != old_key
    capsys.readouterr()
    assert run_cli(project, "verify", str(old_credential)) in (0, 1)
    out = capsys.readouterr().out
    assert not out.startswith("TAMPERED"), out
    # Without a key and without permission to make one, the build stops with a clear message.
    config.write_text(config.read_text(encoding="utf-8").replace("create_development_key: true", ""), "utf-8")
    (project / "keys" / "ob3-signing-key.pem").unlink()
    assert run_cli(project, "build") == 1
    assert "no signing key" in capsys.readouterr().err
