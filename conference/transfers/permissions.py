"""Who may send, read and decide a transfer, and print a transfer pack. Pure predicates.

Only coordinators take part: of the sending MARAC (who send, withdraw, and keep reading the
transfer afterwards) and of the receiving MARAC (who read and decide it). Nobody else in
either MARAC sees a transfer; the receiving MARAC's other people see the case only once it
is accepted and theirs.
"""

from __future__ import annotations

from conference.accounts.models import Marac, User
from conference.referrals.choices import CaseStatus
from conference.referrals.models import Case
from conference.referrals.permissions import coordinates
from conference.transfers.choices import TransferStatus
from conference.transfers.lifecycle import TRANSFER
from conference.transfers.models import CaseTransfer


def can_send(user: User, case: Case) -> bool:
    """The coordinators of the case's MARAC, while it is not closed."""
    return coordinates(user, case.marac_id) and case.status is not CaseStatus.CLOSED


def can_view_transfer(user: User, transfer: CaseTransfer) -> bool:
    return coordinates(user, transfer.from_marac_id) or coordinates(user, transfer.to_marac_id)


def can_decide(user: User, transfer: CaseTransfer) -> bool:
    return TRANSFER.can(transfer, TransferStatus.ACCEPTED, actor=user, skip=TRANSFER_GUARDS)


def can_withdraw(user: User, transfer: CaseTransfer) -> bool:
    return TRANSFER.can(transfer, TransferStatus.WITHDRAWN, actor=user)


def can_print_pack(user: User, case: Case) -> bool:
    """The coordinators of the case's MARAC."""
    return coordinates(user, case.marac_id)


def sees_transfers(user: User) -> bool:
    return any(coordinates(user, g.marac_id) for g in user.role_grants if g.marac_id)


def receiving_maracs(all_maracs: list[Marac], case: Case) -> list[Marac]:
    """The MARACs of the install the case may go to: active, and not its own."""
    return [m for m in all_maracs if m.is_active and m.id != case.marac_id]


#: The decide buttons show while the transfer waits; the accept refuses with its reason.
TRANSFER_GUARDS = tuple(g for m in TRANSFER.moves for g in m.guards)
