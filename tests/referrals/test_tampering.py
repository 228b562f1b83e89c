"""Posts no page would send: tampered keys, ids and choices get a message or nothing, never a 500,
and a stale copy of a referral cannot overwrite a newer decision."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from conference.db import utcnow
from conference.extensions import db
from conference.referrals import services
from conference.referrals.choices import Decision, ReferralStatus
from conference.referrals.models import Referral
from tests import factories
from tests.conftest import sign_in


def test_keys_no_page_sends_are_not_kept(client_as):
    client = client_as("advocate")
    client.post("/referrals/new")
    referral = db.session.scalars(sa.select(Referral)).one()
    step = f"/referrals/{referral.id}/steps/perpetrators"
    resp = client.post(
        step,
        data={
            "perpetrators-0-given_name": "Kept",
            "perpetrators-²-given_name": "superscript",
            "perpetrators-2000000-given_name": "far away",
            "perpetrators-7-given_name": "beyond the five allowed",
            "perpetrators-0-shoe_size": "12",
            "victim_given_name": "another step's field",
            "action": "later",
        },
    )
    assert resp.status_code == 303
    db.session.refresh(referral)
    assert referral.draft["perpetrators"] == {"perpetrators-0-given_name": ["Kept"]}
    assert client.get(f"/referrals/{referral.id}").status_code == 200
    assert client.post(step, data={"action": "remove-²"}).status_code == 303
    assert client.get(step).status_code == 200


def test_a_huge_value_is_cut_down_to_a_bound(client_as):
    client = client_as("advocate")
    client.post("/referrals/new")
    referral = db.session.scalars(sa.select(Referral)).one()
    client.post(
        f"/referrals/{referral.id}/steps/consent",
        data={"narrative": "n" * 200_000, "consent_reason": ["a", "b", "c", "d", "e"]},
    )
    db.session.refresh(referral)
    saved = referral.draft["consent"]
    assert len(saved["narrative"][0]) == 8_000
    assert saved["consent_reason"] == ["a", "b", "c"]


@pytest.mark.parametrize(
    "path", ["/cases/99999999999", "/referrals/99999999999999999999", "/referrals/00/steps/victim"]
)
def test_ids_too_big_for_the_database_are_simply_not_found(client_as, path):
    assert client_as("coordinator").get(path).status_code == 404


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("case_id", "²"),
        ("case_id", "99999999999999999999"),
        ("advocate_id", "²"),
        ("advocate_id", "-1"),
    ],
)
def test_tampered_ids_in_the_decision_get_a_message(client_as, field, value):
    referral = factories.make_referral(status="submitted")
    coordinator = client_as("coordinator", marac=referral.marac)
    resp = coordinator.post(
        f"/referrals/{referral.id}/decision",
        data={"decision": "accept", "reason": "x", field: value},
    )
    assert resp.status_code == 422
    db.session.refresh(referral)
    assert referral.status is ReferralStatus.SUBMITTED


def test_a_decision_made_on_a_stale_copy_is_refused(app):
    referral = factories.make_referral(status="submitted")
    coordinator = factories.coordinator_of(referral.marac)
    with Session(db.engine, expire_on_commit=False) as other:
        theirs = other.get(Referral, referral.id)
        theirs.status = ReferralStatus.DECLINED
        theirs.decided_at = utcnow()
        other.commit()
    with pytest.raises(StaleDataError):
        services.decide(referral, Decision.ACCEPT, actor=coordinator, reason="x", now=utcnow())
    db.session.rollback()
    db.session.refresh(referral)
    assert referral.status is ReferralStatus.DECLINED and referral.case_id is None


def test_a_stale_save_is_answered_409_not_500(own_app):
    def clash():
        raise StaleDataError("UPDATE statement on table 'referrals' expected to update 1 row")

    app = own_app()
    app.add_url_rule("/test-stale", "test_stale", clash)
    resp = app.test_client().get("/test-stale")
    assert resp.status_code == 409
    assert "Someone else changed this at the same moment" in resp.text


def test_a_referrer_who_moved_agency_or_lost_their_role_no_longer_sees_the_referral(app):
    referral = factories.make_referral(status="submitted")
    referrer = referral.referrer
    client = sign_in(app.test_client(), referrer)
    assert client.get(f"/referrals/{referral.id}").status_code == 200
    referrer.agency = factories.make_agency(maracs=[referral.marac])
    db.session.commit()
    assert client.get(f"/referrals/{referral.id}").status_code == 404


def test_an_advocate_whose_role_was_revoked_no_longer_sees_the_case(app):
    referral = factories.make_referral(status="accepted")
    case = referral.case
    advocate = factories.make_user("advocate", marac=case.marac)
    case.advocate = advocate
    db.session.commit()
    client = sign_in(app.test_client(), advocate)
    assert client.get(f"/cases/{case.id}").status_code == 200
    advocate.role_grants = []
    db.session.commit()
    assert client.get(f"/cases/{case.id}").status_code == 404


def test_a_discarded_draft_stays_hidden_from_the_coordinator(app):
    referral = factories.make_referral(status="draft")
    services.withdraw(referral, actor=referral.referrer, reason="Wrong person", now=utcnow())
    db.session.commit()
    coordinator = sign_in(app.test_client(), factories.coordinator_of(referral.marac))
    assert coordinator.get(f"/referrals/{referral.id}").status_code == 404


def test_the_confidential_mark_needs_a_clear_choice_and_a_reason_to_lift(app):
    referral = factories.make_referral(status="accepted", children=1)
    case = referral.case
    client = sign_in(app.test_client(), factories.coordinator_of(case.marac))
    assert client.post(f"/cases/{case.id}/confidential", data={}).status_code == 400
    client.post(f"/cases/{case.id}/confidential", data={"confidential": "yes"})
    page = client.get(f"/cases/{case.id}").text
    assert "Marcus" in page and "1 Example Row" not in page  # perpetrator named, places withheld
    refused = client.post(f"/cases/{case.id}/confidential", data={"confidential": "no"})
    assert refused.status_code == 422 and "Give the reason for lifting the mark" in refused.text
    db.session.refresh(case)
    assert case.is_address_confidential
    lifted = client.post(
        f"/cases/{case.id}/confidential",
        data={"confidential": "no", "reason": "She has left refuge."},
    )
    assert lifted.status_code == 303
    db.session.refresh(case)
    assert not case.is_address_confidential
