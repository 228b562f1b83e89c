"""Changing a password, and setting one through an administrator's one-time link."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from conference.accounts import passwords, services
from conference.audit.models import AuditEvent
from conference.db import utcnow
from conference.extensions import db
from tests.factories import PASSWORD, make_user

NEW = "lantern orchard velvet"


def test_change_password_needs_the_current_one(client_as):
    client = client_as("chair")
    resp = client.post(
        "/account/password",
        data={"current_password": "not-the-current-one", "password": NEW, "confirm": NEW},
    )
    assert resp.status_code == 422
    assert "Your current password is not correct" in resp.text
    db.session.refresh(client.user)
    assert passwords.verify_password(client.user.password_hash, PASSWORD)


def test_change_password_works_and_signs_out_other_sessions(app):
    user = make_user("chair")
    this, other = app.test_client(), app.test_client()
    for c in (this, other):
        c.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    resp = this.post(
        "/account/password", data={"current_password": PASSWORD, "password": NEW, "confirm": NEW}
    )
    assert resp.status_code == 303
    assert this.get("/").status_code == 200
    assert other.get("/").status_code == 302
    db.session.refresh(user)
    assert passwords.verify_password(user.password_hash, NEW)
    assert "password.changed" in db.session.scalars(sa.select(AuditEvent.verb)).all()


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("short", "12 characters or more"),
        ("x" * 129, "128 characters or fewer"),
        ("password1234", "too easy to guess"),
        ("aaaaaaaaaaaaaaaa", "too easy to guess"),
    ],
)
def test_weak_new_passwords_are_refused_beside_the_field(client_as, new, message):
    client = client_as("chair")
    resp = client.post(
        "/account/password", data={"current_password": PASSWORD, "password": new, "confirm": new}
    )
    assert resp.status_code == 422 and message in resp.text


def test_mismatched_confirmation_is_refused(client_as):
    client = client_as("chair")
    resp = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": NEW, "confirm": NEW + "x"},
    )
    assert resp.status_code == 422 and "The passwords do not match" in resp.text


def issue_link(user, now=None):
    token = services.issue_password_link(user, actor=None, now=now or utcnow())
    db.session.commit()
    return token


def test_a_password_link_works_once(client):
    user = make_user("advocate", password=None)
    token = issue_link(user)
    assert client.get(f"/set-password/{token}").status_code == 200
    resp = client.post(f"/set-password/{token}", data={"password": NEW, "confirm": NEW})
    assert resp.status_code == 303 and resp.headers["Location"] == "/sign-in"
    assert client.post("/sign-in", data={"email": user.email, "password": NEW}).status_code == 303
    assert client.get(f"/set-password/{token}").status_code == 404


def test_an_expired_link_is_refused(client):
    user = make_user("advocate", password=None)
    token = issue_link(user, now=utcnow() - timedelta(hours=73))
    resp = client.get(f"/set-password/{token}")
    assert resp.status_code == 404 and "This link no longer works" in resp.text


def test_a_new_link_replaces_the_old_one(client):
    user = make_user("advocate", password=None)
    old = issue_link(user)
    new = issue_link(user)
    assert client.get(f"/set-password/{old}").status_code == 404
    assert client.get(f"/set-password/{new}").status_code == 200


def test_a_weak_password_through_a_link_is_refused_and_the_link_still_works(client):
    user = make_user("advocate", password=None)
    token = issue_link(user)
    resp = client.post(f"/set-password/{token}", data={"password": "short", "confirm": "short"})
    assert resp.status_code == 422 and "12 characters or more" in resp.text
    assert client.get(f"/set-password/{token}").status_code == 200


def test_setting_a_password_clears_a_lockout(client):
    user = make_user("advocate", locked_until=utcnow() + timedelta(minutes=10))
    token = issue_link(user)
    client.post(f"/set-password/{token}", data={"password": NEW, "confirm": NEW})
    assert client.post("/sign-in", data={"email": user.email, "password": NEW}).status_code == 303


def test_only_a_hash_of_the_link_token_is_stored(app):
    from conference.accounts.models import PasswordSetLink

    user = make_user("advocate", password=None)
    token = issue_link(user)
    stored = db.session.scalars(sa.select(PasswordSetLink.token_hash)).all()
    assert token not in stored
