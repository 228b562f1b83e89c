"""What an administrator does to an account: roles, deactivation, password links, 2FA reset."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
import sqlalchemy as sa

from conference.accounts.models import RoleGrant, WebSession
from conference.audit.models import AuditEvent
from conference.db import utcnow
from conference.extensions import db
from tests import factories


@pytest.fixture
def admin(client_as):
    return client_as("admin", name="Morgan Ellis")


@pytest.fixture
def northbridge(app):
    return factories.make_marac(name="Northbridge MARAC", code="NB")


@pytest.fixture
def police(northbridge):
    return factories.make_agency(name="Northshire Police", maracs=[northbridge])


def _events(verb: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.verb == verb)))


def _roles(user) -> set[tuple[str, str | None]]:
    db.session.expire(user)
    return {(g.role.value, g.marac.code if g.marac else None) for g in user.role_grants}


# Roles


def test_grant_a_role_in_a_marac_the_agency_sits_on(admin, northbridge, police):
    user = factories.make_user(agency=police, name="Sam Carter")

    resp = admin.post(
        f"/admin/users/{user.id}/roles", data={"role": "chair", "marac_id": str(northbridge.id)}
    )

    assert resp.status_code == 303
    assert resp.headers["Location"] == f"/admin/users/{user.id}"
    assert _roles(user) == {("chair", "NB")}
    [event] = _events("role.granted")
    assert (event.object_id, event.marac_id, event.detail["role"]) == (
        user.id,
        northbridge.id,
        "chair",
    )
    page = admin.get(f"/admin/users/{user.id}").text
    assert "Sam Carter now has the Chair role in Northbridge MARAC." in page
    assert 'Revoke<span class="govuk-visually-hidden"> Chair in Northbridge MARAC' in page


def test_grant_the_steering_group_role_in_a_marac(admin, northbridge, police):
    user = factories.make_user(agency=police, name="Ruth Lindqvist")
    form = admin.get(f"/admin/users/{user.id}").text
    assert '<option value="steering">Steering group</option>' in form

    resp = admin.post(
        f"/admin/users/{user.id}/roles", data={"role": "steering", "marac_id": str(northbridge.id)}
    )

    assert resp.status_code == 303
    assert _roles(user) == {("steering", "NB")}
    page = admin.get(f"/admin/users/{user.id}").text
    assert "Ruth Lindqvist now has the Steering group role in Northbridge MARAC." in page


def test_grant_the_administrator_role_without_a_marac(admin, police):
    user = factories.make_user(agency=police)
    resp = admin.post(f"/admin/users/{user.id}/roles", data={"role": "admin", "marac_id": ""})
    assert resp.status_code == 303
    assert _roles(user) == {("admin", None)}


def test_a_role_other_than_administrator_needs_a_marac(admin, police):
    user = factories.make_user(agency=police)

    resp = admin.post(f"/admin/users/{user.id}/roles", data={"role": "coordinator", "marac_id": ""})

    assert resp.status_code == 422
    assert 'id="marac_id-error"' in resp.text and 'href="#marac_id"' in resp.text
    assert "Choose the MARAC this role is for" in resp.text
    assert '<option value="coordinator" selected>' in resp.text
    assert _roles(user) == set() and _events("role.granted") == []


def test_a_role_in_a_marac_the_agency_does_not_sit_on_is_refused(admin, police):
    eastmoor = factories.make_marac(name="Eastmoor MARAC", code="EM")
    user = factories.make_user(agency=police)

    resp = admin.post(
        f"/admin/users/{user.id}/roles", data={"role": "agency_rep", "marac_id": str(eastmoor.id)}
    )

    assert resp.status_code == 422
    assert 'id="marac_id-error"' in resp.text
    assert "Northshire Police does not sit on Eastmoor MARAC: add it to the agency first" in (
        resp.text
    )
    assert _roles(user) == set()


def test_the_same_role_twice_is_refused(admin, northbridge, police):
    user = factories.make_user("chair", marac=northbridge, agency=police)
    resp = admin.post(
        f"/admin/users/{user.id}/roles", data={"role": "chair", "marac_id": str(northbridge.id)}
    )
    assert resp.status_code == 422
    assert 'id="role-error"' in resp.text and "The user already has this role" in resp.text


def test_revoke_a_role(admin, northbridge, police):
    user = factories.make_user("chair", marac=northbridge, agency=police, name="Sam Carter")
    grant = user.role_grants[0]

    resp = admin.post(f"/admin/users/{user.id}/roles/{grant.id}/revoke")

    assert resp.status_code == 303
    assert _roles(user) == set()
    [event] = _events("role.revoked")
    assert event.detail["role"] == "chair" and event.marac_id == northbridge.id
    page = admin.get(f"/admin/users/{user.id}").text
    assert "Sam Carter no longer has the Chair role in Northbridge MARAC." in page


def test_an_administrator_cannot_revoke_their_own_administrator_role(admin):
    own = admin.user.role_grants[0]
    page = admin.get(f"/admin/users/{admin.user.id}").text
    assert f"/roles/{own.id}/revoke" not in page

    resp = admin.post(f"/admin/users/{admin.user.id}/roles/{own.id}/revoke")

    assert resp.status_code == 422
    assert "govuk-error-summary" in resp.text
    assert "You cannot remove your own administrator role" in resp.text
    assert _roles(admin.user) == {("admin", None)}
    assert _events("role.revoked") == []


def test_a_grant_is_revoked_only_through_its_own_user(admin, northbridge):
    holder = factories.make_user("chair", marac=northbridge)
    other = factories.make_user("chair", marac=northbridge)
    grant_id = holder.role_grants[0].id
    resp = admin.post(f"/admin/users/{other.id}/roles/{grant_id}/revoke")
    assert resp.status_code == 404
    assert db.session.get(RoleGrant, grant_id) is not None


# Deactivating


def test_deactivating_signs_the_user_out_everywhere(admin, client_as):
    signed_in = client_as("advocate", name="Jo Whitfield")
    user = signed_in.user
    assert signed_in.get("/account").status_code == 200

    resp = admin.post(f"/admin/users/{user.id}/deactivate")

    assert resp.status_code == 303
    assert "Jo Whitfield is deactivated and has been signed out everywhere." in (
        admin.get(resp.headers["Location"]).text
    )
    page = signed_in.get("/account")
    assert page.status_code == 303 and page.headers["Location"].startswith("/sign-in")
    sessions = sa.select(sa.func.count()).where(WebSession.user_id == user.id)
    assert db.session.scalar(sessions) == 0
    assert len(_events("user.deactivated")) == 1
    assert "Deactivated" in admin.get("/admin/users").text

    # Reactivating lets them sign in again, but the old session stays ended.
    assert admin.post(f"/admin/users/{user.id}/reactivate").status_code == 303
    db.session.refresh(user)
    assert user.is_active_account is True
    assert len(_events("user.reactivated")) == 1
    assert signed_in.get("/account").status_code == 303


def test_an_administrator_cannot_deactivate_themself(admin):
    page = admin.get(f"/admin/users/{admin.user.id}").text
    assert "/deactivate" not in page and "You cannot deactivate your own account" in page

    resp = admin.post(f"/admin/users/{admin.user.id}/deactivate")

    assert resp.status_code == 422
    assert "govuk-error-summary" in resp.text
    assert "You cannot deactivate your own account" in resp.text
    db.session.refresh(admin.user)
    assert admin.user.is_active_account is True
    assert admin.get("/admin/").status_code == 200


# Password links


def test_a_password_link_is_shown_once_and_works_once(app, admin, police):
    user = factories.make_user(agency=police, name="Chris Doyle", password=None)

    resp = admin.post(f"/admin/users/{user.id}/password-link")

    assert resp.status_code == 200
    assert "This is the only time the link is shown" in resp.text
    assert "expires on" in resp.text
    link = re.search(r'id="password-link">\s*([^\s<]+)', resp.text).group(1)
    # From the configured address, whatever Host the request named.
    base = app.config["BASE_URL"]
    assert link.startswith(f"{base}/set-password/")
    [event] = _events("password.link_issued")
    assert event.object_id == user.id and event.user_id == admin.user.id
    assert link not in admin.get(f"/admin/users/{user.id}").text

    path = link.removeprefix(base)
    stranger = app.test_client()
    assert stranger.get(path).status_code == 200
    new_password = {"password": "lantern-orchard-velvet-42", "confirm": "lantern-orchard-velvet-42"}
    assert stranger.post(path, data=new_password).status_code == 303
    assert app.test_client().get(path).status_code == 404


def test_a_new_link_stops_the_earlier_one_working(app, admin, police):
    user = factories.make_user(agency=police)

    def issue() -> str:
        html = admin.post(f"/admin/users/{user.id}/password-link").text
        base = re.escape(app.config["BASE_URL"])
        return re.search(rf"{base}(/set-password/[^\s<]+)", html).group(1)

    first, second = issue(), issue()
    assert app.test_client().get(first).status_code == 404
    assert app.test_client().get(second).status_code == 200


# Two-step verification


def test_reset_two_step_verification(admin, police):
    user = factories.make_user(
        agency=police,
        name="Lee Morgan",
        totp_secret=pyotp.random_base32(),
        totp_enabled_at=utcnow(),
    )
    page = admin.get(f"/admin/users/{user.id}").text
    assert "Reset two-step verification" in page and "On since" in page

    resp = admin.post(f"/admin/users/{user.id}/two-factor/reset")

    assert resp.status_code == 303
    db.session.refresh(user)
    assert user.totp_secret is None
    [event] = _events("two_factor.reset")
    assert event.object_id == user.id and event.user_id == admin.user.id
    page = admin.get(f"/admin/users/{user.id}").text
    assert "Two-step verification is reset for Lee Morgan." in page
    assert "Reset two-step verification" not in page


def test_the_account_status_shows_a_lock_and_the_last_sign_in(admin, police):
    now = utcnow()
    user = factories.make_user(
        agency=police, locked_until=now + timedelta(minutes=10), last_login_at=now
    )
    page = admin.get(f"/admin/users/{user.id}").text
    assert (
        "govuk-tag--red" in page and "Locked" in page and "after too many failed sign-ins" in page
    )
    assert "Never" not in page
    assert "has no roles yet" in page


def test_reset_two_step_verification_signs_the_user_out_everywhere(app, admin, police):
    user = factories.make_user(
        agency=police, totp_secret=pyotp.random_base32(), totp_enabled_at=utcnow()
    )
    db.session.add(
        WebSession(
            id_hash="a" * 64,
            user_id=user.id,
            data="{}",
            expires_at=utcnow() + timedelta(minutes=30),
        )
    )
    db.session.commit()

    admin.post(f"/admin/users/{user.id}/two-factor/reset")

    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(WebSession).where(WebSession.user_id == user.id)
        )
        == 0
    )


def test_deactivating_a_user_voids_their_unused_password_link(app, admin, police):
    user = factories.make_user(agency=police, password=None)
    page = admin.post(f"/admin/users/{user.id}/password-link").text
    link = re.search(r"(/set-password/[\w-]+)", page).group(1)

    admin.post(f"/admin/users/{user.id}/deactivate")

    assert app.test_client().get(link).status_code == 404


def test_no_role_is_granted_in_an_inactive_marac(admin, police, northbridge):
    northbridge.is_active = False
    db.session.commit()
    user = factories.make_user(agency=police)

    resp = admin.post(
        f"/admin/users/{user.id}/roles", data={"role": "chair", "marac_id": str(northbridge.id)}
    )

    assert resp.status_code == 422
    assert "Northbridge MARAC is not active" in resp.text
    assert _roles(user) == set()
