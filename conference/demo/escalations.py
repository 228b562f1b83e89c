"""The escalation ladder as the demo's mornings would have run it, and the register worked.

Each morning of the last 120 days (back past the oldest late action the demo keeps open) the
ladder told the owner agency's point of contact of the actions 14 days overdue and registered
those 28 days overdue. An action the agency reported done only after it entered the register is
replayed as it happened: registered on its day, the entry resolved the day it was done. Then the
coordinator's work: the police's entry raised with them, the oldest other one closed without
resolution; the rest are open.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from conference.accounts.models import Marac, User
from conference.actions.choices import OPEN_STATUSES
from conference.actions.jobs import Due
from conference.actions.models import Action
from conference.conferences.models import AgendaItem
from conference.escalation import jobs, services
from conference.escalation.choices import LIVE, EntryStatus
from conference.escalation.models import EscalationEntry
from conference.extensions import db
from conference.referrals.models import Case

#: How far back the mornings' runs go: before the oldest open action (about 105 days overdue,
#: Eastmoor's) reached its point of contact, so each rung is taken on its own day.
DAYS = 120
MORNING = time(7, 55)

#: What the coordinator did with the police's live entry: the status, the note and how many
#: days after the entry opened. No name of anyone in a case.
RAISED_WITH_POLICE = (
    "Raised with the police's named point of contact by phone and email. They will report "
    "what is in hand before the next conference.",
    2,
)
#: And with the oldest other live entry of Northbridge, while another entry stays open: which
#: agency that is depends on the day the demo is made, so the words fit any agency.
CLOSED_UNRESOLVED = (
    "The agency cannot take the work on before the new year. Taken to the steering group, "
    "which holds it with the agency's head; closed here.",
    20,
)
RESOLVED_NOTE = "The agency reported the action done; nothing more to escalate."


def seed_escalations(users: dict[str, User], maracs: dict[str, Marac], now: datetime) -> None:
    """Run the ladder each morning up to today's, replaying the actions done late, then work
    the live entries. Flushes."""
    first = now.date() - timedelta(days=DAYS)
    late_done = _done_after_registering(first)
    coordinator = users["coordinator"]
    for back in range(DAYS, 0, -1):
        day = now.date() - timedelta(days=back)
        morning = datetime.combine(day, MORNING, tzinfo=now.tzinfo)
        _replay(late_done, day, morning, coordinator)
        jobs.run_ladder(morning)
    jobs.run_ladder(now)
    live = list(
        db.session.scalars(
            sa.select(EscalationEntry)
            .where(EscalationEntry.status.in_(LIVE))
            .order_by(EscalationEntry.opened_on, EscalationEntry.id)
        )
    )
    northbridge = [e for e in live if e.marac_id == maracs["NB"].id]
    police = [e for e in northbridge if e.agency.name == "Northshire Police"]
    others = [e for e in northbridge if e not in police]
    worked = [(entry, EntryStatus.RAISED, *RAISED_WITH_POLICE) for entry in police]
    if others and len(live) - len(police) > 1:  # one stays open
        worked.append((others[0], EntryStatus.CLOSED, *CLOSED_UNRESOLVED))
    for entry, status, note, after in worked:
        at = datetime.combine(entry.opened_on + timedelta(days=after), time(10, 30))
        _move(entry, status, note, coordinator, min(at.replace(tzinfo=now.tzinfo), now))
    db.session.flush()


def _done_after_registering(first: date) -> list[tuple[Due, date]]:
    """The actions reported done in the window after reaching the register's day, with the
    day they were done, as the ladder saw them while they were open."""
    item = aliased(AgendaItem)
    rows = db.session.execute(
        sa.select(Action, Case.reference, Marac, item.conference_id)
        .join(Case, Case.id == Action.case_id)
        .join(Marac, Marac.id == Case.marac_id)
        .join(item, item.id == Action.agenda_item_id)
        .where(Action.status.not_in(OPEN_STATUSES), Action.due_on >= first - timedelta(days=28))
        .order_by(Action.id)
    ).all()
    found = []
    for action, reference, marac, conference_id in rows:
        done_on = action.updated_at.date()
        registered_on = action.due_on + timedelta(days=marac.register_after_days)
        if first <= registered_on < done_on:
            due = Due(
                action.id,
                action.case_id,
                reference,
                action.owner_agency_id,
                action.due_on,
                marac,
                None,
                conference_id,
            )
            found.append((due, done_on))
    return found


def _replay(late_done: Iterable[tuple[Due, date]], day: date, at: datetime, by: User) -> None:
    for due, done_on in late_done:
        if day == due.due_on + timedelta(days=due.marac.contact_after_days):
            jobs.tell_contacts([due], at)
        if day == due.due_on + timedelta(days=due.marac.register_after_days):
            jobs.register([due], at)
        if day == done_on:
            entry = db.session.scalars(
                sa.select(EscalationEntry).where(
                    EscalationEntry.agency_id == due.owner_agency_id,
                    EscalationEntry.marac_id == due.marac.id,
                    EscalationEntry.status.in_(LIVE),
                )
            ).first()
            # Resolved only once every action on it is done: one done of several is not enough.
            if entry is not None and all(_done_by(i.action_id, day) for i in entry.actions):
                _move(entry, EntryStatus.RESOLVED, RESOLVED_NOTE, by, at + timedelta(hours=3))


def _done_by(action_id: int, day: date) -> bool:
    action = db.session.get(Action, action_id)
    return (
        action is not None
        and action.status not in OPEN_STATUSES
        and action.updated_at.date() <= day
    )


def _move(entry: EscalationEntry, status: EntryStatus, note: str, by: User, at: datetime) -> None:
    services.change_status(entry, status, note=note, version=entry.version, actor=by, now=at)
