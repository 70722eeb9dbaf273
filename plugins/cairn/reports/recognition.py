"""HR's recognition report: what each earner's approved credentials count for, school year by
school year, money included. Private: it is written to the private folder only, never to site/.

`recognition_years(district, today)` works it out (pure, no I/O); `recognition_csv` and
`recognition_html` write it as the two files `private_files` hands the build.

The rules, on top of cairn.recognition's (which awards count: each credential once, by its
earliest award not revoked; expired awards still count; revoked ones never):

- **School year.** An award belongs to the school year of the day it was issued (approved);
  a school year starts on 1 July (model.SCHOOL_YEAR_STARTS; the setting school_year_starts), so 2026-06-30 is
  in 2025–26 and 2026-07-01 in 2026–27. A year's total is what was approved in it; "to date"
  (cumulative) is everything approved up to the end of it.
- **Milestones** are awards like any other (written by `python build.py ids` with the day the
  rule was met): they are listed as milestones reached, and earn what their own spec says.
- **Pay changes.** Each approved credential that earns money in a scheme is a pay change of
  that amount, taking effect as the scheme's `effective:` says (model.Scheme.effective_on):
  on the award's day, the first of the next month, or the first day of the next school year.
  It is reported in the school year it was approved, with its effective date beside it.
- **Everyone** is in it, public or not (it is private); an earner with nothing counted is not.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import jinja2

from cairn.issue.files import spreadsheet_text
from cairn.model import (
    SCHOOL_YEAR_STARTS,
    Award,
    Credential,
    District,
    Earner,
    Scheme,
    school_year_label,
    school_year_start,
)
from cairn.pipeline.cache import ContentCache
from cairn.recognition import earned

RECOGNITION_CSV = "recognition.csv"  # in the private folder
RECOGNITION_HTML = "recognition.html"
_CENT = Decimal("0.01")

# The CSV's columns before the schemes'; then, for each scheme in the order of _recognition.yml,
# <id>_amount, <id>_to_date and (money only) <id>_effective. Scheme ids have no "_", so a
# scheme's columns never take a name below.
COLUMNS = (
    "school_year",
    "year_start",
    "name",
    "email",
    "school",
    "role",
    "public",
    "credential_id",
    "credential",
    "kind",
    "approved",
)


@dataclass(frozen=True)
class SchoolYear:
    start: dt.date  # its first day

    @property
    def label(self) -> str:
        """'2025–26' (as the planner's figures write it); '2025' for a year starting in January."""
        return school_year_label(self.start)


@dataclass(frozen=True)
class Approval:
    """One counted award in a school year: what it earned, the earner's totals after it, and
    when each pay change it brings takes effect."""

    award: Award
    credential: Credential
    amounts: dict[str, Decimal]  # scheme id -> amount, every scheme (0 when it earns nothing)
    to_date: dict[str, Decimal]  # scheme id -> the earner's total including this award
    effective: dict[str, dt.date]  # money scheme id -> the day its pay change takes effect


@dataclass(frozen=True)
class PayChange:
    scheme: Scheme
    amount: Decimal
    effective: dt.date
    credential: Credential


@dataclass(frozen=True)
class EarnerYear:
    """One earner's school year: what was approved in it, and the totals."""

    earner: Earner
    year: SchoolYear
    approvals: tuple[Approval, ...]  # in the order issued
    totals: dict[str, Decimal]  # scheme id -> approved this year
    to_date: dict[str, Decimal]  # scheme id -> approved up to the end of this year

    @property
    def credentials(self) -> list[Approval]:
        return [a for a in self.approvals if not a.credential.is_milestone]

    @property
    def milestones(self) -> list[Approval]:
        return [a for a in self.approvals if a.credential.is_milestone]

    def pay_changes(self, district: District) -> list[PayChange]:
        return [
            PayChange(district.schemes[sid], approval.amounts[sid], day, approval.credential)
            for approval in self.approvals
            for sid, day in approval.effective.items()
        ]


def recognition_years(
    district: District, on: dt.date | None = None, year_start_month: int = SCHOOL_YEAR_STARTS
) -> list[EarnerYear]:
    """Every earner's school years with an approval in them (awards issued on or before `on`;
    None: all, as a build has them, `check` refusing an award in the future), earners by name
    (then email), years in order."""
    result: list[EarnerYear] = []
    schemes = list(district.schemes.values())
    for earner in sorted(district.earners, key=lambda e: (e.name.lower(), e.email.lower(), e.source.name)):
        running = {s.id: Decimal(0) for s in schemes}
        years: dict[dt.date, list[Approval]] = {}
        # In the order issued; on one day, a milestone after the credential that brought it.
        counted = earned(district, earner, on, "private")
        counted.sort(key=lambda e: (e.issued, district.credentials[e.credential].is_milestone, e.credential))
        for item in counted:
            amounts = {s.id: Decimal(0) for s in schemes}
            for one in item.amounts:
                amounts[one.scheme.id] = one.amount
            for sid, amount in amounts.items():
                running[sid] += amount
            effective = {
                s.id: s.effective_on(item.issued, year_start_month)
                for s in schemes
                if s.kind == "money" and amounts[s.id] > 0
            }
            start = school_year_start(item.issued, year_start_month)
            credential = district.credentials[item.credential]
            years.setdefault(start, []).append(Approval(item.award, credential, amounts, dict(running), effective))
        for start, approvals in years.items():  # in the order issued: so are the years
            totals = {s.id: sum((a.amounts[s.id] for a in approvals), Decimal(0)) for s in schemes}
            result.append(EarnerYear(earner, SchoolYear(start), tuple(approvals), totals, approvals[-1].to_date))
    return result


def number(scheme: Scheme, amount: Decimal) -> str:
    """An amount for a spreadsheet: no thousands separator, money in cents ('1400.00'), other
    kinds without trailing zeros ('4.7', '175')."""
    text = str(amount.quantize(_CENT, rounding=ROUND_HALF_UP))
    if scheme.kind != "money":
        text = text.rstrip("0").rstrip(".")
    return text


def _school(district: District, earner: Earner) -> str:
    school = district.schools.get(earner.school or "")
    return school.name if school else ""


def recognition_csv(district: District, years: Iterable[EarnerYear]) -> bytes:
    """One row per earner × school year × approved credential (milestones included). Amount
    columns add up (a pivot's sum by earner and year is the year's total); a `_to_date` column
    is the earner's running total after that row (its maximum over a year: the year's
    cumulative total)."""
    schemes = list(district.schemes.values())
    header = list(COLUMNS)
    for scheme in schemes:
        header += [f"{scheme.id}_amount", f"{scheme.id}_to_date"]
        header += [f"{scheme.id}_effective"] if scheme.kind == "money" else []
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for year in years:
        earner = year.earner
        for approval in year.approvals:
            # What people typed is kept text (a name starting with '=' is no formula); dates and
            # amounts are ours.
            people_typed = (
                year.year.label,
                year.year.start.isoformat(),
                earner.name,
                earner.email,
                _school(district, earner),
                earner.role,
                "yes" if earner.public else "no",
                approval.credential.id,
                approval.credential.title,
                approval.credential.kind,
            )
            row = [spreadsheet_text(value) for value in people_typed] + [approval.award.issued.isoformat()]
            for scheme in schemes:
                row += [number(scheme, approval.amounts[scheme.id]), number(scheme, approval.to_date[scheme.id])]
                if scheme.kind == "money":
                    day = approval.effective.get(scheme.id)
                    row.append(day.isoformat() if day else "")
            writer.writerow(row)
    return out.getvalue().encode("utf-8")


@functools.cache
def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("cairn.reports", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


EFFECTIVE_TEXT = {
    "on-award": "on the day the credential is approved",
    "next-month": "on the first day of the month after it is approved",
    "next-school-year": "on the first day of the school year after it is approved",
}


def recognition_html(
    district: District, years: Iterable[EarnerYear], issuer_name: str, year_start_month: int = SCHOOL_YEAR_STARTS
) -> bytes:
    """The same report as a plain page to read or print: standalone (opens from disk, loads
    nothing), not to be indexed, every value escaped by the template."""
    schemes = list(district.schemes.values())
    rows: list[dict[str, Any]] = []
    for year in years:
        earner = year.earner
        rows.append(
            {
                "name": earner.name,
                "email": earner.email,
                "public": earner.public,
                "school": _school(district, earner),
                "year": year.year.label,
                "credentials": [(a.credential.title, a.award.issued.isoformat()) for a in year.credentials],
                "milestones": [(a.credential.title, a.award.issued.isoformat()) for a in year.milestones],
                "figures": [
                    (scheme.describe(year.totals[scheme.id]), scheme.describe(year.to_date[scheme.id]))
                    for scheme in schemes
                ],
                "pay_changes": [
                    {
                        "amount": change.scheme.describe(change.amount),
                        "scheme": change.scheme.label,
                        "effective": change.effective.isoformat(),
                        "credential": change.credential.title,
                    }
                    for change in year.pay_changes(district)
                ],
            }
        )
    template = _templates().get_template("recognition.html")
    page = template.render(
        issuer=issuer_name,
        schemes=[{"label": s.label, "unit": s.unit, "kind": s.kind} for s in schemes],
        money=[{"label": s.label, "effective": EFFECTIVE_TEXT[s.effective]} for s in schemes if s.kind == "money"],
        year_starts=dt.date(2000, year_start_month, 1).strftime("1 %B"),
        rows=rows,
    )
    return page.encode("utf-8")


def private_files(
    district: District, issuer_name: str, year_start_month: int = SCHOOL_YEAR_STARTS
) -> list[tuple[str, bytes]]:
    """The report's files for the private folder; none when the district declares no scheme."""
    if not district.schemes:
        return []
    years = recognition_years(district, year_start_month=year_start_month)
    return [
        (RECOGNITION_CSV, recognition_csv(district, years)),
        (RECOGNITION_HTML, recognition_html(district, years, issuer_name, year_start_month)),
    ]


def report_key(
    district: District, issuer_name: str, earner_keys: Iterable[str], year_start_month: int = SCHOOL_YEAR_STARTS
) -> str:
    """What the report is made from, for the build to keep last build's files when it is the
    same: `earner_keys` stands for each earner's record (pipeline.stages.earner_key); the rest
    is the catalog facts read here, the schools' names, the issuer's name and the template."""
    facts = (
        issuer_name,
        year_start_month,
        list(district.schemes.values()),
        sorted((sid, school.name) for sid, school in district.schools.items()),
        [
            (c.id, c.title, c.kind, [(s.id, str(a)) for s, a in district.amounts.get(c.id, ())])
            for c in district.credentials.values()
        ],
    )
    template = _templates().loader
    assert template is not None
    source, _, _ = template.get_source(_templates(), "recognition.html")
    return ContentCache.key("recognition-report 1", repr(facts), source, *earner_keys)
