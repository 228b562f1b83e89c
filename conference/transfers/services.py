"""Sending a case to another MARAC of the install, and the receiving MARAC's decision.

The sending coordinator gives the reason and decides each open action (carried over to an
agency of the receiving MARAC, or closed with a reason). Nothing changes on the case until the
receiving coordinator accepts: the case then moves to that MARAC with its whole history (its
referrals, hearings, plans and the victim's voice stay attached to it) under a reference of its
new MARAC, and the decisions are applied. The sending MARAC keeps the transfer record and its
old referrals to read; every write to the case is then the receiving MARAC's. Every step is
audited, and each side is told by a notification that carries a reference and ids only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from conference import audit
from conference.accounts.models import Marac, User
from conference.actions.choices import ActionStatus
from conference.actions.lifecycle import ACTION
from conference.actions.models import Action, ActionUpdate
from conference.closure import queries as closure
from conference.conferences import listing
from conference.errors import InvalidTransition, PermissionDenied, ValidationFailed
from conference.extensions import db
from conference.notifications import services as notifications
from conference.notifications.links import Link
from conference.referrals.choices import CaseStatus
from conference.referrals.lifecycle import CASE
from conference.referrals.models import REASON_LIMIT, Case
from conference.referrals.permissions import coordinates
from conference.referrals.services import coordinator_ids, today_in
from conference.states import Actor
from conference.text import check_plain
from conference.transfers import queries
from conference.transfers.choices import ActionFate, TransferStatus
from conference.transfers.lifecycle import TRANSFER
from conference.transfers.models import ActionDecision, CaseTransfer

#: The case's move into the receiving MARAC's waiting list (``referrals.lifecycle.CASE``).
TAKE_IN = "take in a case transferred from another MARAC (it waits for an agenda)"


@dataclass(frozen=True)
class Fate:
    """The sending coordinator's decision on one open action."""

    fate: ActionFate | None
    new_owner_agency_id: int | None = None
    close_reason: str = ""


def request_transfer(
    case: Case,
    to_marac: Marac,
    *,
    reason: str,
    fates: Mapping[int, Fate],
    actor: User,
    now: datetime,
) -> CaseTransfer:
    """Ask to_marac to take the case; fates decides each open action, by action id.

    Flushes; the caller commits. Raises PermissionDenied unless the actor coordinates the
    case's MARAC; InvalidTransition when the case is closed, on an agenda still to be held or
    already waiting on a transfer; ValidationFailed by field (``to_marac_id``, ``reason``,
    ``action-<id>``).
    """
    if not coordinates(actor, case.marac_id):
        raise PermissionDenied("Only a coordinator of the case's MARAC may transfer it")
    _check_can_leave(case)
    if to_marac.id == case.marac_id or not to_marac.is_active:
        raise ValidationFailed("Choose another MARAC of this install", "to_marac_id")
    reason = _reason(reason, "reason", "Say why the case is being transferred")
    open_actions = closure.open_actions(case.id)
    agencies = {agency.id for agency in to_marac.agencies}
    transfer = CaseTransfer(
        case=case,
        from_marac_id=case.marac_id,
        to_marac_id=to_marac.id,
        from_reference=case.reference,
        reason=reason,
        requested_by_id=actor.id,
        requested_at=now,
    )
    for action in open_actions:
        transfer.decisions.append(_decision(action, fates.get(action.id), agencies))
    db.session.add(transfer)
    db.session.flush()
    audit.record(
        actor,
        "case.transfer_requested",
        transfer,
        marac_id=transfer.from_marac_id,
        now=now,
        detail={"case_id": case.id, "to_marac_id": to_marac.id, **_fates(transfer)},
    )
    _tell(coordinator_ids(to_marac.id), "transfer.requested", transfer, now)
    return transfer


