"""Writing referrals: drafts, submission, screening decisions and the cases they open.

Every function takes the acting user and ``now``, adds to the session with an audit event, and
leaves the commit to its caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from conference import audit
from conference.accounts.models import Marac, Role, RoleGrant, User
from conference.db import utcnow
from conference.errors import InvalidTransition, ValidationFailed
from conference.extensions import db
from conference.notifications import services as notifications
from conference.notifications.links import Link
from conference.referrals import births, drafts, forms, lookups, matching, repeats
from conference.referrals.checklists import Question, RiskTool, Scored, ScreeningRules
from conference.referrals.choices import (
    WITHOUT_CONSENT,
    CaseStatus,
    Consent,
    Decision,
    ReferralStatus,
    WithoutConsent,
    YesNoNotKnown,
)
from conference.referrals.criteria import Assessment, Criterion, ReferralFacts, assess
from conference.referrals.lifecycle import CASE, REFERRAL
from conference.referrals.models import (
    AddressDisclosure,
    Case,
    CaseClosure,
    ChecklistAnswer,
    Child,
    Incident,
    Perpetrator,
    Referral,
    ReferralTransition,
)

#: Statuses in which the referrer may still change what the referral says: those it can still
#: be sent (again) from.
EDITABLE = REFERRAL.sources(ReferralStatus.SUBMITTED)

#: Autosaves come every few seconds while someone types; the audit trail notes a draft being
#: edited once per this gap rather than once per keystroke pause.
DRAFT_AUDIT_GAP = timedelta(minutes=10)


@dataclass(frozen=True)
class LiveAssessment:
    """The criteria as things stand, and whether she may have been referred before."""

    assessment: Assessment
    matches: list[matching.PossibleMatch]
    rules: ScreeningRules
    #: The earlier referral and perpetrator that make it a repeat, if any.
    repeat: repeats.Repeat | None = None
    #: The form asked too many new "referred before?" questions lately and stopped asking.
    lookups_paused: bool = False
    #: The checklist the draft uses (the young people's version for a victim aged 16 or 17).
    tool: RiskTool | None = None

    @property
    def has_possible_match(self) -> bool:
        return bool(self.matches)


def risk_tool_for(marac: Marac) -> tuple[RiskTool, ScreeningRules]:
    """The checklist the MARAC uses and its screening rules with the MARAC's own thresholds."""
    tool = tool_by_id(marac.risk_tool_id)
    return tool, rules_for(marac, tool)


def tool_by_id(tool_id: str) -> RiskTool:
    tools: dict[str, RiskTool] = current_app.extensions["risk_tools"]
    return tools.get(tool_id) or tools[current_app.config["DEFAULT_RISK_TOOL"]]


def rules_for(marac: Marac, tool: RiskTool) -> ScreeningRules:
    """The tool's screening rules with the MARAC's own values. The MARAC's high-risk threshold
    was set for its own tool, so it does not carry over to another (the young people's)."""
    own = tool_by_id(marac.risk_tool_id).id == tool.id
    return tool.rules.with_overrides(
        high_risk_threshold=marac.high_risk_threshold if own else None,
        escalation_incidents=marac.escalation_incidents,
        escalation_window_days=marac.escalation_window_days,
        repeat_window_days=marac.repeat_window_days,
    )


def referral_tool(referral: Referral, today: date) -> tuple[RiskTool, ScreeningRules]:
    """The checklist a referral uses, and its rules. While it can change: the MARAC's tool,
    or that tool's young people's version for a victim aged 16 or 17 as the draft stands.
    Once sent: the tool it was sent with."""
    if referral.status in EDITABLE:
        tool = tool_by_id(referral.marac.risk_tool_id)
        if tool.young_people_tool and drafts.is_aged_16_17(referral.draft or {}, today):
            tool = tool_by_id(tool.young_people_tool)
    else:
        tool = tool_by_id(referral.risk_tool_id)
    return tool, rules_for(referral.marac, tool)


@dataclass(frozen=True)
class StoredChecklist:
    """A sent referral's checklist as the record shows it: its own tool, its answers, and
    those answers scored by the tool's rules (its modules and red flags)."""

    tool: RiskTool
    answers: dict[str, str]
    scored: Scored

    def shown(self) -> list[tuple[Question, str]]:
        """Each question asked, with its answer; a module's only when it was opened."""
        return [(q, self.answers.get(q.id, "")) for q in self.tool.asked(self.answers)]


def stored_checklist(referral: Referral) -> StoredChecklist:
    tool = tool_by_id(referral.risk_tool_id)
    answers = {a.question_id: a.answer.value for a in referral.answers}
    return StoredChecklist(tool, answers, tool.score(answers, rules_for(referral.marac, tool)))


