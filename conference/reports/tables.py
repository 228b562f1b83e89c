"""The figures of a return as tables: the page, the charts, the CSV and the print all read these.

Every table knows which of its numbers count people. Exports show any such count below the
minimum (but above nought) as "fewer than N", with the percentage worked from it, so a small
category never points at one woman.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

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
    #: For a percentage: the count it is worked from, hidden whenever that count is.
    share_of: str | None = None
    #: For a count: whether it counts people (hidden when small in exports).
    protected: bool = True

    @property
    def is_number(self) -> bool:
        return self.kind is not Kind.TEXT


@dataclass(frozen=True)
class Chart:
    """How a table is drawn: one bar per row for ``value``, an optional marker per row."""

    value: str
    #: The column drawn as a marker on each row (a national figure, say), and its legend.
    marker: str | None = None
    marker_label: str = ""
    #: "bars" or "box" (a box plot of the rows median, quartiles, shortest and longest).
    style: str = "bars"


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

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def cells(self, minimum: int | None = None) -> Iterator[list[Cell]]:
        """Each row's cells as shown; with a minimum, small counts of people are hidden."""
        for row in self.rows:
            hidden = {
                c.key
                for c in self.columns
                if minimum is not None
                and c.kind is Kind.COUNT
                and c.protected
                and is_small(row.get(c.key), minimum)
            }
            yield [
                _cell(c, row.get(c.key), minimum, c.key in hidden or c.share_of in hidden)
                for c in self.columns
            ]

    def as_csv(self, minimum: int | None) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
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


def one_place(value: float) -> float:
    return float(Decimal(str(value)).quantize(Decimal("0.1"), ROUND_HALF_UP))


def fewer_than(minimum: int) -> str:
    return f"fewer than {minimum}"


def _cell(column: Column, value: Any, minimum: int | None, hidden: bool) -> Cell:
    if hidden and minimum is not None:
        return Cell(fewer_than(minimum), None, is_suppressed=True)
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
