"""A date of birth as the referrer knows it, and how sure a match on it is.

Referrers often know only part of it: the exact date, only the year, only an age on some day
("about 40 when I saw him in March"), or nothing at all, for a reason. Records may also hold
several possible dates (two agencies with different dates for the same man): the others are
kept beside the first as possible dates, the way other names are kept as aliases.

Each known date becomes a span of days the person may have been born on: one day for an exact
date, the year for a year of birth, and for an age the days that give that age on the day it
was given, widened by AGE_TOLERANCE_YEARS either side because a guessed age is rarely right.
Two people may be the same when any span of one meets any span of the other, and the match
says how sure it is (BirthMatch). Nothing here knows of requests or the database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from conference.choices import Labelled, add_labels
from conference.dates import years_after
from conference.referrals.choices import DobKind

#: How far a guessed age may be from the real one, in years, for the two to agree.
AGE_TOLERANCE_YEARS = 1


class BirthMatch(Labelled):
    """How sure a match of two people is, by their dates of birth; best first."""

    EXACT = "exact"
    POSSIBLE_DATE = "possible_date"
    RANGE = "range"
    NAME_ONLY = "name_only"

    @property
    def rank(self) -> int:
        return list(BirthMatch).index(self)


add_labels(
    [
        (BirthMatch.EXACT, "Exact date of birth"),
        (BirthMatch.POSSIBLE_DATE, "One of the possible dates of birth"),
        (BirthMatch.RANGE, "Within approximate range"),
        (BirthMatch.NAME_ONLY, "Name only"),
    ]
)


def age_on(born: date, day: date) -> int:
    """Whole years from born to day."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@dataclass(frozen=True)
class Span:
    """The days someone may have been born on, from one thing known of their birth."""

    earliest: date
    latest: date
    #: A single day given as the date (not a year or an age).
    exact: bool
    #: The date first given, not one of the other possible dates.
    stated: bool

    def meets(self, other: Span) -> bool:
        return self.earliest <= other.latest and other.earliest <= self.latest


def age_span(age: int, on: date) -> tuple[date, date]:
    """The days of birth that give an age within AGE_TOLERANCE_YEARS of age on the day on."""
    earliest = years_after(on, -(age + 1 + AGE_TOLERANCE_YEARS)) + timedelta(days=1)
    latest = years_after(on, -max(age - AGE_TOLERANCE_YEARS, 0))
    return earliest, latest


@dataclass(frozen=True)
class BirthDate:
    """What is known of one person's date of birth. kind None: nothing was given."""

    kind: DobKind | None = None
    exact: date | None = None
    year: int | None = None
    age: int | None = None
    age_on: date | None = None
    reason: str = ""
    others: tuple[date, ...] = ()

    def spans(self) -> list[Span]:
        """Each span of days of birth, the stated one first."""
        found: list[Span] = []
        if self.kind is DobKind.EXACT and self.exact is not None:
            found.append(Span(self.exact, self.exact, exact=True, stated=True))
        elif self.kind is DobKind.YEAR and self.year is not None:
            found.append(Span(date(self.year, 1, 1), date(self.year, 12, 31), False, True))
        elif self.kind is DobKind.AGE and self.age is not None and self.age_on is not None:
            found.append(Span(*age_span(self.age, self.age_on), exact=False, stated=True))
        found += [Span(d, d, exact=True, stated=False) for d in self.others]
        return found

    @property
    def is_known(self) -> bool:
        return bool(self.spans())

    @property
    def envelope(self) -> tuple[date, date] | None:
        """The earliest and latest day of birth of every span: what is stored to search by."""
        spans = self.spans()
        if not spans:
            return None
        return min(s.earliest for s in spans), max(s.latest for s in spans)

    def ages_on(self, day: date) -> tuple[int, int] | None:
        """The youngest and the oldest the person may be on day (by every span), or None."""
        spans = self.spans()
        if not spans:
            return None
        return (
            min(age_on(s.latest, day) for s in spans),
            max(age_on(s.earliest, day) for s in spans),
        )

    def age_at(self, day: date) -> int | None:
        """Their age on day: the one the stated date gives (an exact date, a year's middle,
        an age moved on to day); None when nothing is known."""
        if self.kind is DobKind.EXACT and self.exact is not None:
            return age_on(self.exact, day)
        if self.kind is DobKind.YEAR and self.year is not None:
            return age_on(date(self.year, 7, 1), day)
        if self.kind is DobKind.AGE and self.age is not None and self.age_on is not None:
            return self.age + age_on(self.age_on, day) if day >= self.age_on else self.age
        return age_on(self.others[0], day) if self.others else None

    def may_be_aged(self, youngest: int, oldest: int, day: date) -> bool | None:
        """Whether the person may be aged youngest to oldest on day: True when the stated date
        puts them there, None when nothing is known."""
        age = self.age_at(day)
        return None if age is None else youngest <= age <= oldest


