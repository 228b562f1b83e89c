"""Adding and changing agencies, and the MARACs they sit on."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from conference.accounts.models import Agency, AgencyKind
from conference.audit.models import AuditEvent
from conference.extensions import db
from tests import factories


@pytest.fixture
def admin(client_as):
    return client_as("admin")


@pytest.fixture
def maracs(app):
    return [
        factories.make_marac(name="Northbridge MARAC", code="NB"),
        factories.make_marac(name="Eastmoor MARAC", code="EM"),
    ]


def _form(maracs, **changes) -> dict:
    data = {
        "name": "Northshire Police",
        "kind": "police",
        "marac_ids": [str(m.id) for m in maracs],
        "contact_name": "DI Sam Carter",
        "contact_email": "marac.unit@northshire-police.example",
        "contact_phone": "01632 960 001",
        "is_active": "y",
    }
    return {**data, **changes}


def _events(verb: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.verb == verb)))


def test_add_an_agency_on_two_maracs(admin, maracs):
    resp = admin.post("/admin/agencies/new", data=_form(maracs))

    assert resp.status_code == 303
    assert resp.headers["Location"] == "/admin/agencies"
    agency = db.session.scalar(sa.select(Agency).where(Agency.name == "Northshire Police"))
    assert agency.kind is AgencyKind.POLICE
    assert sorted(m.code for m in agency.maracs) == ["EM", "NB"]
    assert agency.contact_phone == "01632 960 001"
    [event] = _events("agency.created")
    assert event.object_id == agency.id and event.user_id == admin.user.id
    page = admin.get("/admin/agencies").text
    assert "Northshire Police added." in page
    assert "Police" in page and "Eastmoor MARAC" in page and "Northbridge MARAC" in page


def test_change_an_agency_and_its_maracs(admin, maracs):
    agency = factories.make_agency(name="Northbridge Homes", kind=AgencyKind.HOUSING, maracs=maracs)
    form = admin.get(f"/admin/agencies/{agency.id}/edit").text
    assert form.count("checked") == 3  # both MARACs, and "active"
    assert '<option value="housing" selected>' in form

    resp = admin.post(
        f"/admin/agencies/{agency.id}/edit",
        data=_form(maracs[:1], name="Northbridge Homes", kind="housing", contact_phone=""),
    )

    assert resp.status_code == 303
    db.session.refresh(agency)
    assert [m.code for m in agency.maracs] == ["NB"]
    [event] = _events("agency.updated")
    assert set(event.detail["fields"]) == {"contact_name", "contact_email", "maracs"}


def test_a_name_already_in_use_is_refused_keeping_what_was_typed(admin, maracs):
    factories.make_agency(name="Northshire Police")

    resp = admin.post("/admin/agencies/new", data=_form(maracs[1:], kind="probation"))

    assert resp.status_code == 422
    assert 'id="name-error"' in resp.text and 'href="#name"' in resp.text
    assert "An agency with this name already exists" in resp.text
    assert 'value="marac.unit@northshire-police.example"' in resp.text
    assert '<option value="probation" selected>' in resp.text
    assert f'value="{maracs[1].id}" checked' in resp.text
    assert f'value="{maracs[0].id}" checked' not in resp.text
    assert _events("agency.created") == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("contact_email", "not an email"),
        ("contact_phone", "call the front desk"),
        ("kind", "secret_service"),
        ("kind", ""),
        ("name", "  "),
    ],
)
def test_bad_details_are_refused_beside_the_field(admin, maracs, field, value):
    resp = admin.post("/admin/agencies/new", data=_form(maracs, **{field: value}))
    assert resp.status_code == 422
    assert f'id="{field}-error"' in resp.text
    assert _events("agency.created") == []


def test_a_missing_agency_is_not_found(admin):
    assert admin.get("/admin/agencies/999/edit").status_code == 404


def test_a_marac_cannot_be_taken_off_an_agency_whose_people_hold_roles_there(admin, maracs):
    northbridge, eastmoor = maracs
    agency = factories.make_agency(name="Northshire Police", maracs=[northbridge, eastmoor])
    factories.make_user("chair", marac=eastmoor, agency=agency)

    resp = admin.post(f"/admin/agencies/{agency.id}/edit", data=_form([northbridge]))

    assert resp.status_code == 422
    assert "1 person at this agency still holds roles" in resp.text
    db.session.expire_all()
    assert {m.code for m in db.session.get(Agency, agency.id).maracs} == {"NB", "EM"}
    assert _events("agency.updated") == []


def test_two_administrators_saving_one_agency_see_both_versions(admin, client_as, maracs):
    agency = factories.make_agency(name="Northbridge Homes", kind=AgencyKind.HOUSING, maracs=maracs)
    other = client_as("admin")
    copy = admin.get(f"/admin/agencies/{agency.id}/edit").text
    assert 'name="version" type="hidden" value="1"' in copy
    first = other.post(
        f"/admin/agencies/{agency.id}/edit",
        data={**_form(maracs, name="Northbridge Homes", kind="housing"),
              "contact_name": "Dana Fairweather", "version": "1"},
    )  # fmt: skip
    assert first.status_code == 303
    second = admin.post(
        f"/admin/agencies/{agency.id}/edit",
        data={**_form(maracs, name="Northbridge Homes", kind="housing"),
              "contact_name": "Rowan Whitlock", "version": "1"},
    )  # fmt: skip
    assert second.status_code == 409
    assert "Their saved version" in second.text and "Dana Fairweather" in second.text
    assert 'value="Rowan Whitlock"' in second.text  # yours, kept in the form
    assert 'name="version" type="hidden" value="2"' in second.text
    db.session.refresh(agency)
    assert agency.contact_name == "Dana Fairweather"
