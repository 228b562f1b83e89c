"""The user list and search, and adding and changing users."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from conference.accounts.models import User
from conference.audit.models import AuditEvent
from conference.extensions import db
from tests import factories


@pytest.fixture
def admin(client_as):
    return client_as("admin", name="Morgan Ellis")


def _events(verb: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.verb == verb)))


def test_search_by_name_or_email(admin):
    factories.make_user("chair", name="Sam Carter", email="sam.carter@police.example")
    factories.make_user("advocate", name="Jo Whitfield", email="jo@idva.example")

    by_name = admin.get("/admin/users?q=carter").text
    assert "Sam Carter" in by_name and "Jo Whitfield" not in by_name
    assert "1 user matching" in by_name
    by_email = admin.get("/admin/users?q=IDVA.EXAMPLE").text
    assert "Jo Whitfield" in by_email and "Sam Carter" not in by_email
    assert 'value="IDVA.EXAMPLE"' in by_email
    nothing = admin.get("/admin/users?q=%25").text  # a literal %, not a wildcard
    assert "No users match your search" in nothing


def test_the_list_pages(app, admin):
    app.config["ADMIN_PAGE_SIZE"] = 2
    for name in ["Aisha Rahman", "Chris Doyle", "Lee Morgan", "Rob Patel"]:
        factories.make_user("agency_rep", name=name)

    first = admin.get("/admin/users").text
    assert "5 users, page 1 of 3" in first
    assert "Aisha Rahman" in first and "Chris Doyle" in first and "Lee Morgan" not in first
    assert 'href="/admin/users?page=2"' in first
    third = admin.get("/admin/users?page=3").text
    assert "Rob Patel" in third and "Aisha Rahman" not in third
    searched = admin.get("/admin/users?q=a&page=2").text
    assert "page=1&amp;q=a" in searched
    for nonsense in ["0", "-3", "x", "9" * 30]:
        assert admin.get(f"/admin/users?page={nonsense}").status_code == 200


def test_an_htmx_search_gets_only_the_results(admin):
    factories.make_user("chair", name="Sam Carter")
    resp = admin.get("/admin/users?q=sam", headers={"HX-Request": "true"})
    assert resp.status_code == 200
    assert "<html" not in resp.text
    assert resp.text.lstrip().startswith('<div id="user-results">')
    assert "Sam Carter" in resp.text


def test_the_list_shows_status(admin):
    factories.make_user("chair", name="Gone Away", is_active_account=False)
    factories.make_user("chair", name="New Starter", password=None)
    page = admin.get("/admin/users").text
    assert "Deactivated" in page and "No password" in page


def test_the_list_runs_the_same_queries_for_3_users_as_for_30(admin, count_queries):
    def queries_for_the_list() -> int:
        db.session.remove()  # as a fresh request would: nothing already loaded
        with count_queries() as statements:
            assert admin.get("/admin/users").status_code == 200
        return len(statements)

    for _ in range(2):
        factories.make_user("chair")
    admin.get("/admin/users")
    with_3 = queries_for_the_list()
    for _ in range(27):
        factories.make_user("agency_rep")
    with_30 = queries_for_the_list()

    assert "30 users" in admin.get("/admin/users").text
    assert with_30 == with_3


def test_add_a_user_then_land_on_their_page(admin):
    agency = factories.make_agency(name="Northbridge Homes")

    resp = admin.post(
        "/admin/users/new",
        data={
            "name": "Chris Doyle",
            "email": " Chris.Doyle@Homes.example ",
            "job_title": "Tenancy sustainment officer",
            "agency_id": str(agency.id),
        },
    )

    user = db.session.scalar(sa.select(User).where(User.name == "Chris Doyle"))
    assert resp.status_code == 303
    assert resp.headers["Location"] == f"/admin/users/{user.id}"
    assert user.email == "chris.doyle@homes.example"
    assert user.password_hash is None and user.role_grants == []
    [event] = _events("user.created")
    assert event.object_id == user.id and event.user_id == admin.user.id
    page = admin.get(resp.headers["Location"]).text
    assert "Chris Doyle added. Now grant them a role, then issue a password-set link" in page
    assert "Tenancy sustainment officer" in page and "Northbridge Homes" in page


def test_an_email_already_in_use_is_refused_keeping_what_was_typed(admin):
    agency = factories.make_agency(name="Northbridge Homes")
    factories.make_user(email="chris.doyle@homes.example")

    resp = admin.post(
        "/admin/users/new",
        data={
            "name": "Christopher Doyle",
            "email": "CHRIS.DOYLE@homes.example",
            "job_title": "Housing officer",
            "agency_id": str(agency.id),
        },
    )

    assert resp.status_code == 422
    assert 'id="email-error"' in resp.text and 'href="#email"' in resp.text
    assert "A user with this email address already exists" in resp.text
    assert 'value="Christopher Doyle"' in resp.text
    assert 'value="Housing officer"' in resp.text
    assert f'<option value="{agency.id}" selected>' in resp.text
    assert _events("user.created") == []


@pytest.mark.parametrize(
    ("field", "value"),
    [("email", "chris"), ("name", ""), ("agency_id", ""), ("agency_id", "999"), ("agency_id", "x")],
)
def test_bad_details_are_refused_beside_the_field(admin, field, value):
    agency = factories.make_agency()
    data = {"name": "Chris Doyle", "email": "chris@homes.example", "agency_id": str(agency.id)}
    resp = admin.post("/admin/users/new", data={**data, field: value})
    assert resp.status_code == 422
    assert f'id="{field}-error"' in resp.text
    assert _events("user.created") == []


def test_an_inactive_agency_is_not_offered_for_a_new_user(admin):
    factories.make_agency(name="Closed Service", is_active=False)
    assert "Closed Service" not in admin.get("/admin/users/new").text


def test_change_a_users_details(admin):
    user = factories.make_user(name="Jo Whitfield", job_title="IDVA")
    form = admin.get(f"/admin/users/{user.id}/edit").text
    assert 'value="Jo Whitfield"' in form and 'value="IDVA"' in form

    resp = admin.post(
        f"/admin/users/{user.id}/edit",
        data={
            "name": "Jo Whitfield",
            "email": user.email,
            "job_title": "Senior IDVA",
            "agency_id": str(user.agency_id),
        },
    )

    assert resp.status_code == 303
    assert resp.headers["Location"] == f"/admin/users/{user.id}"
    db.session.refresh(user)
    assert user.job_title == "Senior IDVA"
    [event] = _events("user.updated")
    assert event.detail == {"fields": ["job_title"]}
    assert "Details saved for Jo Whitfield." in admin.get(f"/admin/users/{user.id}").text


def test_moving_a_user_to_an_agency_off_their_marac_is_refused(admin):
    user = factories.make_user("chair", name="Sam Carter")
    elsewhere = factories.make_agency(name="Eastmoor Police", maracs=[factories.make_marac()])

    resp = admin.post(
        f"/admin/users/{user.id}/edit",
        data={"name": "Sam Carter", "email": user.email, "agency_id": str(elsewhere.id)},
    )

    assert resp.status_code == 422
    assert 'id="agency_id-error"' in resp.text
    assert "revoke those roles first" in resp.text
    db.session.refresh(user)
    assert user.agency_id != elsewhere.id
    assert _events("user.updated") == []


def test_a_missing_user_is_not_found(admin):
    assert admin.get("/admin/users/999").status_code == 404
    assert admin.get("/admin/users/999/edit").status_code == 404
    assert admin.post("/admin/users/999/roles", data={"role": "admin"}).status_code == 404
