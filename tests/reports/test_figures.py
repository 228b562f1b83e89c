"""Each figure of the return, from the hand-worked record in conftest.py."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from conference.actions.choices import ActionStatus
from conference.actions.models import ActionUpdate
from conference.conferences.models import AgendaItem
from conference.extensions import db
from conference.referrals.choices import CaseStatus, Consent, ReferralStatus, WithoutConsent
from conference.referrals.models import CaseClosure, Referral, ReferralTransition
from conference.reports.figures import data_return
from conference.reports.periods import Period, parse_quarter
from conference.reports.tables import Table, share_columns, share_row
from conference.voice.choices import ContactMethod, OutcomeResult
from conference.voice.models import VictimVoice
from tests import factories
from tests.reports.conftest import TODAY, action, at, build_record

Q3 = Period(date(2026, 7, 1), date(2026, 9, 30))


@pytest.fixture
def report(record):
    return data_return(record.marac, Q3, TODAY)


def test_a_return_of_some_tables_counts_them_as_the_whole_return_does(record, report):
    some = data_return(record.marac, Q3, TODAY, only={"completion", "equality", "volume"})
    assert [table.key for table in some.tables] == ["equality", "volume", "completion"]
    for table in some.tables:
        assert table.rows == report.table(table.key).rows
    assert (some.cases, some.repeats, some.per_10000) == (
        report.cases,
        report.repeats,
        report.per_10000,
    )


def by_label(report, key: str) -> dict[str, dict]:
    return {row["label"]: row for row in report.table(key).rows}


def agency_rows(report, record, key: str) -> dict[str, dict]:
    rows = by_label(report, key)
    return {
        kind: rows[agency.name] for kind, agency in record.agencies.items() if agency.name in rows
    }


def test_conferences_held_and_cases_discussed(report):
    rows = report.table("conferences").rows
    # The cancelled conference and October's are not counted; 00:30 on 1 July London time
    # (23:30 UTC on 30 June) is.
    assert [(r["label"], r["cases"], r["repeats"], r["children"]) for r in rows] == [
        ("1 July 2026", 0, 0, 0),
        ("9 July 2026", 4, 2, 3),
        ("13 August 2026", 2, 1, 3),
        ("10 September 2026", 0, 0, 0),
        ("All conferences", 6, 3, 6),
    ]
    assert [(h.label, h.text) for h in report.headlines()] == [
        ("Conferences held", "4"),
        ("Cases discussed", "6"),
        ("Repeat rate", "50.0%"),
        ("Cases a year per 10,000 adult women", "23.8 (recommended 40)"),
    ]


def test_repeat_rate_and_referral_sources(report, record):
    # a, d and f are repeats by the published rule (their referrals' flags); b was referred
    # within 12 months before too, but with another perpetrator: not a repeat.
    [repeats] = report.table("repeats").rows
    assert (repeats["count"], repeats["share"], repeats["national"]) == (3, 50.0, 32.0)
    sources = by_label(report, "sources")
    assert (sources["Police"]["count"], sources["Police"]["share"]) == (3, 50.0)
    assert (sources["Partner agencies"]["count"], sources["Partner agencies"]["share"]) == (3, 50.0)
    referrers = agency_rows(report, record, "referrers")
    assert {k: (r["count"], r["share"]) for k, r in referrers.items()} == {
        "police": (3, 50.0),
        "health": (1, 16.7),
        "idva_service": (1, 16.7),
        "housing": (1, 16.7),
        # An agency that never referred still has its row.
        "childrens_services": (0, 0.0),
    }
    counts = [row["count"] for row in report.table("referrers").rows]
    assert counts == sorted(counts, reverse=True)


def test_referrals_shared_without_consent(record):
    # a, d and f with her consent; b refused and c not asked, both shared without it; e's
    # referral records nothing about consent.
    answers = {
        "a": Consent.GIVEN,
        "b": Consent.REFUSED_SHARED,
        "c": Consent.NOT_SOUGHT,
        "d": Consent.GIVEN,
        "f": Consent.GIVEN,
    }
    for key, consent in answers.items():
        referral = db.session.get(Referral, record.items[key].referral_id)
        referral.consent = consent
        referral.victim_aware = consent is not Consent.NOT_SOUGHT
        if consent is not Consent.GIVEN:
            referral.consent_reason = "Synthetic reason"
            referral.without_consent_reason = WithoutConsent.SERIOUS_HARM
    db.session.commit()
    report = data_return(record.marac, Q3, TODAY)
    table = report.table("consent")
    assert [(r["label"], r["count"], r["share"]) for r in table.rows] == [
        ("Shared with their consent", 3, 50.0),
        ("Shared without their consent", 2, 33.3),
        ("Consent not recorded", 1, 16.7),
    ]
    assert table.adds_up and "shared without consent when the referral" in table.notes[0]
    # A quarter with no case says so.
    empty = data_return(record.marac, Period(date(2026, 1, 1), date(2026, 3, 31)), TODAY)
    assert empty.table("consent").rows == []


def test_children_and_equality(report):
    children = by_label(report, "children")
    assert children["Cases with children in the household"]["count"] == 3
    assert children["Cases with children in the household"]["share"] == 50.0
    assert children["Children in the households"]["count"] == 6
    equality = by_label(report, "equality")
    assert {label: (r["count"], r["share"], r["unknown"]) for label, r in equality.items()} == {
        "Black, Asian or minoritised": (2, 33.3, 1),
        "LGBT+": (2, 33.3, 2),
        "Disabled": (1, 16.7, 1),
        "Male": (1, 16.7, 1),
        "Aged 16 or 17": (1, 16.7, 1),
    }


def test_observers_are_counted_at_each_conference_held(report):
    # Those taking part are not observers; October's observer is outside the quarter.
    rows = report.table("conferences").rows
    assert [(r["label"], r["observers"]) for r in rows] == [
        ("1 July 2026", 0),
        ("9 July 2026", 2),
        ("13 August 2026", 1),
        ("10 September 2026", 0),
        ("All conferences", 3),
    ]
    # A count of people at meetings, not of victims: never hidden as small.
    [observers] = [c for c in report.table("conferences").columns if c.key == "observers"]
    assert not observers.protected


def test_perpetrators_aged_17_or_under_on_the_day_of_the_referral(report):
    # b (16 by birth date), c (guessed at 17) and d (17, turning 18 the day after the
    # referral); d's other man turned 18 on the day, and e's guessed 18 is not counted.
    rows = by_label(report, "perpetrators")
    cases = rows["Cases with a perpetrator aged 17 or under"]
    assert (cases["count"], cases["share"]) == (3, 50.0)
    assert rows["Perpetrators aged 17 or under"]["count"] == 3
    assert rows["Perpetrators whose age is not recorded"]["count"] == 1


def test_the_rate_is_per_10000_women_aged_16_and_over(report, app, as_user):
    notes = " ".join(report.table("volume").notes)
    assert "women aged 16 and over" in notes and "18" not in notes
    assert f"{report.marac.name} has 10,000 women aged 16 and over" in notes
    admin = factories.make_user("admin")
    page = as_user(admin).get(f"/admin/maracs/{report.marac.id}/edit").text
    assert "Women aged 16 and over" in page and "18 or over" not in page


def test_cases_per_10000_adult_women_a_year(report, app):
    # 6 cases in 92 days, 10,000 women: 6 x 365 / 92 = 23.80.
    volume = by_label(report, "volume")
    assert volume[report.marac.name]["rate"] == 23.8
    assert volume["SafeLives recommendation"]["rate"] == 40.0
    unset = build_record(population=None)
    found = data_return(unset.marac, Q3, TODAY)
    assert by_label(found, "volume")[unset.marac.name]["rate"] is None
    assert any("not set" in note for note in found.table("volume").notes)
    assert found.headlines()[-1].text == "not set"


def test_days_from_referral_to_conference(report):
    # Waits: 7, 8, 12, 14, 20 and 30 days.
    spread = {row["label"]: row["days"] for row in report.table("wait_spread").rows}
    assert spread == {
        "Shortest": 7,
        "Lower quartile": 9.0,
        "Median": 13.0,
        "Upper quartile": 18.5,
        "Longest": 30,
    }
    bands = [(row["label"], row["count"], row["share"]) for row in report.table("waits").rows]
    assert bands == [
        ("0 to 7 days", 1, 16.7),
        ("8 to 14 days", 3, 50.0),
        ("15 to 21 days", 1, 16.7),
        ("22 to 28 days", 0, 0.0),
        ("29 days or more", 1, 16.7),
    ]


def test_research_returns_by_agency(report, record):
    research = agency_rows(report, record, "research")
    assert {k: (r["expected"], r["returned"], r["share"]) for k, r in research.items()} == {
        "police": (7, 7, 100.0),
        "health": (7, 2, 28.6),
        # Asked and never returned: the row the steering group needs to see.
        "housing": (4, 0, 0.0),
    }


COMPLETION = ("due", "on_time", "share", "late", "circumstances", "did_not_act", "case_closed",
              "open")  # fmt: skip


def test_actions_completed_on_time_by_agency(report, record):
    completion = agency_rows(report, record, "completion")
    shown = {k: tuple(r[c] for c in COMPLETION) for k, r in completion.items()}
    assert shown == {
        # Done on time, done late twice, and one left open when its case was closed.
        "police": (4, 1, 25.0, 2, 0, 0, 1, 0),
        "health": (2, 0, 0.0, 0, 0, 1, 0, 1),
        # Done before updates were kept: its last change is when it closed.
        "housing": (1, 1, 100.0, 0, 0, 0, 0, 0),
    }


def test_an_action_reopened_and_done_later_is_late_and_was_overdue_between(record):
    reopened = action(
        record, "e", "police", date(2026, 8, 20), ActionStatus.DONE, at(date(2026, 9, 15))
    )
    for status, day in (
        (ActionStatus.NOT_DONE_CIRCUMSTANCES, date(2026, 8, 14)),
        (ActionStatus.OPEN, date(2026, 8, 15)),
    ):
        db.session.add(
            ActionUpdate(action_id=reopened.id, status=status, note="Changed",
                         actor_id=record.coordinator.id, at=at(day))
        )  # fmt: skip
    db.session.commit()
    found = data_return(record.marac, Q3, TODAY)
    police = agency_rows(found, record, "completion")["police"]
    assert (police["due"], police["on_time"], police["late"]) == (5, 1, 3)
    august = data_return(record.marac, Period(date(2026, 8, 1), date(2026, 8, 31)), TODAY)
    overdue = agency_rows(august, record, "overdue")["police"]
    # Reopened on 15 August and not done by the 31st: 11 days overdue then.
    assert (overdue["overdue"], overdue["escalated"]) == (1, 1)
    before = data_return(record.marac, Period(date(2026, 8, 1), date(2026, 8, 14)), TODAY)
    assert "police" not in agency_rows(before, record, "overdue")


def test_actions_closed_long_before_count_only_where_they_belong(record):
    # Done in June, due in July: on time in the third quarter.
    action(record, "a", "housing", date(2026, 7, 25), ActionStatus.DONE, at(date(2026, 6, 20)))
    # Due and done in March: nothing to do with the third quarter.
    action(record, "a", "health", date(2026, 3, 2), ActionStatus.DONE, at(date(2026, 3, 1)))
    # Due in March and still open: overdue on 30 September.
    action(record, "a", "housing", date(2026, 3, 5), ActionStatus.OPEN, None)
    db.session.commit()
    found = data_return(record.marac, Q3, TODAY)
    housing = agency_rows(found, record, "completion")["housing"]
    assert (housing["due"], housing["on_time"]) == (2, 2)
    assert agency_rows(found, record, "completion")["health"]["due"] == 2
    assert agency_rows(found, record, "overdue")["housing"]["escalated"] == 1


def test_overdue_actions_at_the_end_of_the_period(report, record):
    table = report.table("overdue")
    assert table.title == "Actions overdue on 30 September 2026 by agency"
    overdue = agency_rows(report, record, "overdue")
    # Police's action due 25 September was done on 2 October: overdue on the 30th. The open
    # one of the case closed early is not counted.
    assert {k: (r["overdue"], r["escalated"]) for k, r in overdue.items()} == {
        "police": (1, 0),
        "health": (1, 1),
    }


def test_overdue_actions_today_while_the_period_runs(record):
    running = data_return(record.marac, parse_quarter("2026-Q4"), TODAY)
    assert running.table("overdue").title == "Actions overdue on 21 November 2026 by agency"
    overdue = agency_rows(running, record, "overdue")
    assert {k: (r["overdue"], r["escalated"]) for k, r in overdue.items()} == {
        "police": (1, 1),
        "health": (1, 1),
    }


def test_victims_voice_and_minutes_on_time(report):
    voice = by_label(report, "voice")
    assert {label: (r["count"], r["share"]) for label, r in voice.items()} == {
        "Contact made": (3, 50.0),
        "No contact, reason recorded": (2, 33.3),
        "Nothing recorded": (1, 16.7),
    }
    minutes = by_label(report, "minutes")
    assert {label: (r["count"], r["share"]) for label, r in minutes.items()} == {
        "Final within 3 working days": (2, 50.0),
        "Final, but later": (1, 25.0),
        "Not final and late": (1, 25.0),
        "Not final, still in time": (0, 0.0),
    }


def test_small_counts_are_hidden_in_exports_only(report, record):
    table = report.table("referrers")
    police = record.agencies["police"].name
    index = [row["label"] for row in table.rows].index(police)
    on_screen = list(table.cells())[index]
    assert [c.text for c in on_screen] == [police, "3", "50.0%"]
    exported = list(table.cells(5))[index]
    assert [c.text for c in exported] == [police, "fewer than 5", "not shown"]
    # Nought hides nobody, and 3 is not below a minimum of 3.
    never = [row["label"] for row in table.rows].index(record.agencies["childrens_services"].name)
    assert [c.text for c in list(table.cells(5))[never]][1:] == ["0", "0.0%"]
    assert [c.text for c in list(table.cells(3))[index]][1:] == ["3", "50.0%"]
    # Counts of conferences and of the agencies' work are not counts of people.
    minutes = report.table("minutes")
    assert [c.text for c in list(minutes.cells(5))[0]][1:] == ["2", "50.0%"]
    research = report.table("research")
    assert "fewer than 5" not in [c.text for cells in research.cells(5) for c in cells]


def test_exported_key_figures_hide_what_is_small_or_derived(report):
    assert [h.text for h in report.headlines(5)] == [
        "4", "6", "not shown", "23.8 (recommended 40)"
    ]  # fmt: skip
    # Fewer cases than the minimum: the rate would give the count back, so it goes too.
    assert [h.text for h in report.headlines(7)] == [
        "4", "fewer than 7", "not shown", "not shown"
    ]  # fmt: skip
    volume = report.table("volume")
    assert [c.text for c in list(volume.cells(7))[0]][1:] == ["fewer than 7", "not shown"]
    # No note gives the count (as a number of its own: "aged 16" is not a 6).
    assert not any(re.search(rf"\b{report.cases}\b", note) for note in volume.notes)


def test_a_lone_small_count_in_rows_that_add_up_hides_the_next_smallest_too():
    rows = [share_row(label, count, 23) for label, count in (("A", 3), ("B", 8), ("C", 12))]
    table = Table("t", "T", share_columns(), rows, adds_up=True)
    assert [[c.text for c in cells][1:] for cells in table.cells(5)] == [
        ["fewer than 5", "not shown"],
        ["not shown", "not shown"],
        ["12", "52.2%"],
    ]
    # Two small ones already keep each other hidden.
    rows[1]["count"] = 2
    assert [[c.text for c in cells][1] for cells in table.cells(5)] == [
        "fewer than 5", "fewer than 5", "12"
    ]  # fmt: skip


def test_the_spread_of_waits_is_hidden_when_it_rests_on_few_cases(report):
    spread = report.table("wait_spread")
    assert [c.text for c in list(spread.cells(5))[0]] == ["Shortest", "7 days"]
    assert [c.text for c in list(spread.cells(7))[0]] == ["Shortest", "not shown"]


def test_days_count_from_the_first_time_the_referral_was_sent(record):
    referral = db.session.get(Referral, record.items["e"].referral_id)
    for day, to_status in (
        (date(2026, 7, 4), ReferralStatus.SUBMITTED),
        (date(2026, 7, 8), ReferralStatus.MORE_INFO_REQUESTED),
        (date(2026, 7, 14), ReferralStatus.SUBMITTED),
    ):
        db.session.add(
            ReferralTransition(referral_id=referral.id, from_status=ReferralStatus.DRAFT,
                               to_status=to_status, actor_id=record.coordinator.id, at=at(day))
        )  # fmt: skip
    db.session.commit()
    found = data_return(record.marac, Q3, TODAY)
    spread = {row["label"]: row["days"] for row in found.table("wait_spread").rows}
    assert spread["Longest"] == 40  # from 4 July, not the 14 July resubmission


def test_a_running_quarter_counts_its_days_so_far(record):
    running = data_return(record.marac, parse_quarter("2026-Q4"), TODAY)
    # One case discussed (listed with no referral) in the 52 days from 1 October to 21
    # November: 1 x 365 / 52 = 7.02 a year per 10,000.
    assert running.per_10000 == 7.0
    sources = by_label(running, "sources")
    assert sources["Referral not recorded"]["count"] == 1
    assert sources["Partner agencies"]["count"] == 0


def test_another_marac_sees_none_of_it(record):
    other = build_record()
    found = data_return(other.marac, Q3, TODAY)
    assert found.table("conferences").rows[-1]["cases"] == 6  # its own, not 12


def test_reopening_a_case_later_leaves_a_past_return_as_it_was(record):
    before = agency_rows(data_return(record.marac, Q3, TODAY), record, "completion")["police"]
    case = record.cases["f"]  # closed early on 28 September with a police action open
    db.session.execute(
        sa.update(CaseClosure)
        .where(CaseClosure.case_id == case.id)
        .values(reopened_at=at(date(2026, 10, 20)))
    )
    case.status, case.closed_at = CaseStatus.OPEN, None
    db.session.commit()
    after = agency_rows(data_return(record.marac, Q3, TODAY), record, "completion")["police"]
    assert after == before and after["case_closed"] == 1


def test_what_came_of_telling_her_the_outcome(record):
    voices = db.session.scalars(
        sa.select(VictimVoice)
        .join(AgendaItem, AgendaItem.id == VictimVoice.agenda_item_id)
        .where(AgendaItem.id.in_([i.id for i in record.items.values()]))
        .order_by(VictimVoice.id)
    ).all()
    assert len(voices) == 5  # six cases discussed in the quarter, five with a voice record
    told, not_safe, not_reached = voices[0], voices[1], voices[2]
    told.outcome_result, told.outcome_told_on = OutcomeResult.TOLD, date(2026, 9, 1)
    told.outcome_told_how = ContactMethod.PHONE
    not_safe.outcome_result, not_safe.outcome_not_told_reason = OutcomeResult.NOT_SAFE, "Why"
    not_reached.outcome_result, not_reached.outcome_attempts = OutcomeResult.NOT_REACHED, 2
    db.session.commit()
    found = by_label(data_return(record.marac, Q3, TODAY), "told")
    assert {label: (r["count"], r["share"]) for label, r in found.items()} == {
        "Told them": (1, 16.7),
        "Not safe to contact them": (1, 16.7),
        "Could not reach them": (1, 16.7),
        "Not recorded yet": (3, 50.0),
    }


def test_referral_criteria_met_whatever_rule_the_tool_decides_them_by(record, app):
    """a on the US-style tool (any of its first three), b on the default below its count with
    professional judgement, c on the default at its count: each as submit() records it."""
    from conference.referrals.checklists import load_risk_tools
    from conference.referrals.criteria import Criterion, ReferralFacts, assess
    from conference.referrals.models import ChecklistAnswer

    tools = load_risk_tools()
    dash = tools["dash-24"].scored_questions
    sent = {
        "a": ("us-lethality-11", {"might_kill": "yes"}, ""),
        "b": ("dash-24", {q.id: "yes" for q in dash[:13]}, "Threats to kill last week"),
        "c": ("dash-24", {q.id: "yes" for q in dash[:14]}, ""),
    }
    for key, (tool_id, answers, judgement) in sent.items():
        referral = db.session.get(Referral, record.items[key].referral_id)
        tool = tools[tool_id]
        facts = ReferralFacts(
            referred_on=referral.referred_on,
            answers=answers,
            professional_judgement=bool(judgement),
            judgement_reasons=judgement,
        )
        met = assess(tool, tool.rules, facts).met
        referral.risk_tool_id = tool_id
        referral.answers = [ChecklistAnswer(question_id=q, answer=a) for q, a in answers.items()]
        referral.meets_visible_high_risk = Criterion.VISIBLE_HIGH_RISK in met
        referral.meets_professional_judgement = Criterion.PROFESSIONAL_JUDGEMENT in met
        referral.judgement_reasons = judgement
    db.session.commit()
    table = data_return(record.marac, Q3, TODAY).table("criteria")
    assert [(r["label"], r["count"], r["share"]) for r in table.rows] == [
        ("Visible high risk", 2, 33.3),
        ("Professional judgement", 1, 16.7),
        ("Potential escalation", 0, 0.0),
        ("Repeat", 3, 50.0),
    ]
    assert not table.adds_up and "several criteria" in table.notes[0]
