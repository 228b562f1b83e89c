"""What every CSV the app writes shares: cells a spreadsheet cannot mistake for formulas, and
files written a chunk at a time, so an export of any size takes no more memory than a small one."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

#: A spreadsheet runs a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Text gathered before a chunk of a streamed CSV is sent.
CHUNK_CHARACTERS = 64 * 1024


def safe_cell(value: str) -> str:
    """The text as a spreadsheet should show it: a leading quote keeps a formula as text."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def stream_csv(
    header: Sequence[str], rows: Iterable[Sequence[str]], *, marking: str | None = None
) -> Iterator[str]:
    """The CSV of these rows (each cell made safe), in chunks, as the rows arrive. With a
    protective marking, the marking is the first line, before the header."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if marking:
        writer.writerow([safe_cell(marking)])
    writer.writerow(header)
    for row in rows:
        writer.writerow(safe_cell(value) for value in row)
        if buffer.tell() >= CHUNK_CHARACTERS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
