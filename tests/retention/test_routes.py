"""The due-for-review list and the legal hold forms: who may use them, errors beside the
field, and a stale hold or lift answered with 409 and the other person's version."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from conference.accounts.models import Role
from conference.agreements import services as agreements
from conference.audit.models import AuditEvent
from conference.db import utcnow
from conference.extensions import db
from conference.referrals.choices import CaseStatus
from conference.retention import services
from conference.retention.models import LegalHold
from tests import factories

YEARS_AGO = timedelta(days=6 * 365 - 10)  # due within the month


@pytest.fixture
def world(app):
    world = factories.meeting_world(cases=2)
    for case in world.cases:
        case.status, case.closed_at = CaseStatus.CLOSED, utcnow() - YEARS_AGO
    world.hold = services.place_hold(
        world.coordinator, world.cases[1], "Court case still open", now=utcnow()
    )
    db.session.commit()
    return world


def _pages(world) -> list[tuple[str, str]]:
    case = world.cases[0]
    return [
        ("GET", "/retention/"),
        ("GET", f"/retention/cases/{case.id}/hold"),
        ("POST", f"/retention/cases/{case.id}/hold"),
        ("GET", f"/retention/holds/{world.hold.id}/lift"),
        ("POST", f"/retention/holds/{world.hold.id}/lift"),
    ]


def test_the_coordinator_sees_the_list_with_the_hold_and_the_view_is_audited(as_user, world):
    page = as_user(world.coordinator).get("/retention/")
    assert page.status_code == 200
    assert world.cases[0].reference in page.text and world.cases[1].reference in page.text
    assert "Nell" in page.text and "On hold" in page.text and "Court case still open" in page.text
    assert "Place a legal hold" in page.text and "Lift the hold" in page.text
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.verb == "retention_review.listed")
    ).one()
    assert event.user_id == world.coordinator.id
    assert set(event.detail["ids"]) == {c.id for c in world.cases}


@pytest.mark.parametrize("role", [Role.CHAIR, Role.ADVOCATE, Role.AGENCY_REP, Role.STEERING])
def test_every_other_role_of_the_marac_is_refused(as_user, world, role):
    user = factories.make_user(role, marac=world.marac)
    client = as_user(user)
    for method, path in _pages(world):
        resp = client.open(path, method=method, data={"reason": "x"})
        assert resp.status_code in (403, 404), f"{role} {method} {path}"
    assert client.get("/retention/").status_code == 403


def test_an_administrator_is_refused(as_user, world):
    client = as_user(factories.make_user(Role.ADMIN))
    for method, path in _pages(world):
        assert client.open(path, method=method).status_code in (403, 404)


def test_another_marac_s_coordinator_sees_none_of_these_cases(as_user, world):
    client = as_user(factories.make_user(Role.COORDINATOR))
    listing = client.get("/retention/")
    assert listing.status_code == 200
    assert world.cases[0].reference not in listing.text
    for method, path in _pages(world)[1:]:
        assert client.open(path, method=method, data={"reason": "x"}).status_code == 404


def test_placing_a_hold_needs_a_reason_beside_the_field_then_keeps_the_case(as_user, world):
    client = as_user(world.coordinator)
    case = world.cases[0]
    assert client.get(f"/retention/cases/{case.id}/hold").status_code == 200
    refused = client.post(f"/retention/cases/{case.id}/hold", data={"reason": "   "})
    assert refused.status_code == 422
    assert "Enter why the case must be kept" in refused.text
    too_long = client.post(f"/retention/cases/{case.id}/hold", data={"reason": "a" * 1001})
    assert too_long.status_code == 422 and "a" * 1001 in too_long.text
    done = client.post(f"/retention/cases/{case.id}/hold", data={"reason": "Inquest pending"})
    assert done.status_code in (302, 303)
    assert services.standing_hold(case.id).reason == "Inquest pending"
    # A second hold on a page read before the first: 409, theirs shown, the text kept.
    again = client.post(f"/retention/cases/{case.id}/hold", data={"reason": "My own reason"})
    assert again.status_code == 409
    assert "Inquest pending" in again.text and "My own reason" in again.text


def test_lifting_a_hold_needs_a_reason_and_a_stale_lift_is_a_conflict(as_user, world):
    client = as_user(world.coordinator)
    hold = world.hold
    form = client.get(f"/retention/holds/{hold.id}/lift")
    assert form.status_code == 200 and "Court case still open" in form.text
    refused = client.post(
        f"/retention/holds/{hold.id}/lift", data={"reason": "", "version": str(hold.version)}
    )
    assert refused.status_code == 422 and "Enter why the hold can end" in refused.text
    done = client.post(
        f"/retention/holds/{hold.id}/lift",
        data={"reason": "Judgment given", "version": str(hold.version)},
    )
    assert done.status_code in (302, 303)
    db.session.expire_all()
    lifted = db.session.get_one(LegalHold, hold.id)
    assert lifted.lifted_at is not None and lifted.lift_reason == "Judgment given"
    stale = client.post(
        f"/retention/holds/{hold.id}/lift", data={"reason": "Also over", "version": "1"}
    )
    assert stale.status_code == 409
    assert "Judgment given" in stale.text and "Also over" in stale.text


def test_the_admin_sets_the_years_and_the_action_per_marac(as_user, world):
    admin = as_user(factories.make_user(Role.ADMIN))
    marac = world.marac
    form = admin.get(f"/admin/maracs/{marac.id}/edit")
    assert "Years a case is kept after it closes" in form.text
    data = {
        "version": str(marac.version),
        "name": marac.name,
        "code": marac.code,
        "timezone": "Europe/London",
        "is_active": "y",
        "risk_tool_id": marac.risk_tool_id,
        "retention_years": "8",
        "retention_action": "delete",
    }
    bad = admin.post(f"/admin/maracs/{marac.id}/edit", data={**data, "retention_years": "0"})
    assert bad.status_code == 422 and "Enter a whole number from 1 to 50" in bad.text
    assert admin.post(f"/admin/maracs/{marac.id}/edit", data=data).status_code in (302, 303)
    db.session.expire_all()
    assert (marac.retention_years, marac.retention_action.value) == (8, "delete")


def test_the_list_and_the_forms_wait_for_the_information_sharing_agreement(as_user, world):
    agreements.save_text(
        world.coordinator, world.marac, "Share only what is needed.", seen_version=0, now=utcnow()
    )
    db.session.commit()
    client = as_user(world.coordinator)
    for path in (
        "/retention/",
        f"/retention/cases/{world.cases[0].id}/hold",
        f"/retention/holds/{world.hold.id}/lift",
    ):
        resp = client.get(path)
        assert resp.status_code == 303, path
        assert resp.headers["Location"].startswith("/agreements/")
