"""The TOTP second factor: enrolment, sign-in, one use per code, compulsory per MARAC."""

import re
from datetime import timedelta

import pyotp
import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from conference.accounts import two_factor
from conference.accounts.models import WebSession
from conference.audit.models import AuditEvent
from conference.db import utcnow
from conference.extensions import db
from tests.factories import PASSWORD, make_marac, make_user


def enrolled_user(role="chair", **kwargs):
    secret = pyotp.random_base32()
    user = make_user(role, totp_secret=two_factor.seal(secret), totp_enabled_at=utcnow(), **kwargs)
    return user, pyotp.TOTP(secret)


def password_step(client, user):
    resp = client.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    assert resp.status_code == 303 and resp.headers["Location"] == "/sign-in/code"


def test_password_alone_does_not_sign_in_an_enrolled_user(client):
    user, _ = enrolled_user()
    password_step(client, user)
    assert client.get("/").status_code == 302


def test_the_current_code_completes_sign_in(client):
    user, totp = enrolled_user()
    password_step(client, user)
    resp = client.post("/sign-in/code", data={"code": totp.now()})
    assert resp.status_code == 303 and resp.headers["Location"] == "/"
    assert client.get("/").status_code == 200


def test_a_code_is_accepted_once_only(app):
    user, totp = enrolled_user()
    code = totp.now()
    first, second = app.test_client(), app.test_client()
    password_step(first, user)
    assert first.post("/sign-in/code", data={"code": code}).status_code == 303
    password_step(second, user)
    resp = second.post("/sign-in/code", data={"code": code})
    assert resp.status_code == 422
    assert "each code works once" in resp.text
    assert second.get("/").status_code == 302
    reasons = db.session.scalars(
        sa.select(AuditEvent.detail).where(AuditEvent.verb == "auth.two_factor_failed")
    ).all()
    assert [r["reason"] for r in reasons] == ["code_reused"]


def test_wrong_codes_count_towards_the_lockout(client):
    user, _ = enrolled_user()
    password_step(client, user)
    for _ in range(5):
        assert client.post("/sign-in/code", data={"code": "000000"}).status_code == 422
    db.session.refresh(user)
    assert user.locked_until is not None


def test_the_code_step_times_out(client, app):
    user, totp = enrolled_user()
    password_step(client, user)
    with client.session_transaction() as session:
        session["pending_since"] -= 6 * 60
    resp = client.post("/sign-in/code", data={"code": totp.now()})
    assert resp.status_code == 303 and resp.headers["Location"] == "/sign-in"


def test_code_page_without_a_password_step_goes_back_to_sign_in(client):
    assert client.get("/sign-in/code").headers["Location"] == "/sign-in"


def test_enrolment_shows_a_qr_code_and_key_then_confirms_with_a_code(client_as):
    client = client_as("advocate")
    page = client.get("/account/two-factor")
    assert page.status_code == 200 and "<svg" in page.text
    key = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page.text).group(1).replace(" ", "")
    wrong = client.post("/account/two-factor", data={"code": "123456"})
    assert wrong.status_code == 422 and "does not match" in wrong.text
    # The key stays the same across a failed attempt, so the app set-up is not wasted.
    assert key.replace(" ", "") in wrong.text.replace(" ", "")
    ok = client.post("/account/two-factor", data={"code": pyotp.TOTP(key).now()})
    assert ok.status_code == 303
    db.session.refresh(client.user)
    assert two_factor.unseal(client.user.totp_secret) == key
    assert "two_factor.enabled" in db.session.scalars(sa.select(AuditEvent.verb)).all()


def test_the_stored_secret_is_encrypted_and_codes_still_work(app):
    client = app.test_client()
    user = make_user("advocate")
    client.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    page = client.get("/account/two-factor").text
    key = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    # While enrolling, the secret waits in the server-side session encrypted too.
    sessions = db.session.scalars(sa.select(WebSession.data)).all()
    assert sessions and not any(key in data for data in sessions)
    assert (
        client.post("/account/two-factor", data={"code": pyotp.TOTP(key).now()}).status_code == 303
    )
    client.post("/sign-out")
    stored = db.session.scalar(
        sa.text("SELECT totp_secret_sealed FROM users WHERE id = :id"), {"id": user.id}
    )
    assert key not in stored and key.lower() not in stored.lower()
    assert len(stored) > len(key) and two_factor.unseal(stored) == key
    # Verification still works: the next code signs in.
    password_step(client, user)
    next_code = pyotp.TOTP(key).at(utcnow() + timedelta(seconds=30))
    assert client.post("/sign-in/code", data={"code": next_code}).status_code == 303


