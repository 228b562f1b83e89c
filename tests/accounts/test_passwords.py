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
        ("password1234", "stolen from other websites"),
        ("aaaaaaaaaaaaaaaa", "too easy to guess"),
        ("Password1234!", "stolen from other websites"),
        ("qwerty123456", "stolen from other websites"),
        ("123412341234", "too easy to guess"),
        ("northbridge conference", "must not contain your name"),
        ("MARAC-password-2026", "must not contain your name"),
        (PASSWORD, "must be different from your current password"),
    ],
)
def test_weak_new_passwords_are_refused_beside_the_field(client_as, new, message):
    client = client_as("chair")
    resp = client.post(
        "/account/password", data={"current_password": PASSWORD, "password": new, "confirm": new}
    )
    assert resp.status_code == 422 and message in resp.text


STOLEN = passwords.BREACHED


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("iloveyou1234567", STOLEN),  # on the breached list as it is
        ("Sunshine!!2026", STOLEN),  # a breached word with digits and symbols around it
        ("Password1234!", STOLEN),
        ("qwerty123456", STOLEN),
        ("123412341234", passwords.TOO_EASY),
        ("qwertyuiop[]asdf", passwords.TOO_EASY),  # a keyboard walk
        ("abcdefghijklmnop", passwords.TOO_EASY),  # a sequence
        ("Priya Testwell 2026", passwords.PERSONAL),  # her name
        ("testwell-lantern-9", passwords.PERSONAL),  # part of her name
        ("p.testwell.forever", passwords.PERSONAL),  # her email's local part
        ("my conference login", passwords.PERSONAL),  # the app's name
        ("copper kettle harbour lantern", None),  # a long passphrase
        ("lantern-orchard-velvet-42", None),
    ],
)
def test_password_policy(app, password, problem):
    assert (
        passwords.password_problem(
            password, email="p.testwell@police.testshire.example", name="Priya Testwell"
        )
        == problem
    )


def test_a_long_passphrase_is_accepted_and_the_form_is_not_touched(client_as):
    client = client_as("chair")
    passphrase = "copper kettle harbour lantern at dawn"
    resp = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": passphrase, "confirm": passphrase},
    )
    assert resp.status_code == 303
    db.session.refresh(client.user)
    assert passwords.verify_password(client.user.password_hash, passphrase)


def test_a_refused_new_password_is_named_beside_its_field_and_changes_nothing(client_as):
    client = client_as("chair")
    resp = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": "qwerty123456", "confirm": "qwerty123456"},
    )
    assert resp.status_code == 422
    assert 'id="password-error"' in resp.text and STOLEN in resp.text
    db.session.refresh(client.user)
    assert passwords.verify_password(client.user.password_hash, PASSWORD)


def test_a_link_refuses_the_current_password_too(client):
    user = make_user("advocate")
    token = issue_link(user)
    resp = client.post(f"/set-password/{token}", data={"password": PASSWORD, "confirm": PASSWORD})
    assert resp.status_code == 422 and passwords.SAME_AS_CURRENT in resp.text
    assert client.get(f"/set-password/{token}").status_code == 200


def reauth_events():
    return db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.verb.like("auth.%")).order_by(AuditEvent.id)
    ).all()


def test_wrong_current_passwords_are_counted_audited_and_then_throttled(client_as):
    client = client_as("chair", name="Priya Testwell")
    wrong = {"current_password": "not-the-current-one", "password": NEW, "confirm": NEW}
    for _ in range(5):
        resp = client.post("/account/password", data=wrong)
        assert resp.status_code == 422 and "Your current password is not correct" in resp.text
    # Now even the right current password waits, with a clear message beside the field.
    right = {**wrong, "current_password": PASSWORD}
    resp = client.post("/account/password", data=right)
    assert resp.status_code == 429
    assert "Too many wrong passwords" in resp.text and 'id="current_password-error"' in resp.text
    db.session.refresh(client.user)
    assert passwords.verify_password(client.user.password_hash, PASSWORD)
    assert client.user.locked_until is not None
    events = reauth_events()
    assert [e.verb for e in events] == ["auth.reauth_failed"] * 5 + [
        "auth.locked_out",
        "auth.reauth_failed",
    ]
    assert {e.detail["purpose"] for e in events if e.verb == "auth.reauth_failed"} == {
        "change_password"
    }
    assert all(e.user_id == client.user.id for e in events)
    text = str([e.detail for e in events]).lower()
    assert "priya" not in text and "testwell" not in text and client.user.email not in text
    # Once the lock has passed, the right password works.
    client.user.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.post("/account/password", data=right).status_code == 303


def test_a_right_current_password_resets_the_count(client_as):
    client = client_as("chair")
    wrong = {"current_password": "not-the-current-one", "password": NEW, "confirm": NEW}
    for _ in range(4):
        client.post("/account/password", data=wrong)
    assert (
        client.post("/account/password", data={**wrong, "current_password": PASSWORD}).status_code
        == 303
    )
    db.session.refresh(client.user)
    assert client.user.failed_login_count == 0


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
