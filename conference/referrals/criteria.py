"""The four MARAC referral criteria, as pure functions of the referral's facts.

Visible high risk: the risk tool's own rule (enough 'yes' answers, points, any of a set, at
least so many of a set, or a combination: conference/referrals/rules.py). Professional
judgement: allowed at any score, with reasons; it raises the risk level to the top band and
never lowers it. Potential escalation: enough incidents within the window. Repeat: a new
incident with the same perpetrator within the repeat window of the victim's last MARAC
referral, found from the records rather than typed (repeats.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from conference.referrals.checklists import Band, ModuleResult, Question, RiskTool, ScreeningRules


class Criterion(StrEnum):
    VISIBLE_HIGH_RISK = "visible_high_risk"
    PROFESSIONAL_JUDGEMENT = "professional_judgement"
    POTENTIAL_ESCALATION = "potential_escalation"
    REPEAT = "repeat"

    @property
    def label(self) -> str:
        return CRITERION_LABELS[self]


CRITERION_LABELS = {
    Criterion.VISIBLE_HIGH_RISK: "Visible high risk",
    Criterion.PROFESSIONAL_JUDGEMENT: "Professional judgement",
    Criterion.POTENTIAL_ESCALATION: "Potential escalation",
    Criterion.REPEAT: "Repeat",
}


@dataclass(frozen=True)
class ReferralFacts:
    """What the criteria are decided on."""

    referred_on: date
    #: The checklist's answers: question id -> "yes", "no" or "not_known".
    answers: Mapping[str, str] = field(default_factory=dict)
    professional_judgement: bool = False
    judgement_reasons: str = ""
    incident_dates: Sequence[date] = ()
    #: The victim's last MARAC referral before this one, from the records.
    last_referral_on: date | None = None
    #: A man named now is (or may be: a link not yet decided) named in one of her earlier
    #: MARAC referrals. Without him, a known victim's new referral is not a repeat.
    same_perpetrator: bool = False


@dataclass(frozen=True)
class Assessment:
    score: int
    #: The band the score alone falls in.
    band: Band
    #: The risk level after professional judgement (never below ``band``).
    level: Band
    met: tuple[Criterion, ...]
    incidents_in_window: int
    #: Field name -> what is wrong, for problems that stop the referral going in.
    #: "criteria" says why no criterion is met, alongside any other problem.
    problems: dict[str, str] = field(default_factory=dict)
    #: The modules the answers opened, each with its own score and whether its rule is met.
    modules: tuple[ModuleResult, ...] = ()
    #: Red-flag questions answered 'yes': prompts that never change the score.
    red_flags: tuple[Question, ...] = ()
    #: What visible high risk needs, in words.
    high_risk_words: str = ""

    @property
    def why_not_met(self) -> str:
        """Why no criterion is met, in words for the referrer (empty when one is)."""
        return self.problems.get("criteria", "")

    @property
    def can_submit(self) -> bool:
        return not self.problems


def within_days(earlier: date, later: date, days: int) -> bool:
    """True when earlier falls on or before later and no more than days before it."""
    return 0 <= (later - earlier).days <= days


def incidents_within_window(
    incident_dates: Sequence[date], referred_on: date, rules: ScreeningRules
) -> int:
    return sum(within_days(d, referred_on, rules.escalation_window_days) for d in incident_dates)


def is_repeat(
    last_referral_on: date | None, referred_on: date, rules: ScreeningRules, same_perpetrator: bool
) -> bool:
    """A new incident with the same perpetrator within the window of her last MARAC referral."""
    return (
        same_perpetrator
        and last_referral_on is not None
        and within_days(last_referral_on, referred_on, rules.repeat_window_days)
    )


def assess(tool: RiskTool, rules: ScreeningRules, facts: ReferralFacts) -> Assessment:
    """Score the checklist, decide which criteria are met, and say what stops submission."""
    problems: dict[str, str] = {}
    unknown = set(facts.answers) - {q.id for q in tool.all_questions}
    if unknown:
        problems["checklist"] = f"The checklist has no question {sorted(unknown)[0]!r}"
    scored = tool.score(facts.answers, rules)
    if any(d > facts.referred_on for d in facts.incident_dates):
        problems["incident_dates"] = "An incident date cannot be in the future"
    judgement_given = facts.professional_judgement and bool(facts.judgement_reasons.strip())
    if facts.professional_judgement and not judgement_given:
        problems["judgement_reasons"] = (
            "Give your reasons: professional judgement needs the concern and why"
        )

    incidents = incidents_within_window(facts.incident_dates, facts.referred_on, rules)
    met = tuple(
        criterion
        for criterion, is_met in (
            (Criterion.VISIBLE_HIGH_RISK, scored.high_risk),
            (Criterion.PROFESSIONAL_JUDGEMENT, judgement_given),
            (Criterion.POTENTIAL_ESCALATION, incidents >= rules.escalation_incidents),
            (
                Criterion.REPEAT,
                is_repeat(facts.last_referral_on, facts.referred_on, rules, facts.same_perpetrator),
            ),
        )
        if is_met
    )
    level = tool.bands[-1] if judgement_given else scored.band
    words = tool.words(rules)
    if not met:
        problems["criteria"] = _why_not_met(scored.score, tool, words, incidents, rules)
    return Assessment(
        scored.score,
        scored.band,
        level,
        met,
        incidents,
        problems,
        modules=scored.modules,
        red_flags=scored.red_flags,
        high_risk_words=words,
    )


def _why_not_met(
    score: int, tool: RiskTool, words: str, incidents: int, rules: ScreeningRules
) -> str:
    needed = (
        f"{rules.high_risk_threshold} needed for visible high risk"
        if rules.high_risk_threshold is not None
        else f"visible high risk needs {words}"
    )
    return (
        f"No referral criterion is met: {score} {tool.score_label} ({needed}), {incidents} "
        f"incident{'s' if incidents != 1 else ''} in the last {rules.escalation_window_days} "
        f"days ({rules.escalation_incidents} needed for potential escalation), and no "
        "referral for the victim with the same perpetrator within the repeat window. If you are "
        "seriously concerned, choose professional judgement and give your reasons."
    )