def today_in(marac: Marac, now: datetime) -> date:
    """The date now is in the MARAC's own time zone."""
    return now.astimezone(ZoneInfo(marac.timezone)).date()


def start_referral(marac: Marac, *, actor: User, now: datetime) -> Referral:
    """Open an empty draft referral to marac. Flushes; the caller commits."""
    tool, _ = risk_tool_for(marac)
    referral = Referral(
        marac=marac,
        referrer=actor,
        agency_id=actor.agency_id,
        risk_tool_id=tool.id,
        draft={},
        draft_saved_at=now,
        created_at=now,
        updated_at=now,
    )
    db.session.add(referral)
    db.session.flush()
    audit.record(actor, "referral.started", referral, now=now)
    return referral


def save_draft(referral: Referral, draft: drafts.Draft, *, actor: User, now: datetime) -> None:
    """Keep what was typed. Raises InvalidTransition once the referral can no longer change."""
    if referral.status not in EDITABLE:
        raise InvalidTransition("This referral can no longer be changed")
    last = referral.draft_saved_at
    referral.draft = draft
    referral.draft_saved_at = now
    # Kept up to date as it is typed, so a draft can be found by it too.
    referral.referrer_reference = drafts.referrer_reference(draft, today_in(referral.marac, now))
    if last is None or now - last >= DRAFT_AUDIT_GAP:
        audit.record(actor, "referral.draft_saved", referral, now=now)
    db.session.flush()


def live_assessment(
    referral: Referral,
    today: date,
    *,
    asked_by: User | None = None,
    now: datetime | None = None,
) -> LiveAssessment:
    """Score the draft and look for an earlier referral of her, as the form stands.

    asked_by: the user whose typing asks (the live panel of the form); the look-up then
    counts against their limit (conference/referrals/lookups.py) and is skipped past it.
    """
    tool, rules = referral_tool(referral, today)
    draft = referral.draft or {}
    names, birth = drafts.victim_identity(draft, tool, today)
    paused = asked_by is not None and not lookups.may_look_up(
        referral, names, birth, actor=asked_by, now=now or utcnow()
    )
    matches = [] if paused else matching.find_possible_matches(names, birth, excluding=referral.id)
    criteria = drafts.parsed(draft, "criteria", tool, today)
    repeat = repeats.find_repeat(
        repeats.named_in_draft(draft, tool, today), matches, today, rules.repeat_window_days
    )
    facts = ReferralFacts(
        referred_on=today,
        answers=drafts.checklist_answers(draft, tool),
        professional_judgement=bool(criteria.get("professional_judgement")),
        judgement_reasons=criteria.get("judgement_reasons") or "",
        incident_dates=[
            i["occurred_on"] for i in criteria.get("incidents") or [] if i.get("occurred_on")
        ],
        last_referral_on=matching.last_marac_referral_on(matches),
        same_perpetrator=repeat is not None,
    )
    return LiveAssessment(assess(tool, rules, facts), matches, rules, repeat, paused, tool)


def check_steps(referral: Referral, today: date) -> dict[str, Any]:
    """Every step's form, validated from the draft: step name -> form (with its errors)."""
    tool, _ = referral_tool(referral, today)
    draft = referral.draft or {}
    checked = {}
    for step in drafts.steps_for(draft, today):
        form = drafts.form_from_draft(drafts.drop_blank_entries(draft, step), step, tool, today)
        form.validate()
        form.fit_errors()
        checked[step.name] = form
    return checked


