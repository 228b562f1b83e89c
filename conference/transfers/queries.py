"""Reading transfers: the one a case waits on, a coordinator's incoming and outgoing ones, and
the pack printed for a MARAC outside the install."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from conference.accounts.models import Agency, Marac
from conference.actions.choices import ActionStatus
from conference.actions.models import Action, ActionUpdate
from conference.closure import queries as closure
from conference.conferences import listing
from conference.extensions import db
from conference.meetings.models import Discussion
from conference.meetings.queries import EarlierHearing
from conference.referrals.models import Case, Referral
from conference.transfers.choices import TransferStatus
from conference.transfers.models import CaseTransfer


def get_transfer(transfer_id: int) -> CaseTransfer | None:
    return db.session.get(CaseTransfer, transfer_id)


def pending_for(case_id: int) -> CaseTransfer | None:
    """The transfer the case waits on, if any."""
    return db.session.scalar(
        sa.select(CaseTransfer).where(
            CaseTransfer.case_id == case_id, CaseTransfer.status == TransferStatus.REQUESTED
        )
    )


def for_maracs(marac_ids: Collection[int]) -> tuple[list[CaseTransfer], list[CaseTransfer]]:
    """(incoming, outgoing) transfers of those MARACs, newest first."""
    if not marac_ids:
        return [], []
    rows = db.session.scalars(
        sa.select(CaseTransfer)
        .where(
            sa.or_(
                CaseTransfer.to_marac_id.in_(marac_ids), CaseTransfer.from_marac_id.in_(marac_ids)
            )
        )
        .order_by(CaseTransfer.requested_at.desc(), CaseTransfer.id.desc())
    ).all()
    incoming = [t for t in rows if t.to_marac_id in marac_ids]
    outgoing = [t for t in rows if t.from_marac_id in marac_ids and t not in incoming]
    return incoming, outgoing


@dataclass(frozen=True)
class Pack:
    """What a MARAC outside the install needs: the case summary, the risks recorded at its
    last conference, and its last plan with how each action ended."""

    case: Case
    referral: Referral | None
    hearings: list[EarlierHearing]
    risks: Discussion | None


def pack(case: Case) -> Pack:
    hearings = closure.hearings(case.id)
    risks = None
    if hearings:
        risks = db.session.scalar(
            sa.select(Discussion).where(Discussion.agenda_item_id == hearings[0].item.id)
        )
    return Pack(case, listing.latest_accepted(case), hearings, risks)


def maracs() -> list[Marac]:
    return list(db.session.scalars(sa.select(Marac).order_by(Marac.name)))


def decided_actions(transfer: CaseTransfer) -> list[Action]:
    """The actions the sending coordinator decided on, in the order decided."""
    ids = [d.action_id for d in transfer.decisions]
    if not ids:
        return []
    return list(db.session.scalars(sa.select(Action).where(Action.id.in_(ids))))


def as_it_stood(transfer: CaseTransfer) -> list[HearingAsItStood]:
    """The case's conferences and plans up to an accepted transfer, each action as it stood
    then: what the sending MARAC keeps to read (what the receiving MARAC did since is not
    theirs to read)."""
    at = transfer.decided_at
    assert at is not None
    kept = [h for h in closure.hearings(transfer.case_id) if h.item.conference.starts_at <= at]
    stood = _as_it_stood([a for h in kept for a in h.actions if a.agreed_at <= at], at)
    return [
        HearingAsItStood(h.item.id, h.label, [stood[a.id] for a in h.actions if a.id in stood])
        for h in kept
    ]


@dataclass(frozen=True)
class ActionAsItStood:
    """An action as the sending MARAC last knew it: its status then, and its due date then
    (None when it was moved since, as the date agreed is not kept apart from the moves)."""

    description: str
    owner_agency: Agency
    due_on: date | None
    status: ActionStatus


@dataclass(frozen=True)
class HearingAsItStood:
    item_id: int
    label: str
    actions: list[ActionAsItStood]


def _as_it_stood(actions: list[Action], at: datetime) -> dict[int, ActionAsItStood]:
    """Each action at that moment, from its updates (open, and as agreed, before any)."""
    status = {a.id: ActionStatus.OPEN for a in actions}
    due: dict[int, date | None] = {a.id: a.due_on for a in actions}
    rows = db.session.execute(
        sa.select(ActionUpdate.action_id, ActionUpdate.status, ActionUpdate.due_on, ActionUpdate.at)
        .where(ActionUpdate.action_id.in_(list(status)))
        .order_by(ActionUpdate.at, ActionUpdate.id)
    ).all()
    moved_at: dict[int, date] = {}
    for action_id, new_status, due_on, when in rows:
        if when <= at:
            status[action_id] = new_status
            if due_on is not None:
                moved_at[action_id] = due_on
        elif due_on is not None:
            # Moved after the transfer: the date it had then is the last move before, if any.
            due[action_id] = moved_at.get(action_id)
    return {
        a.id: ActionAsItStood(a.description, a.owner_agency, due[a.id], status[a.id])
        for a in actions
    }
