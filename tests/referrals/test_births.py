"""Dates of birth known exactly, approximately or not at all: the days each allows, the ages
they give, and how sure a match on them is, at the edges of each range."""

from __future__ import annotations

from datetime import date

import pytest

from conference.referrals.births import BirthDate, BirthMatch, agreement, as_value, describe
from conference.referrals.choices import DobKind

ON = date(2026, 3, 1)


def exact(y: int, m: int, d: int, *others: date) -> BirthDate:
    return BirthDate(DobKind.EXACT, exact=date(y, m, d), others=others)


def year(y: int) -> BirthDate:
    return BirthDate(DobKind.YEAR, year=y)


def aged(age: int, on: date = ON) -> BirthDate:
    return BirthDate(DobKind.AGE, age=age, age_on=on)


UNKNOWN = BirthDate(DobKind.UNKNOWN, reason="No agency holds it")
NOT_GIVEN = BirthDate()


@pytest.mark.parametrize(
    ("mine", "theirs", "expected"),
    [
        # Exact dates: the same day, or nothing.
        (exact(1990, 3, 14), exact(1990, 3, 14), BirthMatch.EXACT),
        (exact(1990, 3, 14), exact(1990, 3, 15), None),
        # Other possible dates: a match, but only on one of them.
        (exact(1990, 3, 14, date(1990, 5, 3)), exact(1990, 5, 3), BirthMatch.POSSIBLE_DATE),
        (exact(1985, 9, 11, date(1985, 11, 9)), exact(1985, 11, 9), BirthMatch.POSSIBLE_DATE),
        (exact(1985, 9, 11, date(1985, 11, 9)), exact(1985, 11, 10), None),
        # The stated dates agree: exact, whatever else either says.
        (exact(1990, 3, 14, date(1991, 1, 1)), exact(1990, 3, 14), BirthMatch.EXACT),
        # A year: its first and last days are in it, the days either side are not.
        (year(1990), exact(1990, 1, 1), BirthMatch.RANGE),
        (year(1990), exact(1990, 12, 31), BirthMatch.RANGE),
        (year(1990), exact(1989, 12, 31), None),
        (year(1990), exact(1991, 1, 1), None),
        (year(1990), year(1990), BirthMatch.RANGE),
        (year(1990), year(1991), None),
        # About 35 on 1 March 2026: 34 to 36 that day, born 2 March 1989 to 1 March 1992.
        (aged(35), exact(1992, 3, 1), BirthMatch.RANGE),  # 34 that day
        (aged(35), exact(1992, 3, 2), None),  # 33 that day
        (aged(35), exact(1989, 3, 2), BirthMatch.RANGE),  # 36 that day
        (aged(35), exact(1989, 3, 1), None),  # 37 that day
        (aged(35), year(1989), BirthMatch.RANGE),
        (aged(35), year(1988), None),
        (aged(35), aged(37), BirthMatch.RANGE),  # the spans meet at their ends
        (aged(35), aged(39), None),
        # An age on another day counts from that day.
        (aged(30, date(2021, 3, 1)), exact(1990, 6, 1), BirthMatch.RANGE),
        (aged(30, date(2021, 3, 1)), exact(1994, 6, 1), None),
        # A possible date inside an approximate range.
        (aged(35), exact(1980, 1, 1, date(1990, 6, 1)), BirthMatch.RANGE),
        # Nothing known of one: only names can tell.
        (UNKNOWN, exact(1990, 3, 14), BirthMatch.NAME_ONLY),
        (exact(1990, 3, 14), NOT_GIVEN, BirthMatch.NAME_ONLY),
        (UNKNOWN, UNKNOWN, BirthMatch.NAME_ONLY),
    ],
)
def test_how_sure_a_match_is_by_the_dates_of_birth(mine, theirs, expected):
    assert agreement(mine, theirs) is expected
    assert agreement(theirs, mine) is expected  # the same whichever side asks


@pytest.mark.parametrize(
    ("birth", "youngest", "oldest", "age"),
    [
        (exact(2009, 3, 1), 17, 17, 17),
        (exact(2009, 3, 2), 16, 16, 16),
        (year(2009), 16, 17, 16),  # the middle of 2009 is 16 on 1 March 2026
        (aged(17), 16, 18, 17),
        (aged(16, date(2025, 3, 1)), 16, 18, 17),  # a year on from the day it was given
    ],
)
def test_ages_on_a_day_by_what_is_known(birth, youngest, oldest, age):
    assert birth.ages_on(ON) == (youngest, oldest)
    assert birth.age_at(ON) == age


def test_nothing_known_gives_no_age_and_no_answer_to_is_she_16_or_17():
    for birth in (UNKNOWN, NOT_GIVEN):
        assert birth.ages_on(ON) is None
        assert birth.age_at(ON) is None
        assert birth.may_be_aged(16, 17, ON) is None
    assert aged(17).may_be_aged(16, 17, ON) is True
    assert aged(19).may_be_aged(16, 17, ON) is False


@pytest.mark.parametrize(
    ("birth", "inline", "value"),
    [
        (exact(1990, 3, 14), "14 March 1990", "14 March 1990"),
        (year(1990), "sometime in 1990", "Sometime in 1990"),
        (aged(35), "about 35 on 1 March 2026", "Aged about 35 on 1 March 2026"),
        (UNKNOWN, "not known (No agency holds it)", "Not known (No agency holds it)"),
        (NOT_GIVEN, "not known", "Not known"),
        (
            exact(1985, 9, 11, date(1985, 11, 9)),
            "11 September 1985 (or 9 November 1985)",
            "11 September 1985 (or 9 November 1985)",
        ),
    ],
)
def test_what_is_known_in_words(birth, inline, value):
    assert describe(birth) == inline
    assert as_value(birth) == value
