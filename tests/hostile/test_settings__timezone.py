"""One day for the whole build. A district in Chicago builds just after midnight UTC: the awards
that lapse "today" in UTC are still current in Chicago, and the site must say so whatever zone
the build machine (a CI runner, a laptop on a trip) is set to. The same sources built at the
same instant (SOURCE_DATE_EPOCH) in two zones give the same bytes."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from conftest import REPO, copy_project, run_cli

WAIT_TIME_EXPIRY = "expires: 2028-03-14"  # Ana Ruiz's Wait Time badge, on her public profile


def configure(project: Path, timezone: str) -> None:
    config = project / "mkdocs.yml"
    text = re.sub(r"\n      timezone: .*", "", config.read_text(encoding="utf-8"))
    config.write_text(text.replace("      private_dir: build", f"      private_dir: build\n      timezone: {timezone}"))


def set_expiry(project: Path, day: dt.date) -> None:
    ana = project / "earners" / "ana-ruiz.yml"
    ana.write_text(ana.read_text(encoding="utf-8").replace(WAIT_TIME_EXPIRY, f"expires: {day}"), encoding="utf-8")


def last_recorded_day(project: Path) -> dt.date:
    """The latest issue or revocation date in the sample: the build's day must not be before it."""
    days = []
    for path in (project / "earners").glob("[!_]*.yml"):
        for award in yaml.safe_load(path.read_text(encoding="utf-8"))["awards"]:
            days.append(dt.date.fromisoformat(str(award["issued"])))
            if "revoked" in award:
                days.append(dt.date.fromisoformat(str(award["revoked"]["date"])))
    return max(days)


def profile(project: Path) -> str:
    return (project / "site" / "earners" / "ana-ruiz" / "index.html").read_text(encoding="utf-8")


def test_an_award_lapsing_on_the_utc_day_is_still_current_in_chicago(project: Path, monkeypatch) -> None:
    boundary = last_recorded_day(project) + dt.timedelta(days=2)
    set_expiry(project, boundary)
    # 00:30 UTC on the boundary day: still the evening before in Chicago.
    instant = dt.datetime.combine(boundary, dt.time(0, 30), dt.UTC)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(instant.timestamp())))
    configure(project, "America/Chicago")

    assert run_cli(project, "build") == 0
    assert f"Expired {boundary}" not in profile(project)
    # The sitemap dates every page as MkDocs dates its own: the same instant, told in UTC.
    sitemap = (project / "site" / "sitemap.xml").read_text(encoding="utf-8")
    assert set(re.findall(r"<lastmod>(.*?)</lastmod>", sitemap)) == {boundary.isoformat()}

    configure(project, "UTC")  # the same instant, judged in UTC: lapsed
    assert run_cli(project, "build") == 0
    assert f"Expired {boundary}" in profile(project)


def test_check_judges_dates_on_the_districts_day(project: Path, monkeypatch, capsys) -> None:
    boundary = last_recorded_day(project) + dt.timedelta(days=2)
    ana = project / "earners" / "ana-ruiz.yml"
    ana.write_text(ana.read_text(encoding="utf-8").replace("issued: 2025-03-14", f"issued: {boundary}"), "utf-8")
    instant = dt.datetime.combine(boundary, dt.time(0, 30), dt.UTC)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(instant.timestamp())))
    configure(project, "America/Chicago")

    assert run_cli(project, "check") == 1

    assert f"earners/ana-ruiz.yml:16: 'issued' {boundary} is in the future" in capsys.readouterr().err


def test_a_timezone_that_does_not_exist_is_refused_by_name(project: Path, capsys) -> None:
    configure(project, "Mars/Olympus_Mons")

    assert run_cli(project, "build") == 1
    assert "cairn timezone 'Mars/Olympus_Mons' is not a time zone" in capsys.readouterr().err
    assert not (project / "site").exists()

    assert run_cli(project, "check") == 1
    assert "cairn timezone 'Mars/Olympus_Mons' is not a time zone" in capsys.readouterr().err


def test_a_source_date_epoch_that_is_not_a_number_is_refused_by_name(project: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")

    assert run_cli(project, "check") == 1

    assert "SOURCE_DATE_EPOCH 'yesterday' is not a whole number of seconds" in capsys.readouterr().err


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_two_machines_in_different_zones_build_the_same_bytes(tmp_path: Path) -> None:
    # Kiritimati (UTC+14) and Adak (UTC-10) are a day apart at every instant: an award lapsing
    # on Kiritimati's date is lapsed there and current in Adak, by the machine's clock.
    now = int(time.time())
    lapses = dt.datetime.fromtimestamp(now, ZoneInfo("Pacific/Kiritimati")).date()
    sites = []
    for zone in ("Pacific/Kiritimati", "America/Adak"):
        project = copy_project(tmp_path / zone.replace("/", "-"))
        set_expiry(project, lapses)
        env = {**os.environ, "TZ": zone, "SOURCE_DATE_EPOCH": str(now)}
        command = [sys.executable, str(REPO / "build.py"), "--config-file", str(project / "mkdocs.yml"), "build"]
        done = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        sites.append(tree(project / "site"))
    kiritimati, adak = sites
    assert kiritimati.keys() == adak.keys()
    assert [path for path in kiritimati if kiritimati[path] != adak[path]] == []
