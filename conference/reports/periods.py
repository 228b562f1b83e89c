"""The periods a return covers: a calendar quarter or any run of days, in the MARAC's dates."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

#: "2026-Q3": how a quarter travels in a link.
QUARTER_PATTERN = re.compile(r"^(\d{4})-Q([1-4])$")
#: A return longer than this is almost certainly a typing slip (and slow to draw).
LONGEST_DAYS = 5 * 366
#: Days in a year, for turning a period's volume into a yearly rate.
DAYS_IN_YEAR = 365


@dataclass(frozen=True)
class Period:
    """The local days from ``start`` to ``end``, both included."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def quarter(self) -> str | None:
        """Its name as a quarter ("2026-Q3") when it is exactly one, else None."""
        whole = quarter_of(self.start)
        return quarter_name(whole.start) if whole == self else None

    @property
    def label(self) -> str:
        if self.quarter:
            return f"{self.start:%B} to {self.end:%B %Y}"
        return f"{self.start:%-d %B %Y} to {self.end:%-d %B %Y}"

    def utc_bounds(self, timezone: str) -> tuple[datetime, datetime]:
        """The UTC moments the first day starts and the day after the last starts."""
        zone = ZoneInfo(timezone)
        first = datetime.combine(self.start, time.min, tzinfo=zone).astimezone(UTC)
        after = datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=zone)
        return first, after.astimezone(UTC)


def quarter_of(day: date) -> Period:
    """The calendar quarter holding day."""
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = date(day.year, first_month, 1)
    if first_month == 10:
        following = date(day.year + 1, 1, 1)
    else:
        following = date(day.year, first_month + 3, 1)
    return Period(start, following - timedelta(days=1))


def quarter_name(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def parse_quarter(text: str | None) -> Period | None:
    """The quarter a name like "2026-Q3" stands for; None when it is not one."""
    found = QUARTER_PATTERN.match((text or "").strip())
    if not found:
        return None
    year, number = int(found[1]), int(found[2])
    if not 2000 <= year <= 2100:
        return None
    return quarter_of(date(year, 3 * number - 2, 1))


def last_full_quarter(today: date) -> Period:
    """The latest quarter that has ended by today: what a return is usually about."""
    return quarter_of(quarter_of(today).start - timedelta(days=1))


def recent_quarters(today: date, count: int = 8) -> list[Period]:
    """The current quarter and the ``count - 1`` before it, newest first."""
    quarters = [quarter_of(today)]
    while len(quarters) < count:
        quarters.append(quarter_of(quarters[-1].start - timedelta(days=1)))
    return quarters
