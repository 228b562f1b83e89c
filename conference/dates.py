"""The bounds of the dates people type, as a MARAC's work makes sense of them.

Each bound is counted in years from a day the caller gives (today, or the meeting's day), so
a date such as 9999-01-01 or year 1 is refused beside its field instead of being stored.
"""

from __future__ import annotations

from datetime import MAXYEAR, MINYEAR, date

#: The oldest a living person is taken to be: a date of birth further back is a typing slip.
OLDEST_AGE_YEARS = 120
#: How far ahead a conference can be planned or moved to (the planner keeps six months).
CONFERENCE_AHEAD_YEARS = 2
#: How long after the meeting that agrees it an action may be due. The MARAC reviews the plan
#: at the following meetings and most cases close within a year; two years is the outside.
ACTION_DUE_YEARS = 2


def years_after(day: date, years: int) -> date:
    """The same day some years later (or earlier, for a negative number), within the
    calendar's range; 29 February becomes 28 February in a common year."""
    year = min(max(day.year + years, MINYEAR), MAXYEAR)
    try:
        return day.replace(year=year)
    except ValueError:
        return day.replace(year=year, day=28)
