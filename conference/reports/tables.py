"""The figures of a return as tables: the page, the charts, the CSV and the print all read these.

Every table knows which of its numbers count people. Exports show any such count below the
minimum (but above nought) as "fewer than N" and its percentage as "not shown". Where the rows
add up to a total published elsewhere, one more count is hidden beside a lone small one, so the
small one cannot be worked out by subtraction.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any, Literal

from conference.spreadsheets import safe_cell


class Kind(StrEnum):
    TEXT = "text"
    COUNT = "count"
    PERCENT = "percent"
    #: A rate, to one decimal place.
    RATE = "rate"
    DAYS = "days"


@dataclass(frozen=True)
class Column:
    key: str
    heading: str
    kind: Kind = Kind.COUNT
    #: For a percentage: the count (or counts) it is worked from, hidden whenever one is.
    share_of: str | tuple[str, ...] | None = None
    #: For a count: whether it counts people (hidden when small in exports).
    protected: bool = True

    @property
    def is_number(self) -> bool:
        return self.kind is not Kind.TEXT

    @property
    def worked_from(self) -> tuple[str, ...]:
        """The counts this figure is worked from (see share_of)."""
        if self.share_of is None:
            return ()
        return (self.share_of,) if isinstance(self.share_of, str) else self.share_of


@dataclass(frozen=True)
class Chart:
    """How a table is drawn: one bar per row for ``value``, an optional marker per row."""

    value: str
    #: The column drawn as a marker on each row (a national figure, say), and its legend.
    marker: str | None = None
    marker_label: str = ""
    #: A bar per row, or a box plot of rows giving shortest, quartiles, median and longest.
    style: Literal["bars", "box"] = "bars"


@dataclass(frozen=True)
class Cell:
    text: str
    value: float | None
    is_suppressed: bool = False


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    chart: Chart | None = None
    #: Short sentences shown under the table: how a figure is worked out.
    notes: list[str] = field(default_factory=list)
    #: Shown when there are no rows.
    empty: str = "Nothing to count in this period."
    #: The rows (totals aside) add up to a figure published elsewhere.
    adds_up: bool = False
    #: How many cases the figures rest on: in exports, fewer than the minimum hides them all.
    basis: int | None = None

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def has_column(self, key: str) -> bool:
        return any(c.key == key for c in self.columns)

    def cells(self, minimum: int | None = None) -> Iterator[list[Cell]]:
        """Each row's cells as shown; with a minimum, as exported (small counts hidden)."""
        hidden = self._hidden(minimum)
        for row, small in zip(self.rows, hidden, strict=True):
            yield [_cell(c, row.get(c.key), small) for c in self.columns]

    def _hidden(self, minimum: int | None) -> list[dict[str, str]]:
        """Per row, the columns to hide and the words to show instead."""
        hidden: list[dict[str, str]] = [{} for _ in self.rows]
        if minimum is None:
            return hidden
        if self.basis is not None and self.basis < minimum:
            return [{c.key: NOT_SHOWN for c in self.columns if c.is_number} for _ in self.rows]
        counts = [c for c in self.columns if c.kind is Kind.COUNT and c.protected]
        for column in counts:
            values = [row.get(column.key) for row in self.rows]
            small = [n for n, value in enumerate(values) if is_small(value, minimum)]
            for n in small:
                hidden[n][column.key] = fewer_than(minimum)
            if self.adds_up and len(small) == 1:
                others = [
                    (row[column.key], n)
                    for n, row in enumerate(self.rows)
                    if n not in small and not row.get("is_total") and row.get(column.key)
                ]
                if others:
                    hidden[min(others)[1]][column.key] = NOT_SHOWN
        for row_hidden in hidden:
            for column in self.columns:
                if any(key in row_hidden for key in column.worked_from):
                    row_hidden[column.key] = NOT_SHOWN
        return hidden

    def as_csv(self, minimum: int | None, marking: str | None = None) -> str:
        """The table as CSV; a protective marking, when given, is its first line."""
        out = io.StringIO()
        writer = csv.writer(out)
        if marking:
            writer.writerow([safe_cell(marking)])
        writer.writerow(
            c.heading + (" (%)" if c.kind is Kind.PERCENT else "") for c in self.columns
        )
        for cells in self.cells(minimum):
            writer.writerow(
                safe_cell(_csv_text(column, cell))
                for column, cell in zip(self.columns, cells, strict=True)
            )
        return out.getvalue()


def is_small(value: Any, minimum: int) -> bool:
    return isinstance(value, int) and 0 < value < minimum


def share(part: int, whole: int) -> float | None:
    """part as a percentage of whole, to one decimal place; None when whole is nought."""
    if not whole:
        return None
    return float((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP))


#: The heading of a share of the cases discussed.
SHARE = "Percentage of cases discussed"


def share_row(label: str, count: int, whole: int, national: float | None = None) -> dict[str, Any]:
    """A row counting some of whole: the count, its share and any national figure."""
    return {"label": label, "count": count, "share": share(count, whole), "national": national}


def share_columns(
    *, label: str = "Figure", of: str = SHARE, national: str | None = None
) -> list[Column]:
    """Columns for share_row rows, with the national figure when it is given a heading."""
    columns = [
        Column("label", label, Kind.TEXT),
        Column("count", "Count"),
        Column("share", of, Kind.PERCENT, share_of="count"),
    ]
    if national:
        columns.append(Column("national", national, Kind.PERCENT))
    return columns


def one_place(value: float) -> float:
    return float(Decimal(str(value)).quantize(Decimal("0.1"), ROUND_HALF_UP))


def fewer_than(minimum: int) -> str:
    return f"fewer than {minimum}"


#: Shown for a figure hidden because a smaller one could be worked out from it.
NOT_SHOWN = "not shown"


def _cell(column: Column, value: Any, hidden: dict[str, str]) -> Cell:
    if column.key in hidden:
        return Cell(hidden[column.key], None, is_suppressed=True)
    if value is None:
        return Cell("" if column.kind is Kind.TEXT else "–", None)
    if column.kind is Kind.TEXT:
        return Cell(str(value), None)
    if column.kind is Kind.PERCENT:
        return Cell(f"{value:.1f}%", float(value))
    if column.kind is Kind.RATE:
        return Cell(f"{value:.1f}", float(value))
    if column.kind is Kind.DAYS:
        shown = f"{value:g}"
        return Cell(f"{shown} day" if shown == "1" else f"{shown} days", float(value))
    return Cell(f"{value:,}", float(value))


def _csv_text(column: Column, cell: Cell) -> str:
    """A spreadsheet wants bare numbers: no thousands commas, per cent signs or units."""
    if cell.value is None or cell.is_suppressed:
        return "" if cell.text == "–" else cell.text
    if column.kind in (Kind.PERCENT, Kind.RATE):
        return f"{cell.value:.1f}"
    return f"{cell.value:g}"
