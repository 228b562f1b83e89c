"""What every CSV the app writes shares: cells a spreadsheet cannot mistake for formulas."""

from __future__ import annotations

#: A spreadsheet runs a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    """The text as a spreadsheet should show it: a leading quote keeps a formula as text."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value
