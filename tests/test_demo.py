"""The demo data shows every state a user needs to try: actions on time, due this week,
overdue and long overdue, reported on by their owners, a case closed, and a year of history
for the quarterly data return."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta

import sqlalchemy as sa

from conference.accounts.models import Marac, Role, User
from conference.actions.choices import OPEN_STATUSES, ActionStatus
from conference.actions.models import Action, ActionUpdate
from conference.agreements.models import SharingAgreement
from conference.agreements.services import current_agreement, pending_for
from conference.closure import notices
from conference.closure import queries as closure
from conference.conferences import rules
from conference.conferences.choices import (
    HELD,
    UPCOMING,
    ConferenceStatus,
    ItemStatus,
    Section,
)
from conference.conferences.models import AgendaItem, Conference
from conference.db import utcnow
from conference.demo.seed import DEMO_DOMAIN, USERS, seed_demo
from conference.extensions import db
from conference.notifications.models import Notification
from conference.referrals import perpetrators
from conference.referrals.choices import (
    CaseStatus,
    Consent,
    Gender,
    ReferralStatus,
    WithoutConsent,
)
from conference.referrals.models import (
    Case,
    Child,
    Perpetrator,
    PerpetratorLinkDecision,
    Referral,
)
from conference.referrals.services import stored_checklist, today_in
from conference.research.models import ResearchReturn
from conference.transfers.choices import ActionFate, TransferStatus
from conference.transfers.models import CaseTransfer


def test_the_demo_has_actions_in_every_state(app, demo):
    now = utcnow()
    today = now.date()
    actions = db.session.scalars(sa.select(Action)).all()
    still_open = [a for a in actions if not a.status.is_closed]
    due_in = sorted((a.due_on - today).days for a in still_open)
    assert any(days > 7 for days in due_in)  # on time
    assert any(0 <= days <= 7 for days in due_in)  # due this week
    assert any(-14 < days < 0 for days in due_in)  # overdue
    assert any(days <= -30 for days in due_in)  # long overdue
    closed = [a for a in actions if a.status.is_closed]
    assert {a.status for a in closed} >= {ActionStatus.DONE, ActionStatus.NOT_DONE_CIRCUMSTANCES}
    # Each closed one was reported on by its owner, after it was agreed.
    updates = {u.action_id: u for u in db.session.scalars(sa.select(ActionUpdate))}
    for action in closed:
        if action.id in updates:
            assert updates[action.id].at > action.agreed_at
            assert updates[action.id].at < now + timedelta(minutes=1)


def test_the_demo_has_a_case_closed_once_its_plan_was_done(app, demo):
    closed = db.session.scalars(
        sa.select(Case).where(
            Case.status == CaseStatus.CLOSED,
            # Not the retention review's old cases, closed years ago.
            Case.closed_at > utcnow() - timedelta(days=5 * 365),
        )
    ).all()
    assert len(closed) == 1
    [case] = closed
    plan = db.session.scalars(sa.select(Action).where(Action.case_id == case.id)).all()
    assert plan and all(action.status.is_closed for action in plan)
    assert case.closed_by_id is not None
    assert case.closed_at > max(action.updated_at for action in plan)


def test_the_demo_has_a_year_of_northbridge_conferences_for_the_data_return(app, demo):
    now = utcnow()
    northbridge = db.session.scalar(sa.select(Marac).where(Marac.code == "NB"))
    assert northbridge.adult_female_population == 52000
    rows = db.session.execute(
        sa.select(
            Conference.id,
            Conference.starts_at,
            Referral.is_repeat,
            Referral.victim_gender,
            sa.exists().where(Child.referral_id == Referral.id),
            sa.exists().where(ResearchReturn.agenda_item_id == AgendaItem.id),
        )
        .join(AgendaItem, AgendaItem.conference_id == Conference.id)
        .join(Referral, Referral.id == AgendaItem.referral_id)
        .where(
            Conference.marac_id == northbridge.id,
            Conference.status.in_(HELD),
            AgendaItem.status == ItemStatus.DISCUSSED,
            AgendaItem.section.in_((Section.CHILDREN, Section.ADULTS)),
        )
    ).all()
    by_quarter = defaultdict(list)
    for row in rows:
        day = rules.local(row[1], northbridge.timezone).date()
        by_quarter[day.year * 4 + (day.month - 1) // 3].append(row)
    today = today_in(northbridge, now)
    this_quarter = today.year * 4 + (today.month - 1) // 3
    for quarter in range(this_quarter - 4, this_quarter):
        cases = by_quarter[quarter]
        per_conference = defaultdict(int)
        for row in cases:
            per_conference[row[0]] += 1
        assert len(per_conference) >= 3  # about one a month
        assert all(8 <= count <= 16 for count in per_conference.values())
        assert any(row[2] for row in cases)  # repeats
        assert any(row[3] is Gender.MALE for row in cases)
        assert any(row[4] for row in cases)  # children
        assert any(row[5] for row in cases)  # research returned


# The person who causes the harm ----------------------------------------------------------------


def _referral_of(given: str, family: str) -> Referral:
    return db.session.scalars(
        sa.select(Referral).where(
            Referral.victim_given_name == given, Referral.victim_family_name == family
        )
    ).one()


def test_the_demo_names_many_perpetrators_none_on_more_than_a_handful_of_referrals(demo):
    named = db.session.execute(
        sa.select(Perpetrator.given_name, Perpetrator.family_name, Perpetrator.dob)
        .join(Referral, Referral.id == Perpetrator.referral_id)
        .where(Referral.status != ReferralStatus.DRAFT)
    ).all()
    per_man = Counter((given, dob) for given, _, dob in named)
    assert len(per_man) >= 100
    assert max(per_man.values()) <= 3, per_man.most_common(3)
    assert not any(family == "Demoson" for _, family, _ in named)


def test_the_demo_has_a_serial_perpetrator_flagged_in_both_maracs(demo):
    victims = [("Yvonne", "Castell"), ("Shannon", "Kerrigan"), ("Mina", "Farouk")]
    referrals = [_referral_of(*v) for v in victims]
    ids = perpetrators.identities_of({r.perpetrators[0].id for r in referrals})
    assert len(ids) == 3 and len(set(ids.values())) == 1  # one man, confirmed at screening
    assert {r.marac.code for r in referrals} == {"NB", "EM"}
    today = utcnow().date()
    flags = perpetrators.case_flags([r.case for r in referrals if r.case is not None], today=today)
    assert len(flags) == 3
    assert all(flag.other_victims == 2 for flag in flags.values())
    # Shown where each MARAC looks: Eastmoor's next agenda and this morning's meeting here.
    shannon, mina = referrals[1].case, referrals[2].case
    for case in (shannon, mina):
        item = db.session.scalars(
            sa.select(AgendaItem).where(AgendaItem.case_id == case.id)
        ).first()
        assert item is not None and item.conference.status in UPCOMING + (
            ConferenceStatus.IN_PROGRESS,
        )


def test_the_demo_links_were_decided_by_the_screening_coordinator_before_acceptance(demo):
    decisions = db.session.scalars(sa.select(PerpetratorLinkDecision)).all()
    assert {d.confirmed for d in decisions} == {True, False}
    for decision in decisions:
        pair = [
            db.session.get(Referral, db.session.get(Perpetrator, pid).referral_id)
            for pid in (decision.perpetrator_id, decision.other_id)
        ]
        later = max(pair, key=lambda r: r.submitted_at)
        assert decision.decided_by.role_grants[0].role is Role.COORDINATOR
        assert decision.decided_by.role_grants[0].marac_id == later.marac_id
        assert later.submitted_at < decision.decided_at < later.decided_at
    rejected = [d for d in decisions if not d.confirmed]
    assert len(rejected) == 1
    # A rejected pair is never suggested again.
    sofia = _referral_of("Sofia", "Reyes")
    assert perpetrators.suggestions_for(sofia) == []


def test_the_demo_leaves_suggested_links_for_the_coordinator_at_screening(demo):
    waiting = {}
    for r in db.session.scalars(
        sa.select(Referral).where(Referral.status == ReferralStatus.SUBMITTED)
    ):
        found = perpetrators.suggestions_for(r)
        if found:
            waiting[r.victim_name] = {s.marac_name for s in found}
    notice = db.session.scalars(
        sa.select(Referral).where(Referral.about_case_id.is_not(None))
    ).one()
    assert waiting == {
        "Dawne Hartigan": {"Northbridge MARAC"},
        "Marissa Okonjo": {"Eastmoor MARAC"},
        # The man a notice names is linked by the coordinator, as any referral's is.
        notice.victim_name: {"Northbridge MARAC"},
    }


def test_the_demo_has_a_counter_allegation(demo):
    jerome, imani = _referral_of("Jerome", "Baptiste"), _referral_of("Imani", "Osei")
    assert jerome.status is ReferralStatus.SUBMITTED  # in the screening queue
    flags = perpetrators.counter_allegations([jerome, imani], today=utcnow().date())
    assert set(flags) == {jerome.id, imani.id}


def test_the_demo_has_a_referral_shared_without_consent_with_its_authoriser(demo):
    kamila = _referral_of("Kamila", "Nowicka")
    assert kamila.status is ReferralStatus.SUBMITTED  # in the screening queue
    assert (kamila.victim_aware, kamila.consent) == (False, Consent.NOT_SOUGHT)
    assert kamila.without_consent_reason is WithoutConsent.WOULD_INCREASE_RISK
    assert kamila.consent_authorised_by and kamila.consent_authoriser_role
    assert kamila.lawful_basis.without_consent and not kamila.lawful_basis.contradictions
    # Every demo referral tells a consistent story: each shared without consent says why and
    # who authorised it, and none with consent says either.
    sent = db.session.scalars(
        sa.select(Referral).where(Referral.consent.is_not(None)).order_by(Referral.id)
    ).all()
    for referral in sent:
        basis = referral.lawful_basis
        assert not basis.contradictions, referral.reference
        if basis.without_consent:
            assert referral.without_consent_reason, referral.reference
            assert referral.consent_authorised_by and referral.consent_authoriser_role
        else:
            assert not referral.without_consent_reason and not referral.consent_authorised_by
    assert sum(r.lawful_basis.without_consent is True for r in sent) >= 2


def test_the_demo_has_a_transfer_from_eastmoor_waiting_for_northbridge(demo):
    [transfer] = db.session.scalars(sa.select(CaseTransfer)).all()
    assert transfer.status is TransferStatus.REQUESTED
    assert (transfer.from_marac.code, transfer.to_marac.code) == ("EM", "NB")
    assert transfer.case.marac.code == "EM"  # nothing moves until Northbridge accepts
    # Eastmoor heard her case before it sent it, and decided each action still open.
    heard = db.session.scalars(
        sa.select(AgendaItem).where(
            AgendaItem.case_id == transfer.case_id, AgendaItem.status == ItemStatus.DISCUSSED
        )
    ).all()
    assert [i.conference.marac.code for i in heard] == ["EM"]
    assert heard[0].conference.starts_at < transfer.requested_at
    fates = {d.fate for d in transfer.decisions}
    assert fates == {ActionFate.CARRY_OVER, ActionFate.CLOSE}
    still_open = {a.id for a in closure.open_actions(transfer.case_id)}
    assert {d.action_id for d in transfer.decisions} == still_open
    for decision in transfer.decisions:
        if decision.fate is ActionFate.CARRY_OVER:
            assert decision.new_owner_agency in transfer.to_marac.agencies
        else:
            assert decision.close_reason
    # Northbridge's coordinator is told, by a notice that opens the transfer.
    told = db.session.scalars(
        sa.select(Notification).where(Notification.kind == "transfer.requested")
    ).all()
    assert [n.endpoint_args for n in told] == [{"transfer_id": transfer.id}]
    assert db.session.get(User, told[0].recipient_id).email == "coordinator@northbridge.example"


def test_the_demo_has_a_repeat_incident_notice_waiting_for_screening(demo):
    [notice] = db.session.scalars(sa.select(Referral).where(Referral.about_case_id.is_not(None)))
    assert notice.status is ReferralStatus.SUBMITTED and notice.is_repeat
    assert notice.referrer.email.startswith("police@")
    case = notice.about_case
    standing = closure.standings([case.id])[case.id]
    today = today_in(case.marac, utcnow())
    assert standing.is_flagged(today)
    # Told after the event, about an incident since her last referral, never in the future.
    assert standing.last_referred_on <= notice.incidents[0].occurred_on <= today
    # Its coordinator was told, by reference only.
    told = db.session.scalars(
        sa.select(Notification).where(Notification.kind == "referral.repeat_notice")
    ).all()
    assert told and {n.reference for n in told} == {notice.reference}


def test_the_demo_gives_the_police_a_list_of_flagged_cases(demo):
    police = db.session.scalars(sa.select(User).where(User.email.startswith("police@"))).one()
    maracs = notices.notice_maracs(police)
    listing, rows = notices.flagged_cases(police.agency_id, maracs, utcnow(), page=1, per_page=50)
    assert listing.total >= 5
    assert all(r.flag_ends_on >= today_in(r.case.marac, utcnow()) for r in rows)


def test_the_demo_register_has_an_entry_in_each_status_on_the_ladder_s_days(demo):
    from conference.accounts.models import Agency
    from conference.escalation.choices import EntryStatus, Step
    from conference.escalation.models import EntryChange, EscalationEntry, EscalationStep
    from conference.notifications.models import OutboundEmail

    entries = db.session.scalars(sa.select(EscalationEntry)).all()
    assert {e.status for e in entries} == set(EntryStatus)
    actions = {a.id: a for a in db.session.scalars(sa.select(Action))}
    for entry in entries:
        marac = db.session.get(Marac, entry.marac_id)
        for item in entry.actions:
            # Entered on the day it was the MARAC's days overdue, against its due date then.
            assert item.days_late == marac.register_after_days
            assert item.due_on == actions[item.action_id].due_on
        # Settled entries were settled by the coordinator, with a note, after they opened.
        if entry.status in (EntryStatus.RESOLVED, EntryStatus.CLOSED, EntryStatus.RAISED):
            assert entry.note and entry.updated_by_id is not None
            assert entry.updated_at.date() > entry.opened_on
    # The police's late actions are on their entry, raised with them.
    police = db.session.scalars(sa.select(Agency).where(Agency.name == "Northshire Police")).one()
    raised = [e for e in entries if e.status is EntryStatus.RAISED]
    assert [e.agency_id for e in raised] == [police.id]
    # How many of its actions are late depends on the day the demo is made; it stays raised
    # while any is still open (one done of several does not resolve it).
    assert any(actions[i.action_id].status in OPEN_STATUSES for i in raised[0].actions)
    # A resolved entry's actions are done.
    for entry in entries:
        if entry.status is EntryStatus.RESOLVED:
            assert all(actions[i.action_id].status.is_closed for i in entry.actions)
    # Every contact told had the count in an email (or in the app), never a reference.
    told = db.session.scalars(
        sa.select(EscalationStep).where(EscalationStep.step == Step.CONTACT_TOLD)
    ).all()
    assert told and all(s.email_id or s.notified_user_id for s in told)
    references = {i.case_reference for e in entries for i in e.actions}
    for email in db.session.scalars(
        sa.select(OutboundEmail).where(OutboundEmail.recipient_id.is_(None))
    ):
        assert email.to_address.endswith("@northbridge.example")
        assert not any(reference in email.body for reference in references)
    assert db.session.scalar(sa.select(sa.func.count(EntryChange.id))) >= 2 * len(entries)
    # Each demo agency has a named point of contact.
    assert all(a.contact_name and a.contact_email for a in db.session.scalars(sa.select(Agency)))


def test_the_demo_has_system_issues_in_each_state_naming_nobody(demo):
    from conference.referrals.models import Perpetrator
    from conference.system_issues.choices import IssueStatus
    from conference.system_issues.models import SystemIssue

    issues = db.session.scalars(sa.select(SystemIssue).order_by(SystemIssue.id)).all()
    assert {i.status for i in issues} == set(IssueStatus)
    # Raised at meetings (their minutes list them) and from the log; one past its review.
    assert any(i.conference_id for i in issues) and any(i.conference_id is None for i in issues)
    today = utcnow().date()
    assert any(i.status is IssueStatus.OPEN and i.review_on < today for i in issues)
    resolved = [i for i in issues if i.status is IssueStatus.RESOLVED]
    assert all(i.outcome for i in resolved)
    assert {i.updated_by.email for i in resolved} == {"steering@northbridge.example"}
    names = {r.victim_family_name for r in db.session.scalars(sa.select(Referral))}
    names |= {p.family_name for p in db.session.scalars(sa.select(Perpetrator))}
    for issue in issues:
        words = f"{issue.description} {issue.owner} {issue.outcome}"
        assert not [n for n in names if n and n in words], issue.id
        assert issue.cases


def test_no_case_reaching_twelve_months_sits_on_two_agendas(demo):
    from conference.conferences.choices import ConferenceStatus, Section
    from conference.conferences.models import AgendaItem, Conference

    rows = db.session.execute(
        sa.select(AgendaItem.case_id, sa.func.count(AgendaItem.id))
        .join(Conference, Conference.id == AgendaItem.conference_id)
        .where(
            AgendaItem.section == Section.TWELVE_MONTHS,
            Conference.status != ConferenceStatus.CANCELLED,
        )
        .group_by(AgendaItem.case_id)
    ).all()
    assert rows and all(count == 1 for _, count in rows)


def test_the_demo_meetings_fall_on_the_days_the_meeting_rule_gives(demo):
    from conference.conferences import rules
    from conference.conferences.models import Conference, MeetingRule

    for rule in db.session.scalars(sa.select(MeetingRule)):
        marac = db.session.get(Marac, rule.marac_id)
        held = db.session.scalars(
            sa.select(Conference).where(
                Conference.marac_id == rule.marac_id, Conference.is_extra.is_(False)
            )
        ).all()
        assert held
        for conference in held:
            day = rules.local(conference.starts_at, marac.timezone).date()
            assert rules.meeting_days(rules.rhythm_of(rule), day, day) == [day], (
                marac.code,
                day,
            )


def test_every_notice_names_a_conference_as_it_is(demo):
    from conference.conferences import display
    from conference.conferences.models import Conference
    from conference.notifications.models import Notification

    named = 0
    for notice in db.session.scalars(sa.select(Notification)):
        conference_id = notice.endpoint_args.get("conference_id")
        if conference_id is None:
            continue
        conference = db.session.get(Conference, conference_id)
        assert conference is not None, notice.kind
        if notice.kind.startswith(("agenda.", "conference.")):
            assert notice.reference == display.reference(conference), notice.kind
            named += 1
    assert named


def test_the_demo_has_an_urgent_case_with_interim_actions_due_before_its_meeting(demo):
    from conference.conferences.choices import Section
    from conference.conferences.models import AgendaItem, Conference

    interim = db.session.scalars(
        sa.select(Action).where(Action.screening_referral_id.is_not(None))
    ).all()
    assert len(interim) == 2 and len({a.case_id for a in interim}) == 1
    # The meeting that hears the case (an earlier one may review its overdue interim actions).
    meeting = db.session.scalars(
        sa.select(Conference)
        .join(AgendaItem, AgendaItem.conference_id == Conference.id)
        .where(
            AgendaItem.case_id == interim[0].case_id,
            AgendaItem.section.in_((Section.CHILDREN, Section.ADULTS)),
        )
    ).one()
    assert all(a.due_on < meeting.starts_at.date() for a in interim)
    assert all(a.status is ActionStatus.OPEN for a in interim)


def test_no_standing_item_reviews_actions_not_yet_overdue_on_its_day(demo):
    from conference.conferences import rules
    from conference.conferences.choices import Section
    from conference.conferences.models import AgendaItem, Conference

    for item in db.session.scalars(
        sa.select(AgendaItem).where(AgendaItem.section == Section.OVERDUE_ACTIONS)
    ):
        conference = db.session.get(Conference, item.conference_id)
        marac = db.session.get(Marac, conference.marac_id)
        day = rules.local(conference.starts_at, marac.timezone).date()
        due = db.session.scalars(sa.select(Action.due_on).where(Action.case_id == item.case_id))
        assert any(d < day for d in due), (item.case_id, day)


def test_every_demo_marac_has_an_agreement_accepted_by_all_but_probation(demo, client):
    for marac in db.session.scalars(sa.select(Marac)):
        assert current_agreement(marac.id) is not None, marac.name
    for local, *_ in USERS:
        user = db.session.scalar(sa.select(User).where(User.email == f"{local}@{DEMO_DOMAIN}"))
        waiting = pending_for(user)
        if local == "probation":
            assert [a.version for a in waiting] == [2]
        else:
            assert waiting == [], local
    # Seeding again changes nothing.
    count = sa.select(sa.func.count()).select_from(SharingAgreement)
    before = db.session.scalar(count)
    seed_demo(now=utcnow())
    assert db.session.scalar(count) == before == 4  # Northbridge two, Eastmoor and Riverton one


def test_the_published_agenda_reviews_the_actions_overdue_on_its_day(demo, as_user):
    from conference.conferences import rules
    from conference.conferences.choices import ConferenceStatus, Section
    from conference.conferences.models import AgendaItem, Conference

    published = db.session.scalars(
        sa.select(Conference).where(Conference.status == ConferenceStatus.AGENDA_PUBLISHED)
    ).first()
    items = db.session.scalars(
        sa.select(AgendaItem).where(
            AgendaItem.conference_id == published.id,
            AgendaItem.section == Section.OVERDUE_ACTIONS,
        )
    ).all()
    assert items
    marac = db.session.get(Marac, published.marac_id)
    day = rules.local(published.starts_at, marac.timezone).date()
    for item in items:
        open_due = db.session.scalars(
            sa.select(Action.due_on).where(
                Action.case_id == item.case_id, Action.status.in_(OPEN_STATUSES)
            )
        ).all()
        assert any(due < day for due in open_due), item.case_id
    coordinator = db.session.scalar(
        sa.select(User).where(User.email == f"coordinator@{DEMO_DOMAIN}")
    )
    page = as_user(coordinator).get(f"/conferences/{published.id}").text
    assert "Overdue actions" in page
    assert "once actions are tracked" not in page


def test_this_mornings_first_case_has_actions_naming_the_risks_they_address(demo):
    from conference.conferences.models import AgendaItem, Conference
    from conference.meetings.console import record_of, risks_without_action

    running = db.session.scalars(
        sa.select(Conference).where(Conference.status == ConferenceStatus.IN_PROGRESS)
    ).one()
    first = db.session.scalars(
        sa.select(AgendaItem)
        .where(AgendaItem.conference_id == running.id, AgendaItem.status == ItemStatus.DISCUSSED)
        .order_by(AgendaItem.closed_at)
    ).first()
    actions = db.session.scalars(sa.select(Action).where(Action.agenda_item_id == first.id)).all()
    assert all(action.risks for action in actions)
    assert risks_without_action(record_of(first), actions) == ["perpetrator_risk_factors"]


def test_the_demo_has_a_stalking_module_opened_and_a_red_flag_raised_by_the_rules(demo, app):
    dawne = _referral_of("Dawne", "Hartigan")
    assert dawne.status is ReferralStatus.SUBMITTED  # in the screening queue
    checklist = stored_checklist(dawne)
    opened = {m.module.id: m for m in checklist.scored.modules}
    stalking = opened["stalking"]
    assert stalking.met and stalking.score == 6
    assert not opened["honour"].met  # also opened by her answers; none of its answers is 'yes'
    assert stalking.answered == len(stalking.module.questions)
    assert dawne.score == checklist.scored.score  # the module's answers are its own score

    kamila = _referral_of("Kamila", "Nowicka")
    assert [q.id for q in stored_checklist(kamila).scored.red_flags] == ["in_danger_now"]
    assert kamila.score == 16  # the red flag adds nothing
    # Every sent referral's stored score and visible high risk are what its tool's rules say,
    # and a young victim's was scored on the young people's version.
    sent = db.session.scalars(sa.select(Referral).where(Referral.score.is_not(None))).all()
    for referral in sent:
        scored = stored_checklist(referral).scored
        assert referral.score == scored.score, referral.reference
        assert referral.meets_visible_high_risk is scored.high_risk, referral.reference
        marac_tool = db.session.get(Marac, referral.marac_id).risk_tool_id
        expected = "dash-young" if referral.is_aged_16_17 else marac_tool
        assert referral.risk_tool_id == expected, referral.reference
    assert _referral_of("Leah", "Marchetti").risk_tool_id == "dash-young"


def test_a_second_marac_works_as_a_us_style_high_risk_team(demo):
    team = db.session.scalar(sa.select(Marac).where(Marac.code == "RV"))
    assert (team.profile_id, team.timezone) == ("us", "America/Chicago")
    assert team.risk_tool_id == "us-lethality-11"  # the profile's lethality screen
    referrals = db.session.scalars(sa.select(Referral).where(Referral.marac_id == team.id)).all()
    assert sorted((r.victim_given_name, r.status) for r in referrals) == [
        ("Derek", ReferralStatus.ACCEPTED),
        ("Lucia", ReferralStatus.SUBMITTED),
    ]
    coordinator = db.session.scalar(sa.select(User).where(User.email == f"riverton@{DEMO_DOMAIN}"))
    assert [(g.role, g.marac_id) for g in coordinator.role_grants] == [(Role.COORDINATOR, team.id)]


def test_male_victims_have_cases_heard_and_their_referrers_wrote_of_them_as_men(demo):
    men = db.session.scalars(
        sa.select(Referral).where(
            Referral.victim_gender == Gender.MALE, Referral.status == ReferralStatus.ACCEPTED
        )
    ).all()
    heard = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(AgendaItem.case_id))).where(
            AgendaItem.case_id.in_([m.case_id for m in men])
        )
    )
    assert heard >= 1, "a male victim's case is on an agenda"
    derek = next(m for m in men if m.victim_given_name == "Derek")
    assert derek.who_she_fears.startswith("His partner") and "her brother" in derek.who_she_fears
