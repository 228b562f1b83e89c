"""Signing in: one message for every refusal, lockout, the per-address limit, and the audit."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from conference.audit.models import AuditEvent
from conference.db import utcnow
from conference.extensions import db
from tests.factories import PASSWORD, make_user

REFUSED = "Enter a correct email address and password"


def sign_in(client, email, password=PASSWORD, **environ):
    extra = {"environ_base": environ} if environ else {}
    return client.post("/sign-in", data={"email": email, "password": password}, **extra)


def verbs() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.verb).order_by(AuditEvent.id)))


def test_correct_password_signs_in_and_lands_on_the_dashboard(client):
    user = make_user("coordinator", name="Priya Testwell")
    resp = sign_in(client, user.email.upper())  # email is matched case-insensitively
    assert resp.status_code == 303 and resp.headers["Location"] == "/"
    assert "Welcome, Priya Testwell" in client.get("/").text
    assert verbs() == ["auth.login_succeeded"]


def test_wrong_password_and_unknown_email_get_the_same_message(client):
    user = make_user("chair")
    wrong = sign_in(client, user.email, "not-the-password-at-all")
    unknown = sign_in(client, "nobody@testshire.example", "not-the-password-at-all")
    assert wrong.status_code == unknown.status_code == 422
    assert REFUSED in wrong.text and REFUSED in unknown.text
    # The email typed is kept in the form.
    assert f'value="{user.email}"' in wrong.text
    events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [e.verb for e in events] == ["auth.login_failed", "auth.login_failed"]
    assert events[0].user_id == user.id and events[1].user_id is None
    # Nothing typed into the form reaches the audit trail.
    assert "nobody@testshire.example" not in str([e.detail for e in events])


def test_missing_fields_are_named_beside_the_field(client):
    resp = client.post("/sign-in", data={"email": "someone@testshire.example", "password": ""})
    assert resp.status_code == 422
    assert "Enter your password" in resp.text
    assert 'value="someone@testshire.example"' in resp.text


def test_five_failures_in_a_row_lock_the_account_for_15_minutes(client, app):
    user = make_user("advocate")
    for _ in range(5):
        assert sign_in(client, user.email, "wrong-password-again").status_code == 422
    db.session.refresh(user)
    assert user.locked_until is not None
    remaining = user.locked_until - utcnow()
    assert timedelta(minutes=14) < remaining <= timedelta(minutes=15)
    # Even the right password is refused while locked, with the same message.
    resp = sign_in(client, user.email)
    assert resp.status_code == 422 and REFUSED in resp.text
    assert "auth.locked_out" in verbs()
    # Once the lock has passed, the right password works again.
    user.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert sign_in(client, user.email).status_code == 303


def test_a_success_resets_the_failure_count(client):
    user = make_user("advocate")
    for _ in range(4):
        sign_in(client, user.email, "wrong-password-again")
    assert sign_in(client, user.email).status_code == 303
    db.session.refresh(user)
    assert user.failed_login_count == 0 and user.locked_until is None


def test_deactivated_user_cannot_sign_in(client):
    user = make_user("agency_rep", is_active_account=False)
    resp = sign_in(client, user.email)
    assert resp.status_code == 422 and REFUSED in resp.text


def test_user_without_a_password_yet_cannot_sign_in(client):
    user = make_user("agency_rep", password=None)
    assert sign_in(client, user.email, "").status_code == 422
    assert sign_in(client, user.email, "anything-at-all-12").status_code == 422


OFFICE = "198.51.100.7"


def test_one_persons_failures_never_lock_out_a_colleague_behind_the_same_address(client, app):
    app.config["LOGIN_IP_LIMIT"] = 3
    app.config["LOGIN_LOCKOUT_THRESHOLD"] = 50  # the per-address limit alone, not the lockout
    clumsy, colleague = make_user("agency_rep"), make_user("agency_rep")
    for _ in range(3):
        assert (
            sign_in(client, clumsy.email, "wrong-password-again", REMOTE_ADDR=OFFICE).status_code
            == 422
        )
    # The fourth try for that account from that address is held back, even the right password.
    resp = sign_in(client, clumsy.email, REMOTE_ADDR=OFFICE)
    assert resp.status_code == 429 and "Too many failed sign-ins" in resp.text
    assert f'value="{clumsy.email}"' in resp.text
    # A colleague in the same office signs in as usual.
    assert sign_in(app.test_client(), colleague.email, REMOTE_ADDR=OFFICE).status_code == 303
    # The same account from another address is unaffected too.
    assert sign_in(app.test_client(), clumsy.email, REMOTE_ADDR="203.0.113.9").status_code == 303
    [limited] = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.verb == "auth.rate_limited")
    ).all()
    assert limited.detail["reason"] == "account" and limited.ip == OFFICE
    assert clumsy.email not in str(limited.detail)


def test_mistyped_unknown_emails_count_per_email_typed(client, app):
    app.config["LOGIN_IP_LIMIT"] = 2
    for _ in range(2):
        sign_in(client, "nobdy@testshire.example", "wrong-password-again", REMOTE_ADDR=OFFICE)
    assert sign_in(client, "NOBDY@testshire.example", REMOTE_ADDR=OFFICE).status_code == 429
    user = make_user("chair")
    assert sign_in(client, user.email, REMOTE_ADDR=OFFICE).status_code == 303
    details = db.session.scalars(sa.select(AuditEvent.detail)).all()
    assert "nobdy" not in str(details).lower()


def test_a_spray_over_many_accounts_from_one_address_is_slowed_and_audited(client, app):
    app.config["LOGIN_IP_ACCOUNTS_LIMIT"] = 4
    users = [make_user("agency_rep") for _ in range(3)]
    targets = [u.email for u in users] + ["guess@testshire.example"]
    for email in targets:  # one try each: no account locks, no pair reaches its limit
        assert sign_in(client, email, "Summer2026!!", REMOTE_ADDR=OFFICE).status_code == 422
    # Every sign-in from that address now waits, even a right password for a fresh account.
    newcomer = make_user("chair")
    resp = sign_in(client, newcomer.email, REMOTE_ADDR=OFFICE)
    assert resp.status_code == 429 and "Too many failed sign-ins" in resp.text
    reasons = db.session.scalars(
        sa.select(AuditEvent.detail).where(AuditEvent.verb == "auth.rate_limited")
    ).all()
    assert [r["reason"] for r in reasons] == ["many_accounts"]
    # Other addresses are not held back, and the window passing lifts it.
    assert sign_in(app.test_client(), newcomer.email, REMOTE_ADDR="203.0.113.9").status_code == 303
    app.config["LOGIN_IP_WINDOW_MINUTES"] = 0
    assert sign_in(app.test_client(), users[0].email, REMOTE_ADDR=OFFICE).status_code == 303


def test_signed_in_user_visiting_sign_in_goes_home(client_as):
    client = client_as("chair")
    assert client.get("/sign-in").status_code == 302


OFF_SITE = [
    "https://evil.example/",
    "//evil.example/x",
    "/\\evil",
    "/\t/evil.example",  # a browser drops the tab: //evil.example
    "/\n/evil.example",
    "/\r/evil.example",
    "\t//evil.example",
    "/\x00/evil.example",
    "/%09/evil.example",  # the same, percent-encoded once more
    "/%0a/evil.example",
    "/%5Cevil.example",
    "/%2F/evil.example",
    "/%2f%2fevil.example",
    "javascript:alert(1)",
    "evil.example",
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_next_never_leads_off_site(client, target):
    user = make_user("chair")
    client.get("/sign-in", query_string={"next": target})
    resp = sign_in(client, user.email)
    assert resp.status_code == 303 and resp.headers["Location"] == "/"


def test_next_sent_raw_in_the_address_never_leads_off_site_nor_fails(client):
    """As a hostile link would send it: %09 and %0a straight in the query string."""
    for raw in ("/%09/evil.example", "/%0a/x", "/%0d%0aSet-Cookie:x=y"):
        user = make_user("chair")
        client.get(f"/sign-in?next={raw}")
        resp = sign_in(client, user.email)
        assert resp.status_code == 303 and resp.headers["Location"] == "/"
        client.post("/sign-out")


def test_next_keeps_a_query_of_this_site(client):
    user = make_user("coordinator")
    client.get("/sign-in", query_string={"next": "/audit/?verb=case.viewed"})
    assert sign_in(client, user.email).headers["Location"] == "/audit/?verb=case.viewed"


def test_next_returns_to_the_page_asked_for(client):
    user = make_user("coordinator")
    resp = client.get("/audit/")
    assert resp.status_code == 303 and "/sign-in" in resp.headers["Location"]
    client.get(resp.headers["Location"])
    assert sign_in(client, user.email).headers["Location"] == "/audit/"


def test_protected_pages_send_visitors_to_sign_in(client):
    for path in ["/", "/account", "/account/password", "/audit/", "/admin/users"]:
        resp = client.get(path)
        assert resp.status_code in (302, 303), path
        assert "/sign-in" in resp.headers["Location"], path


def test_htmx_request_after_expiry_gets_a_full_page_redirect(client):
    resp = client.get("/account", headers={"HX-Request": "true"})
    assert resp.status_code == 401
    assert resp.headers["HX-Redirect"].startswith("/sign-in")
