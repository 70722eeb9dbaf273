"""A principal looks at the insight charts on a phone, with a screen reader, with no script:
each is titled, described, legible at 390 px, and shows what people typed as text, never as
markup."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest
from cairn.insights import charts, figures
from cairn.insights.charts import Chart
from cairn.insights.figures import MARK, Cell, Column, Row, Table
from cairn.model import District, School, Topic
from cairn.sources.load import Sources, load_district
from conftest import REPO

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = "<script>alert(1)</script> & \"quoted\" 'too'"


@pytest.fixture(scope="module")
def sample() -> District:
    district, problems = load_district(
        Sources(catalog=REPO / "catalog", earners=REPO / "earners", root=REPO), dt.date.today()
    )
    assert not problems.errors
    return district


def every_chart(district: District, k: int | None = None) -> list[Chart]:
    w = figures.workforce(district, dt.date.today())
    coverage = figures.coverage(w, k)
    years = figures.uptake(w, "school-year", "topic", k)
    equity = figures.equity(w, "role", k)
    return [
        charts.bar_chart(equity, "share", "share-by-role"),
        charts.bar_chart(coverage, "staff", "staff", totals=True),
        charts.line_chart(years, ["all", "sel", "pbl"], "uptake"),
        charts.line_chart(figures.uptake(w, "month", "school", k), ["all"], "uptake-months"),
        charts.heatmap(coverage, "coverage"),
    ]


def parse(chart: Chart) -> ET.Element:
    return ET.fromstring(chart.svg)


def test_every_chart_is_well_formed_svg_titled_and_described(sample: District) -> None:
    for chart in every_chart(sample) + every_chart(sample, k=5):
        root = parse(chart)
        assert root.tag == f"{SVG}svg"
        assert root.get("role") == "img"
        labelled = root.get("aria-labelledby", "").split()
        assert labelled == [f"{chart.id}-title", f"{chart.id}-desc"]
        title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
        assert title is not None and title.get("id") == labelled[0] and title.text == chart.title
        assert desc is not None and desc.get("id") == labelled[1] and desc.text == chart.description
        assert "table that follows" in chart.description
        assert chart.table.rows  # the data table to print beside it


def test_no_script_no_inline_style_and_nothing_the_csp_would_refuse(sample: District) -> None:
    for chart in every_chart(sample, k=5):
        tags = {element.tag.removeprefix(SVG) for element in parse(chart).iter()}
        assert not tags & {"script", "style", "foreignObject", "image", "a"}
        for element in parse(chart).iter():
            assert not {name for name in element.attrib if name == "style" or name.startswith("on")}
            assert not any("javascript:" in value or "http" in value for value in element.attrib.values())


def test_the_charts_scale_to_a_phone_and_their_text_stays_at_least_12_px(sample: District) -> None:
    for chart in every_chart(sample, k=5):
        root = parse(chart)
        assert root.get("width") is None and root.get("height") is None  # the container sets the width
        width = float(root.get("viewBox", "").split()[2])
        sizes = [float(e.get("font-size", root.get("font-size", "0"))) for e in root.iter(f"{SVG}text")]
        assert sizes and min(sizes) * charts.PHONE_WIDTH / width >= 12, chart.id


def test_a_hostile_school_name_and_topic_label_are_text_not_markup(sample: District) -> None:
    district = dataclasses.replace(
        sample,
        schools={**sample.schools, "lincoln-ms": School("lincoln-ms", HOSTILE)},
        topics={**sample.topics, "sel": Topic("sel", HOSTILE, "")},
    )
    for chart in every_chart(district) + every_chart(district, k=5):
        assert "<script>" not in chart.svg and "alert(1)</script>" not in chart.svg
        root = parse(chart)  # still well-formed
        if chart.id in ("share-by-role", "uptake-months"):
            continue  # role groups, or all awards: no school or topic label in it
        texts = "".join(root.itertext())
        tips = [e.text or "" for e in root.iter(f"{SVG}title")]
        # The label is shown as it was typed (whole, or shortened with "…").
        assert HOSTILE[:20] in texts + "".join(tips), chart.id


def test_a_heatmap_prints_every_number_and_marks_withheld_cells(sample: District) -> None:
    w = figures.workforce(sample, dt.date.today())
    table = figures.coverage(w, k=5)
    chart = charts.heatmap(table, "coverage")
    root = parse(chart)
    cells = [e for e in root.iter(f"{SVG}rect") if (e.findtext(f"{SVG}title") or "").count(",")]
    rows = [*table.rows, *table.totals]
    topics = [c for c in table.columns if c.key != "staff"]
    assert len(cells) == len(rows) * len(topics)
    printed = [e.text for e in root.iter(f"{SVG}text")]
    for row in rows:
        for column in topics:
            cell = row.cells[table.column(column.key)]
            assert cell.text in printed
    hatched = [e for e in cells if e.get("fill") == "url(#coverage-hatch)"]
    assert len(hatched) == sum(1 for r in rows for c in topics if r.cells[table.column(c.key)].hidden) > 0
    assert all(e.findtext(f"{SVG}title", "").endswith("withheld") for e in hatched)
    assert f"Hatched {MARK}: withheld to protect small groups" in printed


def luminance(color: str) -> float:
    channels = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_colours_have_enough_contrast() -> None:
    for step, ink in zip(charts.STEPS, charts.STEP_TEXT, strict=True):
        assert contrast(step, ink) >= 4.5, step  # numbers printed on a heatmap cell
    for color in charts.SERIES:
        assert contrast(color, "#ffffff") >= 3, color  # lines and bars against the page
    assert contrast(charts.MUTED, "#ffffff") >= 4.5
    assert contrast(charts.HATCH_LINE, "#000000") >= 4.5  # the mark on a hatched cell


def test_a_withheld_point_breaks_the_line_and_the_description_says_how_many_are_withheld() -> None:
    def cell(value: int | None) -> Cell:
        return Cell(value, str(value), 9) if value is not None else Cell(None, MARK, 2, suppressed=True)

    table = Table(
        name="uptake",
        title="Awards per school year",
        row_heading="School year",
        columns=(Column("all", "All awards"),),
        rows=tuple(
            Row(y, y, (cell(v),)) for y, v in (("2022–23", 5), ("2023–24", 8), ("2024–25", None), ("2025–26", 12))
        ),
        k=5,
    )
    chart = charts.line_chart(table, ["all"], "uptake")
    root = parse(chart)
    lines = list(root.iter(f"{SVG}polyline"))
    assert [len(line.get("points", "").split()) for line in lines] == [2]  # 2022–23 to 2023–24; 2025–26 alone
    assert len(list(root.iter(f"{SVG}circle"))) == 3
    assert "Highest 2025–26" in chart.description and "lowest 2022–23" in chart.description
    assert "1 of 4 points withheld" in chart.description


def test_a_bar_for_a_share_is_drawn_on_a_scale_of_100_percent() -> None:
    table = Table(
        name="equity",
        title="t",
        row_heading="Role group",
        columns=(Column("share", "Share holding", "share"),),
        rows=(Row("a", "A", (Cell(0.5, "50%", 10),)), Row("b", "B", (Cell(1.0, "100%", 10),))),
    )
    bars = [
        e for e in parse(charts.bar_chart(table, "share", "s")).iter(f"{SVG}rect") if e.get("fill") == charts.SERIES[0]
    ]
    widths = [float(e.get("width", "0")) for e in bars]
    assert widths[1] == pytest.approx(2 * widths[0]) and widths[1] == pytest.approx(charts.WIDTH - 60)


def test_chart_ids_are_safe_and_unique_per_chart() -> None:
    table = Table("t", "t", "r", (Column("c", "C"),), (Row("a", "A", (Cell(1, "1", 5),)),))
    chart = charts.bar_chart(table, "c", 'Uptake "by" <year>')
    assert chart.id == "uptake-by-year"
    assert re.search(r'id="uptake-by-year-hatch"', chart.svg)
