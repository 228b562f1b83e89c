"""The four criteria at their edges, table-driven."""

from dataclasses import replace
from datetime import date, timedelta

import pytest

from conference.referrals.checklists import load_risk_tools
from conference.referrals.criteria import Criterion, ReferralFacts, assess

TOOL = load_risk_tools()["dash-24"]
RULES = TOOL.rules
TODAY = date(2026, 11, 21)


def facts(yes_count: int = 0, **values) -> ReferralFacts:
    """Facts with the first yes_count scored questions answered 'yes', the rest 'no'."""
    answers = {q.id: "yes" if n < yes_count else "no" for n, q in enumerate(TOOL.scored_questions)}
    return ReferralFacts(**{"referred_on": TODAY, "answers": answers, **values})


def days_ago(*days: int) -> tuple[date, ...]:
    return tuple(TODAY - timedelta(days=d) for d in days)


@pytest.mark.parametrize(
    ("case", "values", "met"),
    [
        ("13 yes: below the line", {"yes_count": 13}, ()),
        ("14 yes: visible high risk", {"yes_count": 14}, (Criterion.VISIBLE_HIGH_RISK,)),
        ("24 yes", {"yes_count": 24}, (Criterion.VISIBLE_HIGH_RISK,)),
        (
            "judgement with reasons at 2 yes",
            {
                "yes_count": 2,
                "professional_judgement": True,
                "judgement_reasons": "Threats to kill; she cannot disclose more in front of family",
            },
            (Criterion.PROFESSIONAL_JUDGEMENT,),
        ),
        (
            "judgement without reasons",
            {"professional_judgement": True, "judgement_reasons": "   "},
            (),
        ),
        ("2 incidents in the year", {"incident_dates": days_ago(10, 200)}, ()),
        (
            "3 incidents, the oldest 365 days ago",
            {"incident_dates": days_ago(1, 30, 365)},
            (Criterion.POTENTIAL_ESCALATION,),
        ),
        ("3 incidents, the oldest 366 days ago", {"incident_dates": days_ago(1, 30, 366)}, ()),
        (
            "last referral 364 days ago, same perpetrator",
            {"last_referral_on": days_ago(364)[0], "same_perpetrator": True},
            (Criterion.REPEAT,),
        ),
        (
            "last referral 365 days ago, same perpetrator",
            {"last_referral_on": days_ago(365)[0], "same_perpetrator": True},
            (Criterion.REPEAT,),
        ),
        (
            "last referral 366 days ago: a new referral",
            {"last_referral_on": days_ago(366)[0], "same_perpetrator": True},
            (),
        ),
        (
            "last referral 40 days ago, a new perpetrator: not a repeat",
            {"last_referral_on": days_ago(40)[0]},
            (),
        ),
        (
            "everything at once",
            {
                "yes_count": 16,
                "professional_judgement": True,
                "judgement_reasons": "Stalking",
                "incident_dates": days_ago(1, 2, 3),
                "last_referral_on": days_ago(40)[0],
                "same_perpetrator": True,
            },
            tuple(Criterion),
        ),
    ],
)
def test_criteria_at_their_edges(case, values, met):
    assert assess(TOOL, RULES, facts(**values)).met == met, case


def test_nothing_met_cannot_be_submitted_and_says_why():
    result = assess(TOOL, RULES, facts(yes_count=9, incident_dates=days_ago(5)))
    assert not result.can_submit
    assert "9 'yes' answers (14 needed" in result.why_not_met
    assert "1 incident in the last 365 days (3 needed" in result.why_not_met
    assert result.problems["criteria"] == result.why_not_met


def test_why_nothing_is_met_is_said_alongside_other_problems():
    result = assess(TOOL, RULES, facts(yes_count=3, professional_judgement=True))
    assert result.met == ()
    assert "Give your reasons" in result.problems["judgement_reasons"]
    assert "No referral criterion is met" in result.problems["criteria"]


def test_judgement_without_reasons_is_a_problem_beside_the_reasons():
    result = assess(TOOL, RULES, facts(yes_count=15, professional_judgement=True))
    assert result.met == (Criterion.VISIBLE_HIGH_RISK,)
    assert "Give your reasons" in result.problems["judgement_reasons"]
    assert not result.can_submit


