"""Each table of a return drawn as a simple SVG chart, laid out here and drawn by a template.

Charts are horizontal bars (long agency names fit above each bar) or, for a spread of days,
a box plot. Solid dark shapes and plain text: readable on screen, in print and in greyscale.
They read the table's own cells, so a chart never shows a figure its table hides.
"""

from __future__ import annotations

from dataclasses import dataclass

from conference.reports.tables import Cell, Kind, Table

WIDTH = 640
#: Room to the right of the longest bar for its figure.
TEXT_ROOM = 170
BAR_HEIGHT = 16
ROW_HEIGHT = 42
AXIS_HEIGHT = 34
#: Scale maxima a chart rounds up to, times powers of ten.
NICE_STEPS = (1, 2, 2.5, 5, 10)


@dataclass(frozen=True)
class Bar:
    label: str
    text: str
    #: Top of the row.
    y: int
    #: None when there is nothing to draw (no figure, or one hidden as too small).
    width: float | None
    value: float | None
    marker_x: float | None = None

    @property
    def text_x(self) -> float:
        """Where its figure starts: after the bar, and after the marker, so neither hides it."""
        return max(self.width or 0, self.marker_x or 0) + 6


@dataclass(frozen=True)
class BoxPlot:
    """Positions (x) of the shortest, lower quartile, median, upper quartile and longest."""

    points: list[tuple[str, str, float]]


@dataclass(frozen=True)
class Drawing:
    key: str
    title: str
    style: str
    width: int
    height: int
    scale_text: str
    bars: list[Bar]
    #: The table column each bar (or the box plot) draws.
    value_column: str
    box: BoxPlot | None = None
    marker_label: str = ""

    @property
    def plot_width(self) -> int:
        return WIDTH - TEXT_ROOM


def draw(table: Table, minimum: int | None = None) -> Drawing | None:
    """The chart of table (with small counts hidden when minimum is given), or None."""
    if table.chart is None or not table.rows:
        return None
    chart = table.chart
    keys = [c.key for c in table.columns]
    value_at = keys.index(chart.value)
    marker_at = keys.index(chart.marker) if chart.marker else None
    kind = table.column(chart.value).kind
    rows = [
        (row, cells)
        for row, cells in zip(table.rows, table.cells(minimum), strict=True)
        if not row.get("is_total")
    ]
    values = [cells[value_at].value for _, cells in rows]
    markers = [cells[marker_at].value if marker_at is not None else None for _, cells in rows]
    top = _nice([v for v in values + markers if v is not None], kind)
    span = WIDTH - TEXT_ROOM
    if chart.style == "box":
        return _box(table, [c[value_at] for _, c in rows], top, kind)
    bars = []
    for n, (row, cells) in enumerate(rows):
        cell, marker = cells[value_at], markers[n]
        bars.append(
            Bar(
                label=str(row.get("label", "")),
                text=_bar_text(cell, cells, keys, kind),
                y=n * ROW_HEIGHT,
                width=None if cell.value is None else span * cell.value / top,
                value=cell.value,
                marker_x=None if marker is None else span * marker / top,
            )
        )
    return Drawing(
        key=table.key,
        title=table.title,
        style="bars",
        width=WIDTH,
        height=len(bars) * ROW_HEIGHT + AXIS_HEIGHT,
        scale_text=_scale_text(top, kind),
        bars=bars,
        value_column=chart.value,
        marker_label=chart.marker_label if any(m is not None for m in markers) else "",
    )


def _box(table: Table, cells: list[Cell], top: float, kind: Kind) -> Drawing:
    span = WIDTH - TEXT_ROOM
    labels = [str(row["label"]) for row in table.rows]
    points = [
        (label, cell.text, span * cell.value / top)
        for label, cell in zip(labels, cells, strict=True)
        if cell.value is not None
    ]
    return Drawing(
        key=table.key,
        title=table.title,
        style="box",
        width=WIDTH,
        height=110,
        scale_text=_scale_text(top, kind),
        bars=[],
        value_column=table.chart.value if table.chart else "",
        box=BoxPlot(points) if len(points) == 5 else None,
    )


def _bar_text(cell: Cell, cells: list[Cell], keys: list[str], kind: Kind) -> str:
    """The figure beside a bar: a share also says how many it is of."""
    if kind is Kind.PERCENT and "count" in keys:
        count = cells[keys.index("count")]
        if cell.value is None:
            return count.text if count.is_suppressed else cell.text
        return f"{cell.text} ({count.text})"
    return cell.text


def _nice(values: list[float], kind: Kind) -> float:
    """A round scale maximum at or above every value (100 at most for a percentage)."""
    biggest = max(values, default=0.0)
    if biggest <= 0:
        return 100.0 if kind is Kind.PERCENT else 1.0
    power = 1.0
    while power * 10 < biggest:
        power *= 10
    while power > biggest:
        power /= 10
    top = next(step * power for step in NICE_STEPS if step * power >= biggest)
    return min(top, 100.0) if kind is Kind.PERCENT and biggest <= 100 else top


def _scale_text(top: float, kind: Kind) -> str:
    shown = f"{top:g}"
    if kind is Kind.PERCENT:
        return f"{shown}%"
    if kind is Kind.DAYS:
        return f"{shown} days"
    return shown