def submit(referral: Referral, *, actor: User, now: datetime, answer: str = "") -> Assessment:
    """Check every step, write the referral from its draft and send it to the coordinator.

    ``answer`` is the referrer's reply when more information was asked for.
    Flushes; the caller commits. Raises ValidationFailed when a step is incomplete or no
    criterion is met, InvalidTransition when it was already submitted.
    """
    REFERRAL.check(referral, ReferralStatus.SUBMITTED, actor=actor, now=now)
    today = today_in(referral.marac, now)
    steps = check_steps(referral, today)
    incomplete = [name for name, form in steps.items() if form.errors]
    if incomplete:
        title = drafts.STEP_BY_NAME[incomplete[0]].title
        raise ValidationFailed(f"Complete the section '{title}' first", incomplete[0])
    live = live_assessment(referral, today)
    if not live.assessment.can_submit:
        field, problem = next(iter(live.assessment.problems.items()))
        raise ValidationFailed(problem, field)

    tool, _ = referral_tool(referral, today)
    _write_from_forms(referral, steps, tool)
    referral.risk_tool_id = tool.id
    met = set(live.assessment.met)
    referral.score = live.assessment.score
    referral.meets_visible_high_risk = Criterion.VISIBLE_HIGH_RISK in met
    referral.meets_professional_judgement = Criterion.PROFESSIONAL_JUDGEMENT in met
    referral.meets_escalation = Criterion.POTENTIAL_ESCALATION in met
    referral.is_repeat = Criterion.REPEAT in met
    referral.has_possible_match = live.has_possible_match
    referral.submitted_at = now
    referral.referred_on = today
    resubmitted = referral.status is ReferralStatus.MORE_INFO_REQUESTED
    transition = _transition(referral, ReferralStatus.SUBMITTED, actor, answer, now)
    audit.record(
        actor,
        "referral.submitted",
        referral,
        now=now,
        detail={"criteria": referral.criteria_met, "repeat": referral.is_repeat},
    )
    notifications.notify(
        coordinator_ids(referral.marac_id),
        "referral.answered" if resubmitted else "referral.submitted",
        key=f"referral.submitted:{referral.id}:{transition.id}",
        reference=referral.reference,
        link=Link("referrals.detail", {"referral_id": referral.id}),
        now=now,
    )
    return live.assessment


def _write_from_forms(referral: Referral, steps: dict[str, Any], tool: RiskTool) -> None:
    victim = steps["victim"].data
    referral.referrer_reference = victim["reference"] or ""
    referral.victim_given_name = victim["given_name"]
    referral.victim_family_name = victim["family_name"] or ""
    referral.victim_aliases = victim["aliases"] or ""
    for column, value in births.victim_columns(steps["victim"].birth()).items():
        setattr(referral, column, value)
    referral.victim_gender = victim["gender"]
    referral.victim_is_trans = victim["is_trans"]
    referral.victim_ethnicity = victim["ethnicity"]
    referral.victim_disability = victim["disability"]
    referral.victim_sexuality = victim["sexuality"]
    referral.victim_language = victim["language"] or ""
    referral.needs_interpreter = bool(victim["needs_interpreter"])

    contact = steps["contact"].data
    referral.victim_address = contact["address"] or ""
    referral.victim_phone = contact["phone"] or ""
    referral.safe_to_call = contact["safe_to_call"]
    referral.contact_notes = contact["contact_notes"] or ""
    referral.who_she_fears = contact["who_she_fears"]
    referral.safe_contacts = contact["safe_contacts"] or ""
    referral.unsafe_contacts = contact["unsafe_contacts"] or ""

    referral.perpetrators = [
        Perpetrator(
            position=n,
            given_name=p["given_name"],
            family_name=p["family_name"] or "",
            aliases=p["aliases"] or "",
            **births.columns(entry.form.birth()),
            gender=p["gender"] or None,
            ethnicity=p["ethnicity"] or None,
            relationship=p["relationship"],
            address=p["address"] or "",
        )
        for n, (p, entry) in enumerate(
            zip(
                steps["perpetrators"].data["perpetrators"],
                steps["perpetrators"].perpetrators.entries,
                strict=True,
            )
        )
    ]
    children = steps["children"].data
    referral.has_children = children["has_children"] == "yes"
    referral.children = [
        Child(
            position=n,
            given_name=c["given_name"],
            family_name=c["family_name"] or "",
            dob=c["dob"],
            relation_to_victim=c["relation_to_victim"] or "",
            relation_to_perpetrator=c["relation_to_perpetrator"] or "",
            school=c["school"] or "",
        )
        for n, c in enumerate(children["children"] if referral.has_children else [])
    ]
    answers = steps["checklist"].data
    referral.checklist_completed_on = answers[forms.CHECKLIST_DATE]
    # Only the questions asked: a closed module's answers are left out.
    asked = tool.asked({q.id: answers.get(q.id) or "" for q in tool.questions})
    referral.answers = [ChecklistAnswer(question_id=q.id, answer=answers[q.id]) for q in asked]

    criteria = steps["criteria"].data
    referral.incidents = [
        Incident(occurred_on=i["occurred_on"], summary=i["summary"] or "")
        for i in criteria["incidents"]
    ]
    referral.judgement_reasons = (
        criteria["judgement_reasons"] or "" if criteria["professional_judgement"] else ""
    )

    consent = steps["consent"].data
    referral.victim_aware = consent["victim_aware"] == "yes"
    referral.consent = Consent(consent["consent"])
    without = referral.consent in WITHOUT_CONSENT
    reason = consent["without_consent_reason"]
    referral.without_consent_reason = WithoutConsent(reason) if without and reason else None
    referral.consent_authorised_by = consent["consent_authorised_by"] or "" if without else ""
    referral.consent_authoriser_role = consent["consent_authoriser_role"] or "" if without else ""
    referral.consent_reason = consent["consent_reason"] or ""
    referral.narrative = consent["narrative"]

    young = steps.get("young_person")
    referral.is_aged_16_17 = young is not None
    referral.key_worker = young.data["key_worker"] if young else ""
    referral.childrens_services_involved = (
        young.data["childrens_services_involved"] if young else None
    )
    referral.exploitation_notes = young.data["exploitation_notes"] if young else ""
    db.session.flush()


