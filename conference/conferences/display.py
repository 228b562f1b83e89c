"""How people see a conference: its label, its local day, its rule in words.

Plain functions of a conference or rule, so pages, emails and services name meetings the same
way, in the MARAC's time zone.
"""

from __future__ import annotations

from datetime import date, datetime

from conference.conferences import rules
from conference.conferences.models import Conference, MeetingRule


def conference_label(conference: Conference) -> str:
    """e.g. "Thursday 3 December 2026 at 10am", in the MARAC's time zone."""
    return label_at(conference.starts_at, conference.marac.timezone)


def label_at(starts_at: datetime, timezone: str) -> str:
    """A conference's label from when it starts and its MARAC's time zone alone (for a list
    of many, read without loading each conference)."""
    when = rules.local(starts_at, timezone)
    return f"{when:%A %-d %B %Y} at {rules.clock(when)}"


def local_day(conference: Conference) -> date:
    """The conference's day as its MARAC's clocks read it."""
    return rules.local(conference.starts_at, conference.marac.timezone).date()


def reference(conference: Conference) -> str:
    """How notifications name a conference: the MARAC's code and the day, never a case."""
    return f"{conference.marac.code} {local_day(conference):%-d %b %Y}"


def rule_text(rule: MeetingRule) -> str:
    """e.g. "Second Tuesday of every month, 10am for 4 hours, Civic Centre"."""
    hours, minutes = divmod(rule.duration_minutes, 60)
    length = f"{hours} hours" if not minutes else f"{hours} h {minutes} min"
    where = rule.place or "by video call"
    rhythm = rules.rhythm_of(rule).describe()
    return f"{rhythm}, {rules.clock(rule.start_time)} for {length}, {where}"
