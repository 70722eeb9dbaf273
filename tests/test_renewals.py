"""The committee's renewals report: before a credential lapses, who to remind, in the private
folder only."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from conftest import run_cli


def build_on(project: Path, day: str, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, str]]:
    moment = dt.datetime.fromisoformat(day).replace(hour=12, tzinfo=dt.UTC)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(moment.timestamp())))
    assert run_cli(project, "build") == 0
    report = project / "build" / "renewals.csv"
    assert report.stat().st_mode & 0o777 == 0o600
    with report.open(encoding="utf-8", newline="") as rows:
        return list(csv.DictReader(rows))


def test_an_award_about_to_lapse_is_on_the_report_with_its_days_left_and_not_on_the_site(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Ana Ruiz's Wait Time badge is current until 2028-03-14 (its credential expires after 3 years).
    early = build_on(project, "2027-06-01", monkeypatch)
    assert not any(r["name"] == "Ana Ruiz" and r["credential_id"] == "wait-time" for r in early)
    soon = build_on(project, "2028-01-01", monkeypatch)
    row = next(r for r in soon if r["name"] == "Ana Ruiz" and r["credential_id"] == "wait-time")
    assert (row["expires"], row["days_left"], row["email"]) == ("2028-03-14", "73", "ana.ruiz@example.org")
    assert [r["expires"] for r in soon] == sorted(r["expires"] for r in soon)  # soonest first
    assert all(abs(int(r["days_left"])) <= 90 for r in soon)
    assert not (project / "site" / "renewals.csv").exists()
    pages = (project / "site").rglob("*.html")
    assert not any("ana.ruiz@example.org" in page.read_text("utf-8", "replace") for page in pages)


def test_the_window_is_the_districts_choice(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("  - cairn:\n", "  - cairn:\n      renewals_within_days: 30\n", 1), encoding="utf-8")
    assert "renewals_within_days: 30" in config.read_text(encoding="utf-8")
    rows = build_on(project, "2028-01-01", monkeypatch)
    assert not any(r["name"] == "Ana Ruiz" and r["credential_id"] == "wait-time" for r in rows)
    assert all(abs(int(r["days_left"])) <= 30 for r in rows)
