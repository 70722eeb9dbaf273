"""The public /insights/ page (issue 18): district-wide figures about who earns credentials.

Aggregate figures only, computed over every earner record (people without a public profile are
counted, never named), with every figure that concerns fewer than k people withheld and marked:
insights/figures.py decides what is shown (`public_insights`), insights/charts.py draws each
table as a static SVG, which the page prints with the table beside it (theme/insights.html).

A district turns the page off with the setting `insights: false`; `insights_min_group` is k and
`school_year_starts` the month a school year starts in. The page is a generated page like the
catalog's, so it is in the sitemap and the search index (its tables are not searched).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from cairn.insights import charts
from cairn.insights.charts import Chart
from cairn.insights.figures import MARK, Row, Table, public_insights, workforce
from cairn.insights.roles import RoleGroups
from cairn.model import District
from cairn.pages.data import PageSpec
from cairn.settings import Settings
from cairn.urls import PATHS, source_of

UPTAKE_TOPICS = 3  # lines beside "All awards": the topics with the most awards, so a phone can tell them apart


@dataclass(frozen=True)
class Section:
    """One heading of the page: a sentence on what it shows, a chart, and its table beside it."""

    id: str  # the heading's id, a fragment of the page
    heading: str
    intro: str
    chart: Chart
    table: Table


def insights_pages(district: District, settings: Settings, roles: RoleGroups) -> list[PageSpec]:
    """The /insights/ page, or none when the district has turned it off."""
    if not settings.insights:
        return []
    k = settings.insights_min_group
    w = workforce(district, settings.today, roles, settings.school_year_starts)
    coverage, uptake, equity = public_insights(w, k)
    sections = [
        Section(
            "coverage",
            "Coverage by school and topic",
            "How many staff at each school hold a current credential on each topic: the number in each "
            "square, its shade the share of the school's staff.",
            charts.heatmap(coverage, "coverage-chart"),
            coverage,
        ),
        Section(
            "uptake",
            "Uptake over time",
            "Credentials awarded in each school year, in all and on the topics with the most awards.",
            charts.line_chart(uptake, ["all", *_busiest(uptake)], "uptake-chart"),
            uptake,
        ),
        Section(
            "equity",
            "Equity by role group",
            "Whether every kind of job gets the same chance: the share of each role group holding at "
            "least one credential, with the group's size beside it.",
            charts.bar_chart(
                _sized(equity),
                "share",
                "equity-chart",
                title="Share of staff holding a credential, by role group",
                totals=True,
            ),
            equity,
        ),
    ]
    return [
        PageSpec(
            source_of(PATHS.insights()),
            "insights.html",
            "Insights",
            "District-wide figures on who earns micro-credentials: coverage by school and topic, "
            "uptake over time and equity by role group, with small groups withheld.",
            data={
                "sections": sections,
                "k": k,
                "mark": MARK,
                "today": settings.today,
                "staff": len(w.people),
            },
        )
    ]


def home_data(settings: Settings) -> dict[str, Any]:
    """What the home page needs to know: whether to show the way to /insights/."""
    return {"insights": settings.insights}


def _busiest(uptake: Table) -> list[str]:
    """The topic columns with the most awards in all (their total shown), most first."""
    totals = uptake.totals[0].cells
    shown = [
        (value, column.key)
        for column, cell in zip(uptake.columns, totals, strict=True)
        if column.key != "all" and not cell.hidden and isinstance(value := cell.value, (int, float)) and value > 0
    ]
    return [key for _, key in sorted(shown, key=lambda vk: (-vk[0], vk[1]))][:UPTAKE_TOPICS]


def _sized(equity: Table) -> Table:
    """The equity table for its chart: each group's size in its label (a share is read with the
    number of people it is a share of; the table has them in its Staff column), and all staff
    below the groups, without the spread (a difference, not a share of anyone)."""
    staff = equity.column("staff")

    def sized(row: Row) -> Row:
        return dataclasses.replace(row, label=f"{row.label} ({row.cells[staff].text} staff)")

    return dataclasses.replace(equity, rows=tuple(map(sized, equity.rows)), totals=tuple(map(sized, equity.totals[:1])))
