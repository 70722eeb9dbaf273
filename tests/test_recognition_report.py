"""HR's recognition report: per earner and school year, the credentials approved, what they
count for (pay included), milestones reached and when each pay change takes effect, in the
private folder only (build/recognition.csv and build/recognition.html), never on the site."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from cairn.commands.ids import new_award_id, new_salt
from cairn.model import District, school_year_start
from cairn.recognition import earned
from cairn.reports.recognition import private_files
from cairn.sources.load import STATUS_FILE, Sources, load_district
from conftest import run_cli

TODAY = dt.date.today()  # the sample build's day (it is built on the clock's)
Rows = list[dict[str, str]]


def rows_of(csv_bytes: bytes) -> Rows:
    return list(csv.DictReader(io.StringIO(csv_bytes.decode("utf-8"))))


def loaded(project: Path) -> District:
    district, problems = load_district(Sources(project / "catalog", project / "earners", project), TODAY)
    assert not problems.errors, [str(p) for p in problems.errors]
    return district


def report(project: Path) -> tuple[Rows, str]:
    """What a build writes to the private folder, made from the project as it is now."""
    files = dict(private_files(loaded(project), "Maple Valley Unified School District"))
    return rows_of(files["recognition.csv"]), files["recognition.html"].decode("utf-8")


def plant_earner(project: Path, name: str, *awards: tuple[str, str], role: str = "Teacher") -> None:
    """A new earner file (not public) with these (credential, issued) awards."""
    (project / "earners" / STATUS_FILE).write_text("next_index: 100000\n", encoding="utf-8")
    lines = [f"name: {name}", "email: planted@example.net", "public: false", "school: lincoln-ms", f"role: {role}"]
    lines.append("awards:")
    for index, (credential, issued) in enumerate(awards):
        lines += [
            f"  - credential: {credential}",
            f"    issued: {issued}",
            f"    id: {new_award_id()}",
            f"    salt: {new_salt()}",
            f"    status_index: {90000 + index}",
        ]
    (project / "earners" / "planted.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def by_year(rows: Rows, name: str) -> dict[str, dict[str, str]]:
    """An earner's figures per school year, as a pivot table makes them: each scheme's amounts
    summed, its running total at its highest; and the credentials and milestones approved."""
    years: dict[str, dict[str, str]] = {}
    sums: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for row in (r for r in rows if r["name"] == name):
        year = years.setdefault(row["school_year"], {"credentials": "", "milestones": ""})
        kind = "credentials" if row["kind"] == "micro-credential" else "milestones"
        year[kind] += f"{row['credential_id']} {row['approved']}; "
        for scheme in ("pay", "ceu", "points"):
            sums[row["school_year"]][scheme] += Decimal(row[f"{scheme}_amount"])
            year[f"{scheme} to date"] = max(year.get(f"{scheme} to date", "0"), row[f"{scheme}_to_date"], key=Decimal)
    for label, year in years.items():
        for scheme, total in sums[label].items():
            year[scheme] = str(total)
    return years


# The sample district, as HR reads it


def test_hr_reads_ana_ruizs_and_rosa_delgados_years_as_added_up_by_hand(sample_site: Path) -> None:
    # The sample pays 200 / 400 / 600 USD for a foundational / proficient / advanced credential,
    # 0.1 CEU an hour, and 25 / 50 / 75 points by level; milestones earn nothing of their own.
    with (sample_site.parent / "build" / "recognition.csv").open(encoding="utf-8", newline="") as report_file:
        rows = list(csv.DictReader(report_file))
    ana = by_year(rows, "Ana Ruiz")
    # 2024–25: Wait Time (foundational, 10 h) 2025-03-14 and Exit Tickets (foundational, 8 h) 2025-05-02.
    assert ana["2024–25"] == {
        "credentials": "wait-time 2025-03-14; exit-tickets 2025-05-02; ",
        "milestones": "",
        "pay": "400.00",
        "pay to date": "400.00",
        "ceu": "1.8",
        "ceu to date": "1.8",
        "points": "50",
        "points to date": "50",
    }
    # 2025–26: Hinge Questions (proficient, 15 h), Peer Feedback (proficient, 12 h) which brings
    # her to 150 points (District Associate the same day), Student Self-Assessment (advanced,
    # 20 h) which completes the Formative Assessment stack.
    assert ana["2025–26"] == {
        "credentials": "hinge-questions 2025-10-17; peer-feedback 2026-01-23; student-self-assessment 2026-05-29; ",
        "milestones": "district-associate 2026-01-23; formative-assessment-practitioner 2026-05-29; ",
        "pay": "1400.00",
        "pay to date": "1800.00",
        "ceu": "4.7",
        "ceu to date": "6.5",
        "points": "175",
        "points to date": "225",
    }
    associate = next(r for r in rows if r["name"] == "Ana Ruiz" and r["credential_id"] == "district-associate")
    assert associate["points_to_date"] == "150"  # listed after Peer Feedback, the award that met it
    rosa = by_year(rows, "Rosa Delgado")
    assert {
        year: (f["pay"], f["pay to date"], f["ceu"], f["ceu to date"], f["points"]) for year, f in rosa.items()
    } == {
        "2022–23": ("400.00", "400.00", "1.5", "1.5", "50"),  # Hinge Questions
        "2023–24": ("1000.00", "1400.00", "3.2", "4.7", "125"),  # Student Self-Assessment, Critique & Revision
        "2024–25": ("800.00", "2200.00", "3.8", "8.5", "100"),  # Funds of Knowledge, Asset-Based Family Partnerships
        "2025–26": ("800.00", "3000.00", "3.2", "11.7", "100"),  # Decomposition, Project Sprints
    }
    assert rosa["2023–24"]["milestones"] == "district-associate 2024-04-12; "  # 50 + 75 + 50 = 175 ≥ 150
    assert rosa["2025–26"]["milestones"] == "district-bachelor 2025-12-05; "  # 275 + 50 = 325 ≥ 300
    # The sample's pay takes effect on the day of the award (its scheme says no other rule).
    pay_changes = [(r["approved"], r["pay_amount"], r["pay_effective"]) for r in rows if r["name"] == "Rosa Delgado"]
    assert ("2023-06-09", "400.00", "2023-06-09") in pay_changes
    assert ("2024-04-12", "0.00", "") in pay_changes  # District Associate: no pay change
    # It is private: everyone is in it, the earners who have not opted in as well.
    hannah = [r for r in rows if r["name"] == "Hannah Kowalski"]
    assert {r["public"] for r in hannah} == {"no"} and {r["email"] for r in hannah} == {"hannah.kowalski@example.net"}
    assert sum(Decimal(r["pay_amount"]) for r in hannah) == 800  # 200 + 200 + 400


def test_the_readable_page_stands_alone_and_is_not_indexed(sample_site: Path) -> None:
    page = (sample_site.parent / "build" / "recognition.html").read_text(encoding="utf-8")
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert re.search(r"<(script|link|img|iframe|object)\b", page) is None
    assert re.search(r"\b(src|href)=|url\(|@import", page) is None  # it loads nothing, from anywhere
    assert '<th scope="row">Rosa Delgado<br>' in page
    assert "<td>2025–26</td>" in page
    assert "<li>District Bachelor (2025-12-05)</li>" in page
    assert "Base-pay increase: 600.00 USD from 2025-04-04 (Asset-Based Family Partnerships)" in page
    assert "hannah.kowalski@example.net · not public" in page


# The rules


def test_the_school_year_turns_on_1_july(project: Path) -> None:
    plant_earner(
        project,
        "June Julyson",
        ("wait-time", "2025-06-30"),
        ("exit-tickets", "2025-07-01"),
        ("hinge-questions", "2026-06-30"),
    )
    rows, _ = report(project)
    mine = [(r["credential_id"], r["school_year"], r["year_start"]) for r in rows if r["name"] == "June Julyson"]
    assert mine == [
        ("wait-time", "2024–25", "2024-07-01"),
        ("exit-tickets", "2025–26", "2025-07-01"),
        ("hinge-questions", "2025–26", "2025-07-01"),
    ]
    years = by_year(rows, "June Julyson")
    assert (years["2024–25"]["pay"], years["2025–26"]["pay"], years["2025–26"]["pay to date"]) == (
        "200.00",
        "600.00",
        "800.00",
    )


EFFECTIVE = {
    # issued:     2025-03-14    2025-06-30    2025-07-01    2025-12-05
    "on-award": ["2025-03-14", "2025-06-30", "2025-07-01", "2025-12-05"],
    "next-month": ["2025-04-01", "2025-07-01", "2025-08-01", "2026-01-01"],
    "next-school-year": ["2025-07-01", "2025-07-01", "2026-07-01", "2026-07-01"],
}


@pytest.mark.parametrize("rule", list(EFFECTIVE))
def test_each_pay_change_takes_effect_as_the_scheme_says(project: Path, rule: str) -> None:
    recognition = project / "catalog" / "_recognition.yml"
    text = recognition.read_text(encoding="utf-8")
    recognition.write_text(text.replace("  show: catalog\n", f"  show: catalog\n  effective: {rule}\n", 1), "utf-8")
    plant_earner(
        project,
        "Eve Effective",
        ("wait-time", "2025-03-14"),
        ("exit-tickets", "2025-06-30"),
        ("hinge-questions", "2025-07-01"),
        ("peer-feedback", "2025-12-05"),
    )
    rows, page = report(project)
    mine = [r for r in rows if r["name"] == "Eve Effective"]
    assert [r["pay_effective"] for r in mine] == EFFECTIVE[rule]
    assert [r["approved"] for r in mine] == ["2025-03-14", "2025-06-30", "2025-07-01", "2025-12-05"]
    assert f"Base-pay increase: 400.00 USD from {EFFECTIVE[rule][3]} (Peer Feedback)" in page
    assert "ceu_effective" not in rows[0] and "points_effective" not in rows[0]  # only money changes pay


EFFECTIVE_MISTAKES = {
    "misspelt": (
        "  show: catalog\n",
        "  show: catalog\n  effective: next month\n",
        "effective: next month",
        "'effective' 'next month' is not allowed (use one of: on-award, next-month, next-school-year)",
    ),
    "on a credits scheme": (
        "  per_hour: 0.1\n",
        "  per_hour: 0.1\n  effective: next-month\n",
        "effective: next-month",
        "a credits scheme has no effective date: 'effective' says when a pay change takes effect"
        " (remove 'effective', or make the scheme 'kind: money')",
    ),
}


@pytest.mark.parametrize("case", list(EFFECTIVE_MISTAKES))
def test_an_effective_rule_mistake_is_reported_with_its_line(
    project: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    old, new, needle, message = EFFECTIVE_MISTAKES[case]
    recognition = project / "catalog" / "_recognition.yml"
    text = recognition.read_text(encoding="utf-8")
    assert old in text
    text = text.replace(old, new, 1)
    recognition.write_text(text, encoding="utf-8")
    assert run_cli(project, "check") == 1
    lines = capsys.readouterr().err.strip().splitlines()
    line = text[: text.index(needle)].count("\n") + 1
    assert f"catalog/_recognition.yml:{line}: {message}" in lines, lines
    assert lines[-1].startswith("1 error(s)"), lines


def test_a_hostile_name_is_text_in_the_spreadsheet_and_on_the_page(project: Path) -> None:
    hostile = '=HYPERLINK("https://evil.example/","Pay me")<script>alert(1)</script>'
    plant_earner(project, f"'{hostile}'", ("wait-time", "2025-03-14"), role="'+1 teacher <b>bold</b>'")
    rows, page = report(project)
    row = next(r for r in rows if "HYPERLINK" in r["name"])
    assert row["name"] == "'" + hostile  # a spreadsheet shows it, and runs nothing
    assert row["role"] == "'+1 teacher <b>bold</b>"
    assert "<script>" not in page and "<b>" not in page
    assert "=HYPERLINK(&#34;https://evil.example/&#34;,&#34;Pay me&#34;)&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_district_without_schemes_has_no_recognition_report(project: Path) -> None:
    recognition = project / "catalog" / "_recognition.yml"
    recognition.write_text("# No scheme yet.\n", encoding="utf-8")
    assert private_files(loaded(project), "Maple Valley") == []


# Privacy: what a person is paid, and anyone who has not opted in, never reaches site/


def money_pattern(amounts: set[Decimal]) -> re.Pattern[str]:
    """Every way a page or file could print these amounts of money: 1400.00, 1,400.00, $1,400,
    $1400, 1,400 USD, USD 1400."""
    forms = set()
    for amount in amounts:
        whole = f"{amount:.0f}" if amount == amount.to_integral_value() else None
        forms |= {f"{amount:.2f}", f"{amount:,.2f}"}
        for number in filter(None, (whole, whole and f"{int(amount):,}")):
            forms |= {f"${number}", f"{number} USD", f"USD {number}"}
    if not forms:
        return re.compile(r"(?!)")  # nothing to look for: matches nothing
    alternatives = "|".join(re.escape(form) for form in sorted(forms, key=len, reverse=True))
    return re.compile(rf"(?<![\d,.])(?:{alternatives})(?![\d,])")


def site_text(path: Path) -> str:
    return re.sub(r"&nbsp;|&#160;|\u00a0|\u202f", " ", path.read_text(encoding="utf-8", errors="replace"))


def test_no_ones_money_and_nothing_of_a_non_public_earner_reaches_the_site(sample_site: Path) -> None:
    project = sample_site.parent
    district = loaded(project)
    pay = district.schemes["pay"]
    files = [p for p in sample_site.rglob("*") if p.is_file()]
    texts = {p: site_text(p) for p in files if p.suffix in (".html", ".json", ".js", ".xml", ".txt", ".svg", ".csv")}
    # What a credential pays is on its catalog page (the scheme shows it there): not a person's.
    catalog_amounts = {amount for amounts in district.amounts.values() for s, amount in amounts if s.id == "pay"}
    for earner in district.earners:
        # Each award's pay, and the sums a page could print: per school year, and to date after each award.
        per_award, totals, to_date = set(), set(), Decimal(0)
        years: dict[dt.date, Decimal] = defaultdict(Decimal)
        for item in earned(district, earner, TODAY):
            amount = sum((a.amount for a in item.amounts if a.scheme == pay), Decimal(0))
            to_date += amount
            years[school_year_start(item.issued, 7)] += amount
            per_award.add(amount)
            totals.add(to_date)
        totals |= set(years.values())
        per_award -= {Decimal(0)}
        assert per_award <= catalog_amounts
        # A total (a year's, to date) is in no file of the site...
        anywhere = money_pattern(totals - catalog_amounts - {Decimal(0)})
        # ... and on the files about the person (profile, badge files), no amount of theirs at all.
        theirs = money_pattern((per_award | totals) - {Decimal(0)})
        ids = [a.id for a in earner.awards if a.id]
        for path, text in texts.items():
            relative = path.relative_to(sample_site).as_posix()
            about_them = any(award_id in relative for award_id in ids) or (
                earner.public and earner.slug is not None and relative.startswith(f"earners/{earner.slug}/")
            )
            found = (theirs if about_them else anywhere).search(text)
            assert found is None, f"{earner.name}'s pay {found.group()!r} is in site/{relative}"
    hannah = next(e for e in district.earners if e.source.name == "hannah-kowalski.yml")
    assert not hannah.public
    for path in files:
        content = path.read_bytes()
        for secret in (hannah.name, hannah.email, "Kowalski"):
            assert secret.encode() not in content, f"{secret} is in site/{path.relative_to(sample_site)}"
    # The report itself is private: in the private folder, readable by its owner only.
    for name in ("recognition.csv", "recognition.html"):
        assert (project / "build" / name).stat().st_mode & 0o777 == 0o600
        assert not list(sample_site.rglob(name))
    assert "Hannah Kowalski" in (project / "build" / "recognition.html").read_text(encoding="utf-8")


def test_a_rebuild_keeps_the_report_until_what_it_is_made_from_changes(project: Path) -> None:
    csv_file = project / "build" / "recognition.csv"
    assert run_cli(project, "build") == 0
    first = csv_file.stat().st_mtime_ns
    assert run_cli(project, "build") == 0
    assert csv_file.stat().st_mtime_ns == first  # nothing changed: last build's file is kept
    # The contract changes: pay now takes effect on the first of the next month.
    recognition = project / "catalog" / "_recognition.yml"
    text = recognition.read_text(encoding="utf-8")
    recognition.write_text(text.replace("  show: catalog\n", "  show: catalog\n  effective: next-month\n", 1), "utf-8")
    assert run_cli(project, "build") == 0
    rows = rows_of(csv_file.read_bytes())
    wait_time = next(r for r in rows if r["name"] == "Ana Ruiz" and r["credential_id"] == "wait-time")
    assert (wait_time["approved"], wait_time["pay_effective"]) == ("2025-03-14", "2025-04-01")
    # An earner's record changes: the report follows.
    ana = project / "earners" / "ana-ruiz.yml"
    ana.write_text(ana.read_text(encoding="utf-8").replace("name: Ana Ruiz", "name: Ana Ruiz-Lopez"), "utf-8")
    assert run_cli(project, "build") == 0
    names = {r["name"] for r in rows_of(csv_file.read_bytes())}
    assert "Ana Ruiz-Lopez" in names and "Ana Ruiz" not in names
    assert csv_file.stat().st_mode & 0o777 == 0o600
