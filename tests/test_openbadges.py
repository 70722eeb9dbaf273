"""Every award becomes an Open Badges 2.0 hosted badge, baked into a PNG, that `verify` judges rightly."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from pathlib import Path

import pytest
import yaml
from cairn.issue import ob2
from cairn.issue.bake import bake_png, unbake_png
from conftest import REPO, baked_badge, copy_project, run_cli, serve_folder
from PIL import Image

SITE_URL = "http://127.0.0.1:8000/"  # the sample's site_url


def sample_awards() -> list[tuple[dict, dict]]:
    """(earner, award) for every award in the sample district, read straight from the YAML."""
    result = []
    for path in sorted((REPO / "earners").glob("[!_]*.yml")):
        earner = yaml.safe_load(path.read_text(encoding="utf-8"))
        result += [(earner, award) for award in earner["awards"]]
    return result


def award_rows(site: Path) -> list[dict[str, str]]:
    with open(site.parent / "build" / "award-links.csv", encoding="utf-8", newline="") as links:
        return list(csv.DictReader(links))


def local(site: Path, url: str) -> Path:
    assert url.startswith(SITE_URL), url
    return site / url[len(SITE_URL) :]


def test_every_award_is_hosted_with_a_hashed_recipient_and_live_links(sample_site: Path) -> None:
    awards = sample_awards()
    assert len(awards) >= 40
    for earner, award in awards:
        document = json.loads((sample_site / "assertions" / f"{award['id']}.json").read_text(encoding="utf-8"))
        assert document["id"] == f"{SITE_URL}assertions/{award['id']}.json"
        assert document["@context"] == "https://w3id.org/openbadges/v2" and document["type"] == "Assertion"
        if "revoked" in award:  # only what Open Badges 2.0 asks of a revoked one: see the next test
            continue
        assert document["verification"] == {"type": "hosted"}
        assert document["issuedOn"] == f"{award['issued']}T00:00:00+00:00"
        salted = (earner["email"].strip().lower() + award["salt"]).encode()
        assert document["recipient"]["identity"] == "sha256$" + hashlib.sha256(salted).hexdigest()
        badge = json.loads(local(sample_site, document["badge"]).read_text(encoding="utf-8"))
        assert badge["type"] == "BadgeClass" and badge["id"] == document["badge"]
        assert local(sample_site, badge["image"]).is_file()
        assert local(sample_site, badge["criteria"]["id"]).joinpath("index.html").is_file()
        issuer = json.loads(local(sample_site, badge["issuer"]).read_text(encoding="utf-8"))
        assert issuer["type"] == "Issuer" and issuer["revocationList"] == f"{SITE_URL}revocations.json"
        assert local(sample_site, document["image"]).is_file()


def test_expiry_comes_from_the_award_or_the_credential_rule(sample_site: Path) -> None:
    specs = {p.stem: yaml.safe_load(p.read_text().split("---")[1]) for p in (REPO / "catalog").glob("*/*.md")}
    for _, award in sample_awards():
        document = json.loads((sample_site / "assertions" / f"{award['id']}.json").read_text(encoding="utf-8"))
        rule = specs[award["credential"]].get("expires_after")
        if "expires" in award:
            assert document["expires"] == f"{award['expires']}T00:00:00+00:00"
        elif rule is None:
            assert "expires" not in document
        else:
            assert document["expires"] > document["issuedOn"]


def test_revoked_awards_stay_hosted_flagged_and_listed(sample_site: Path) -> None:
    revoked = [award for _, award in sample_awards() if "revoked" in award]
    assert len(revoked) >= 1
    listing = json.loads((sample_site / "revocations.json").read_text(encoding="utf-8"))
    listed = {entry["id"]: entry["revocationReason"] for entry in listing["revokedAssertions"]}
    assert len(listed) == len(revoked)
    for award in revoked:
        url = f"{SITE_URL}assertions/{award['id']}.json"
        document = json.loads(local(sample_site, url).read_text(encoding="utf-8"))
        assert document["revoked"] is True
        expected = f"Revoked on {award['revoked']['date']}: {ob2.PUBLIC_REVOCATION_REASON}"
        assert document["revocationReason"] == expected == listed[url]


def test_a_baked_png_is_the_badge_plus_one_itxt_chunk_after_ihdr(sample_site: Path) -> None:
    assert not list((sample_site / "assertions").glob("*.png"))  # baked in the browser, never hosted
    for _, award in [a for a in sample_awards() if "revoked" not in a[1]][:10]:
        url = f"{SITE_URL}assertions/{award['id']}.json"
        assert json.loads(local(sample_site, url).read_text(encoding="utf-8"))["image"] == (
            f"{SITE_URL}badges/{award['credential']}.png"
        )
        baked = baked_badge(sample_site, award["credential"], url)
        assert unbake_png(baked) == url
        assert baked[37:41] == b"iTXt"  # right after the signature and IHDR
        badge = (sample_site / "badges" / f"{award['credential']}.png").read_bytes()
        chunk_length = int.from_bytes(baked[33:37], "big") + 12
        assert baked[:33] + baked[33 + chunk_length :] == badge  # pixels untouched, nothing re-encoded
        with Image.open(io.BytesIO(baked)) as image:
            image.load()
            assert image.text.get("openbadges") == url


def test_award_links_are_private_and_complete(sample_site: Path) -> None:
    rows = award_rows(sample_site)
    assert len(rows) == len(sample_awards())
    assert {row["assertion_url"] for row in rows} == {
        f"{SITE_URL}assertions/{a['id']}.json" for _, a in sample_awards()
    }
    assert not (sample_site / "award-links.csv").exists()
    for file in sample_site.rglob("*.json"):
        assert "award-links" not in file.read_text(encoding="utf-8")


def test_nothing_in_the_site_lists_the_assertions_of_non_public_earners(sample_site: Path) -> None:
    hidden = [a["id"] for e, a in sample_awards() if not e.get("public") and "revoked" not in a]
    assert hidden
    for file in sample_site.rglob("*"):
        if file.is_file() and file.parent.name != "assertions":
            text = file.read_bytes().decode("utf-8", errors="ignore")
            assert not [award_id for award_id in hidden if award_id in text], file


def verdict(project: Path, badge: str, capsys: pytest.CaptureFixture[str], *email: str) -> tuple[int, str]:
    code = run_cli(project, "verify", badge, *(("--email", email[0]) if email else ()))
    return code, capsys.readouterr().out


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = copy_project(tmp_path_factory.mktemp("verify"))
    assert run_cli(project, "build") == 0
    return project


def downloaded(project: Path, row: dict[str, str]) -> Path:
    """The baked PNG the earner of `row` downloads from their profile or the verify page."""
    path = project / "build" / "downloads" / f"{row['credential_id']}-{row['issued']}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(baked_badge(project / "site", row["credential_id"], row["assertion_url"]))
    return path


def row_where(project: Path, condition) -> dict[str, str]:  # noqa: ANN001
    return next(row for row in award_rows(project / "site") if condition(row))


def test_verify_says_valid_for_a_current_badge_and_checks_the_email(
    built: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    today = dt.date.today().isoformat()
    row = row_where(built, lambda r: not r["revoked_on"] and (not r["expires"] or r["expires"] > today))
    png = downloaded(built, row)
    assert verdict(built, str(png), capsys)[0] == 0
    code, out = verdict(built, row["assertion_url"], capsys, "  " + row["email"].upper())
    assert code == 0 and out.startswith("VALID") and "(matches)" in out
    code, out = verdict(built, str(png), capsys, "someone.else@example.org")
    assert code == 1 and out.startswith("NOT ISSUED TO THIS EMAIL")


def test_verify_says_expired_with_the_date(built: Path, capsys: pytest.CaptureFixture[str]) -> None:
    today = dt.date.today().isoformat()
    row = row_where(built, lambda r: not r["revoked_on"] and r["expires"] and r["expires"] <= today)
    code, out = verdict(built, row["assertion_url"], capsys)
    assert code == 1 and out.startswith(f"EXPIRED: expired on {row['expires']}")


def test_verify_says_revoked_with_date_and_reason(built: Path, capsys: pytest.CaptureFixture[str]) -> None:
    row = row_where(built, lambda r: r["revoked_on"])
    png = downloaded(built, row)
    code, out = verdict(built, str(png), capsys)
    assert code == 1 and out.startswith(f"REVOKED: revoked on {row['revoked_on']}: ")
    # Revoked only in the list, not flagged in the assertion: still revoked.
    assertion = built / "site" / row["assertion_url"][len(SITE_URL) :]
    document = json.loads(assertion.read_text(encoding="utf-8"))
    del document["revoked"], document["revocationReason"]
    assertion.write_text(json.dumps(document), encoding="utf-8")
    code, out = verdict(built, row["assertion_url"], capsys)
    assert code == 1 and out.startswith("REVOKED")


def test_verify_rejects_tampered_badges(built: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    today = dt.date.today().isoformat()
    row = row_where(built, lambda r: not r["revoked_on"] and (not r["expires"] or r["expires"] > today))
    hosted = json.loads((built / "site" / row["assertion_url"][len(SITE_URL) :]).read_text(encoding="utf-8"))
    # A copy whose recipient was changed, carried in a file or baked into a PNG.
    changed = dict(hosted, recipient=dict(hosted["recipient"], identity="sha256$" + "0" * 64))
    copy = tmp_path / "copy.json"
    copy.write_text(json.dumps(changed), encoding="utf-8")
    code, out = verdict(built, str(copy), capsys)
    assert code == 1 and out.startswith("TAMPERED")
    badge = (built / "site" / "badges" / f"{row['credential_id']}.png").read_bytes()
    baked = tmp_path / "baked.png"
    baked.write_bytes(bake_png(badge, json.dumps(changed)))
    code, out = verdict(built, str(baked), capsys)
    assert code == 1 and out.startswith("TAMPERED")
    # The hosted assertion itself edited to point at a badge on another host.
    hosted_path = built / "site" / row["assertion_url"][len(SITE_URL) :]
    original = hosted_path.read_text(encoding="utf-8")
    hosted_path.write_text(json.dumps(dict(hosted, badge="https://evil.example.com/badge.json")), encoding="utf-8")
    try:
        code, out = verdict(built, row["assertion_url"], capsys)
        assert code == 1 and out.startswith("TAMPERED") and "evil.example.com" in out
    finally:
        hosted_path.write_text(original, encoding="utf-8")


def test_verify_reads_another_issuers_badge_over_http_and_says_not_ours(
    tmp_path: Path, built: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = copy_project(tmp_path / "other")
    server = serve_folder(other / "site")
    # Build the other district for the address it will really be served from.
    (other / "site").mkdir()
    base = next(server)
    try:
        config = (other / "mkdocs.yml").read_text(encoding="utf-8").replace(SITE_URL, base)
        (other / "mkdocs.yml").write_text(config, encoding="utf-8")
        assert run_cli(other, "build") == 0
        row = award_rows(other / "site")[0]
        code, out = verdict(built, row["assertion_url"], capsys)
        assert code == 1 and out.startswith("NOT OURS"), out
    finally:
        server.close()


def test_verify_reports_junk_plainly(built: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plain = tmp_path / "plain.png"
    plain.write_bytes((built / "site" / "badges" / "wait-time.png").read_bytes())
    code, out = verdict(built, str(plain), capsys)
    assert code == 1 and out.startswith("INVALID") and "not a baked badge" in out
    code, out = verdict(built, f"{SITE_URL}assertions/{'x' * 26}.json", capsys)
    assert code == 1 and out.startswith("NOT FOUND")
    code, out = verdict(built, f"{SITE_URL}../../etc/passwd", capsys)
    assert code == 1 and out.startswith("NOT FOUND")


def test_a_build_without_an_absolute_site_url_stops_with_a_clear_message(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = project / "mkdocs.yml"
    settings = config.read_text(encoding="utf-8")
    config.write_text(settings.replace(f"site_url: {SITE_URL}", "site_url: /badges/"), encoding="utf-8")
    assert run_cli(project, "build") == 1
    err = capsys.readouterr().err
    assert "Config value 'site_url': The URL isn't valid" in err and "Traceback" not in err
    config.write_text(settings.replace(f"site_url: {SITE_URL}", ""), encoding="utf-8")
    for command in ("build", "check"):
        assert run_cli(project, command) == 1
        err = capsys.readouterr().err
        assert "site_url '' is not an absolute address" in err and "Traceback" not in err
    assert not (project / "site").exists()


def test_ids_writes_missing_ids_and_salts_keeping_comments(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    earner = project / "earners" / "new-hire.yml"
    earner.write_text(
        "name: New Hire\nemail: new.hire@example.org\n# a comment the committee wrote\nawards:\n"
        "  - credential: wait-time   # first one\n    issued: 2025-05-01\n"
        "  - credential: exit-tickets\n    id: rvcxptdhhpye2d3qzgjnprbuli\n    issued: 2025-06-01\n",
        encoding="utf-8",
    )
    assert run_cli(project, "check") == 1
    assert "earners/new-hire.yml:5: this award has no id, salt, status_index" in capsys.readouterr().err
    before = {p.name: p.read_bytes() for p in (project / "earners").iterdir()}
    counter = yaml.safe_load(before["_status-list.yml"])["next_index"]
    assert run_cli(project, "ids") == 0
    after = {p.name: p.read_bytes() for p in (project / "earners").iterdir()}
    assert [name for name in before if before[name] != after[name]] == ["_status-list.yml", "new-hire.yml"]
    text = earner.read_text(encoding="utf-8")
    assert "# a comment the committee wrote" in text and "wait-time   # first one" in text
    data = yaml.safe_load(text)
    assert len(data["awards"][0]["id"]) == 26 and len(data["awards"][0]["salt"]) == 32
    assert data["awards"][1]["id"] == "rvcxptdhhpye2d3qzgjnprbuli" and len(data["awards"][1]["salt"]) == 32
    # Status indices continue the district's counter and are never shared.
    indices = [a["status_index"] for a in data["awards"]]
    assert indices == [counter, counter + 1]
    assert f"next_index: {counter + 2}" in (project / "earners" / "_status-list.yml").read_text(encoding="utf-8")
    assert run_cli(project, "check") == 0
    # Running it again changes nothing: ids are set once.
    assert run_cli(project, "ids") == 0
    assert earner.read_text(encoding="utf-8") == text


def test_correcting_an_award_keeps_its_url(project: Path) -> None:
    assert run_cli(project, "build") == 0
    first = sorted(p.name for p in (project / "site" / "assertions").iterdir())
    ana = project / "earners" / "ana-ruiz.yml"
    ana.write_text(ana.read_text(encoding="utf-8").replace("issued: 2025-03-14", "issued: 2025-03-15"), "utf-8")
    (project / "earners" / "marcus-bell.yml").unlink()
    assert run_cli(project, "build") == 0
    second = sorted(p.name for p in (project / "site" / "assertions").iterdir())
    assert set(second) < set(first)
    assert len(first) - len(second) == len(yaml.safe_load((REPO / "earners/marcus-bell.yml").read_text())["awards"])
