"""Repeat-incident notices and each agency's flagged cases.

Held-meeting world: cases 0 and 1 were heard this morning, each with an open police action;
case 2 was deferred. All three were referred by the advocate (the IDVA service).
"""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
import sqlalchemy as sa

from conference.actions.models import Action
from conference.audit.models import AuditEvent
from conference.closure import notices, queries, services
from conference.conferences.models import AgendaItem
from conference.db import utcnow
from conference.extensions import db
from conference.notifications.models import Notification
from conference.referrals.choices import CaseStatus, ReferralStatus
from conference.referrals.models import Perpetrator, Referral
from tests import factories
from tests.closure.conftest import heard_case


def _him(case) -> Perpetrator:
    return db.session.scalars(
        sa.select(Perpetrator)
        .join(Referral, Referral.id == Perpetrator.referral_id)
        .where(Referral.case_id == case.id)
    ).first()


def _day(day) -> list[str]:
    """A date as the three boxes of the date input send it."""
    return [str(day.day), str(day.month), str(day.year)]


def _form(case, **changes):
    today = utcnow().date()
    data = {
        "occurred_on": _day(today),
        "what_happened": "He waited outside her workplace and followed her to the bus stop.",
        "perpetrator_id": str(_him(case).id),
        "reported_by": "She told our call handler",
    }
    data.update(changes)
    return data


def _notices(case) -> list[Referral]:
    return list(db.session.scalars(sa.select(Referral).where(Referral.about_case_id == case.id)))


def test_an_agency_lists_the_flagged_cases_it_knows_and_no_others(world, as_user):
    page = as_user(world.police_rep).get("/flagged-cases")
    assert page.status_code == 200
    text = page.text
    for known in world.cases[:2]:  # police own an action on each
        assert known.reference in text
    assert "Owns actions" in text
    assert world.cases[2].reference not in text and "Pam" not in text  # police never saw it
    assert "Report a new incident" in text
    # The IDVA service referred all three.
    idva = as_user(world.advocate).get("/flagged-cases").text
    assert all(c.reference in idva for c in world.cases) and "Referred the victim" in idva
    # Health knows none of them: nothing of any case reaches it.
    health = as_user(world.health_rep).get("/flagged-cases").text
    assert "No case your agency knows is flagged" in health
    assert not any(c.reference in health for c in world.cases)
    assert "Nell" not in health and "Orla" not in health
    listed = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.verb == "flagged_cases.listed")
    ).all()
    assert len(listed) == 3


def test_a_case_transferred_in_is_flagged_for_the_agencies_of_its_new_marac(world, as_user):
    """The list goes by the case's MARAC now: the referrals its first MARAC took still keep it
    flagged for the receiving MARAC's agencies that know it."""
    case = world.cases[0]
    receiving = factories.make_marac()
    police = factories.make_agency("Receiving Police", maracs=[receiving])
    rep = factories.make_user("agency_rep", marac=receiving, agency=police)
    action = db.session.scalars(sa.select(Action).where(Action.case_id == case.id)).first()
    action.owner_agency_id = police.id  # carried over to the receiving MARAC on transfer
    case.marac_id = receiving.id
    db.session.commit()
    assert case.reference in as_user(rep).get("/flagged-cases").text


def test_the_flagged_list_ends_with_the_repeat_window_from_her_last_referral(world, as_user):
    old = heard_case(world, 400, actions=1, given_name="Wren")  # referred 414 days ago
    text = as_user(world.police_rep).get("/flagged-cases").text
    assert old.reference not in text and "Wren" not in text


@pytest.mark.parametrize("who", ["coordinator", "chair", "health_rep", "housing_rep"])
def test_only_an_agency_that_knows_the_case_may_file_a_notice(world, as_user, who):
    case = world.cases[0]
    client = as_user(getattr(world, who))
    assert client.get(f"/cases/{case.id}/repeat-incident").status_code == 404
    assert client.post(f"/cases/{case.id}/repeat-incident", data=_form(case)).status_code == 404
    assert _notices(case) == []


def test_no_notice_on_a_case_past_its_flag(world, as_user):
    old = heard_case(world, 400, actions=1, given_name="Wren")
    assert as_user(world.police_rep).get(f"/cases/{old.id}/repeat-incident").status_code == 404


def test_a_rep_files_a_notice_that_reaches_the_coordinator_as_a_repeat(world, as_user):
    case = world.cases[0]
    rep = as_user(world.police_rep)
    form = rep.get(f"/cases/{case.id}/repeat-incident").text
    assert "Report a new incident" in form and _him(case).name in form
    resp = rep.post(f"/cases/{case.id}/repeat-incident", data=_form(case))
    assert resp.status_code == 303
    [notice] = _notices(case)
    assert resp.headers["Location"].endswith(f"/referrals/{notice.id}")
    assert notice.status is ReferralStatus.SUBMITTED and notice.is_notice
    assert notice.is_repeat  # worked out from the records: same victim, same man, in window
    assert notice.score is None and notice.answers == []
    assert notice.victim_address == "" and notice.victim_phone == ""  # never carried over
    assert notice.agency_id == world.police.id
    # Its sender sees it, sent.
    mine = rep.get(resp.headers["Location"]).text
    assert "Repeat-incident notice" in mine and "followed her to the bus stop" in mine
    # The coordinator is told, with no name, and finds it in the queue as a notice.
    told = db.session.scalars(
        sa.select(Notification).where(Notification.recipient_id == world.coordinator.id)
    ).all()
    assert [n.reference for n in told if n.kind == "referral.repeat_notice"] == [notice.reference]
    queue = as_user(world.coordinator).get("/screening/").text
    assert notice.reference in queue and "Repeat-incident notice" in queue
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.verb == "referral.repeat_notice_filed")
    )
    assert event.detail == {"case_id": case.id, "repeat": True}