def accept(transfer: CaseTransfer, *, actor: User, now: datetime) -> listing.Placement:
    """Take the case into the receiving MARAC, under a new reference, apply the sending
    coordinator's decision on each action, and list the case on the receiving MARAC's next
    conference with room (where it is shown as a transfer). Flushes; the caller commits.

    Raises PermissionDenied unless the actor coordinates the receiving MARAC, InvalidTransition
    when the transfer was decided already or the case went onto an agenda meanwhile.
    """
    TRANSFER.check(transfer, TransferStatus.ACCEPTED, actor=actor, now=now)
    case = transfer.case
    _check_can_leave(case, waiting=transfer)
    TRANSFER.transition(transfer, TransferStatus.ACCEPTED, actor=actor, now=now)
    transfer.decided_by_id, transfer.decided_at = actor.id, now
    _move_case(case, transfer.to_marac, now)
    db.session.flush()
    for decision in transfer.decisions:
        _apply(decision, actor=actor, now=now)
    audit.record(
        actor,
        "case.transfer_accepted",
        transfer,
        marac_id=transfer.to_marac_id,
        now=now,
        detail={"case_id": case.id, "from_marac_id": transfer.from_marac_id, **_fates(transfer)},
    )
    _tell(coordinator_ids(transfer.from_marac_id), "transfer.accepted", transfer, now)
    if case.status in (CaseStatus.PLAN_COMPLETE, CaseStatus.ACTIONS_OPEN):
        # Heard in the MARAC it left; here it waits for an agenda, as a new case does.
        CASE.transition(case, CaseStatus.OPEN, actor=actor, now=now, via=TAKE_IN)
    db.session.flush()
    return listing.place_case(case, actor=actor, now=now)


def decline(transfer: CaseTransfer, *, reason: str, actor: User, now: datetime) -> None:
    """Refuse the case, with the reason; it stays with the sending MARAC, as it was.

    Flushes. Raises PermissionDenied, InvalidTransition, ValidationFailed (on ``reason``).
    """
    TRANSFER.check(transfer, TransferStatus.DECLINED, actor=actor, now=now)
    reason = _reason(reason, "reason", "Say why you are declining the transfer")
    TRANSFER.transition(transfer, TransferStatus.DECLINED, actor=actor, now=now)
    transfer.decided_by_id, transfer.decided_at = actor.id, now
    transfer.decline_reason = reason
    audit.record(
        actor,
        "case.transfer_declined",
        transfer,
        marac_id=transfer.to_marac_id,
        now=now,
        detail={"case_id": transfer.case_id, "from_marac_id": transfer.from_marac_id},
    )
    _tell(coordinator_ids(transfer.from_marac_id), "transfer.declined", transfer, now)
    db.session.flush()


def withdraw(transfer: CaseTransfer, *, actor: User, now: datetime) -> None:
    """The sending MARAC takes its request back before a decision. Flushes.

    Raises PermissionDenied, InvalidTransition.
    """
    TRANSFER.transition(transfer, TransferStatus.WITHDRAWN, actor=actor, now=now)
    transfer.decided_by_id, transfer.decided_at = actor.id, now
    audit.record(
        actor,
        "case.transfer_withdrawn",
        transfer,
        marac_id=transfer.from_marac_id,
        now=now,
        detail={"case_id": transfer.case_id, "to_marac_id": transfer.to_marac_id},
    )
    _tell(coordinator_ids(transfer.to_marac_id), "transfer.withdrawn", transfer, now)
    db.session.flush()


def record_view(actor: User, transfer: CaseTransfer, *, now: datetime) -> None:
    """Note that someone read a transfer (it names the case and why she moved)."""
    audit.record(
        actor,
        "case.transfer_viewed",
        transfer,
        marac_id=transfer.from_marac_id
        if coordinates(actor, transfer.from_marac_id)
        else transfer.to_marac_id,
        now=now,
        detail={"case_id": transfer.case_id},
    )


def record_pack_printed(actor: User, case: Case, *, now: datetime) -> None:
    """Note that a coordinator printed the transfer pack for a MARAC outside the install."""
    audit.record(actor, "case.transfer_pack_printed", case, now=now, detail={"page": "pack"})


