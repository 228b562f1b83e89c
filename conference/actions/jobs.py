"""Reminding agencies of their actions' due dates, and escalating the long-overdue ones."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from conference.accounts.models import Marac, Role, RoleGrant, User
from conference.accounts.queries import agency_rep_ids
from conference.actions.choices import OPEN_STATUSES
from conference.actions.models import Action
from conference.conferences.models import AgendaItem, Conference
from conference.extensions import db
from conference.notifications import services as notifications
from conference.notifications.links import Link
from conference.notifications.models import Notification
from conference.referrals.choices import CaseStatus
from conference.referrals.models import Case
from conference.referrals.services import coordinator_ids, today_in

#: The owner agency hears this many days ahead that an action is due.
DUE_SOON_DAYS = 3
#: The coordinators and the chair hear once an action is this many days overdue.
ESCALATE_AFTER_DAYS = 7

DUE_SOON = "action.due_soon"
OVERDUE = "action.overdue"
ESCALATED = "action.escalated"
KINDS = (DUE_SOON, OVERDUE, ESCALATED)


@dataclass(frozen=True)
class Due:
    """One open action the job may remind about, with what its notices need."""

    action_id: int
    case_id: int
    reference: str
    owner_agency_id: int
    due_on: date
    marac: Marac
    #: The chair of the conference that agreed it, while they can sign in and still chair there.
    chair_id: int | None
    #: None for an interim action agreed at screening: no chair and no minutes yet.
    conference_id: int | None

    def key(self, kind: str) -> str:
        # The due date is part of the key: when a review moves it, the new date earns fresh
        # reminders, while each notice for a given date still goes out only once.
        return f"{kind}:{self.action_id}:{self.due_on.isoformat()}"


def candidates(now: datetime) -> list[Due]:
    """Open actions due soon or already past due, with their case and chair. One query."""
    # Any MARAC's local day is within two days of now's own date, whatever the time zones.
    horizon = now.date() + timedelta(days=DUE_SOON_DAYS + 2)
    chair = aliased(User)
    rows = db.session.execute(
        sa.select(
            Action.id,
            Action.case_id,
            Case.reference,
            Action.owner_agency_id,
            Action.due_on,
            Marac,
            chair.id,
            Conference.id,
        )
        .join(Case, Case.id == Action.case_id)
        .join(Marac, Marac.id == Case.marac_id)
        .outerjoin(AgendaItem, AgendaItem.id == Action.agenda_item_id)
        .outerjoin(Conference, Conference.id == AgendaItem.conference_id)
        .outerjoin(
            chair,
            sa.and_(
                chair.id == Conference.chair_id,
                chair.is_active_account.is_(True),
                sa.exists().where(
                    RoleGrant.user_id == chair.id,
                    RoleGrant.role == Role.CHAIR,
                    RoleGrant.marac_id == Case.marac_id,
                ),
            ),
        )
        .where(
            Action.status.in_(OPEN_STATUSES),
            Action.due_on <= horizon,
            # A closed case (closed early, with a reason) and a retired MARAC chase nobody.
            Case.status != CaseStatus.CLOSED,
            Marac.is_active.is_(True),
        )
        .order_by(Action.id)
    )
    return [Due(*row) for row in rows]


def thresholds(due_on: date, today: date) -> list[str]:
    """The notices that apply today: only these, so an action first seen long overdue gets
    no pointless due-soon notice."""
    days_left = (due_on - today).days
    if 0 <= days_left <= DUE_SOON_DAYS:
        return [DUE_SOON]
    if days_left >= 0:
        return []
    return [OVERDUE, ESCALATED] if -days_left >= ESCALATE_AFTER_DAYS else [OVERDUE]


def already_sent(keys: Collection[str]) -> set[str]:
    """Those of these notice keys that anyone was already notified of. One query.

    notify() appends ":<recipient id>" to the key; it is stripped here, so a notice counts as
    sent once it reached anyone, and someone who joins the agency later is not sent old news.
    """
    if not keys:
        return set()
    recipient_part = sa.func.length(sa.cast(Notification.recipient_id, sa.String)) + 1
    notice = sa.func.substr(Notification.key, 1, sa.func.length(Notification.key) - recipient_part)
    return set(
        db.session.scalars(
            sa.select(notice).distinct().where(Notification.kind.in_(KINDS), notice.in_(keys))
        )
    )


class Recipients:
    """Who hears of each notice, looked up once per MARAC (and agency) however many actions."""

    def __init__(self) -> None:
        self._reps: dict[tuple[int, int], list[int]] = {}
        self._coordinators: dict[int, list[int]] = {}

    def for_notice(self, kind: str, due: Due) -> list[tuple[set[int], Link]]:
        """The recipients, each group with a link it can open: the agency's reps to their Our
        actions page; the coordinators to the case; the chair to the minutes that agreed it."""
        if kind != ESCALATED:
            pair = (due.marac.id, due.owner_agency_id)
            if pair not in self._reps:
                self._reps[pair] = agency_rep_ids(due.marac.id, [due.owner_agency_id])
            return [(set(self._reps[pair]), Link("actions.index"))]
        if due.marac.id not in self._coordinators:
            self._coordinators[due.marac.id] = coordinator_ids(due.marac.id)
        coordinators = set(self._coordinators[due.marac.id])
        told = [(coordinators, Link("referrals.case", {"case_id": due.case_id}))]
        if due.chair_id is not None and due.conference_id is not None:
            chair = {due.chair_id} - coordinators
            told.append((chair, Link("minutes.page", {"conference_id": due.conference_id})))
        return told


def send_action_reminders(now: datetime) -> dict[str, int]:
    """The job: tell the owner agency an open action is due within three days, and again on
    the day it is overdue; after seven days overdue, tell the MARAC's coordinators and the
    chair who agreed it. Each notice once per action and due date, however often it runs,
    each day being the MARAC's own. Counts the actions notified of each kind.

    Finding what is due takes a fixed number of queries however many actions are open;
    notify() then checks and adds each notice it sends. Adds to the session; the job runner
    commits.
    """
    pending = [
        (kind, due)
        for due in candidates(now)
        for kind in thresholds(due.due_on, today_in(due.marac, now))
    ]
    sent = already_sent({due.key(kind) for kind, due in pending})
    recipients = Recipients()
    counts = {kind.removeprefix("action."): 0 for kind in KINDS}
    for kind, due in pending:
        if due.key(kind) in sent:
            continue
        # With nobody to tell (no active rep), nothing is stored: it goes once someone is.
        queued = [
            notice
            for people, link in recipients.for_notice(kind, due)
            for notice in notifications.notify(
                people, kind, key=due.key(kind), reference=due.reference, link=link, now=now
            )
        ]
        if queued:
            counts[kind.removeprefix("action.")] += 1
    return counts
