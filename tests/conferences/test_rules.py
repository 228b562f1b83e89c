"""Meeting rules: which days a MARAC meets, and the UTC start across clock changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from conference.choices import Labelled
from conference.conferences.choices import Frequency
from conference.conferences.rules import (
    Rhythm,
    add_months,
    meeting_days,
    next_meeting_days,
    starts_at,
    weekday_in_month,
)
from conference.referrals.choices import Gender, YesNoNotKnown
from conference.research.choices import Outcome

TUESDAY, THURSDAY, FRIDAY = 1, 3, 4


def test_the_second_tuesday_of_each_month():
    rhythm = Rhythm(Frequency.MONTHLY, TUESDAY, week_of_month=2)
    days = meeting_days(rhythm, date(2026, 12, 1), date(2027, 3, 31))
    assert days == [date(2026, 12, 8), date(2027, 1, 12), date(2027, 2, 9), date(2027, 3, 9)]


def test_a_month_with_a_fifth_tuesday_still_meets_on_the_fourth_and_last_is_the_fifth():
    # December 2026 has five Tuesdays: 1, 8, 15, 22 and 29.
    assert weekday_in_month(2026, 12, TUESDAY, 4) == date(2026, 12, 22)
    assert weekday_in_month(2026, 12, TUESDAY, -1) == date(2026, 12, 29)
    # February 2027 has four: the fourth is also the last.
    assert weekday_in_month(2027, 2, TUESDAY, 4) == weekday_in_month(2027, 2, TUESDAY, -1)
    fourth = Rhythm(Frequency.MONTHLY, TUESDAY, week_of_month=4)
    assert meeting_days(fourth, date(2026, 12, 1), date(2026, 12, 31)) == [date(2026, 12, 22)]


def test_the_last_friday_of_each_month():
    rhythm = Rhythm(Frequency.MONTHLY, FRIDAY, week_of_month=-1)
    days = meeting_days(rhythm, date(2027, 1, 1), date(2027, 4, 30))
    assert days == [date(2027, 1, 29), date(2027, 2, 26), date(2027, 3, 26), date(2027, 4, 30)]


def test_every_two_weeks_counts_from_the_first_meeting():
    rhythm = Rhythm(
        Frequency.EVERY_N_WEEKS, THURSDAY, interval_weeks=2, first_date=date(2026, 11, 5)
    )
    days = meeting_days(rhythm, date(2026, 11, 21), date(2026, 12, 31))
    assert days == [date(2026, 12, 3), date(2026, 12, 17), date(2026, 12, 31)]
    # Nothing before the first meeting.
    assert meeting_days(rhythm, date(2026, 10, 1), date(2026, 11, 4)) == []


def test_the_preview_shows_the_next_six_days_from_today_included():
    rhythm = Rhythm(Frequency.MONTHLY, TUESDAY, week_of_month=2)
    days = next_meeting_days(rhythm, date(2026, 12, 8))
    assert len(days) == 6 and days[0] == date(2026, 12, 8) and days[-1] == date(2027, 5, 11)


def test_ten_oclock_stays_ten_oclock_across_the_spring_clock_change():
    # The clocks go forward on 28 March 2027: 10:00 GMT, then 10:00 BST (09:00 UTC).
    before = starts_at(date(2027, 3, 23), time(10, 0), "Europe/London")
    after = starts_at(date(2027, 3, 30), time(10, 0), "Europe/London")
    assert before == datetime(2027, 3, 23, 10, 0, tzinfo=UTC)
    assert after == datetime(2027, 3, 30, 9, 0, tzinfo=UTC)


def test_ten_oclock_stays_ten_oclock_across_the_autumn_clock_change():
    # The clocks go back on 25 October 2026.
    before = starts_at(date(2026, 10, 20), time(10, 0), "Europe/London")
    after = starts_at(date(2026, 10, 27), time(10, 0), "Europe/London")
    assert before == datetime(2026, 10, 20, 9, 0, tzinfo=UTC)
    assert after == datetime(2026, 10, 27, 10, 0, tzinfo=UTC)


def test_adding_months_keeps_the_day_or_takes_the_month_end():
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2026, 11, 21), -12) == date(2025, 11, 21)


def test_a_rule_describes_itself_in_words():
    assert Rhythm(Frequency.MONTHLY, FRIDAY, week_of_month=-1).describe() == (
        "Last Friday of every month"
    )
    fortnightly = Rhythm(
        Frequency.EVERY_N_WEEKS, THURSDAY, interval_weeks=2, first_date=date(2026, 11, 5)
    )
    assert fortnightly.describe() == "Every 2 weeks on Thursday, from 5 November 2026"


def test_enums_sharing_a_value_keep_their_own_labels():
    assert YesNoNotKnown.NOT_KNOWN.label == "Not known"
    assert Gender.NOT_KNOWN.label == "Not known"
    assert Outcome.NOT_KNOWN.label == "Not known to us"


def test_every_member_of_every_closed_list_has_a_label():
    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    enums = list(subclasses(Labelled))
    assert len(enums) >= 15
    assert all(member.label for enum in enums for member in enum)
