"""Reading transfers: the one a case waits on, a coordinator's incoming and outgoing ones, and
the pack printed for a MARAC outside the install."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import sqlalchemy as sa

from conference.accounts.models import Marac
from conference.actions.models import Action
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


def hearings_up_to(transfer: CaseTransfer) -> list[EarlierHearing]:
    """The case's conferences and plans up to the transfer: what the sending MARAC keeps to
    read once it is accepted (a later conference of the receiving MARAC is not theirs)."""
    hearings = closure.hearings(transfer.case_id)
    if transfer.status is not TransferStatus.ACCEPTED or transfer.decided_at is None:
        return hearings
    return [h for h in hearings if h.item.conference.starts_at <= transfer.decided_at]
