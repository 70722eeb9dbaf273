"""The Open Badges 3.0 verifier that others wrote (the Digital Credentials Consortium's libraries
from npm) judges our signed OpenBadgeCredentials, offline, against the sample served for real.

tests/referee/ob3/verify.mjs runs in node with the packages `npm ci` installs there (`make test`
does it). Its document loader answers only bundled contexts, the DID document file we give it and
the status lists under the served site, on loopback. The same libraries, bundled by
scripts/build-verifier.mjs into theme/assets/vendor/dcc-verifier.js, are tried in Chromium.

Every expectation comes from the live project: build/award-links.csv and the earner files;
today's date decides which awards have expired.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from cairn.issue.ob3 import public_multibase
from conftest import REPO, unpack_credentials
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PIL import Image

OB3 = REPO / "tests" / "referee" / "ob3"
VERIFY = OB3 / "verify.mjs"
BUILD_SCRIPT = REPO / "scripts" / "build-verifier.mjs"
BUNDLE = REPO / "theme" / "assets" / "vendor" / "dcc-verifier.js"
REQUIRED_PACKAGES = (
    "@digitalcredentials/vc",
    "@digitalcredentials/data-integrity",
    "@digitalcredentials/eddsa-rdfc-2022-cryptosuite",
    "@digitalcredentials/vc-bitstring-status-list",
    "esbuild",
)
TODAY = dt.datetime.now(dt.UTC).date().isoformat()  # validUntil is midnight UTC


def node() -> str:
    found = shutil.which("node")
    if not found:
        pytest.fail("node is missing: install Node.js 18 or later (Debian: apt-get install nodejs npm)")
    missing = [p for p in REQUIRED_PACKAGES if not (OB3 / "node_modules" / p / "package.json").is_file()]
    if missing:
        pytest.fail(f"the OB 3.0 referee's packages are missing ({', '.join(missing)}): run `npm ci` in {OB3}")
    return found


def referee(project: Path, base: str, files: list[Path], *extra: str) -> dict[str, dict]:
    """Verdicts by file path, from the command-line referee."""
    did_doc = project / "site" / ".well-known" / "did.json"
    command = [node(), str(VERIFY), "--did-doc", str(did_doc), "--base", base, *extra, *map(str, files)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=OB3)
    assert result.returncode in (0, 1), f"exit {result.returncode}: {result.stderr}"
    verdicts = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert len(verdicts) == len(files), result.stdout + result.stderr
    return {v["file"]: v for v in verdicts}


def state(row: dict[str, str]) -> str:
    if row["revoked_on"]:
        return "revoked"
    if row["issued"] > TODAY:
        return "future"
    return "expired" if row["expires"] and row["expires"] <= TODAY else "current"


def award_id(row: dict[str, str]) -> str:
    return Path(row["ob3_credential_file"]).stem


@pytest.fixture(scope="module")
def served(live_site: tuple[Path, str]):  # noqa: ANN201
    """The live sample site, its award links and its earner files."""
    project, base = live_site
    with open(project / "build" / "award-links.csv", encoding="utf-8", newline="") as links:
        rows = list(csv.DictReader(links))
    unpack_credentials(project)  # what the earners receive, opened
    earners = [
        yaml.safe_load(path.read_text(encoding="utf-8"))
        for path in sorted((project / "earners").glob("*.yml"))
        if not path.name.startswith("_")
    ]
    return project, base, rows, earners


def credential_file(project: Path, row: dict[str, str]) -> Path:
    return project / "build" / "unpacked" / row["ob3_credential_file"]


def write_json(path: Path, document: dict) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- the command-line referee


def test_every_credential_gets_the_verdict_its_award_calls_for(served) -> None:  # noqa: ANN001
    project, base, rows, _ = served
    files = sorted((project / "build" / "unpacked").glob("*.json"))
    assert {f.stem for f in files} == {award_id(row) for row in rows}, "build/credentials/ and the CSV disagree"
    verdicts = referee(project, base, files)
    counts = {"current": 0, "expired": 0, "revoked": 0, "future": 0}
    for row in rows:
        verdict = verdicts[str(credential_file(project, row))]
        kind = state(row)
        counts[kind] += 1
        assert verdict["signature"] is True, verdict
        if kind == "current":
            assert verdict["verified"] is True and verdict["revoked"] is False, verdict
            assert verdict["expired"] is False and verdict["errors"] == [], verdict
        elif kind == "revoked":
            assert verdict["verified"] is False and verdict["revoked"] is True, verdict
            expired = bool(row["expires"]) and row["expires"] <= TODAY
            assert verdict["expired"] is expired, verdict
        elif kind == "expired":
            assert verdict["verified"] is False and verdict["expired"] is True, verdict
            assert verdict["revoked"] is False, verdict
            assert any('is after "validUntil"' in e for e in verdict["errors"]), verdict
        else:  # issued after today: not yet valid
            assert verdict["verified"] is False and verdict["expired"] is False, verdict
    assert counts["current"] >= 1 and counts["expired"] >= 1 and counts["revoked"] >= 1, counts
    print(f"OB 3.0 referee verdicts by kind: {counts}")


def test_revocations_read_from_the_status_files_agree_with_the_served_ones(served) -> None:  # noqa: ANN001
    project, base, rows, _ = served
    chosen = [row for row in rows if state(row) == "revoked"] + [row for row in rows if state(row) == "current"][:3]
    files = [credential_file(project, row) for row in chosen]
    over_http = referee(project, base, files)
    from_files = referee(project, base, files, "--status-dir", str(project / "site" / "status"))
    assert over_http == from_files
    assert [over_http[str(f)]["revoked"] for f in files] == [state(row) == "revoked" for row in chosen]


@pytest.mark.parametrize(
    "change",
    ["achievement name", "recipient hash", "issuer name", "validUntil dropped", "status index"],
)
def test_an_altered_credential_fails_its_signature(served, tmp_path: Path, change: str) -> None:  # noqa: ANN001
    project, base, rows, _ = served
    kind = {"validUntil dropped": "expired", "status index": "revoked"}.get(change, "current")
    row = next(row for row in rows if state(row) == kind)
    credential = json.loads(credential_file(project, row).read_text(encoding="utf-8"))
    if change == "achievement name":
        credential["credentialSubject"]["achievement"]["name"] += " (with honours)"
    elif change == "recipient hash":
        credential["credentialSubject"]["identifier"][0]["identityHash"] = "sha256$" + "ab" * 32
    elif change == "issuer name":
        credential["issuer"]["name"] = "Mallory Academy"
    elif change == "validUntil dropped":  # an expired badge made to look current
        del credential["validUntil"]
    else:  # a revoked badge pointed at a bit that is not set
        status = credential["credentialStatus"]
        status["statusListIndex"] = str(int(status["statusListIndex"]) + 1)
        status["id"] = f"{status['statusListCredential']}#{status['statusListIndex']}"
    altered = write_json(tmp_path / "altered.json", credential)
    [verdict] = referee(project, base, [altered]).values()
    assert verdict["verified"] is False and verdict["signature"] is False, verdict
    assert "Invalid signature." in verdict["errors"], verdict


def test_a_did_document_with_another_key_refutes_every_signature(served, tmp_path: Path) -> None:  # noqa: ANN001
    project, base, rows, _ = served
    did_doc = json.loads((project / "site" / ".well-known" / "did.json").read_text(encoding="utf-8"))
    other = public_multibase(Ed25519PrivateKey.generate().public_key())
    for method in did_doc["verificationMethod"]:
        method["publicKeyMultibase"] = other
    forged_site = tmp_path / "site" / ".well-known"
    forged_site.mkdir(parents=True)
    write_json(forged_site / "did.json", did_doc)
    row = next(row for row in rows if state(row) == "current")
    [verdict] = referee(tmp_path, base, [credential_file(project, row)]).values()
    assert verdict["verified"] is False and verdict["signature"] is False, verdict


def test_the_referee_refuses_documents_from_anywhere_else(served, tmp_path: Path) -> None:  # noqa: ANN001
    project, base, rows, _ = served
    row = next(row for row in rows if state(row) == "current")
    credential = json.loads(credential_file(project, row).read_text(encoding="utf-8"))
    credential["@context"].append("https://example.org/contexts/extra.jsonld")
    [verdict] = referee(project, base, [write_json(tmp_path / "remote-context.json", credential)]).values()
    assert verdict["verified"] is False, verdict
    assert any("refused to load https://example.org/contexts/extra.jsonld" in e for e in verdict["errors"]), verdict


def test_baked_pngs_carry_the_signed_credential(served, tmp_path: Path) -> None:  # noqa: ANN001
    """Read back by Pillow (not by Cairn's own unbaker): the iTXt `openbadgecredential` chunk."""
    project, base, rows, _ = served
    unbaked = []
    for row in rows:
        with Image.open(project / "build" / "unpacked" / row["ob3_badge_file"]) as image:
            text = image.text.get("openbadgecredential")
        assert text, f"{row['ob3_badge_file']} has no openbadgecredential chunk"
        assert json.loads(text) == json.loads(credential_file(project, row).read_text(encoding="utf-8"))
        if state(row) == "current" and len(unbaked) < 3:
            unbaked.append(write_json(tmp_path / f"{award_id(row)}.json", json.loads(text)))
    for verdict in referee(project, base, unbaked).values():
        assert verdict["verified"] is True, verdict


# --------------------------------------------------------------------------- what the site publishes


def test_the_site_publishes_credentials_exactly_for_public_earners_shown_awards(served) -> None:  # noqa: ANN001
    project, base, rows, earners = served
    revoked = {award_id(row) for row in rows if row["revoked_on"]}
    every = {award["id"] for earner in earners for award in earner.get("awards") or []}
    assert every == {award_id(row) for row in rows}, "the earner files and the CSV disagree"
    expected = {
        award["id"]
        for earner in earners
        if earner.get("public") is True
        for award in earner.get("awards") or []
        if award.get("public", True) is not False and award["id"] not in revoked
    }
    published = {path.stem for path in (project / "site" / "ob3").glob("*.json")}
    assert published == expected, {"unexpected": sorted(published - expected), "missing": sorted(expected - published)}
    assert expected and expected != every  # the sample has both kinds
    for name in sorted(published):
        assert (project / "site" / "ob3" / f"{name}.json").read_bytes() == (
            project / "build" / "unpacked" / f"{name}.json"
        ).read_bytes()


# --------------------------------------------------------------------------- the browser bundle


def test_the_committed_bundle_is_built_from_the_pinned_libraries() -> None:
    assert BUNDLE.is_file(), f"{BUNDLE} is missing: run `node scripts/build-verifier.mjs`"
    result = subprocess.run(
        [node(), str(BUILD_SCRIPT), "--check"], capture_output=True, text=True, timeout=300, cwd=REPO
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_bundle_verifies_in_chromium(served, page) -> None:  # noqa: ANN001
    project, base, rows, _ = served
    current = next(row for row in rows if state(row) == "current")
    revoked = next(row for row in rows if state(row) == "revoked")
    expired = next(row for row in rows if state(row) == "expired")
    altered = json.loads(credential_file(project, current).read_text(encoding="utf-8"))
    altered["credentialSubject"]["achievement"]["name"] += " (with honours)"
    page.goto(base + "verify/")
    page.add_script_tag(url=base + "assets/vendor/dcc-verifier.js")  # served: the CSP allows only own files
    verify = "credential => window.CairnOB3.verifyCredential(credential)"

    def judge(credential: dict) -> dict:
        return page.evaluate(verify, credential)

    good = judge(json.loads(credential_file(project, current).read_text(encoding="utf-8")))
    assert good == {"verified": True, "signature": True, "revoked": False, "expired": False, "errors": []}
    bad = judge(json.loads(credential_file(project, revoked).read_text(encoding="utf-8")))
    assert bad["verified"] is False and bad["signature"] is True and bad["revoked"] is True, bad
    late = judge(json.loads(credential_file(project, expired).read_text(encoding="utf-8")))
    assert late["verified"] is False and late["signature"] is True and late["expired"] is True, late
    assert late["revoked"] is False, late
    forged = judge(altered)
    assert forged["verified"] is False and forged["signature"] is False, forged
    assert "Invalid signature." in forged["errors"], forged