def test_a_secret_the_key_cannot_read_refuses_the_code_without_a_server_error(client, app):
    user, totp = enrolled_user()
    password_step(client, user)
    app.config["TOTP_ENCRYPTION_KEY"] = Fernet.generate_key().decode()
    resp = client.post("/sign-in/code", data={"code": totp.now()})
    assert resp.status_code == 422 and client.get("/").status_code == 302
    detail = db.session.scalar(
        sa.select(AuditEvent.detail).where(AuditEvent.verb == "auth.two_factor_failed")
    )
    assert detail["reason"] == "unreadable_secret"


def test_a_second_key_still_decrypts_while_secrets_move_to_a_new_one(app):
    sealed = two_factor.seal("JBSWY3DPEHPK3PXP")
    app.config["TOTP_ENCRYPTION_KEY"] = (
        Fernet.generate_key().decode() + "," + (app.config["TOTP_ENCRYPTION_KEY"])
    )
    assert two_factor.unseal(sealed) == "JBSWY3DPEHPK3PXP"


def test_a_marac_can_make_two_factor_compulsory(client_as):
    marac = make_marac(requires_two_factor=True)
    client = client_as("coordinator", marac=marac)
    resp = client.get("/")
    assert resp.status_code == 303 and resp.headers["Location"] == "/account/two-factor"
    assert client.get("/audit/").headers["Location"] == "/account/two-factor"
    page = client.get("/account/two-factor")
    assert "requires two-step verification" in page.text
    assert client.post("/sign-out").status_code == 303  # signing out is always possible


@pytest.mark.parametrize(
    ("role", "must_enrol"),
    [("admin", True), ("coordinator", True), ("chair", False), ("agency_rep", False)],
)
def test_administrators_and_coordinators_must_set_up_two_factor(app, client_as, role, must_enrol):
    app.config["TWO_FACTOR_ROLES"] = ["admin", "coordinator"]  # as production.toml sets it
    client = client_as(role)
    resp = client.get("/")
    if not must_enrol:
        assert resp.status_code == 200
        return
    assert resp.status_code == 303 and resp.headers["Location"] == "/account/two-factor"
    assert "requires two-step verification" in client.get("/account/two-factor").text
    # Once enrolled they get on with their work, and cannot turn it off.
    page = client.get("/account/two-factor").text
    key = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    assert (
        client.post("/account/two-factor", data={"code": pyotp.TOTP(key).now()}).status_code == 303
    )
    assert client.get("/").status_code == 200
    resp = client.post("/account/two-factor/disable", data={"password": PASSWORD})
    assert resp.status_code == 303
    db.session.refresh(client.user)
    assert client.user.has_two_factor


def test_production_requires_two_factor_of_administrators_and_coordinators():
    from conference import create_app
    from tests.factories import PRODUCTION_CONFIG

    app = create_app("production", PRODUCTION_CONFIG)
    assert sorted(app.config["TWO_FACTOR_ROLES"]) == ["admin", "coordinator"]


def test_compulsory_two_factor_cannot_be_turned_off(client_as):
    marac = make_marac(requires_two_factor=True)
    secret = two_factor.seal(pyotp.random_base32())
    client = client_as("chair", marac=marac, totp_secret=secret, totp_enabled_at=utcnow())
    resp = client.post("/account/two-factor/disable", data={"password": PASSWORD})
    assert resp.status_code == 303
    db.session.refresh(client.user)
    assert client.user.totp_secret == secret


def test_optional_two_factor_is_turned_off_with_the_password(client_as):
    client = client_as("chair", totp_secret=pyotp.random_base32(), totp_enabled_at=utcnow())
    wrong = client.post("/account/two-factor/disable", data={"password": "not-my-password-x"})
    assert wrong.status_code == 422 and "Your password is not correct" in wrong.text
    assert (
        client.post("/account/two-factor/disable", data={"password": PASSWORD}).status_code == 303
    )
    db.session.refresh(client.user)
    assert client.user.totp_secret is None


def test_wrong_passwords_to_turn_two_factor_off_are_counted_and_throttled(client_as):
    client = client_as("chair", totp_secret=pyotp.random_base32(), totp_enabled_at=utcnow())
    for _ in range(5):
        resp = client.post("/account/two-factor/disable", data={"password": "not-it-at-all"})
        assert resp.status_code == 422 and "Your password is not correct" in resp.text
    resp = client.post("/account/two-factor/disable", data={"password": PASSWORD})
    assert resp.status_code == 429 and "Too many wrong passwords" in resp.text
    db.session.refresh(client.user)
    assert client.user.totp_secret is not None
    failed = db.session.scalars(
        sa.select(AuditEvent.detail).where(AuditEvent.verb == "auth.reauth_failed")
    ).all()
    assert len(failed) == 6 and {d["purpose"] for d in failed} == {"disable_two_factor"}
