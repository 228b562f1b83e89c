"""The statuses of a transfer, and what becomes of each open action."""

from __future__ import annotations

from conference.choices import Labelled, add_labels


class TransferStatus(Labelled):
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class ActionFate(Labelled):
    CARRY_OVER = "carry_over"
    CLOSE = "close"


add_labels(
    [
        (TransferStatus.REQUESTED, "Waiting for the receiving MARAC"),
        (TransferStatus.ACCEPTED, "Accepted"),
        (TransferStatus.DECLINED, "Declined"),
        (TransferStatus.WITHDRAWN, "Withdrawn"),
        (ActionFate.CARRY_OVER, "Carry over to the receiving MARAC"),
        (ActionFate.CLOSE, "Close it"),
    ]
)
