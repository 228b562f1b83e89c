"""Who has seen this case: the coordinator's access report and its export."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from conference.audit.models import AuditEvent
from conference.db import utcnow
from conference.extensions import db
from conference.referrals.models import Referral
from tests import factories
from tests.conftest import sign_in


@pytest.fixture
def world(app):
    return factories.meeting_world(cases=2)


def _report(client, case, **args):
    return client.get(f"/cases/{case.id}/access", query_string=args)


def test_a_view_by_each_role_appears_with_the_person_and_the_page(app, as_user, world):
    case, other = world.cases
    as_user(world.advocate).get(f"/cases/{case.id}")
    as_user(world.chair).get(f"/conferences/{world.conference.id}")
    as_user(world.police_rep).get(f"/research/{world.conference.id}")
    referral_id = db.session.scalar(sa.select(Referral.id).where(Referral.case_id == case.id))
    as_user(world.coordinator).get(f"/referrals/{referral_id}")
    as_user(world.coordinator).get(f"/cases/{case.id}")
    # A view of another case is not in this one's report.
    as_user(world.housing_rep)  # signed in, but sees nothing
    as_user(world.coordinator).get(f"/cases/{other.id}")

    page = _report(as_user(world.coordinator), case)
    assert page.status_code == 200
    table = page.text.split('id="access-events"')[1]
    assert "Ada Vocate" in table and "Advocate (IDVA)" in table
    assert "Chay Ring" in table and "Chair" in table
    assert "Police Rep" in table and "Agency representative" in table
    assert "research.viewed" in table
    assert "agenda.viewed" in table
    assert "Cora Ordinator" in table and "page: case" in table
    assert "referral.viewed" in table
    assert "Housing Rep" not in table
    # Another case's view is not there: one case.viewed by the coordinator, one by the advocate.
    assert table.count("case.viewed") == 2


def test_lists_that_showed_the_case_appear_and_lists_that_did_not_are_left_out(app, as_user, world):
    case, other = world.cases
    coordinator = as_user(world.coordinator)
    coordinator.get(f"/cases/?q={case.reference}")  # a list showing this case only
    coordinator.get(f"/cases/?q={other.reference}")  # a list showing the other only

    table = _report(coordinator, case).text.split('id="access-events"')[1]

    assert table.count("cases.listed") == 1
    assert "A list naming the case" in table
    other_table = _report(coordinator, other).text.split('id="access-events"')[1]
    assert other_table.count("cases.listed") == 1


def test_the_report_and_its_export_are_audited_and_the_csv_holds_the_rows(app, as_user, world):
    case = world.cases[0]
    as_user(world.advocate).get(f"/cases/{case.id}")
    coordinator = as_user(world.coordinator)
    assert _report(coordinator, case).status_code == 200
    resp = coordinator.get(f"/cases/{case.id}/access.csv")
    assert resp.status_code == 200
    assert resp.mimetype == "text/csv"
    assert resp.headers["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(resp.text)))
    assert rows[0] == ["OFFICIAL-SENSITIVE"]
    assert rows[1][:4] == ["When (UTC)", "Person", "Agency", "Role"]
    assert any(r[1] == "Ada Vocate" and r[5] == "case.viewed" for r in rows[2:])
    verbs = db.session.scalars(
        sa.select(AuditEvent.verb).where(
            AuditEvent.user_id == world.coordinator.id,
            AuditEvent.object_type == "Case",
            AuditEvent.object_id == case.id,
        )
    ).all()
    assert "case.access_report_viewed" in verbs
    assert "case.access_report_exported" in verbs
    # The export is in the report it exports from.
    assert "case.access_report_exported" in _report(coordinator, case).text


def test_dates_narrow_the_report_and_bad_dates_are_refused_beside_the_field(app, as_user, world):
    case = world.cases[0]
    as_user(world.advocate).get(f"/cases/{case.id}")
    coordinator = as_user(world.coordinator)
    today = utcnow().date()
    yesterday = (today - timedelta(days=1)).isoformat()
    assert "Ada Vocate" in _report(coordinator, case, on_or_after=today.isoformat()).text
    assert (
        "Ada Vocate"
        not in _report(coordinator, case, on_or_after=yesterday, on_or_before=yesterday).text.split(
            "access-count"
        )[1]
    )
    bad = _report(coordinator, case, on_or_after=today.isoformat(), on_or_before=yesterday)
    assert bad.status_code == 422
    assert "The &#39;to&#39; date must be the same as or after the &#39;from&#39; date" in bad.text
    assert coordinator.get(f"/cases/{case.id}/access.csv?on_or_after=junk").status_code == 422


def test_the_report_pages_itself(app, as_user, world):
    app.config["AUDIT_PAGE_SIZE"] = 3
    case = world.cases[0]
    advocate = as_user(world.advocate)
    for _ in range(7):
        advocate.get(f"/cases/{case.id}")
    coordinator = as_user(world.coordinator)
    first = _report(coordinator, case)
    assert "page 1 of" in first.text
    assert f"/cases/{case.id}/access?page=2" in first.text
    assert _report(coordinator, case, page=2).status_code == 200
    assert _report(coordinator, case, page=999).status_code == 200


ROLES = ["admin", "coordinator", "chair", "advocate", "agency_rep", "steering"]


@pytest.mark.parametrize("path", ["/cases/{case}/access", "/cases/{case}/access.csv"])
@pytest.mark.parametrize("role", [*ROLES, "other_coordinator", None])
def test_only_the_case_s_coordinators_open_the_report(app, client, client_as, world, role, path):
    case = world.cases[0]
    target = path.format(case=case.id)
    before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    if role is None:
        resp = client.get(target)
        assert resp.status_code == 303
        assert resp.headers["Location"].startswith("/sign-in")
        return
    if role == "coordinator":
        resp = sign_in(client, world.coordinator).get(target)
        assert resp.status_code == 200
        return
    if role == "other_coordinator":
        resp = client_as("coordinator").get(target)
    elif role == "admin":
        resp = client_as("admin").get(target)
    else:
        resp = client_as(role, marac=world.marac).get(target)
    assert resp.status_code == 404
    after = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    assert after == before
