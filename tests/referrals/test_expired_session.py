"""A session that ends while someone is typing a referral loses nothing they typed."""

from __future__ import annotations

import sqlalchemy as sa

from conference.accounts.models import WebSession
from conference.extensions import db
from conference.referrals.models import Referral
from tests.factories import PASSWORD, make_user
from tests.test_security import csrf_app, csrf_token_from  # noqa: F401  (the fixture)


def _sign_in(client, user, next_url: str | None = None):
    page = client.get("/sign-in" + (f"?next={next_url}" if next_url else ""))
    token = csrf_token_from(page.text)
    return client.post(
        "/sign-in",
        data={"email": user.email, "password": PASSWORD},
        headers={"X-CSRFToken": token},
    )


def _start(client) -> tuple[Referral, str]:
    token = csrf_token_from(client.get("/referrals/new").text)
    client.post("/referrals/new", headers={"X-CSRFToken": token})
    referral = db.session.scalars(sa.select(Referral).order_by(Referral.id.desc())).first()
    step = f"/referrals/{referral.id}/steps/contact"
    return referral, csrf_token_from(client.get(step).text)


def _expire_every_session() -> None:
    db.session.execute(sa.delete(WebSession))
    db.session.commit()


def _typing_when_the_session_ends(app):
    """A signed-in advocate on the contact step of a new referral, whose session then ends."""
    user = make_user("advocate")
    client = app.test_client()
    _sign_in(client, user)
    referral, token = _start(client)
    _expire_every_session()
    return client, user, referral, f"/referrals/{referral.id}/steps/contact", token


def test_a_step_sent_after_the_session_ended_is_kept_for_after_signing_in(csrf_app):  # noqa: F811
    client, user, referral, step, token = _typing_when_the_session_ends(csrf_app)

    resp = client.post(
        step,
        data={"who_she_fears": "Her brother-in-law", "safe_to_call": "no", "action": "continue"},
        headers={"X-CSRFToken": token, "Sec-Fetch-Site": "same-origin"},
    )

    assert resp.status_code == 303
    assert resp.headers["Location"].startswith("/sign-in")
    assert (
        "You were signed out, so your last changes are not saved yet"
        in client.get(resp.headers["Location"]).text
    )
    signed_in = _sign_in(client, user)
    assert signed_in.headers["Location"] == step
    page = client.get(step)
    assert "Her brother-in-law" in page.text and "Not saved yet" in page.text
    assert 'value="no" checked' in page.text
    # Shown to check, not saved behind the user's back; and shown once.
    db.session.refresh(referral)
    assert "contact" not in referral.draft
    assert "Her brother-in-law" not in client.get(step).text


def test_an_autosave_after_the_session_ended_says_so_and_keeps_the_typing(csrf_app):  # noqa: F811
    client, user, _, step, token = _typing_when_the_session_ends(csrf_app)

    resp = client.post(
        step,
        data={"who_she_fears": "Her cousin", "action": "autosave"},
        headers={"X-CSRFToken": token, "HX-Request": "true", "Origin": "http://localhost"},
    )

    assert resp.status_code == 200
    assert resp.headers["HX-Retarget"] == "#flash"
    assert "You have been signed out, so your latest changes are not saved yet" in resp.text
    assert f'/sign-in?next={step}">Sign in again</a>' in resp.text
    _sign_in(client, user, next_url=step)
    assert "Her cousin" in client.get(step).text


def test_other_forms_are_not_kept(csrf_app):  # noqa: F811
    user = make_user("chair")
    client = csrf_app.test_client()
    _sign_in(client, user)
    token = csrf_token_from(client.get("/account/password").text)
    _expire_every_session()
    resp = client.post("/account/password", data={"current": "x"}, headers={"X-CSRFToken": token})
    assert resp.status_code == 400


def test_a_post_from_another_site_is_never_kept(csrf_app):  # noqa: F811
    client, user, _, step, _ = _typing_when_the_session_ends(csrf_app)
    forged = {"safe_contacts": "Call Marcus", "action": "continue"}
    for headers in ({"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"}, {}):
        _expire_every_session()
        resp = client.post(step, data=forged, headers=headers)
        assert resp.status_code == 400
    _sign_in(client, user)
    assert "Call Marcus" not in client.get(step).text


def test_a_post_bigger_than_a_form_needs_is_refused(csrf_app):  # noqa: F811
    resp = csrf_app.test_client().post("/sign-in", data={"email": "x" * 1_100_000})
    assert resp.status_code == 413