def _check_can_leave(case: Case, *, waiting: CaseTransfer | None = None) -> None:
    """Refuse a case that cannot move now. ``waiting`` is the transfer being accepted: then
    the sending MARAC changed the case since it asked, and the words say so."""
    sender = "The sending MARAC has " if waiting is not None else ""
    if case.status is CaseStatus.CLOSED:
        if waiting is not None:
            raise InvalidTransition(f"{sender}closed case {case.reference} since it asked")
        raise InvalidTransition(f"Case {case.reference} is closed: reopen it before a transfer")
    pending = queries.pending_for(case.id)
    if pending is not None and pending is not waiting:
        raise InvalidTransition(
            f"Case {case.reference} is already waiting on a transfer to {pending.to_marac.name}"
        )
    if (item := closure.item_not_yet_held(case.id)) is not None:
        if waiting is not None:
            raise InvalidTransition(
                f"{sender}listed case {case.reference} on an agenda still to be held since it "
                "asked: accept it once that meeting is over"
            )
        raise InvalidTransition(
            f"Case {case.reference} is on an agenda of {item.conference.marac.name} still to be "
            "held: take it off the agenda first"
        )


def _reason(value: str, field: str, missing: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(missing, field)
    check_plain(value, field)
    if len(value) > REASON_LIMIT:
        raise ValidationFailed(f"The reason must be {REASON_LIMIT} characters or fewer", field)
    return value


def _decision(action: Action, fate: Fate | None, agencies: set[int]) -> ActionDecision:
    field = f"action-{action.id}"
    if fate is None or fate.fate is None:
        raise ValidationFailed("Decide what becomes of this action", field)
    if fate.fate is ActionFate.CARRY_OVER:
        if fate.new_owner_agency_id not in agencies:
            raise ValidationFailed("Choose an agency of the receiving MARAC to own it", field)
        return ActionDecision(
            action_id=action.id,
            fate=ActionFate.CARRY_OVER,
            new_owner_agency_id=fate.new_owner_agency_id,
        )
    close_reason = _reason(fate.close_reason, field, "Say why the action closes")
    return ActionDecision(action_id=action.id, fate=ActionFate.CLOSE, close_reason=close_reason)


def _move_case(case: Case, to_marac: Marac, now: datetime) -> None:
    """The case joins to_marac with the next reference there; its advocate was of the MARAC it
    left, so the receiving coordinator assigns one."""
    year = today_in(to_marac, now).year
    db.session.execute(sa.select(Marac.id).where(Marac.id == to_marac.id).with_for_update())
    last = db.session.scalar(
        sa.select(sa.func.max(Case.number)).where(Case.marac_id == to_marac.id, Case.year == year)
    )
    number = (last or 0) + 1
    case.transferred_from_id = case.marac_id
    case.marac = to_marac
    case.year, case.number = year, number
    case.reference = f"{to_marac.code}-{year}-{number:04d}"
    case.advocate_id = None


def _apply(decision: ActionDecision, *, actor: User, now: datetime) -> None:
    action = db.session.get_one(Action, decision.action_id)
    if action.status not in (ActionStatus.OPEN, ActionStatus.IN_PROGRESS):
        return  # its owner closed it while the transfer waited: their report stands
    if decision.fate is ActionFate.CARRY_OVER:
        assert decision.new_owner_agency_id is not None
        action.owner_agency_id = decision.new_owner_agency_id
        status: ActionStatus = action.status
        note = "Carried over to the receiving MARAC on transfer"
    else:
        status = ActionStatus.NOT_DONE_CIRCUMSTANCES
        ACTION.transition(action, status, actor=actor, now=now, by=Actor.COORDINATOR)
        note = f"Closed on transfer to another MARAC: {decision.close_reason}"
    action.updated_at, action.updated_by_id = now, actor.id
    db.session.add(
        ActionUpdate(action_id=action.id, status=status, note=note, actor_id=actor.id, at=now)
    )


def _fates(transfer: CaseTransfer) -> dict[str, list[int]]:
    return {
        "carried_action_ids": [
            d.action_id for d in transfer.decisions if d.fate is ActionFate.CARRY_OVER
        ],
        "closed_action_ids": [
            d.action_id for d in transfer.decisions if d.fate is ActionFate.CLOSE
        ],
    }


def _tell(recipients: list[int], kind: str, transfer: CaseTransfer, now: datetime) -> None:
    notifications.notify(
        recipients,
        kind,
        key=f"{kind}:{transfer.id}",
        reference=transfer.from_reference,
        link=Link("transfers.detail", {"transfer_id": transfer.id}),
        now=now,
    )