def agreement(a: BirthDate, b: BirthDate) -> BirthMatch | None:
    """How sure it is that a and b are one person's dates of birth; None when they cannot be.
    Nothing known of either: only the names can tell (NAME_ONLY)."""
    mine, theirs = a.spans(), b.spans()
    if not mine or not theirs:
        return BirthMatch.NAME_ONLY
    best: BirthMatch | None = None
    for x in mine:
        for y in theirs:
            if not x.meets(y):
                continue
            if x.exact and y.exact:
                found = BirthMatch.EXACT if x.stated and y.stated else BirthMatch.POSSIBLE_DATE
            else:
                found = BirthMatch.RANGE
            if best is None or found.rank < best.rank:
                best = found
    return best


def parse_others(text: str) -> tuple[date, ...]:
    """The other possible dates as stored (ISO dates, one a line); anything else is skipped
    (an anonymised record keeps a placeholder there)."""
    found = []
    for line in text.splitlines():
        try:
            found.append(date.fromisoformat(line.strip()))
        except ValueError:
            continue
    return tuple(found)


def format_others(others: Iterable[date]) -> str:
    return "\n".join(d.isoformat() for d in others)


def stored(
    kind: DobKind | None,
    exact: date | None,
    born_from: date | None,
    age: int | None,
    on: date | None,
    reason: str,
    others: str,
) -> BirthDate:
    """A BirthDate from its stored columns. A row from before kinds were kept: an exact date
    if it has one, else an age if it has one."""
    if kind is None:
        kind = DobKind.EXACT if exact else DobKind.AGE if age is not None else None
    year = born_from.year if kind is DobKind.YEAR and born_from else None
    return BirthDate(kind, exact, year, age, on, reason or "", parse_others(others or ""))


def columns(birth: BirthDate) -> dict[str, object]:
    """The stored columns of a BirthDate, by their names on a perpetrator (the victim's are
    the same with 'victim_' before them, and victim_age for approximate_age)."""
    envelope = birth.envelope
    return {
        "dob_kind": birth.kind,
        "dob": birth.exact if birth.kind is DobKind.EXACT else None,
        "born_from": envelope[0] if envelope else None,
        "born_to": envelope[1] if envelope else None,
        "approximate_age": birth.age if birth.kind is DobKind.AGE else None,
        "age_on": birth.age_on if birth.kind is DobKind.AGE else None,
        "dob_reason": birth.reason if birth.kind is DobKind.UNKNOWN else "",
        "other_dobs": format_others(birth.others),
    }


def victim_columns(birth: BirthDate) -> dict[str, object]:
    """columns() by the names of the victim's columns on a referral."""
    renamed = {"approximate_age": "age"}
    return {f"victim_{renamed.get(k, k)}": v for k, v in columns(birth).items()}


def from_row(values: Any) -> BirthDate:
    """stored() from a row of the same seven columns in its order."""
    return stored(*values)


def describe(birth: BirthDate, fmt: Callable[[date], str] | None = None) -> str:
    """What is known, in words: '14 March 1990', 'sometime in 1990', 'about 34 on 1 March 2026',
    'not known (no records)', then any other possible dates. fmt writes a day (the MARAC's
    profile's format; the UK's by default)."""
    fmt = fmt or _long
    if birth.kind is DobKind.EXACT and birth.exact:
        text = fmt(birth.exact)
    elif birth.kind is DobKind.YEAR and birth.year:
        text = f"sometime in {birth.year}"
    elif birth.kind is DobKind.AGE and birth.age is not None:
        text = f"about {birth.age}" + (f" on {fmt(birth.age_on)}" if birth.age_on else "")
    elif birth.kind is DobKind.UNKNOWN and birth.reason:
        text = f"not known ({birth.reason})"
    else:
        text = "not known"
    if birth.others:
        text += f" (or {' or '.join(fmt(d) for d in birth.others)})"
    return text


def as_value(birth: BirthDate, fmt: Callable[[date], str] | None = None) -> str:
    """describe() standing on its own, as a summary row's value: 'Aged about 34 on ...'."""
    text = describe(birth, fmt)
    if birth.kind is DobKind.AGE and birth.age is not None:
        text = f"aged {text}"
    return text[:1].upper() + text[1:]


def _long(day: date) -> str:
    """As the pages show a date: '14 March 1990'."""
    return f"{day.day} {day:%B %Y}"
