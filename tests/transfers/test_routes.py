"""The transfer pages: who may open each (and who is refused), what each must not show, and
the sending MARAC's record once the case has gone."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from conference.actions.choices import ActionStatus
from conference.actions.models import Action
from conference.audit.models import AuditEvent
from conference.db import utcnow
from conference.extensions import db
from conference.referrals.models import Referral
from conference.transfers import services
from conference.transfers.choices import ActionFate, TransferStatus
from conference.transfers.models import CaseTransfer
from conference.transfers.services import Fate

REASON = "Moved to a refuge in the Northbridge area"


def _action(case):
    return db.session.scalar(
        sa.select(Action).where(Action.case_id == case.id, Action.status == ActionStatus.OPEN)
    )


def _victim(case):
    referral = db.session.scalar(sa.select(Referral).where(Referral.case_id == case.id))
    return referral.victim_name


def _form(world, case):
    action = _action(case)
    return {
        "to_marac_id": str(world.receiving.id),
        "reason": REASON,
        f"action-{action.id}-fate": ActionFate.CARRY_OVER.value,
        f"action-{action.id}-agency": str(world.receiving_housing.id),
    }


def _sent(world):
    case = world.cases[0]
    action = _action(case)
    transfer = services.request_transfer(
        case,
        world.receiving,
        reason=REASON,
        fates={action.id: Fate(ActionFate.CARRY_OVER, world.receiving_housing.id)},
        actor=world.coordinator,
        now=utcnow(),
    )
    db.session.commit()
    return transfer


def _accepted(world):
    transfer = _sent(world)
    services.accept(transfer, actor=world.receiver, now=utcnow())
    db.session.commit()
    return transfer


def _verbs(user, verb):
    return list(
        db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.user_id == user.id, AuditEvent.verb == verb)
            .order_by(AuditEvent.id)  # PostgreSQL gives no order otherwise
        )
    )


# Sending ---------------------------------------------------------------------------------------


def test_the_sending_coordinator_sends_a_transfer(world, as_user):
    case = world.cases[0]
    client = as_user(world.coordinator)
    page = client.get(f"/cases/{case.id}").text
    assert f"/cases/{case.id}/transfer" in page and "transfer-pack" in page
    form = client.get(f"/cases/{case.id}/transfer")
    assert form.status_code == 200
    assert world.receiving.name in form.text and world.receiving_housing.name in form.text
    assert "Which MARAC is she moving to?" in form.text  # the radios' legend
    assert world.marac.name not in [
        line.strip() for line in form.text.splitlines() if "govuk-radios__label" in line
    ]
    assert _verbs(world.coordinator, "case.viewed")[-1].detail == {"page": "transfer"}
    resp = client.post(f"/cases/{case.id}/transfer", data=_form(world, case))
    assert resp.status_code == 303
    transfer = db.session.scalar(sa.select(CaseTransfer))
    assert resp.headers["Location"] == f"/transfers/{transfer.id}"
    assert transfer.status is TransferStatus.REQUESTED
    assert transfer.decisions[0].new_owner_agency_id == world.receiving_housing.id


def test_an_undecided_action_is_refused_beside_it(world, as_user):
    case = world.cases[0]
    data = _form(world, case)
    data.pop(f"action-{_action(case).id}-fate")
    resp = as_user(world.coordinator).post(f"/cases/{case.id}/transfer", data=data)
    assert resp.status_code == 422
    assert "Decide what becomes of this action" in resp.text
    assert REASON in resp.text  # what was typed is kept
    assert db.session.scalar(sa.select(CaseTransfer)) is None


def test_a_missing_reason_and_marac_are_refused(world, as_user):
    case = world.cases[0]
    resp = as_user(world.coordinator).post(f"/cases/{case.id}/transfer", data={})
    assert resp.status_code == 422
    assert "Say why the case is being transferred" in resp.text
    assert "Choose the receiving MARAC" in resp.text


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("receiver", 404),
        ("receiving_chair", 404),
        ("receiving_rep", 404),
        ("other_coordinator", 404),
        ("admin", 404),
        ("chair", 404),
        ("police_rep", 404),
        ("advocate", 403),  # reads the case as its advocate, may not transfer it
    ],
)
def test_only_the_case_s_coordinators_may_open_or_send_the_form(world, as_user, who, status):
    case = world.cases[0]
    client = as_user(getattr(world, who))
    assert client.get(f"/cases/{case.id}/transfer").status_code == status
    assert client.post(f"/cases/{case.id}/transfer", data=_form(world, case)).status_code == status
    assert db.session.scalar(sa.select(CaseTransfer)) is None


# Deciding --------------------------------------------------------------------------------------


def test_the_receiving_coordinator_sees_the_transfer_and_nothing_else_of_the_case(world, as_user):
    transfer = _sent(world)
    case = world.cases[0]
    client = as_user(world.receiver)
    page = client.get(f"/transfers/{transfer.id}")
    assert page.status_code == 200
    assert "Accept the case" in page.text and "Decline the transfer" in page.text
    assert _verbs(world.receiver, "case.transfer_viewed")
    # Not the case record itself, nor its referrals, until accepted.
    assert client.get(f"/cases/{case.id}").status_code == 404
    referral = db.session.scalar(sa.select(Referral).where(Referral.case_id == case.id))
    assert client.get(f"/referrals/{referral.id}").status_code == 404
    assert _victim(case) not in page.text
    listing = client.get("/transfers/")
    assert listing.status_code == 200 and transfer.from_reference in listing.text
    assert transfer.from_reference not in client.get("/cases/").text


def test_a_case_waiting_on_a_transfer_shows_it_instead_of_the_form(world, as_user):
    transfer = _sent(world)
    page = as_user(world.coordinator).get(f"/cases/{transfer.case_id}/transfer").text
    assert "already waiting on" in page and f"/transfers/{transfer.id}" in page
    assert "Send the transfer" not in page


@pytest.mark.parametrize(
    "who",
    [
        "receiving_chair",
        "receiving_rep",
        "receiving_advocate",
        "other_coordinator",
        "admin",
        "chair",
        "police_rep",
        "advocate",
    ],
)
def test_no_one_else_sees_or_decides_a_transfer(world, as_user, who):
    transfer = _sent(world)
    case = world.cases[0]
    client = as_user(getattr(world, who))
    assert client.get(f"/transfers/{transfer.id}").status_code == 404
    assert client.post(f"/transfers/{transfer.id}/accept").status_code == 404
    assert client.post(f"/transfers/{transfer.id}/decline", data={"reason": "x"}).status_code == 404
    assert client.post(f"/transfers/{transfer.id}/withdraw").status_code == 404
    index = client.get("/transfers/")
    if who == "other_coordinator":  # their own MARAC's list, which holds none of this
        assert index.status_code == 200 and transfer.from_reference not in index.text
    else:
        assert index.status_code == 403
    if who.startswith("receiving"):
        assert client.get(f"/cases/{case.id}").status_code == 404
    db.session.refresh(transfer)
    assert transfer.status is TransferStatus.REQUESTED


def test_the_sending_coordinator_may_withdraw_but_not_accept(world, as_user):
    transfer = _sent(world)
    client = as_user(world.coordinator)
    page = client.get(f"/transfers/{transfer.id}").text
    assert "Withdraw the transfer" in page and "Accept the case" not in page
    assert client.post(f"/transfers/{transfer.id}/accept").status_code == 403
    assert client.post(f"/transfers/{transfer.id}/withdraw").status_code == 303
    db.session.refresh(transfer)
    assert transfer.status is TransferStatus.WITHDRAWN


def test_accepting_brings_the_case_with_its_history_and_the_agenda_says_where_from(world, as_user):
    transfer = _sent(world)
    case = world.cases[0]
    client = as_user(world.receiver)
    resp = client.post(f"/transfers/{transfer.id}/accept")
    assert resp.status_code == 303 and resp.headers["Location"] == f"/cases/{case.id}"
    page = client.get(f"/cases/{case.id}").text
    assert "Transferred from</dt>" in page
    assert world.marac.name in page
    assert _victim(case) in page  # the history came with it
    assert "Flag the address for an urgent response" in page  # the plan, as it ended
    agenda = client.get(f"/conferences/{world.receiving_conference.id}").text
    assert f"Transferred from {world.marac.name}" in agenda
    # Its rep still does not read the case record, nor do the sending MARAC's advocate and
    # coordinator any more.
    assert as_user(world.receiving_rep).get(f"/cases/{case.id}").status_code == 404
    assert as_user(world.advocate).get(f"/cases/{case.id}").status_code == 404
    assert as_user(world.coordinator).get(f"/cases/{case.id}").status_code == 404
    assert case.reference not in as_user(world.coordinator).get("/cases/").text


def test_the_receiving_coordinator_reads_the_referrals_the_case_brought(world, as_user):
    case = world.cases[0]
    referral = db.session.scalar(sa.select(Referral).where(Referral.case_id == case.id))
    receiver = as_user(world.receiver)
    assert receiver.get(f"/referrals/{referral.id}").status_code == 404  # not theirs yet
    _accepted(world)
    page = receiver.get(f"/referrals/{referral.id}")
    assert page.status_code == 200
    assert _victim(case) in page.text
    assert "Screening decision" not in page.text  # read, never decided again
    # Someone else of the receiving MARAC still learns nothing of it.
    assert as_user(world.receiving_rep).get(f"/referrals/{referral.id}").status_code == 404


def test_declining_needs_a_reason_and_tells_the_sender(world, as_user):
    transfer = _sent(world)
    client = as_user(world.receiver)
    resp = client.post(f"/transfers/{transfer.id}/decline", data={"reason": ""})
    assert resp.status_code == 422 and "Say why you are declining" in resp.text
    resp = client.post(f"/transfers/{transfer.id}/decline", data={"reason": "Not resident"})
    assert resp.status_code == 303
    db.session.refresh(transfer)
    assert transfer.status is TransferStatus.DECLINED
    page = as_user(world.coordinator).get(f"/transfers/{transfer.id}").text
    assert "Declined" in page and "Not resident" in page
    assert as_user(world.coordinator).get(f"/cases/{transfer.case_id}").status_code == 200


def test_a_decided_transfer_cannot_be_decided_again(world, as_user):
    transfer = _accepted(world)
    client = as_user(world.receiver)
    page = client.get(f"/transfers/{transfer.id}").text
    assert "Accept the case" not in page
    resp = client.post(f"/transfers/{transfer.id}/decline", data={"reason": "Too late"})
    assert resp.status_code == 409


# The sending MARAC afterwards ------------------------------------------------------------------


def test_the_sending_marac_keeps_its_record_to_read_and_can_no_longer_write(world, as_user):
    transfer = _accepted(world)
    case = world.cases[0]
    client = as_user(world.coordinator)
    page = client.get(f"/transfers/{transfer.id}")
    assert page.status_code == 200
    assert "can no longer change the case" in page.text
    assert "carried over to Northbridge Homes" in page.text
    assert "Withdraw the transfer" not in page.text and "Accept the case" not in page.text
    referral = db.session.scalar(sa.select(Referral).where(Referral.case_id == case.id))
    assert client.get(f"/referrals/{referral.id}").status_code == 200
    # Every write to the case is the receiving MARAC's now.
    assert client.get(f"/cases/{case.id}").status_code == 404
    assert client.post(f"/cases/{case.id}/close", data={"close-reason": "x"}).status_code == 404
    assert client.get(f"/cases/{case.id}/transfer").status_code == 404
    assert client.get(f"/cases/{case.id}/transfer-pack").status_code == 404
    # Its new reference is the receiving MARAC's business.
    db.session.refresh(case)
    assert case.reference not in page.text


# The transfer pack -----------------------------------------------------------------------------


def test_the_coordinator_prints_a_transfer_pack_and_it_is_audited(world, as_user):
    case = world.cases[0]
    page = as_user(world.coordinator).get(f"/cases/{case.id}/transfer-pack")
    assert page.status_code == 200
    assert "Transfer pack" in page.text and "OFFICIAL-SENSITIVE" in page.text
    assert _victim(case) in page.text
    assert "The last plan and how each action ended" in page.text
    assert "Risks identified" in page.text
    assert re.search(r'id="pack-basis">Shared with her consent<', page.text)  # the basis
    (event,) = _verbs(world.coordinator, "case.transfer_pack_printed")
    assert event.object_id == case.id and event.marac_id == world.marac.id
    assert "<script>" not in page.text.split("</header>")[-1]


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("chair", 404),
        ("police_rep", 404),
        ("advocate", 403),
        ("receiver", 404),
        ("other_coordinator", 404),
        ("admin", 404),
    ],
)
def test_no_one_else_prints_the_pack(world, as_user, who, status):
    user = getattr(world, who)
    resp = as_user(user).get(f"/cases/{world.cases[0].id}/transfer-pack")
    assert resp.status_code == status
    assert not _verbs(user, "case.transfer_pack_printed")


def test_the_sending_marac_reads_each_action_as_it_stood_when_the_case_left(world, as_user):
    from conference.actions import services as action_services

    transfer = _accepted(world)
    action = _action(world.cases[0])
    action_services.report_status(
        action,
        version=action.version,
        status=ActionStatus.DONE,
        note="Done in Northbridge after the move",
        actor=world.receiving_rep,
        now=utcnow(),
    )
    db.session.commit()
    mine = as_user(world.coordinator).get(f"/transfers/{transfer.id}").text
    assert "as they stood when it left" in mine
    assert action.description in mine
    assert "<strong>Open</strong>" in mine and "<strong>Done</strong>" not in mine
    assert "Done in Northbridge" not in mine
    theirs = as_user(world.receiver).get(f"/transfers/{transfer.id}").text
    assert "<strong>Done</strong>" in theirs


def _voice(world):
    from conference.conferences.models import AgendaItem
    from conference.voice.models import VictimVoice

    item = db.session.scalar(
        sa.select(AgendaItem).where(
            AgendaItem.case_id == world.cases[0].id,
            AgendaItem.conference_id == world.conference.id,
        )
    )
    voice = db.session.scalar(sa.select(VictimVoice).where(VictimVoice.agenda_item_id == item.id))
    if voice is None:
        voice = VictimVoice(
            agenda_item_id=item.id,
            contact_made=False,
            no_contact_reason="Not safe to call this week",
            updated_by_id=world.advocate.id,
        )
        db.session.add(voice)
    voice.views = "She wants the move kept from him"
    voice.safe_contact = "Only through the refuge office"
    db.session.commit()
    return voice


def test_her_voice_comes_with_the_case_once_accepted(world, as_user):
    _voice(world)
    transfer = _sent(world)
    before = as_user(world.receiver).get(f"/transfers/{transfer.id}").text
    assert "She wants the move kept from him" not in before
    assert "Only through the refuge office" not in before
    services.accept(transfer, actor=world.receiver, now=utcnow())
    db.session.commit()
    theirs = as_user(world.receiver).get(f"/transfers/{transfer.id}").text
    assert "She wants the move kept from him" in theirs
    assert "Only through the refuge office" in theirs
    mine = as_user(world.coordinator).get(f"/transfers/{transfer.id}").text
    assert "She wants the move kept from him" in mine
    assert "Only through the refuge office" not in mine  # she has moved: not theirs to reach


def test_the_transfer_page_runs_a_fixed_number_of_queries(world, as_user, count_queries):
    from tests import factories

    def page_queries(transfer, user) -> int:
        client = as_user(user)
        client.get(f"/transfers/{transfer.id}")
        with count_queries() as statements:
            assert client.get(f"/transfers/{transfer.id}").status_code == 200
        return len(statements)

    def sent(case):
        actions = db.session.scalars(
            sa.select(Action).where(Action.case_id == case.id, Action.status == ActionStatus.OPEN)
        ).all()
        fates = {a.id: Fate(ActionFate.CARRY_OVER, world.receiving_housing.id) for a in actions}
        fates[actions[0].id] = Fate(ActionFate.CLOSE, None, "Not needed there")
        transfer = services.request_transfer(
            case,
            world.receiving,
            reason=REASON,
            fates=fates,
            actor=world.coordinator,
            now=utcnow(),
        )
        db.session.commit()
        return transfer, len(actions)

    def counts(case):
        transfer, actions = sent(case)
        waiting = page_queries(transfer, world.receiver)
        services.accept(transfer, actor=world.receiver, now=utcnow())
        db.session.commit()
        return actions, (
            waiting,
            page_queries(transfer, world.receiver),
            page_queries(transfer, world.coordinator),
        )

    one, few = counts(world.cases[1])
    case = world.cases[0]
    for n in range(4):
        world.past_conference = None  # a conference of its own for each
        for m in range(3):
            factories.past_action(world, case, due_on=utcnow().date(), description=f"Old {n}.{m}")
    db.session.commit()
    many, more = counts(case)
    assert (one, many) == (1, 13)
    assert more == few
