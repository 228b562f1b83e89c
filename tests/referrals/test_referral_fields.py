"""The fields practitioners expect on a referral: their own reference, the day the checklist was
done, and each perpetrator's gender and ethnic group."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from conference.extensions import db
from conference.referrals.choices import Ethnicity, Gender
from conference.referrals.models import Referral
from tests import factories
from tests.conftest import sign_in


def _post(client, referral, step, data):
    return client.post(f"/referrals/{referral.id}/steps/{step}", data=data)


def test_the_new_fields_are_saved_on_sending_and_shown_on_the_record(app):
    referrer = factories.make_user("advocate")
    referral = factories.make_referral(
        referrer,
        status="accepted",
        reference="CRN 4417/26",
        checklist_on=("3", "1", "2026"),
        perpetrators=[{"gender": "male", "ethnicity": "asian", "age": "17"}],
    )
    db.session.refresh(referral)
    assert referral.referrer_reference == "CRN 4417/26"
    assert referral.checklist_completed_on == date(2026, 1, 3)
    man = referral.perpetrators[0]
    assert man.gender is Gender.MALE and man.ethnicity is Ethnicity.ASIAN
    assert man.approximate_age == 17

    page = sign_in(app.test_client(), referrer).get(f"/referrals/{referral.id}").text
    assert "CRN 4417/26" in page
    assert "Checklist completed" in page and "3 January 2026" in page
    assert "Asian or Asian British" in page and "Male" in page


def test_perpetrator_gender_and_ethnic_group_may_be_left_unknown(app):
    referral = factories.make_referral(status="submitted")
    man = referral.perpetrators[0]
    assert man.gender is None and man.ethnicity is None
    assert referral.referrer_reference == "" and referral.checklist_completed_on is None


def test_bad_values_get_a_message_by_the_field_and_are_kept(client_as):
    client = client_as("advocate")
    client.post("/referrals/new")
    referral = db.session.scalars(sa.select(Referral).order_by(Referral.id.desc())).first()

    resp = _post(client, referral, "victim", {"reference": "X" * 41, "action": "continue"})
    assert resp.status_code == 422
    assert "Must be 40 characters or fewer" in resp.text and "X" * 41 in resp.text

    resp = _post(client, referral, "victim", {"reference": "CR\x07123", "action": "continue"})
    assert resp.status_code == 422
    db.session.refresh(referral)
    assert referral.draft["victim"]["reference"] == ["CR\x07123"]
    assert referral.referrer_reference == ""

    resp = _post(
        client, referral, "checklist", {"completed_on": ["1", "1", "2999"], "action": "continue"}
    )
    assert resp.status_code == 422
    assert "Date the checklist was completed must be today or in the past" in resp.text
    assert 'value="2999"' in resp.text

    resp = _post(
        client,
        referral,
        "perpetrators",
        {
            "perpetrators-0-given_name": "Dorian",
            "perpetrators-0-gender": "dragon",
            "perpetrators-0-ethnicity": "nowhere",
            "perpetrators-0-relationship": "partner",
            "action": "continue",
        },
    )
    assert resp.status_code == 422
    assert resp.text.count("Not a valid choice") >= 2
    assert 'value="Dorian"' in resp.text


def test_a_valid_reference_is_kept_on_the_draft_as_it_is_typed(client_as):
    client = client_as("advocate")
    client.post("/referrals/new")
    referral = db.session.scalars(sa.select(Referral).order_by(Referral.id.desc())).first()
    _post(client, referral, "victim", {"reference": " CR/88/26 ", "action": "autosave"})
    db.session.refresh(referral)
    assert referral.referrer_reference == "CR/88/26"