def withdraw(referral: Referral, *, actor: User, reason: str, now: datetime) -> None:
    """Withdraw a referral that was not yet decided. Flushes; the caller commits."""
    was_submitted = referral.status is not ReferralStatus.DRAFT
    transition = _transition(referral, ReferralStatus.WITHDRAWN, actor, reason, now)
    referral.draft = None
    audit.record(actor, "referral.withdrawn", referral, now=now)
    if was_submitted:
        notifications.notify(
            coordinator_ids(referral.marac_id),
            "referral.withdrawn",
            key=f"referral.withdrawn:{referral.id}:{transition.id}",
            reference=referral.reference,
            link=Link("referrals.detail", {"referral_id": referral.id}),
            now=now,
        )


def decide(
    referral: Referral,
    decision: Decision,
    *,
    actor: User,
    reason: str,
    now: datetime,
    case: Case | None = None,
    advocate: User | None = None,
) -> Case | None:
    """Record the coordinator's decision; accepting joins case, or opens a new one.

    Flushes; the caller commits. Raises InvalidTransition if the referral is not waiting.
    """
    target = {
        Decision.ACCEPT: ReferralStatus.ACCEPTED,
        Decision.DECLINE: ReferralStatus.DECLINED,
        Decision.MORE_INFO: ReferralStatus.MORE_INFO_REQUESTED,
    }[decision]
    REFERRAL.check(referral, target, actor=actor, now=now)
    if referral.is_notice:
        case = referral.about_case  # a notice joins the case it is about, whatever was chosen
    if case is not None and case.marac_id != referral.marac_id:
        raise ValidationFailed("Choose a case from the list", "case_id")
    transition = _transition(referral, target, actor, reason, now)
    if target is not ReferralStatus.MORE_INFO_REQUESTED:
        referral.decided_at = now
        referral.draft = None
    if target is ReferralStatus.ACCEPTED:
        case = case or open_case(referral.marac, now=now, actor=actor)
        referral.case = case
        if case.status is CaseStatus.CLOSED:
            # A repeat: the case comes back with its history. Who closed it and why stay on
            # it, so the review of the previous plan can read them.
            CASE.transition(case, CaseStatus.OPEN, actor=actor, now=now)
            case.closed_at = None
            case.reopened_at = now
            db.session.execute(
                sa.update(CaseClosure)
                .where(CaseClosure.case_id == case.id, CaseClosure.reopened_at.is_(None))
                .values(reopened_at=now, reopened_by_id=actor.id, reopened_for_id=referral.id)
            )
            audit.record(actor, "case.reopened", case, now=now, detail={"referral_id": referral.id})
        if advocate is not None and case.advocate_id != advocate.id:
            assign_advocate(case, advocate, actor=actor, now=now)
    audit.record(
        actor,
        f"referral.{target.value}",
        referral,
        now=now,
        detail={"case_id": case.id} if case is not None and target.value == "accepted" else {},
    )
    notifications.notify(
        [referral.referrer_id],
        f"referral.{target.value}",
        key=f"referral.decided:{referral.id}:{transition.id}",
        reference=referral.reference,
        link=Link("referrals.detail", {"referral_id": referral.id}),
        now=now,
    )
    db.session.flush()
    return case if target is ReferralStatus.ACCEPTED else None


def open_case(marac: Marac, *, now: datetime, actor: User) -> Case:
    """A new case with the MARAC's next reference for this year, e.g. NB-2026-0042."""
    year = today_in(marac, now).year
    # Two coordinators accepting at once must not take the same number: on PostgreSQL the
    # MARAC's row is locked until this transaction ends (SQLite serialises writers itself).
    db.session.execute(sa.select(Marac.id).where(Marac.id == marac.id).with_for_update())
    last = db.session.scalar(
        sa.select(sa.func.max(Case.number)).where(Case.marac_id == marac.id, Case.year == year)
    )
    number = (last or 0) + 1
    case = Case(
        marac=marac,
        year=year,
        number=number,
        reference=f"{marac.code}-{year}-{number:04d}",
        opened_at=now,
    )
    db.session.add(case)
    db.session.flush()
    audit.record(actor, "case.opened", case, now=now)
    return case


