"""Pictures of figure tables: static, accessible SVG drawn at build time.

Each function takes a `figures.Table` and returns a `Chart`: the SVG markup and the table to
print beside it (the chart shows, the table tells: a screen reader reads the table). The SVG:

- has `role="img"`, a `<title>` and a `<desc>` (a sentence saying what it shows, its highest
  and lowest figures and how many are withheld) named by `aria-labelledby`;
- scales with its container (a viewBox, no width or height): 400 units wide, its text at
  least 14 units, so at least 12 px wherever it is drawn 343 px wide or more (a 390 px phone
  less the page's margins);
- uses presentation attributes only (no `style`, which the site's Content-Security-Policy
  refuses inline) and no script;
- escapes every text it prints (school names and topic labels are typed by people);
- prints the number in every cell of a heatmap, and marks withheld cells with a hatch and
  the table's mark, so colour is never the only carrier.

Hand-written rather than matplotlib: see docs/decisions.md (a chart is a few dozen elements;
matplotlib costs an import of about a second and files ten times the size, with pixel sizes
and ids that need rewriting for a page).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from cairn.insights.figures import MARK, Cell, Table

WIDTH = 400
FONT = 14  # units: 12 px when the chart is drawn 343 px wide
PHONE_WIDTH = 343  # px a chart gets on a 390 px phone
INK = "#1a1a1a"
MUTED = "#595959"  # 7:1 on white
GRID = "#d0d0d0"
# Lines and bars: at least 3:1 against white (WCAG's non-text contrast), told apart by dashes too.
SERIES = ("#1f6f8b", "#b23a48", "#2e7d4f", "#7a4fa3", "#a34f00", "#37474f", "#8a3b12", "#005a9c")
DASHES = ("", "6 3", "2 3", "8 3 2 3", "12 4", "4 2 1 2", "1 2", "10 2 2 2 2 2")
# The heatmap's five steps, light to dark, and the text each takes (4.5:1 or more).
STEPS = ("#eff3ff", "#bdd7e7", "#6baed6", "#2171b5", "#08306b")
STEP_TEXT = ("#000000", "#000000", "#000000", "#ffffff", "#ffffff")
HATCH_BACK, HATCH_LINE = "#ffffff", "#8c8c8c"
_ID = re.compile(r"[^a-z0-9-]+")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class Chart:
    id: str  # the SVG's id, unique on its page; its title and desc are "<id>-title", "<id>-desc"
    title: str
    description: str
    svg: str  # markup to place inline, before the table
    table: Table  # the figures, to print beside it


def text(value: str) -> str:
    """A value escaped for SVG text and attributes (quotes too), characters XML cannot hold dropped."""
    return escape(_NOT_XML.sub("", value), {'"': "&quot;", "'": "&#x27;"})


def _id(value: str) -> str:
    return _ID.sub("-", value.lower()).strip("-") or "chart"


def _clip(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def _number(cell: Cell) -> float | None:
    return float(cell.value) if isinstance(cell.value, (int, float)) and not cell.hidden else None


def _svg(chart_id: str, height: float, title: str, description: str, body: list[str]) -> str:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height:.0f}" role="img" '
        f'id="{chart_id}" class="cairn-chart" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'font-family="system-ui, sans-serif" font-size="{FONT}" fill="{INK}">'
    )
    return "\n".join(
        [
            head,
            f'<title id="{chart_id}-title">{text(title)}</title>',
            f'<desc id="{chart_id}-desc">{text(description)}</desc>',
            *body,
            "</svg>",
        ]
    )


def _hatch(chart_id: str) -> str:
    return (
        f'<defs><pattern id="{chart_id}-hatch" width="8" height="8" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="8" height="8" fill="{HATCH_BACK}"/>'
        f'<line x1="0" y1="0" x2="0" y2="8" stroke="{HATCH_LINE}" stroke-width="3"/></pattern></defs>'
    )


def _summary(labels: Sequence[str], cells: Sequence[Cell], what: str) -> str:
    shown = [(label, cell) for label, cell in zip(labels, cells, strict=True) if _number(cell) is not None]
    parts = []
    if shown:
        high = max(shown, key=lambda lc: _number(lc[1]) or 0)
        low = min(shown, key=lambda lc: _number(lc[1]) or 0)
        parts.append(f"Highest {high[0]}, {high[1].text}; lowest {low[0]}, {low[1].text}.")
    withheld = sum(1 for cell in cells if cell.hidden)
    if withheld:
        parts.append(f"{withheld} of {len(cells)} {what} withheld to protect small groups.")
    return " ".join(parts)


def bar_chart(table: Table, column: str, chart_id: str, title: str | None = None, totals: bool = False) -> Chart:
    """Horizontal bars of one column, one bar per row (and the total rows, if `totals`): each
    row's label on its own line above its bar, the figure at the bar's end."""
    chart_id = _id(chart_id)
    at = table.column(column)
    heading = table.columns[at].heading
    rows = [*table.rows, *(table.totals if totals else ())]
    cells = [row.cells[at] for row in rows]
    values = [v for v in map(_number, cells) if v is not None]
    top = 1.0 if table.columns[at].kind == "share" else max([*values, 0.0]) or 1.0
    title = title or f"{heading} by {table.row_heading.lower()}"
    pitch, bar_height, room = 50, 22, WIDTH - 60  # the figure's text needs up to 60 units
    body = [_hatch(chart_id)]
    for index, (row, cell) in enumerate(zip(rows, cells, strict=True)):
        y = 8 + index * pitch
        body.append(f'<text x="0" y="{y + FONT}">{text(_clip(row.label, 46))}</text>')
        value = _number(cell)
        bar_y = y + FONT + 6
        if cell.hidden:
            body.append(
                f'<rect x="0" y="{bar_y}" width="40" height="{bar_height}" fill="url(#{chart_id}-hatch)" '
                f'stroke="{HATCH_LINE}"><title>{text(row.label)}: withheld</title></rect>'
            )
            body.append(f'<text x="48" y="{bar_y + 16}">{text(cell.text)}</text>')
            continue
        length = 0.0 if value is None else room * value / top
        body.append(
            f'<rect x="0" y="{bar_y}" width="{length:.1f}" height="{bar_height}" fill="{SERIES[0]}">'
            f"<title>{text(row.label)}: {text(cell.text)}</title></rect>"
        )
        body.append(f'<text x="{length + 6:.1f}" y="{bar_y + 16}">{text(cell.text)}</text>')
    height = 8 + len(rows) * pitch + 4
    description = (
        f"Bar chart of {heading.lower()} for {len(rows)} {table.row_heading.lower()} rows. "
        + _summary([r.label for r in rows], cells, "figures")
        + " The table that follows gives every figure."
    )
    return Chart(chart_id, title, description, _svg(chart_id, height, title, description, body), table)


def line_chart(table: Table, columns: Sequence[str], chart_id: str, title: str | None = None) -> Chart:
    """One line per column over the rows (periods, in order); a withheld point breaks its line.
    Lines differ in colour and in dash, with a legend below."""
    chart_id = _id(chart_id)
    series = [table.column(c) for c in columns][: len(SERIES)]
    periods = [row.label for row in table.rows]
    values = [_number(row.cells[s]) for row in table.rows for s in series]
    top = _nice(max([v for v in values if v is not None] + [1.0]))
    left, right, plot_top, plot_height = 44, WIDTH - 12, 12, 200
    bottom = plot_top + plot_height
    step = (right - left) / max(len(periods) - 1, 1)
    body = [f'<g stroke="{GRID}" stroke-width="1">']
    for tick in range(5):
        y = bottom - plot_height * tick / 4
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}"/>')
    body.append("</g>")
    for tick in range(5):
        y = bottom - plot_height * tick / 4
        body.append(
            f'<text x="{left - 6}" y="{y + 5:.1f}" text-anchor="end" fill="{MUTED}">{_tick(top * tick / 4)}</text>'
        )
    every = max(1, -(-len(periods) // 4))  # at most four period labels fit across a phone, apart
    for index, period in enumerate(periods):
        if index % every == 0 or index == len(periods) - 1 and len(periods) <= 4:
            x = left + index * step
            anchor = "start" if index == 0 and len(periods) > 1 else "end" if index == len(periods) - 1 else "middle"
            body.append(
                f'<text x="{x:.1f}" y="{bottom + 20}" text-anchor="{anchor}" fill="{MUTED}">{text(period)}</text>'
            )
    for number, s in enumerate(series):
        color, dash = SERIES[number], DASHES[number]
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        run: list[str] = []
        points = []
        for index, row in enumerate(table.rows):
            value = _number(row.cells[s])
            if value is None:
                if len(run) > 1:
                    body.append(
                        f'<polyline points="{" ".join(run)}" fill="none" stroke="{color}" stroke-width="2.5"{dashed}/>'
                    )
                run = []
                continue
            x, y = left + index * step, bottom - plot_height * value / top
            run.append(f"{x:.1f},{y:.1f}")
            label = f"{table.columns[s].heading}, {row.label}: {row.cells[s].text}"
            points.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{color}"><title>{text(label)}</title></circle>'
            )
        if len(run) > 1:
            body.append(f'<polyline points="{" ".join(run)}" fill="none" stroke="{color}" stroke-width="2.5"{dashed}/>')
        body.extend(points)
    legend_top = bottom + 36
    for number, s in enumerate(series):
        y = legend_top + number * 22
        dashed = f' stroke-dasharray="{DASHES[number]}"' if DASHES[number] else ""
        body.append(
            f'<line x1="0" y1="{y - 5}" x2="28" y2="{y - 5}" stroke="{SERIES[number]}" stroke-width="3"{dashed}/>'
        )
        body.append(f'<text x="36" y="{y}">{text(_clip(table.columns[s].heading, 44))}</text>')
    height = legend_top + len(series) * 22
    names = ", ".join(table.columns[s].heading for s in series)
    cells = [row.cells[s] for row in table.rows for s in series]
    labels = [
        row.label if len(series) == 1 else f"{table.columns[s].heading} in {row.label}"
        for row in table.rows
        for s in series
    ]
    period = table.row_heading.lower()
    span = f" from {periods[0]} to {periods[-1]}" if periods else ""
    description = (
        f"Line chart of {names.lower() if len(series) == 1 else names} by {period}{span}. "
        + _summary(labels, cells, "points")
        + " The table that follows gives every figure."
    )
    title = title or table.title
    return Chart(chart_id, title, description, _svg(chart_id, height, title, description, body), table)


def heatmap(
    table: Table,
    chart_id: str,
    columns: Sequence[str] | None = None,
    title: str | None = None,
    share_of: str | None = "staff",
    short: dict[str, str] | None = None,
) -> Chart:
    """Rows × columns (schools × topics): each cell's number printed on a shade of its share of
    the row's `share_of` column (its staff), or of the largest figure when there is none.
    Column headings are short codes (`short`, else 1, 2, 3 …) explained in a key below; each
    row's label sits on its own line above its cells. Withheld cells are hatched and marked."""
    chart_id = _id(chart_id)
    keys = list(columns) if columns is not None else [c.key for c in table.columns if c.key != share_of]
    at = [table.column(key) for key in keys]
    base = table.column(share_of) if share_of and any(c.key == share_of for c in table.columns) else None
    rows = [*table.rows, *table.totals]
    largest = max([v for row in rows for a in at if (v := _number(row.cells[a])) is not None] + [1.0])
    codes = [(short or {}).get(key) or str(n + 1) for n, key in enumerate(keys)]
    cell_width = WIDTH / len(keys) if keys else WIDTH
    body = [_hatch(chart_id)]
    for n, code in enumerate(codes):
        x = n * cell_width + cell_width / 2
        body.append(
            f'<text x="{x:.1f}" y="{FONT + 2}" text-anchor="middle" font-weight="bold">{text(_clip(code, 5))}</text>'
        )
    pitch, cell_height = 58, 32
    for r, row in enumerate(rows):
        y = 26 + r * pitch
        body.append(f'<text x="0" y="{y + FONT}">{text(_clip(row.label, 46))}</text>')
        total = _number(row.cells[base]) if base is not None else None
        for n, a in enumerate(at):
            cell = row.cells[a]
            x, cell_y = n * cell_width, y + FONT + 6
            heading = table.columns[a].heading
            if cell.hidden:
                fill, ink = f"url(#{chart_id}-hatch)", "#000000"
                tip = f"{row.label}, {heading}: withheld"
            else:
                value = _number(cell)
                ratio = ((value or 0.0) / total if total else 0.0) if base is not None else (value or 0.0) / largest
                step = 0 if value is None else min(int(ratio * len(STEPS)), len(STEPS) - 1)
                fill, ink = STEPS[step], STEP_TEXT[step]
                share = (
                    f" ({round(100 * ratio)}% of {table.columns[base].heading.lower()})"
                    if base is not None and total and value is not None
                    else ""
                )
                tip = f"{row.label}, {heading}: {cell.text}{share}"
            body.append(
                f'<rect x="{x + 1:.1f}" y="{cell_y}" width="{cell_width - 2:.1f}" height="{cell_height}" fill="{fill}" '
                f'stroke="#ffffff"><title>{text(tip)}</title></rect>'
            )
            body.append(
                f'<text x="{x + cell_width / 2:.1f}" y="{cell_y + 21}" text-anchor="middle" fill="{ink}">'
                f"{text(cell.text)}</text>"
            )
    key_top = 26 + len(rows) * pitch + 14
    lines = [f"{code}: {table.columns[a].heading}" for code, a in zip(codes, at, strict=True)]
    if base is not None:
        lines.append(f"Shade: share of the row's {table.columns[base].heading.lower()}, in steps of 20%")
    if any(row.cells[a].hidden for row in rows for a in at):
        lines.append(f"Hatched {MARK}: withheld to protect small groups")
    for n, line in enumerate(lines):
        body.append(f'<text x="0" y="{key_top + n * 20}" fill="{MUTED}">{text(_clip(line, 50))}</text>')
    height = key_top + len(lines) * 20
    cells = [row.cells[a] for row in rows for a in at]
    labels = [f"{row.label}, {table.columns[a].heading}" for row in rows for a in at]
    description = (
        f"Heatmap of {table.title[:1].lower() + table.title[1:]}: {len(rows)} rows by {len(keys)} columns, "
        "each cell's number printed on a shade"
        + (f" of its share of the row's {table.columns[base].heading.lower()}. " if base is not None else ". ")
        + _summary(labels, cells, "cells")
        + " The table that follows gives every figure."
    )
    title = title or table.title
    return Chart(chart_id, title, description, _svg(chart_id, height, title, description, body), table)


def _nice(value: float) -> float:
    """The axis top: the value rounded up to 1, 2, 2.5 or 5 times a power of ten."""
    magnitude = 1.0
    while magnitude * 10 <= value:
        magnitude *= 10
    while magnitude > value and magnitude > 1:
        magnitude /= 10
    return next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= value)


def _tick(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"