def test_a_notice_with_problems_says_so_by_each_field_and_keeps_what_was_typed(world, as_user):
    case = world.cases[0]
    rep = as_user(world.police_rep)
    tomorrow = utcnow().date() + timedelta(days=2)
    resp = rep.post(
        f"/cases/{case.id}/repeat-incident",
        data=_form(
            case,
            **{
                "occurred_on": _day(tomorrow),
                "reported_by": "A neighbour rang 999",
            },
        ),
    )
    assert resp.status_code == 422
    assert "The date of the incident must be today or in the past" in resp.text
    assert "followed her to the bus stop" in resp.text and "A neighbour rang 999" in resp.text
    resp = rep.post(
        f"/cases/{case.id}/repeat-incident",
        data=_form(case, what_happened="", perpetrator_id="", reported_by="x" * 201),
    )
    assert resp.status_code == 422
    for message in ("Say what happened", "Choose the person who caused the harm"):
        assert message in resp.text
    assert "x" * 201 in resp.text  # kept, with its limit said
    # A man from another case is no choice here.
    other = _him(world.cases[2])
    other.given_name = "Someone"
    db.session.commit()
    resp = rep.post(
        f"/cases/{case.id}/repeat-incident", data=_form(case, perpetrator_id=str(other.id))
    )
    assert resp.status_code == 422
    assert _notices(case) == []


def test_an_incident_before_her_last_referral_is_refused(world, as_user):
    case = world.cases[0]
    last = queries.standings([case.id])[case.id].last_referred_on
    before = last - timedelta(days=1)
    resp = as_user(world.police_rep).post(
        f"/cases/{case.id}/repeat-incident",
        data=_form(
            case,
            **{
                "occurred_on": _day(before),
            },
        ),
    )
    assert resp.status_code == 422
    assert "on or after the victim's last referral" in html.unescape(resp.text)


def test_accepting_a_notice_reopens_the_case_lists_it_and_moves_the_flag_on(world, as_user):
    case = heard_case(world, 200, actions=1, given_name="Wren")
    services.close_case(case, actor=world.coordinator, reason="Plan under way.", now=utcnow())
    db.session.commit()
    assert (
        as_user(world.police_rep)
        .post(f"/cases/{case.id}/repeat-incident", data=_form(case))
        .status_code
        == 303
    )
    [notice] = _notices(case)
    coordinator = as_user(world.coordinator)
    page = coordinator.get(f"/referrals/{notice.id}").text
    assert "The previous plan" in page and "Action 1 from 200 days ago" in page
    assert 'value="more_info"' not in page
    assert f"The notice joins case <strong>{case.reference}</strong>, which it reopens" in page
    # Asking for more is refused: a notice has no form to send back.
    refused = coordinator.post(
        f"/referrals/{notice.id}/decision",
        data={"decision": "more_info", "reason": "More please."},
    )
    assert refused.status_code == 422
    resp = coordinator.post(
        f"/referrals/{notice.id}/decision",
        data={"decision": "accept", "case_id": "new", "reason": "Repeat: list it."},
    )
    assert resp.status_code == 303
    db.session.expire_all()
    assert notice.status is ReferralStatus.ACCEPTED and notice.case_id == case.id
    assert case.status is CaseStatus.LISTED and case.reopened_at is not None
    item = db.session.scalar(
        sa.select(AgendaItem).where(AgendaItem.case_id == case.id).order_by(AgendaItem.id.desc())
    )
    assert item.conference_id == world.following.id
    standing = queries.standings([case.id])[case.id]
    assert standing.last_referred_on == notice.referred_on
    assert standing.flag_ends_on == notice.referred_on + timedelta(days=365)


def test_the_flagged_list_runs_a_fixed_number_of_queries(world, as_user, count_queries):
    rep = as_user(world.police_rep)
    rep.get("/flagged-cases")
    with count_queries() as few:
        rep.get("/flagged-cases")
    for n in range(4):
        heard_case(world, 30 + n, actions=1, given_name=f"Extra{n}")
    with count_queries() as many:
        text = rep.get("/flagged-cases").text
    assert "Extra3" in text
    assert len(many) == len(few)


def test_perpetrators_of_a_case_are_each_offered_once(world):
    case = world.cases[0]
    again = factories.make_referral(marac=world.marac, status="accepted", given_name="Nell")
    again.case_id = case.id
    db.session.commit()
    men = notices.perpetrators_of(case)
    assert len(men) == 1


@pytest.mark.parametrize("who", ["coordinator", "chair"])
def test_the_flagged_list_is_for_agency_roles_only(world, as_user, who):
    resp = as_user(getattr(world, who)).get("/flagged-cases")
    assert resp.status_code == 403
    assert not any(c.reference in resp.text for c in world.cases)
    assert "Flagged cases" not in as_user(getattr(world, who)).get("/").text
