"""Meeting rules as plain values: which days a MARAC meets, and when in UTC a meeting starts.

Nothing here touches the database, so the rule form's preview and the planner share it.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from conference.conferences.choices import WEEK_OF_MONTH, WEEKDAYS, Frequency

if TYPE_CHECKING:
    from conference.conferences.models import MeetingRule

#: How far ahead conferences are kept planned.
HORIZON_MONTHS = 6


#: What a Rhythm is made of: the columns of a meeting rule and the fields of its form.
RHYTHM_FIELDS = ("frequency", "weekday", "week_of_month", "interval_weeks", "first_date")


@dataclass(frozen=True)
class Rhythm:
    """The days a MARAC meets on."""

    frequency: Frequency
    weekday: int
    week_of_month: int | None = None
    interval_weeks: int | None = None
    first_date: date | None = None

    def describe(self) -> str:
        day = WEEKDAYS[self.weekday]
        if self.frequency is Frequency.MONTHLY:
            return f"{WEEK_OF_MONTH[self.week_of_month or 1]} {day} of every month"
        weeks = self.interval_weeks or 1
        every = "Every week" if weeks == 1 else f"Every {weeks} weeks"
        return f"{every} on {day}, from {self.first_date:%-d %B %Y}"


def rhythm_of(rule: MeetingRule) -> Rhythm:
    """The rhythm a saved meeting rule describes."""
    return Rhythm(**{name: getattr(rule, name) for name in RHYTHM_FIELDS})


def add_months(day: date, months: int) -> date:
    """The same day of the month, months later (the month's last day if it is shorter)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def weekday_in_month(year: int, month: int, weekday: int, week: int) -> date | None:
    """The week-th weekday of a month (week -1 is the last); None if the month has no such day."""
    if week == -1:
        last = date(year, month, calendar.monthrange(year, month)[1])
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    day = first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (week - 1))
    return day if day.month == month else None


def meeting_days(rhythm: Rhythm, start: date, end: date) -> list[date]:
    """Every meeting day from start to end, both included, in order."""
    if rhythm.frequency is Frequency.MONTHLY:
        return _monthly_days(rhythm, start, end)
    return _weekly_days(rhythm, start, end)


def _monthly_days(rhythm: Rhythm, start: date, end: date) -> list[date]:
    days = []
    year, month = start.year, start.month
    while date(year, month, 1) <= end:
        day = weekday_in_month(year, month, rhythm.weekday, rhythm.week_of_month or 1)
        if day is not None and start <= day <= end:
            days.append(day)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return days


def _weekly_days(rhythm: Rhythm, start: date, end: date) -> list[date]:
    if rhythm.first_date is None or not rhythm.interval_weeks:
        return []
    step = timedelta(weeks=rhythm.interval_weeks)
    day = rhythm.first_date
    if day < start:
        # Jump straight to the first meeting on or after start.
        periods = -(-(start - day).days // step.days)
        day += step * periods
    days = []
    while day <= end:
        days.append(day)
        day += step
    return days


def next_meeting_days(rhythm: Rhythm, today: date, count: int = 6) -> list[date]:
    """The next count meeting days from today (included)."""
    end = add_months(today, 2 * count + 2)
    return meeting_days(rhythm, today, end)[:count]


def starts_at(day: date, start_time: time, timezone: str) -> datetime:
    """The UTC moment a meeting starts: start_time on day as the clocks in timezone read then.

    Computed per day, so 10:00 stays 10:00 local across the spring and autumn clock changes.
    """
    return datetime.combine(day, start_time, tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def local(moment: datetime, timezone: str) -> datetime:
    return moment.astimezone(ZoneInfo(timezone))


def clock(moment: time | datetime) -> str:
    """GOV.UK style: 10am, 1:30pm, midday."""
    if moment.hour == 12 and moment.minute == 0:
        return "midday"
    hour = moment.hour % 12 or 12
    suffix = "am" if moment.hour < 12 else "pm"
    return f"{hour}{suffix}" if moment.minute == 0 else f"{hour}:{moment.minute:02d}{suffix}"


def add_working_days(day: date, count: int) -> date:
    """The day ``count`` working days (Monday to Friday) after ``day``.

    Bank holidays are not known to the app, so they count as working days.
    """
    while count > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day
