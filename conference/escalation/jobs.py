"""The ladder past the seven-day escalation: the owner agency's named point of contact, then
the escalation register. Each rung once per action and due date."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date, datetime

import sqlalchemy as sa

from conference import audit
from conference.accounts.models import Agency, User
from conference.actions.jobs import Due, candidates
from conference.escalation.choices import LIVE, EntryStatus, Step
from conference.escalation.models import EntryAction, EntryChange, EscalationEntry, EscalationStep
from conference.extensions import db
from conference.notifications import emails
from conference.notifications import services as notifications
from conference.notifications.links import Link
from conference.referrals.services import today_in

#: What the job counts, by rung.
NOTHING = {"contacts_told": 0, "registered": 0}


def days_late(due: Due, now: datetime) -> int:
    return (today_in(due.marac, now) - due.due_on).days


def rungs(due: Due, now: datetime) -> list[Step]:
    """The rungs this action has reached today, by its MARAC's settings; an action first seen
    long overdue reaches both at once."""
    late = days_late(due, now)
    reached = []
    if late >= due.marac.contact_after_days:
        reached.append(Step.CONTACT_TOLD)
    if late >= due.marac.register_after_days:
        reached.append(Step.REGISTERED)
    return reached


def steps_taken(action_ids: Collection[int]) -> set[tuple[int, date, Step]]:
    """(action, due date, rung) already taken for these actions. One query."""
    if not action_ids:
        return set()
    rows = db.session.execute(
        sa.select(EscalationStep.action_id, EscalationStep.due_on, EscalationStep.step).where(
            EscalationStep.action_id.in_(action_ids)
        )
    )
    return {(action_id, due_on, step) for action_id, due_on, step in rows}


def run_ladder(now: datetime) -> dict[str, int]:
    """The job: tell the owner agency's named point of contact of each open action
    ``contact_after_days`` overdue, and enter each one ``register_after_days`` overdue in the
    escalation register. Closed actions and closed cases are never chased (``candidates``).

    A fixed number of queries to find what is due, then a few per agency. Adds to the
    session and flushes; the job runner commits.
    """
    pending = [(step, due) for due in candidates(now) for step in rungs(due, now)]
    taken = steps_taken({due.action_id for _, due in pending})
    fresh = [(step, due) for step, due in pending if (due.action_id, due.due_on, step) not in taken]
    counts = dict(NOTHING)
    counts["contacts_told"] = tell_contacts(
        [due for step, due in fresh if step is Step.CONTACT_TOLD], now
    )
    counts["registered"] = register([due for step, due in fresh if step is Step.REGISTERED], now)
    return counts


def tell_contacts(dues: list[Due], now: datetime) -> int:
    """One in-app notice per action to a contact with an account (emailed with their other
    news by send-emails), else one email per contact with the count. An agency with no contact
    address is skipped, and told once one is set."""
    if not dues:
        return 0
    agencies = {
        agency.id: agency
        for agency in db.session.scalars(
            sa.select(Agency).where(Agency.id.in_({due.owner_agency_id for due in dues}))
        )
    }
    per_address: dict[str, list[Due]] = defaultdict(list)
    for due in dues:
        address = agencies[due.owner_agency_id].contact_email.strip().lower()
        if address:
            per_address[address].append(due)
    accounts: dict[str, int] = {
        email: user_id
        for email, user_id in db.session.execute(
            sa.select(User.email, User.id).where(
                User.email.in_(per_address), User.is_active_account.is_(True)
            )
        )
    }
    for address, told in per_address.items():
        user_id = accounts.get(address)
        email = None if user_id else emails.compose_for_contact(address, len(told), now)
        db.session.flush()
        for due in told:
            if user_id:
                notifications.notify(
                    [user_id],
                    emails.CONTACT_TOLD,
                    key=f"{emails.CONTACT_TOLD}:{due.action_id}:{due.due_on.isoformat()}",
                    reference=due.reference,
                    link=Link("actions.index"),
                    now=now,
                )
            _taken(
                due,
                Step.CONTACT_TOLD,
                now,
                notified_user_id=user_id,
                email_id=email.id if email else None,
                detail={"by": "app" if user_id else "email"},
            )
    return sum(len(told) for told in per_address.values())


def register(dues: list[Due], now: datetime) -> int:
    """Add each action to its agency's live register entry in its MARAC, opening one if
    there is none."""
    if not dues:
        return 0
    live: dict[tuple[int, int], EscalationEntry] = {}
    for entry in db.session.scalars(
        sa.select(EscalationEntry)
        .where(
            EscalationEntry.status.in_(LIVE),
            EscalationEntry.agency_id.in_({due.owner_agency_id for due in dues}),
        )
        .order_by(EscalationEntry.id)
    ):
        live.setdefault((entry.marac_id, entry.agency_id), entry)
    for due in dues:
        today = today_in(due.marac, now)
        pair = (due.marac.id, due.owner_agency_id)
        if pair not in live:
            live[pair] = _open_entry(due, today, now)
        entry = live[pair]
        db.session.add(
            EntryAction(
                entry_id=entry.id,
                action_id=due.action_id,
                case_reference=due.reference,
                due_on=due.due_on,
                registered_on=today,
            )
        )
        db.session.add(
            EntryChange(entry_id=entry.id, to_status=entry.status, action_id=due.action_id, at=now)
        )
        _taken(due, Step.REGISTERED, now, entry_id=entry.id, detail={"entry_id": entry.id})
    return len(dues)


def _open_entry(due: Due, today: date, now: datetime) -> EscalationEntry:
    entry = EscalationEntry(
        marac_id=due.marac.id,
        agency_id=due.owner_agency_id,
        status=EntryStatus.OPEN,
        opened_on=today,
        opened_at=now,
        updated_at=now,
    )
    db.session.add(entry)
    db.session.flush()
    db.session.add(EntryChange(entry_id=entry.id, to_status=EntryStatus.OPEN, at=now))
    audit.record(None, "escalation.opened", entry, now=now)
    return entry


def _taken(
    due: Due, step: Step, now: datetime, *, detail: dict[str, object], **values: int | None
) -> None:
    taken = EscalationStep(
        action_id=due.action_id, due_on=due.due_on, step=step, taken_at=now, **values
    )
    db.session.add(taken)
    db.session.flush()
    audit.record(
        None,
        f"action.{step.value}",
        taken,
        marac_id=due.marac.id,
        detail={"action_id": due.action_id, "due_on": due.due_on.isoformat(), **detail},
        now=now,
    )
