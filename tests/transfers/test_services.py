"""Sending a case to another MARAC, and accepting, declining and withdrawing the transfer:
what changes, what is audited, who is told (and that no notification names anyone)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from conference.actions.choices import ActionStatus
from conference.actions.models import Action, ActionUpdate
from conference.audit.models import AuditEvent
from conference.db import utcnow
from conference.errors import InvalidTransition, PermissionDenied, ValidationFailed
from conference.extensions import db
from conference.notifications.models import Notification
from conference.notifications.services import message_for
from conference.referrals.choices import CaseStatus
from conference.referrals.models import Referral
from conference.transfers import services
from conference.transfers.choices import ActionFate, TransferStatus
from conference.transfers.services import Fate

REASON = "Nell has moved to a refuge in the Northbridge area"


def _open_actions(case):
    return list(
        db.session.scalars(
            sa.select(Action).where(
                Action.case_id == case.id,
                Action.status.in_([ActionStatus.OPEN, ActionStatus.IN_PROGRESS]),
            )
        )
    )


def _send(world, case=None, fates=None, actor=None):
    case = case or world.cases[0]
    if fates is None:
        fates = {
            a.id: Fate(ActionFate.CARRY_OVER, world.receiving_police.id)
            for a in _open_actions(case)
        }
    transfer = services.request_transfer(
        case,
        world.receiving,
        reason=REASON,
        fates=fates,
        actor=actor or world.coordinator,
        now=utcnow(),
    )
    db.session.commit()
    return transfer


def _referral_ids(case):
    return sorted(db.session.scalars(sa.select(Referral.id).where(Referral.case_id == case.id)))


def _events(verb):
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.verb == verb)))


def _notes(kind):
    return list(db.session.scalars(sa.select(Notification).where(Notification.kind == kind)))


def _no_names(world, notes):
    victims = {r.victim_name for r in db.session.scalars(sa.select(Referral))}
    for note in notes:
        text = message_for(note) + repr(note.endpoint_args)
        assert not any(name and name in text for name in victims), text
        assert "Nell" not in text and "refuge" not in text
        assert set(note.endpoint_args) == {"transfer_id"}


def test_sending_asks_the_receiving_coordinators_and_changes_nothing_yet(world):
    case = world.cases[0]
    reference, actions = case.reference, _open_actions(case)
    assert actions
    transfer = _send(world)
    assert transfer.status is TransferStatus.REQUESTED
    assert transfer.from_reference == reference
    assert [d.action_id for d in transfer.decisions] == [a.id for a in actions]
    db.session.refresh(case)
    assert case.marac_id == world.marac.id and case.reference == reference
    (event,) = _events("case.transfer_requested")
    assert event.user_id == world.coordinator.id and event.marac_id == world.marac.id
    assert event.detail["to_marac_id"] == world.receiving.id
    assert REASON not in repr(event.detail)
    notes = _notes("transfer.requested")
    assert [n.recipient_id for n in notes] == [world.receiver.id]
    assert reference in message_for(notes[0])
    _no_names(world, notes)


def test_each_open_action_must_be_decided(world):
    case = world.cases[0]
    (action,) = _open_actions(case)
    with pytest.raises(ValidationFailed) as refused:
        _send(world, fates={})
    assert refused.value.field == f"action-{action.id}"
    # Carried over to an agency of the sending MARAC: refused too.
    with pytest.raises(ValidationFailed, match="agency of the receiving MARAC"):
        _send(world, fates={action.id: Fate(ActionFate.CARRY_OVER, world.police.id)})
    with pytest.raises(ValidationFailed, match="why the action closes"):
        _send(world, fates={action.id: Fate(ActionFate.CLOSE, None, "  ")})


def test_a_reason_is_needed(world):
    with pytest.raises(ValidationFailed, match="Say why"):
        services.request_transfer(
            world.cases[0],
            world.receiving,
            reason=" ",
            fates={},
            actor=world.coordinator,
            now=utcnow(),
        )


def test_only_the_case_s_coordinators_may_send(world):
    for someone in (world.receiver, world.chair, world.police_rep, world.other_coordinator):
        with pytest.raises(PermissionDenied):
            _send(world, actor=someone)


def test_a_case_on_an_agenda_ahead_closed_or_already_waiting_cannot_be_sent(world):
    deferred = world.cases[2]  # deferred to the next conference: on its agenda
    with pytest.raises(InvalidTransition, match="on an agenda"):
        _send(world, case=deferred)
    _send(world)
    with pytest.raises(InvalidTransition, match="already waiting"):
        _send(world)
    closed = world.cases[1]
    closed.status = CaseStatus.CLOSED
    db.session.commit()
    with pytest.raises(InvalidTransition, match="closed"):
        _send(world, case=closed)


def test_accepting_moves_the_case_with_its_history_and_applies_each_decision(world):
    case = world.cases[0]
    (carried,) = _open_actions(case)
    referral_ids = _referral_ids(case)
    transfer = _send(world)
    placement = services.accept(transfer, actor=world.receiver, now=utcnow())
    db.session.commit()
    db.session.refresh(case)
    assert transfer.status is TransferStatus.ACCEPTED
    assert transfer.decided_by_id == world.receiver.id and transfer.decided_at
    assert case.marac_id == world.receiving.id
    assert case.reference.startswith(world.receiving.code + "-")
    assert case.transferred_from_id == world.marac.id
    assert case.advocate_id is None  # the sending MARAC's advocate hands over
    assert _referral_ids(case) == referral_ids
    db.session.refresh(carried)
    assert carried.owner_agency_id == world.receiving_police.id
    assert carried.status is ActionStatus.OPEN
    assert placement.conference is not None
    assert placement.conference.id == world.receiving_conference.id
    assert case.status is CaseStatus.LISTED
    (event,) = _events("case.transfer_accepted")
    assert event.marac_id == world.receiving.id
    assert event.detail["carried_action_ids"] == [carried.id]
    notes = _notes("transfer.accepted")
    assert [n.recipient_id for n in notes] == [world.coordinator.id]
    _no_names(world, notes)


def test_an_action_closed_on_transfer_keeps_why(world):
    case = world.cases[0]
    (action,) = _open_actions(case)
    fates = {action.id: Fate(ActionFate.CLOSE, None, "Police in the old area no longer act")}
    transfer = _send(world, fates=fates)
    services.accept(transfer, actor=world.receiver, now=utcnow())
    db.session.commit()
    db.session.refresh(action)
    assert action.status is ActionStatus.NOT_DONE_CIRCUMSTANCES
    assert action.owner_agency_id == world.police.id
    update = db.session.scalar(sa.select(ActionUpdate).where(ActionUpdate.action_id == action.id))
    assert "Police in the old area no longer act" in update.note
    assert _events("case.transfer_accepted")[0].detail["closed_action_ids"] == [action.id]


def test_the_sending_coordinator_may_not_accept(world):
    transfer = _send(world)
    for someone in (world.coordinator, world.receiving_chair, world.other_coordinator):
        with pytest.raises(PermissionDenied):
            services.accept(transfer, actor=someone, now=utcnow())


def test_declining_leaves_the_case_where_it_was_and_tells_the_sender(world):
    case = world.cases[0]
    reference = case.reference
    (action,) = _open_actions(case)
    transfer = _send(world)
    with pytest.raises(ValidationFailed):
        services.decline(transfer, reason="", actor=world.receiver, now=utcnow())
    services.decline(
        transfer, reason="She is not resident here", actor=world.receiver, now=utcnow()
    )
    db.session.commit()
    db.session.refresh(case)
    db.session.refresh(action)
    assert transfer.status is TransferStatus.DECLINED
    assert transfer.decline_reason == "She is not resident here"
    assert case.marac_id == world.marac.id and case.reference == reference
    assert action.owner_agency_id == world.police.id and action.status is ActionStatus.OPEN
    (event,) = _events("case.transfer_declined")
    assert "resident" not in repr(event.detail)
    notes = _notes("transfer.declined")
    assert [n.recipient_id for n in notes] == [world.coordinator.id]
    _no_names(world, notes)
    with pytest.raises(InvalidTransition):
        services.accept(transfer, actor=world.receiver, now=utcnow())
    _send(world)  # declined: it may be sent again, elsewhere or later


def test_withdrawing_tells_the_receiving_coordinators(world):
    transfer = _send(world)
    with pytest.raises(PermissionDenied):
        services.withdraw(transfer, actor=world.receiver, now=utcnow())
    services.withdraw(transfer, actor=world.coordinator, now=utcnow())
    db.session.commit()
    assert transfer.status is TransferStatus.WITHDRAWN
    assert len(_events("case.transfer_withdrawn")) == 1
    notes = _notes("transfer.withdrawn")
    assert [n.recipient_id for n in notes] == [world.receiver.id]
    _no_names(world, notes)


def test_a_case_listed_on_an_agenda_meanwhile_cannot_be_accepted(world):
    from conference.conferences import listing

    transfer = _send(world)
    listing.add_case(
        world.following,
        world.cases[0],
        actor=world.coordinator,
        now=utcnow(),
        reason="Listed before the transfer was decided",
    )
    db.session.commit()
    with pytest.raises(InvalidTransition, match="sending MARAC has listed case .* on an agenda"):
        services.accept(transfer, actor=world.receiver, now=utcnow())


def test_with_no_conference_to_go_on_the_case_waits_for_an_agenda_there(world):
    from conference.conferences import listing

    case = world.cases[0]
    assert case.status is CaseStatus.ACTIONS_OPEN
    (action,) = _open_actions(case)
    transfer = services.request_transfer(
        case,
        world.other,  # a MARAC with no conference planned
        reason=REASON,
        fates={action.id: Fate(ActionFate.CLOSE, None, "No such service there")},
        actor=world.coordinator,
        now=utcnow(),
    )
    placement = services.accept(transfer, actor=world.other_coordinator, now=utcnow())
    db.session.commit()
    assert placement.conference is None
    assert case.status is CaseStatus.OPEN
    assert case in listing.waiting_cases([world.other.id])
