"""The steering group's figures, against values worked out by hand from tests/reports/conftest.py.

Counted on 21 November 2026, the last four full quarters run from October 2025 to September
2026; every case of the record was discussed in July or August 2026 (the third quarter). On top
of the data return's record: attendance at the July and August conferences, and case a made
the subject of three repeat referrals within the year.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from conference.accounts.models import Marac
from conference.conferences.models import AgendaItem
from conference.extensions import db
from conference.meetings.choices import Presence
from conference.meetings.models import Attendance
from conference.referrals.choices import Ethnicity, Gender
from conference.reports.figures import data_return
from conference.reports.steering import DEFINITIONS, last_quarters, percentile, steering_figures
from conference.system_issues.choices import IssueCategory, IssueStatus
from conference.system_issues.models import SystemIssue
from conference.voice.choices import ContactMethod, OutcomeResult
from conference.voice.models import VictimVoice
from tests.reports.conftest import TODAY, Record, build_record, discussed, earlier_referral

MINIMUM = 5


def attend(record: Record, conference: str, agency: str, presence: Presence, sent=None) -> None:
    db.session.add(
        Attendance(
            conference_id=record.conferences[conference].id,
            agency_id=record.agencies[agency].id,
            presence=presence,
            information_sent=sent,
            recorded_by_id=record.coordinator.id,
        )
    )


def repeat_referral(record: Record, key: str, day: date) -> None:
    earlier_referral(record, record.cases[key], day).is_repeat = True


def build_steering_record() -> Record:
    record = build_record()
    attend(record, "july", "police", Presence.PRESENT)
    attend(record, "july", "health", Presence.APOLOGIES, sent=True)
    attend(record, "july", "housing", Presence.APOLOGIES, sent=False)
    attend(record, "august", "police", Presence.PRESENT)
    # Health's August attendance was never recorded.
    # Case a: its repeat referral of 25 June 2026 and two more in the year make three; one
    # sent before October 2025 does not count.
    repeat_referral(record, "a", date(2026, 3, 2))
    repeat_referral(record, "a", date(2025, 11, 20))
    repeat_referral(record, "d", date(2025, 9, 20))
    db.session.commit()
    return record


@pytest.fixture
def world(cached_world) -> Record:
    return cached_world("steering record", build_steering_record)


@pytest.fixture
def steering(world):
    return steering_figures(world.marac, TODAY, with_references=True)


def rows_by_agency(report, world, key):
    names = {agency.name: kind for kind, agency in world.agencies.items()}
    return {names[row["label"]]: row for row in report.table(key).rows}


def shown(table, minimum=MINIMUM):
    """The cells as the steering group sees them: label -> texts."""
    return {cells[0].text: [c.text for c in cells[1:]] for cells in table.cells(minimum)}


def test_the_last_four_full_quarters():
    assert [(q.start, q.end) for q in last_quarters(TODAY)] == [
        (date(2025, 10, 1), date(2025, 12, 31)),
        (date(2026, 1, 1), date(2026, 3, 31)),
        (date(2026, 4, 1), date(2026, 6, 30)),
        (date(2026, 7, 1), date(2026, 9, 30)),
    ]
    # On the last day of a quarter, that quarter has not ended yet.
    assert last_quarters(date(2026, 9, 30))[-1].end == date(2026, 6, 30)


ENGAGEMENT = ("meetings", "present", "apologies_sent", "apologies_none", "not_recorded",
              "expected", "returned", "on_time", "late", "circumstances", "did_not_act",
              "referrals")  # fmt: skip


def test_each_agencys_engagement(steering, world):
    rows = rows_by_agency(steering, world, "engagement")
    assert {kind: tuple(row[k] for k in ENGAGEMENT) for kind, row in rows.items()} == {
        # invited, present, apologies (sent, none), not recorded; research; actions; referrals
        "police": (2, 2, 0, 0, 0, 7, 7, 1, 2, 0, 0, 3),
        "health": (2, 0, 1, 0, 1, 7, 2, 0, 0, 0, 1, 1),
        "housing": (1, 0, 0, 1, 0, 4, 0, 1, 0, 0, 0, 1),
        "idva_service": (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1),
        "childrens_services": (0,) * 12,
    }


def test_engagement_hides_small_referral_counts_only(steering, world):
    table = shown(steering.table("engagement"))
    police = table[world.agencies["police"].name]
    # The agency's work is shown whole; the cases it referred are people, so hidden when small.
    assert police[:-1] == ["2", "2", "0", "0", "0", "7", "7", "1", "2", "0", "0"]
    assert police[-1] == "fewer than 5"
    assert table[world.agencies["childrens_services"].name][-1] == "0"


def test_the_repeat_rate_by_quarter(steering):
    rows = [
        (r["label"], r["cases"], r["repeats"], r["share"]) for r in steering.table("repeats").rows
    ]
    assert rows == [
        ("2025-Q4 (October to December 2025)", 0, 0, None),
        ("2026-Q1 (January to March 2026)", 0, 0, None),
        ("2026-Q2 (April to June 2026)", 0, 0, None),
        ("2026-Q3 (July to September 2026)", 6, 3, 50.0),
        ("The four quarters", 6, 3, 50.0),
    ]


def test_the_repeat_rate_hides_a_small_count_and_the_rate_worked_from_it(steering):
    table = shown(steering.table("repeats"))
    assert table["2026-Q3 (July to September 2026)"] == ["6", "fewer than 5", "not shown"]
    assert table["The four quarters"] == ["6", "fewer than 5", "not shown"]
    assert table["2026-Q1 (January to March 2026)"] == ["0", "0", "–"]


def test_the_rate_is_hidden_when_the_cases_are_few_even_with_no_repeat(world, app):
    """share_of names both counts: 0 repeats of 3 cases must not show "0.0%"."""
    from conference.reports.steering import _repeats_table

    quarters = last_quarters(TODAY)
    cases = [c for c in _discussed(world) if not c.is_repeat][:3]
    table = shown(_repeats_table(quarters, cases, None))
    assert table["The four quarters"] == ["fewer than 5", "0", "not shown"]


def _discussed(world):
    from conference.conferences import rules
    from conference.reports import record

    marac = db.session.get(Marac, world.marac.id)
    held = record.held(marac, *last_quarters(TODAY)[-1].utc_bounds(marac.timezone))
    return record.discussed(
        marac, {c.id: rules.local(c.starts_at, marac.timezone).date() for c in held}
    )


def test_cases_with_three_or_more_repeats(steering, world):
    assert steering.table("many_repeats").rows[0]["count"] == 1
    assert steering.references == [world.cases["a"].reference]
    # The steering group sees the count, hidden as small, and never the reference.
    assert shown(steering.table("many_repeats")) == {
        "Cases with 3 or more repeats": ["fewer than 5"]
    }
    hidden = steering_figures(world.marac, TODAY, with_references=False)
    assert hidden.references is None


def test_waits_median_and_90th_percentile(steering):
    # Waits in days: a 14, b 7, c 20, d 8, e 30, f 12 -> 7 8 12 14 20 30.
    rows = {r["label"]: (r["cases"], r["median"], r["p90"]) for r in steering.table("waits").rows}
    assert rows["2026-Q3 (July to September 2026)"] == (6, 13.0, 25.0)
    assert rows["The four quarters"] == (6, 13.0, 25.0)
    assert rows["2026-Q2 (April to June 2026)"] == (0, None, None)
    assert shown(steering.table("waits"))["The four quarters"] == ["6", "13 days", "25 days"]


def test_waits_of_few_cases_are_hidden(world):
    from conference.reports.steering import _waits_table

    table = shown(_waits_table(last_quarters(TODAY), _discussed(world)[:4]))
    assert table["The four quarters"] == ["fewer than 5", "not shown", "not shown"]


def test_percentile_is_the_inclusive_one():
    assert percentile([7, 8, 12, 14, 20, 30], 90) == 25.0
    assert percentile([5], 90) == 5.0
    assert percentile([], 90) is None
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 90) == 10.0


def test_equality_and_population_are_the_data_returns_for_the_year(steering, world):
    year = data_return(world.marac, steering.period, TODAY)
    for key in ("equality", "volume"):
        assert steering.table(key).rows == year.table(key).rows, key
    equality = {r["label"]: (r["count"], r["unknown"]) for r in steering.table("equality").rows}
    # b Asian and c Black; d not recorded. Male: b; f not known.
    assert equality["Black, Asian or minoritised"] == (2, 1)
    assert equality["Male"] == (1, 1)
    assert shown(steering.table("equality"))["Male"][:2] == ["fewer than 5", "not shown"]
    # 6 cases over 365 days, 10,000 adult women: 6.0 a year per 10,000.
    assert steering.table("volume").rows[0]["rate"] == 6.0


def test_what_came_of_telling_her_counts_each_outcome_and_hides_small_ones(world):
    voices = db.session.scalars(
        sa.select(VictimVoice)
        .join(AgendaItem, AgendaItem.id == VictimVoice.agenda_item_id)
        .where(AgendaItem.id.in_([i.id for i in world.items.values()]))
        .order_by(VictimVoice.id)
    ).all()
    told, not_safe = voices[0], voices[1]
    told.outcome_result, told.outcome_told_on = OutcomeResult.TOLD, date(2026, 9, 1)
    told.outcome_told_how = ContactMethod.PHONE
    not_safe.outcome_result, not_safe.outcome_not_told_reason = OutcomeResult.NOT_SAFE, "Why"
    db.session.flush()
    try:
        table = steering_figures(world.marac, TODAY, with_references=True).table("told")
        assert table is not None
        # Six cases discussed in the four quarters: one told, one not safe, four not recorded.
        assert {r["label"]: (r["count"], r["share"]) for r in table.rows} == {
            "Told them": (1, 16.7),
            "Not safe to contact them": (1, 16.7),
            "Could not reach them": (0, 0.0),
            "Not recorded yet": (4, 66.7),
        }
        # As the steering group sees it: a count of one is a person, and is hidden.
        assert shown(table)["Not safe to contact them"] == ["fewer than 5", "not shown"]
        assert shown(table)["Could not reach them"] == ["0", "0.0%"]
    finally:
        db.session.rollback()


def test_system_issues_by_kind_logged_resolved_and_open(world):
    def issue(category, raised, status=IssueStatus.OPEN):
        db.session.add(
            SystemIssue(
                marac_id=world.marac.id,
                category=category,
                description="A gap",
                review_on=date(2027, 1, 1),
                status=status,
                outcome="Fixed" if status is IssueStatus.RESOLVED else "",
                raised_at=datetime(*raised, 10, tzinfo=UTC),
                raised_by_id=world.coordinator.id,
                updated_by_id=world.coordinator.id,
            )
        )

    issue(IssueCategory.RESOURCES, (2026, 5, 4), IssueStatus.RESOLVED)
    issue(IssueCategory.RESOURCES, (2026, 8, 12))
    issue(IssueCategory.POLICY, (2025, 6, 30))  # before the four quarters, still open
    issue(IssueCategory.POLICY, (2025, 7, 1), IssueStatus.RESOLVED)  # before, settled: not here
    issue(IssueCategory.POLICY, (2026, 10, 2))  # after them, open now
    db.session.flush()
    try:
        table = steering_figures(world.marac, TODAY, with_references=False).table("system_issues")
        assert table is not None
        rows = {r["label"]: (r["raised"], r["resolved"], r["open"]) for r in table.rows}
        assert rows == {
            "An agency's practice": (0, 0, 0),
            "A process between agencies": (0, 0, 0),
            "Resources": (2, 1, 1),
            "A policy": (0, 0, 2),
            "All kinds": (2, 1, 3),
        }
        # Counts of issues, not of people: shown exactly to the steering group.
        assert shown(table)["Resources"] == ["2", "1", "1"]
    finally:
        db.session.rollback()


def test_every_figure_has_a_definition(steering):
    numbers = {f"{t.key}.{c.key}" for t in steering.tables for c in t.columns if c.is_number}
    assert numbers == set(DEFINITIONS)


def test_queries_do_not_grow_with_the_cases(world, count_queries):
    marac = db.session.get(Marac, world.marac.id)
    with count_queries() as before:
        steering_figures(marac, TODAY, with_references=True)
    for key in "ghij":
        discussed(world, key, "september", "health", True, 1, date(2026, 9, 1), Gender.FEMALE,
                  Ethnicity.WHITE, None, None, None, False, True, True)  # fmt: skip
        repeat_referral(world, key, date(2026, 2, 1))
        repeat_referral(world, key, date(2026, 3, 1))
    attend(world, "august", "health", Presence.APOLOGIES, sent=False)
    db.session.commit()
    db.session.expire_all()
    marac = db.session.get(Marac, world.marac.id)
    with count_queries() as after:
        found = steering_figures(marac, TODAY, with_references=True)
    assert len(after) == len(before)
    assert found.table("many_repeats").rows[0]["count"] == 5