def assign_advocate(case: Case, advocate: User, *, actor: User, now: datetime) -> None:
    """Make advocate the case's advocate and tell them. Flushes; the caller commits."""
    if advocate.id not in advocate_ids(case.marac_id):
        raise ValidationFailed("Choose an advocate from the list", "advocate_id")
    case.advocate = advocate
    audit.record(
        actor, "case.advocate_assigned", case, now=now, detail={"advocate_id": advocate.id}
    )
    notifications.notify(
        [advocate.id],
        "case.advocate_assigned",
        key=f"case.advocate_assigned:{case.id}:{now.isoformat()}",
        reference=case.reference,
        link=Link("referrals.case", {"case_id": case.id}),
        now=now,
    )
    db.session.flush()


def set_address_confidential(case: Case, confidential: bool, *, actor: User, now: datetime) -> None:
    """Mark or unmark the case's address as confidential (refuge). Flushes."""
    case.is_address_confidential = confidential
    audit.record(
        actor, "case.address_confidential_set", case, now=now, detail={"confidential": confidential}
    )
    db.session.flush()


def lift_address_confidential(case: Case, *, actor: User, reason: str, now: datetime) -> None:
    """Lift the confidential mark; the reason is kept like a disclosure's. Flushes."""
    disclosure = AddressDisclosure(case_id=case.id, user_id=actor.id, at=now, reason=reason)
    db.session.add(disclosure)
    case.is_address_confidential = False
    db.session.flush()
    audit.record(
        actor,
        "case.address_confidential_set",
        case,
        now=now,
        detail={"confidential": False, "disclosure_id": disclosure.id},
    )


def disclose_address(case: Case, *, actor: User, reason: str, now: datetime) -> AddressDisclosure:
    """Record why someone needs the confidential address, in the audit trail. Flushes."""
    disclosure = AddressDisclosure(case_id=case.id, user_id=actor.id, at=now, reason=reason)
    db.session.add(disclosure)
    db.session.flush()
    audit.record(
        actor, "case.address_disclosed", case, now=now, detail={"disclosure_id": disclosure.id}
    )
    return disclosure


def coordinator_ids(marac_id: int) -> list[int]:
    return _holders(marac_id, Role.COORDINATOR)


def advocate_ids(marac_id: int) -> list[int]:
    return _holders(marac_id, Role.ADVOCATE)


def _holders(marac_id: int, role: Role) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(RoleGrant.user_id)
            .join(User, User.id == RoleGrant.user_id)
            .where(
                RoleGrant.marac_id == marac_id,
                RoleGrant.role == role,
                User.is_active_account.is_(True),
            )
        )
    )


def _transition(
    referral: Referral, target: ReferralStatus, actor: User, reason: str, now: datetime
) -> ReferralTransition:
    """Move the referral through its table and keep the move in its history."""
    previous = REFERRAL.transition(referral, target, actor=actor, now=now)
    transition = ReferralTransition(
        from_status=previous, to_status=target, actor=actor, at=now, reason=reason
    )
    referral.transitions.append(transition)
    db.session.flush()
    return transition


def record_view(actor: User, obj: Referral | Case, *, page: str, now: datetime) -> None:
    """Note in the audit trail that someone read a referral or case (every read is kept)."""
    verb = "case.viewed" if isinstance(obj, Case) else "referral.viewed"
    audit.record(actor, verb, obj, now=now, detail={"page": page})


def record_list_view(
    actor: User, page: str, ids: list[int], *, now: datetime, cases: list[int] | None = None
) -> None:
    """Note that someone saw a list naming victims: which page and the records on it.

    ``cases``: the cases the list showed, for each case's access report; when the list's
    records are cases themselves, pass their ids again.
    """
    detail = {"ids": ids[:1000], "count": len(ids)}
    audit.record(actor, f"{page}.listed", now=now, detail=detail, cases=cases)


YOUNG_PERSON_STEPS = (
    "A named key worker",
    "Children's social care involved",
    "Checks for exploitation and gang risk",
)


def young_steps_done(referral: Referral) -> dict[str, bool]:
    """The extra steps for a victim aged 16 or 17, and whether each is recorded as done."""
    return {
        YOUNG_PERSON_STEPS[0]: bool(referral.key_worker),
        YOUNG_PERSON_STEPS[1]: referral.childrens_services_involved is YesNoNotKnown.YES,
        YOUNG_PERSON_STEPS[2]: bool(referral.exploitation_notes),
    }
