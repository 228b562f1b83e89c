"""A demo transfer waiting to be accepted: Marisa Okonjo's case, heard in Eastmoor before she
moved to Northbridge, sent by Eastmoor's coordinator with each open action decided.

The Eastmoor meeting is written as the record a finished meeting leaves, like the other past
meetings; the transfer is asked for through the service a coordinator's click uses, so it is
audited and Northbridge's coordinator is told. Every name is invented.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from conference.accounts.models import Agency, AgencyKind, Marac, User
from conference.actions.choices import ActionStatus, Priority
from conference.actions.models import Action, ActionUpdate
from conference.conferences import listing, planning, rules
from conference.conferences.queries import agenda_items
from conference.demo.conferences import _cases_by_name, _past_meeting
from conference.extensions import db
from conference.meetings.choices import Presence
from conference.meetings.models import Attendance, Attendee, Discussion, Meeting
from conference.minutes.models import Minutes
from conference.referrals.choices import CaseStatus
from conference.referrals.services import today_in
from conference.transfers import services as transfers
from conference.transfers.choices import ActionFate
from conference.transfers.models import CaseTransfer

REASON = (
    "She has moved to Northbridge to live near her sister and has been seen at the hospital "
    "there. He followed her twice in Eastmoor."
)
CLOSE_REASON = "She has left the Eastmoor flat; Northbridge will assess her new home."


def seed_transfer(users: dict[str, User], maracs: dict[str, Marac], now: datetime) -> int:
    """Hear Marisa's case at an Eastmoor meeting after her referral, then ask Northbridge, a
    day ago, to take it. Does nothing if a transfer exists or her case is not waiting for a
    conference. Flushes; returns how many transfers were asked for."""
    eastmoor, northbridge = maracs["EM"], maracs["NB"]
    if db.session.scalar(sa.select(CaseTransfer.id).limit(1)) is not None:
        return 0
    case = _cases_by_name(eastmoor).get("Marisa")
    rule = planning.rule_for(eastmoor.id)
    referral = listing.latest_accepted(case) if case is not None else None
    if case is None or rule is None or referral is None or referral.decided_at is None:
        return 0
    if case.status is not CaseStatus.OPEN:
        return 0
    coordinator = users["eastmoor"]
    # Eastmoor's first meeting whose cut-off her referral made.
    accepted = today_in(eastmoor, referral.decided_at)
    days = rules.meeting_days(
        rules.rhythm_of(rule),
        accepted + timedelta(days=rule.cutoff_days + 1),
        today_in(eastmoor, now) - timedelta(days=30),
    )
    if not days:
        return 0
    conference = _past_meeting(eastmoor, [case], None, days[0], rule)
    [item] = agenda_items(conference.id)
    at = conference.starts_at
    agencies = {a.kind: a for a in eastmoor.agencies}
    db.session.add(
        Attendee(
            conference_id=conference.id,
            agency_id=coordinator.agency_id,
            user_id=coordinator.id,
            name=coordinator.name,
            job_title=coordinator.job_title,
            accepted_confidentiality_at=at,
            added_by_id=coordinator.id,
            added_at=at,
        )
    )
    for kind, name, title in (
        (AgencyKind.POLICE, "Dana Royle", "Police sergeant"),
        (AgencyKind.PROBATION, "Ola Brenner", "Probation officer"),
    ):
        db.session.add(
            Attendee(
                conference_id=conference.id,
                agency_id=agencies[kind].id,
                name=name,
                job_title=title,
                accepted_confidentiality_at=at,
                added_by_id=coordinator.id,
                added_at=at,
            )
        )
    for agency in eastmoor.agencies:
        db.session.add(
            Attendance(
                conference_id=conference.id,
                agency_id=agency.id,
                presence=Presence.PRESENT,
                recorded_by_id=coordinator.id,
                recorded_at=at,
            )
        )
    db.session.add(
        Meeting(
            conference_id=conference.id,
            started_at=at,
            started_by_id=coordinator.id,
            concluded_at=at + timedelta(minutes=40),
            concluded_by_id=coordinator.id,
        )
    )
    item.opened_at, item.closed_at = at + timedelta(minutes=5), at + timedelta(minutes=25)
    db.session.add(
        Discussion(
            agenda_item_id=item.id,
            information_shared="Police: two assaults this year and he followed her home twice. "
            "Probation: he is on licence; no contact with her is a condition.",
            risk_to_victim="Stalking and assault; he knows where she lives.",
            perpetrator_risk_factors="Breaches conditions; jealous of any new partner.",
            decisions="Ask probation to enforce the licence condition; secure her flat.",
            updated_by_id=coordinator.id,
            updated_at=at + timedelta(minutes=24),
        )
    )
    day = rules.local(at, eastmoor.timezone).date()
    plan = [
        (AgencyKind.POLICE, "Flag her address for an urgent response", 7, ActionStatus.DONE),
        (
            AgencyKind.PROBATION,
            "Enforce the no-contact condition of his licence and report any breach",
            42,
            ActionStatus.IN_PROGRESS,
        ),
        (AgencyKind.OTHER, "Fit a video doorbell and window locks at her flat", 21, None),
    ]
    actions: dict[AgencyKind, Action] = {}
    for kind, what, days_due, status in plan:
        action = Action(
            case_id=case.id,
            agenda_item_id=item.id,
            description=what,
            owner_agency_id=agencies[kind].id,
            due_on=day + timedelta(days=days_due),
            priority=Priority.HIGH if kind is AgencyKind.POLICE else Priority.MEDIUM,
            status=status or ActionStatus.OPEN,
            agreed_at=at + timedelta(minutes=20),
            agreed_by_id=coordinator.id,
            updated_at=at + timedelta(minutes=20),
        )
        db.session.add(action)
        actions[kind] = action
    db.session.flush()
    for kind, note, days_after in (
        (AgencyKind.POLICE, "Address flagged on the control room system.", 3),
        (AgencyKind.PROBATION, "Condition reminded at supervision; no breach reported.", 20),
    ):
        action = actions[kind]
        action.updated_at = at + timedelta(days=days_after)
        db.session.add(
            ActionUpdate(
                action_id=action.id,
                status=action.status,
                note=note,
                actor_id=coordinator.id,
                at=action.updated_at,
            )
        )
    conference.agency_access_ends_at = at + timedelta(days=2 + conference.marac.agency_access_days)
    db.session.add(
        Minutes(
            conference_id=conference.id,
            opening_notes="Introductions were made; no observers.",
            other_business="None.",
            finalised_at=at + timedelta(days=2),
            finalised_by_id=coordinator.id,
            updated_at=at + timedelta(days=2),
        )
    )
    case.status = CaseStatus.ACTIONS_OPEN
    case.updated_at = at + timedelta(days=20)
    db.session.flush()

    probation = _agency(northbridge, AgencyKind.PROBATION)
    transfers.request_transfer(
        case,
        northbridge,
        reason=REASON,
        fates={
            actions[AgencyKind.PROBATION].id: transfers.Fate(
                ActionFate.CARRY_OVER, new_owner_agency_id=probation.id
            ),
            actions[AgencyKind.OTHER].id: transfers.Fate(
                ActionFate.CLOSE, close_reason=CLOSE_REASON
            ),
        },
        actor=coordinator,
        now=now - timedelta(days=1),
    )
    db.session.flush()
    return 1


def _agency(marac: Marac, kind: AgencyKind) -> Agency:
    return next(a for a in sorted(marac.agencies, key=lambda a: a.name) if a.kind is kind)