@pytest.mark.parametrize(
    ("yes", "band"),
    [(0, "standard"), (9, "standard"), (10, "medium"), (13, "medium"), (14, "high"), (24, "high")],
)
def test_score_bands(yes, band):
    result = assess(TOOL, RULES, facts(yes_count=yes))
    assert result.band.id == band == result.level.id


def test_professional_judgement_raises_the_level_and_never_lowers_it():
    raised = assess(
        TOOL,
        RULES,
        facts(
            yes_count=3, professional_judgement=True, judgement_reasons="Strangulation last week"
        ),
    )
    assert (raised.band.id, raised.level.id) == ("standard", "high")
    kept = assess(
        TOOL,
        RULES,
        facts(yes_count=20, professional_judgement=True, judgement_reasons="Escalating threats"),
    )
    assert kept.level.id == "high"


def test_a_marac_can_set_its_own_thresholds():
    kent_like = RULES.with_overrides(escalation_window_days=182, high_risk_threshold=None)
    three_in_six_months = facts(incident_dates=days_ago(10, 100, 180))
    three_in_ten_months = facts(incident_dates=days_ago(10, 100, 300))
    assert assess(TOOL, kent_like, three_in_six_months).met == (Criterion.POTENTIAL_ESCALATION,)
    assert assess(TOOL, kent_like, three_in_ten_months).met == ()
    stricter = RULES.with_overrides(high_risk_threshold=16)
    assert assess(TOOL, stricter, facts(yes_count=15)).met == ()
    assert stricter.escalation_incidents == RULES.escalation_incidents


def test_future_incident_dates_are_refused():
    result = assess(TOOL, RULES, facts(yes_count=14, incident_dates=(TODAY + timedelta(1),)))
    assert result.problems["incident_dates"] == "An incident date cannot be in the future"


def test_the_count_of_incidents_in_the_window_is_reported():
    result = assess(TOOL, RULES, replace(facts(), incident_dates=days_ago(0, 365, 366, 800)))
    assert result.incidents_in_window == 2


US = load_risk_tools()["us-lethality-11"]


@pytest.mark.parametrize(
    ("answers", "met", "level"),
    [
        ({"threat_to_kill": "yes"}, (Criterion.VISIBLE_HIGH_RISK,), "high_danger"),
        ({"gun": "yes", "choked": "yes", "left": "yes"}, (), "not_high"),
        (
            {"gun": "yes", "choked": "yes", "left": "yes", "out_of_work": "yes"},
            (Criterion.VISIBLE_HIGH_RISK,),
            "high_danger",
        ),
    ],
)
def test_visible_high_risk_comes_from_the_tools_own_rule(answers, met, level):
    result = assess(US, US.rules, ReferralFacts(referred_on=TODAY, answers=answers))
    assert (result.met, result.level.id) == (met, level)


def test_why_nothing_is_met_says_the_tools_rule_in_words():
    result = assess(US, US.rules, ReferralFacts(referred_on=TODAY, answers={"gun": "yes"}))
    assert "1 'yes' answers (visible high risk needs a 'yes' to any of questions 1 to 3" in (
        result.why_not_met
    )


def test_a_marac_threshold_does_not_apply_to_a_rule_without_one():
    overridden = US.rules.with_overrides(high_risk_threshold=2)
    assert overridden.high_risk_threshold is None
    one = ReferralFacts(referred_on=TODAY, answers={"might_kill": "yes"})
    assert assess(US, overridden, one).met == (Criterion.VISIBLE_HIGH_RISK,)


def test_red_flags_and_modules_are_reported_without_changing_the_score():
    answers = {"stalking": "yes", "stalk_follows": "yes", "in_danger_now": "yes"}
    result = assess(TOOL, RULES, ReferralFacts(referred_on=TODAY, answers=answers))
    assert result.score == 1
    assert [q.id for q in result.red_flags] == ["in_danger_now"]
    assert [(m.module.id, m.score) for m in result.modules] == [("stalking", 1)]
