"""The transition table of a transfer: the sending MARAC asks, the receiving MARAC decides.

A transfer waits (requested) until a coordinator of the receiving MARAC accepts or declines it;
until then a coordinator of the sending MARAC may withdraw it.
"""

from __future__ import annotations

from conference.referrals.permissions import coordinates
from conference.states import Actor, Context, Guard, Machine, move
from conference.transfers.choices import TransferStatus
from conference.transfers.models import CaseTransfer

COORDINATOR, SENDER = Actor.COORDINATOR, Actor.SENDER
REQUESTED = TransferStatus.REQUESTED


def _still_in_sending_marac(transfer: CaseTransfer, _: Context) -> str | None:
    if transfer.case.marac_id == transfer.from_marac_id:
        return None
    return f"Case {transfer.from_reference} is no longer with {transfer.from_marac.name}"


STILL_IN_SENDING_MARAC: Guard[CaseTransfer] = Guard(
    "the case is still with the sending MARAC", _still_in_sending_marac
)

TRANSFER: Machine[CaseTransfer, TransferStatus] = Machine(
    "transfer",
    TransferStatus,
    [
        move(
            REQUESTED,
            TransferStatus.ACCEPTED,
            "accept the transfer",
            by={COORDINATOR},
            guards=[STILL_IN_SENDING_MARAC],
        ),
        move(REQUESTED, TransferStatus.DECLINED, "decline the transfer", by={COORDINATOR}),
        move(REQUESTED, TransferStatus.WITHDRAWN, "withdraw the transfer", by={SENDER}),
    ],
    who={
        COORDINATOR: lambda user, transfer: coordinates(user, transfer.to_marac_id),
        SENDER: lambda user, transfer: coordinates(user, transfer.from_marac_id),
    },
)
