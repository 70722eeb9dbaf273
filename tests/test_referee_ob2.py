"""The Open Badges 2.0 validator that others wrote (badgecheck, from PyPI) judges our served badges.

It runs in its own venv (.venv-referee, made by `make test`) because it pins old libraries.
It fetches everything from a real local HTTP server; its network is fenced to loopback.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import subprocess
from pathlib import Path

import pytest
from conftest import REPO, baked_badge, run_cli

REFEREE = REPO / "tests" / "referee" / "ob2_referee.py"
REFEREE_PYTHON = Path(os.environ.get("CAIRN_REFEREE_PYTHON", REPO / ".venv-referee" / "bin" / "python"))


def referee(*args: str) -> list[dict]:
    assert REFEREE_PYTHON.is_file(), (
        f"the referee venv is missing: run `make .venv-referee/.installed` ({REFEREE_PYTHON})"
    )
    result = subprocess.run([str(REFEREE_PYTHON), str(REFEREE), *args], capture_output=True, text=True, timeout=600)
    assert result.returncode in (0, 1), result.stderr
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def served(live_site: tuple[Path, str]):  # noqa: ANN201
    """The live sample site and its award links."""
    project, base = live_site
    with open(project / "build" / "award-links.csv", encoding="utf-8", newline="") as links:
        rows = list(csv.DictReader(links))
    return project, base, rows


def status(row: dict[str, str]) -> str:
    today = dt.date.today().isoformat()
    if row["revoked_on"]:
        return "revoked"
    return "expired" if row["expires"] and row["expires"] <= today else "current"


def test_every_current_award_is_valid_and_every_expired_one_invalid(served) -> None:  # noqa: ANN001
    project, base, rows = served
    results = {r["input"]: r for r in referee("validate", *(row["assertion_url"] for row in rows))}
    counts = {"current": 0, "expired": 0, "revoked": 0}
    for row in rows:
        result = results[row["assertion_url"]]
        assert result["blocked"] == [] and result["http_errors"] == [], result
        counts[status(row)] += 1
        if status(row) == "expired":
            assert not result["valid"] and any("expired on" in e for e in result["errors"]), result
        elif status(row) == "current":
            assert result["valid"], result
    assert counts["current"] >= 30 and counts["expired"] >= 1 and counts["revoked"] >= 1, counts
    print(f"referee verdicts by kind: {counts}")


def test_the_validator_accepts_baked_pngs_and_bakery_unbakes_them(served) -> None:  # noqa: ANN001
    project, base, rows = served
    current = [row for row in rows if status(row) == "current"][:8]
    pngs = []
    for row in current:  # what each earner downloads, baked in the browser
        path = project / "build" / "downloads" / (row["assertion_url"].rsplit("/", 1)[1] + ".png")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(baked_badge(project / "site", row["credential_id"], row["assertion_url"]))
        pngs.append(str(path))
    unbaked = referee("unbake", *pngs)
    assert [r["assertion"] for r in unbaked] == [row["assertion_url"] for row in current]
    for result in referee("validate", *pngs):
        assert result["valid"] and result["http_errors"] == [], result


def test_the_recipient_email_is_confirmed_and_a_wrong_one_refused(served) -> None:  # noqa: ANN001
    project, base, rows = served
    row = next(row for row in rows if status(row) == "current")
    [right] = referee("validate", row["assertion_url"], "--email", row["email"].strip().lower())
    assert right["valid"] and right["recipient_matched"] is True, right
    [wrong] = referee("validate", row["assertion_url"], "--email", "mallory@example.org")
    assert not wrong["valid"] and wrong["recipient_matched"] is False, wrong


def test_tampered_copies_are_rejected(served) -> None:  # noqa: ANN001
    project, base, rows = served
    row = next(row for row in rows if status(row) == "current")
    site = project / "site"
    original = json.loads((site / row["assertion_url"][len(base) :]).read_text(encoding="utf-8"))
    forged = site / "forged"
    forged.mkdir(exist_ok=True)
    # 1. A copy whose badge (and so issuer) lives on another host than the assertion.
    other_host = base.replace("127.0.0.1", "localhost")
    badge = json.loads((site / original["badge"][len(base) :]).read_text(encoding="utf-8"))
    (forged / "badge.json").write_text(
        json.dumps(dict(badge, id=f"{other_host}forged/badge.json", issuer=f"{other_host}forged/issuer.json")),
        encoding="utf-8",
    )
    issuer = json.loads((site / "issuer.json").read_text(encoding="utf-8"))
    (forged / "issuer.json").write_text(
        json.dumps(dict(issuer, id=f"{other_host}forged/issuer.json")), encoding="utf-8"
    )
    moved = dict(original, id=f"{base}forged/moved.json", badge=f"{other_host}forged/badge.json")
    (forged / "moved.json").write_text(json.dumps(moved), encoding="utf-8")
    # 2. A copy with the recipient changed to someone else's hash.
    swapped = dict(
        original, id=f"{base}forged/swapped.json", recipient=dict(original["recipient"], identity="sha256$" + "ab" * 32)
    )
    (forged / "swapped.json").write_text(json.dumps(swapped), encoding="utf-8")
    [moved_result] = referee("validate", f"{base}forged/moved.json")
    assert not moved_result["valid"] and any("not hosted in allowed origins" in e for e in moved_result["errors"])
    [swapped_result] = referee("validate", f"{base}forged/swapped.json", "--email", row["email"].lower())
    assert not swapped_result["valid"] and swapped_result["recipient_matched"] is False


def test_every_revoked_award_is_reported_revoked_by_our_verify(served, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    project, base, rows = served
    revoked = [row for row in rows if status(row) == "revoked"]
    assert revoked
    for row in revoked:
        assert run_cli(project, "verify", row["assertion_url"]) == 1
        assert capsys.readouterr().out.startswith(f"REVOKED: revoked on {row['revoked_on']}: ")
