"""The referral form's live "referred before?" look-ups: limited per user, counted per form in
the audit trail, so names and dates of birth cannot be probed unnoticed."""

from __future__ import annotations

import copy
from datetime import timedelta

import sqlalchemy as sa

from conference.audit.models import AuditEvent
from conference.db import utcnow
from conference.extensions import db
from conference.referrals import services
from conference.referrals.models import IdentityLookup, Referral
from tests import factories
from tests.conftest import sign_in

MATCH = "The victim may have been referred to a MARAC before"
PAUSED = "stopped checking for an earlier referral"


def _typed(referral_id: int, given_name: str) -> None:
    """The referrer's autosave of a new given name (another question for the look-up)."""
    referral = db.session.get_one(Referral, referral_id)
    draft = copy.deepcopy(referral.draft)
    draft["victim"]["given_name"] = [given_name]
    referral.draft = draft
    db.session.commit()


def _panel(client, referral_id: int) -> str:
    resp = client.get(f"/referrals/{referral_id}/assessment", headers={"HX-Request": "true"})
    assert resp.status_code == 200
    return resp.text


def _events(verb: str) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.verb == verb).order_by(AuditEvent.id)
        )
    )


def test_the_same_question_asked_again_is_not_counted(app):
    referrer = factories.make_user("agency_rep")
    draft = factories.make_referral(referrer, status="draft")
    client = sign_in(app.test_client(), referrer)

    for _ in range(5):
        _panel(client, draft.id)
    client.get(f"/referrals/{draft.id}/check")

    assert db.session.scalar(sa.select(sa.func.count(IdentityLookup.id))) == 1


def test_past_the_limit_the_form_stops_asking_and_says_so(app):
    app.config["IDENTITY_LOOKUP_LIMIT"] = 3
    factories.make_referral(status="accepted", now=utcnow() - timedelta(days=30))
    referrer = factories.make_user("agency_rep")
    draft = factories.make_referral(referrer, status="draft", given_name="Alicya")
    client = sign_in(app.test_client(), referrer)

    assert MATCH in _panel(client, draft.id)  # question 1
    for name in ("Amelia", "Anna"):  # questions 2 and 3
        _typed(draft.id, name)
        _panel(client, draft.id)
    _typed(draft.id, "Alicia")  # the 4th would find the earlier referral again

    page = _panel(client, draft.id)

    assert PAUSED in page
    assert MATCH not in page  # nothing is learnt past the limit
    [refused] = _events("referral.identity_lookups_refused")
    assert refused.object_id == draft.id
    assert refused.detail == {"asked_in_window": 3, "limit": 3}
    # The user's typing is kept all the same, and the form can still be sent.
    assert db.session.get_one(Referral, draft.id).draft["victim"]["given_name"] == ["Alicia"]


def test_the_limit_is_per_user_and_frees_up_as_the_window_moves_on(app):
    app.config["IDENTITY_LOOKUP_LIMIT"] = 1
    factories.make_referral(status="accepted", now=utcnow() - timedelta(days=30))
    referrer = factories.make_user("agency_rep")
    colleague = factories.make_user("agency_rep", agency=referrer.agency)
    first = factories.make_referral(referrer, status="draft", given_name="Amelia")
    second = factories.make_referral(referrer, status="draft", given_name="Alicya")
    theirs = factories.make_referral(colleague, status="draft", given_name="Alicya")
    client = sign_in(app.test_client(), referrer)
    _panel(client, first.id)

    assert PAUSED in _panel(client, second.id)
    assert MATCH in _panel(sign_in(app.test_client(), colleague), theirs.id)

    # An hour on, the first question has left the window.
    db.session.execute(sa.update(IdentityLookup).values(at=utcnow() - timedelta(minutes=61)))
    db.session.commit()
    assert MATCH in _panel(client, second.id)


def test_each_form_s_count_of_questions_goes_to_the_audit_trail(app):
    referrer = factories.make_user("agency_rep")
    draft = factories.make_referral(referrer, status="draft")
    client = sign_in(app.test_client(), referrer)

    _panel(client, draft.id)
    for name in ("Amelia", "Anna", "Alina"):
        _typed(draft.id, name)
        _panel(client, draft.id)

    [first] = _events("referral.identity_lookups")  # then at most once per ten minutes
    assert (first.object_type, first.object_id, first.user_id) == (
        "Referral",
        draft.id,
        referrer.id,
    )
    assert first.detail == {"count": 1}

    db.session.execute(sa.update(IdentityLookup).values(at=utcnow() - timedelta(minutes=11)))
    db.session.commit()
    _typed(draft.id, "Alice")
    _panel(client, draft.id)
    assert [e.detail["count"] for e in _events("referral.identity_lookups")] == [1, 5]


def test_the_audit_event_holds_no_name_or_date_of_birth(app):
    referrer = factories.make_user("agency_rep")
    draft = factories.make_referral(referrer, status="draft", given_name="Zephyrine")
    client = sign_in(app.test_client(), referrer)
    _panel(client, draft.id)

    [event] = _events("referral.identity_lookups")
    lookup = db.session.scalar(sa.select(IdentityLookup))
    assert "Zephyrine" not in str(event.detail)
    assert "Zephyrine".casefold() not in lookup.fingerprint.casefold()
    assert "1990" not in lookup.fingerprint


def test_sending_still_checks_for_earlier_referrals_past_the_limit(app):
    app.config["IDENTITY_LOOKUP_LIMIT"] = 0
    factories.make_referral(status="accepted", now=utcnow() - timedelta(days=30))
    referrer = factories.make_user("agency_rep", marac=factories.make_marac(name="Southmere MARAC"))
    draft = factories.make_referral(referrer, status="draft", given_name="Alicya")
    client = sign_in(app.test_client(), referrer)
    assert PAUSED in _panel(client, draft.id)

    services.submit(draft, actor=referrer, now=utcnow())
    db.session.commit()

    assert draft.status.value == "submitted"
    assert draft.has_possible_match


def test_the_referrer_is_told_only_that_a_match_exists_never_how_sure_or_whose(app):
    factories.make_referral(status="accepted", now=utcnow() - timedelta(days=30))
    referrer = factories.make_user("agency_rep", marac=factories.make_marac(name="Southmere MARAC"))
    draft = factories.make_referral(referrer, status="draft", dob=("", "", ""))
    typed = copy.deepcopy(draft.draft)
    typed["victim"] |= {"dob_kind": ["year"], "birth_year": ["1990"]}
    draft.draft = typed
    db.session.commit()
    client = sign_in(app.test_client(), referrer)
    panel = _panel(client, draft.id)
    assert MATCH in panel
    for hidden in ("Within approximate range", "Exact date of birth", "Name only", "1990"):
        assert hidden not in panel
