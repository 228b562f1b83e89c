"""Adding and changing MARACs."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from conference.accounts.models import Marac
from conference.audit.models import AuditEvent
from conference.extensions import db
from tests import factories

NEW = {
    "name": "Westvale MARAC",
    "code": "wv1",
    "timezone": "Europe/London",
    "requires_two_factor": "y",
    "is_active": "y",
}


@pytest.fixture
def admin(client_as):
    return client_as("admin")


def _events(verb: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.verb == verb)))


def test_add_a_marac(admin):
    resp = admin.post("/admin/maracs/new", data=NEW)

    assert resp.status_code == 303
    assert resp.headers["Location"] == "/admin/maracs"
    marac = db.session.scalar(sa.select(Marac).where(Marac.name == "Westvale MARAC"))
    assert (marac.code, marac.timezone, marac.requires_two_factor, marac.is_active) == (
        "WV1",
        "Europe/London",
        True,
        True,
    )
    [event] = _events("marac.created")
    assert (event.user_id, event.object_id, event.marac_id) == (admin.user.id, marac.id, marac.id)
    page = admin.get("/admin/maracs").text
    assert "Westvale MARAC added." in page
    assert "WV1" in page


def test_change_a_marac(admin):
    marac = factories.make_marac(name="Eastmoor MARAC", code="EM")
    form = admin.get(f"/admin/maracs/{marac.id}/edit").text
    assert 'value="Eastmoor MARAC"' in form and 'value="EM"' in form

    resp = admin.post(
        f"/admin/maracs/{marac.id}/edit",
        data={"name": "Eastmoor and Dale MARAC", "code": "EM", "timezone": "Europe/London"},
    )

    assert resp.status_code == 303
    db.session.refresh(marac)
    assert marac.name == "Eastmoor and Dale MARAC"
    assert marac.is_active is False  # the box was left unticked
    assert marac.core_kinds == []  # and so were the core agencies
    [event] = _events("marac.updated")
    assert event.detail == {"fields": ["name", "is_active", "core_agency_kinds"]}
    assert "Eastmoor and Dale MARAC saved." in admin.get("/admin/maracs").text


def test_a_code_already_in_use_is_refused_keeping_what_was_typed(admin):
    factories.make_marac(name="Northbridge MARAC", code="NB")

    resp = admin.post("/admin/maracs/new", data={**NEW, "code": "nb", "timezone": "Europe/Dublin"})

    assert resp.status_code == 422
    assert "govuk-error-summary" in resp.text and 'href="#code"' in resp.text
    assert 'id="code-error"' in resp.text
    assert "Another MARAC already uses this code" in resp.text
    assert 'value="Westvale MARAC"' in resp.text
    assert '<option value="Europe/Dublin" selected>' in resp.text
    assert "<title>Error: Add a MARAC" in resp.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Marac)) == 1
    assert _events("marac.created") == []


@pytest.mark.parametrize("zone", ["Mars/Olympus", "../etc/passwd", "europe/london", ""])
def test_an_unknown_time_zone_is_refused(admin, zone):
    resp = admin.post("/admin/maracs/new", data={**NEW, "timezone": zone})

    assert resp.status_code == 422
    assert 'id="timezone-error"' in resp.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Marac)) == 0


def test_a_zone_outside_the_short_list_is_accepted_and_shown_again(admin):
    resp = admin.post("/admin/maracs/new", data={**NEW, "timezone": "Atlantic/Canary"})
    assert resp.status_code == 303
    marac = db.session.scalar(sa.select(Marac))
    assert marac.timezone == "Atlantic/Canary"
    form = admin.get(f"/admin/maracs/{marac.id}/edit").text
    assert '<option value="Atlantic/Canary" selected>' in form


@pytest.mark.parametrize("code", ["N", "NBRIDGE", "N-B", ""])
def test_a_code_must_be_two_to_six_letters_or_digits(admin, code):
    resp = admin.post("/admin/maracs/new", data={**NEW, "code": code})
    assert resp.status_code == 422
    assert 'id="code-error"' in resp.text


def test_a_missing_marac_is_not_found(admin):
    assert admin.get("/admin/maracs/999/edit").status_code == 404
    assert admin.post("/admin/maracs/999/edit", data=NEW).status_code == 404


def test_the_list_shows_status_and_the_index_counts(admin):
    factories.make_marac(name="Dormant MARAC", is_active=False)
    page = admin.get("/admin/maracs").text
    assert "Dormant MARAC" in page and "Inactive" in page
    index = admin.get("/admin/").text
    assert '<p class="govuk-body" id="count-maracs">1 MARAC</p>' in index
    assert "/admin/jobs/" in index


def test_a_marac_chooses_its_checklist_and_overrides_screening_thresholds(admin, app):
    marac = factories.make_marac(name="Kentish Vale MARAC", code="KV")
    form = admin.get(f"/admin/maracs/{marac.id}/edit").text
    assert "Domestic abuse risk checklist (24 questions)" in form
    assert "Leave empty to use the checklist&#39;s 14" in form

    resp = admin.post(
        f"/admin/maracs/{marac.id}/edit",
        data={
            "name": "Kentish Vale MARAC",
            "code": "KV",
            "timezone": "Europe/London",
            "is_active": "y",
            "risk_tool_id": "dash-24",
            "escalation_incidents": "3",
            "escalation_window_days": "182",
            "repeat_window_days": "",
        },
    )

    assert resp.status_code == 303
    db.session.refresh(marac)
    assert (marac.escalation_incidents, marac.escalation_window_days) == (3, 182)
    assert marac.high_risk_threshold is None and marac.repeat_window_days is None
    from conference.referrals.services import risk_tool_for

    _, rules = risk_tool_for(marac)
    assert (rules.high_risk_threshold, rules.escalation_window_days) == (14, 182)
    assert rules.repeat_window_days == 365


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("high_risk_threshold", "ten", "Enter a whole number, like 3"),
        ("high_risk_threshold", "0", "Enter a whole number from 1 to 100"),
        ("repeat_window_days", "5000", "Enter a whole number from 1 to 3660"),
        ("risk_tool_id", "made-up", "Not a valid choice"),
        ("adult_female_population", "52,000", "Enter a whole number, like 3"),
        ("adult_female_population", "0", "Enter a whole number from 1 to 20,000,000"),
    ],
)
def test_bad_screening_settings_are_refused_beside_the_field(admin, field, value, message):
    resp = admin.post("/admin/maracs/new", data={**NEW, field: value})
    assert resp.status_code == 422
    assert message in resp.text
    assert 'value="Westvale MARAC"' in resp.text
    assert db.session.scalar(sa.select(Marac).where(Marac.name == "Westvale MARAC")) is None


def test_the_confidentiality_statement_and_core_agencies_are_set_per_marac(admin):
    marac = factories.make_marac(name="Eastmoor MARAC", code="EM")
    form = admin.get(f"/admin/maracs/{marac.id}/edit").text
    assert 'value="police" checked' in form  # the default core agencies
    resp = admin.post(
        f"/admin/maracs/{marac.id}/edit",
        data={
            "name": "Eastmoor MARAC",
            "code": "EM",
            "timezone": "Europe/London",
            "is_active": "y",
            "confidentiality_statement": "Eastmoor's own words on confidentiality.",
            "core_kinds": ["police", "health"],
        },
    )
    assert resp.status_code == 303
    db.session.refresh(marac)
    assert marac.confidentiality_statement == "Eastmoor's own words on confidentiality."
    assert [kind.value for kind in marac.core_kinds] == ["police", "health"]


def test_the_adult_female_population_is_set_for_the_data_return(admin):
    marac = factories.make_marac(name="Eastmoor MARAC", code="EM")
    data = {"name": "Eastmoor MARAC", "code": "EM", "timezone": "Europe/London", "is_active": "y"}
    resp = admin.post(
        f"/admin/maracs/{marac.id}/edit", data={**data, "adult_female_population": "52000"}
    )
    assert resp.status_code == 303
    db.session.refresh(marac)
    assert marac.adult_female_population == 52000
    assert 'value="52000"' in admin.get(f"/admin/maracs/{marac.id}/edit").text
    [event] = _events("marac.updated")
    assert "adult_female_population" in event.detail["fields"]
    # Emptied, it is unset again: the return then says so rather than guessing.
    admin.post(f"/admin/maracs/{marac.id}/edit", data={**data, "adult_female_population": ""})
    db.session.refresh(marac)
    assert marac.adult_female_population is None


def test_the_serial_perpetrator_settings_are_set_per_marac(admin):
    marac = factories.make_marac(name="Eastmoor MARAC", code="EM")
    assert (marac.serial_victims, marac.serial_window_years) == (2, 3)
    data = {"name": "Eastmoor MARAC", "code": "EM", "timezone": "Europe/London", "is_active": "y"}
    resp = admin.post(
        f"/admin/maracs/{marac.id}/edit",
        data={**data, "serial_victims": "3", "serial_window_years": "5"},
    )
    assert resp.status_code == 303
    db.session.refresh(marac)
    assert (marac.serial_victims, marac.serial_window_years) == (3, 5)
    [event] = _events("marac.updated")
    assert {"serial_victims", "serial_window_years"} <= set(event.detail["fields"])
    # Emptied, they go back to the standard two victims within three years.
    admin.post(f"/admin/maracs/{marac.id}/edit", data=data)
    db.session.refresh(marac)
    assert (marac.serial_victims, marac.serial_window_years) == (2, 3)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("serial_victims", "1", "Enter a whole number from 2 to 20"),
        ("serial_window_years", "0", "Enter a whole number from 1 to 20"),
        ("serial_window_years", "three", "Enter a whole number, like 3"),
    ],
)
def test_bad_serial_perpetrator_settings_are_refused_beside_the_field(admin, field, value, message):
    resp = admin.post("/admin/maracs/new", data={**NEW, field: value})
    assert resp.status_code == 422
    assert message in resp.text
    assert db.session.scalar(sa.select(Marac).where(Marac.name == "Westvale MARAC")) is None


def test_how_long_agencies_keep_sight_of_a_conference_is_set_per_marac(admin):
    marac = factories.make_marac(name="Eastmoor MARAC", code="EM")
    assert marac.agency_access_days == 28
    data = {"name": "Eastmoor MARAC", "code": "EM", "timezone": "Europe/London", "is_active": "y"}
    assert (
        admin.post(
            f"/admin/maracs/{marac.id}/edit", data={**data, "agency_access_days": "0"}
        ).status_code
        == 303
    )
    db.session.refresh(marac)
    assert marac.agency_access_days == 0  # none: access ends with the final minutes
    refused = admin.post(
        f"/admin/maracs/{marac.id}/edit", data={**data, "agency_access_days": "400"}
    )
    assert refused.status_code == 422 and "Enter a whole number from 0 to 365" in refused.text
    admin.post(f"/admin/maracs/{marac.id}/edit", data=data)
    db.session.refresh(marac)
    assert marac.agency_access_days == 28


def test_the_longest_wait_for_a_conference_is_set_per_marac(admin):
    marac = factories.make_marac(name="Eastmoor MARAC", code="EM")
    assert marac.listing_wait_days == 21
    data = {"name": "Eastmoor MARAC", "code": "EM", "timezone": "Europe/London", "is_active": "y"}
    page = admin.get(f"/admin/maracs/{marac.id}/edit")
    assert "Longest wait for a conference, in days" in page.text
    saved = admin.post(f"/admin/maracs/{marac.id}/edit", data={**data, "listing_wait_days": "10"})
    assert saved.status_code == 303
    db.session.refresh(marac)
    assert marac.listing_wait_days == 10
    refused = admin.post(f"/admin/maracs/{marac.id}/edit", data={**data, "listing_wait_days": "0"})
    assert refused.status_code == 422 and "Enter a whole number from 1 to 365" in refused.text
    admin.post(f"/admin/maracs/{marac.id}/edit", data=data)
    db.session.refresh(marac)
    assert marac.listing_wait_days == 21


def test_whether_the_coordinators_agencies_research_is_set_per_marac(admin):
    marac = factories.make_marac(name="Eastmoor MARAC", code="EM")
    assert marac.coordinators_research is False
    data = {"name": "Eastmoor MARAC", "code": "EM", "timezone": "Europe/London", "is_active": "y"}
    page = admin.get(f"/admin/maracs/{marac.id}/edit").text
    assert "Ask the coordinators&#39; own agencies for research" in page
    admin.post(f"/admin/maracs/{marac.id}/edit", data={**data, "coordinators_research": "y"})
    db.session.refresh(marac)
    assert marac.coordinators_research is True
    admin.post(f"/admin/maracs/{marac.id}/edit", data=data)  # unticked
    db.session.refresh(marac)
    assert marac.coordinators_research is False


def test_the_overdue_action_ladder_is_set_per_marac(admin):
    marac = factories.make_marac(name="Eastmoor MARAC", code="EM")
    assert (marac.contact_after_days, marac.register_after_days) == (14, 28)
    assert 'name="contact_after_days"' in admin.get(f"/admin/maracs/{marac.id}/edit").text
    data = {"name": "Eastmoor MARAC", "code": "EM", "timezone": "Europe/London", "is_active": "y"}
    resp = admin.post(
        f"/admin/maracs/{marac.id}/edit",
        data={**data, "contact_after_days": "10", "register_after_days": "21"},
    )
    assert resp.status_code == 303
    db.session.refresh(marac)
    assert (marac.contact_after_days, marac.register_after_days) == (10, 21)
    [event] = _events("marac.updated")
    assert {"contact_after_days", "register_after_days"} <= set(event.detail["fields"])
    # Emptied, they go back to 14 and 28.
    admin.post(f"/admin/maracs/{marac.id}/edit", data=data)
    db.session.refresh(marac)
    assert (marac.contact_after_days, marac.register_after_days) == (14, 28)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"contact_after_days": "7"}, "Enter a whole number from 8 to 365"),
        ({"register_after_days": "400"}, "Enter a whole number from 9 to 366"),
        ({"register_after_days": "14"}, "Enter more days than before the point of contact is told"),
        (
            {"contact_after_days": "30", "register_after_days": "30"},
            "Enter more days than before the point of contact is told (30)",
        ),
    ],
)
def test_a_ladder_out_of_order_is_refused_beside_the_field(admin, values, message):
    resp = admin.post("/admin/maracs/new", data={**NEW, **values})
    assert resp.status_code == 422
    assert message in resp.text
    assert db.session.scalar(sa.select(Marac).where(Marac.name == "Westvale MARAC")) is None


def test_the_database_refuses_a_ladder_out_of_order(app):
    marac = factories.make_marac()
    marac.register_after_days = marac.contact_after_days
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_two_administrators_saving_one_marac_see_both_versions(admin, client_as):
    marac = factories.make_marac(name="Eastmoor MARAC", code="EM")
    other = client_as("admin")
    data = {"name": "Eastmoor MARAC", "code": "EM", "timezone": "Europe/London", "is_active": "y"}
    assert (
        'name="version" type="hidden" value="1"' in admin.get(f"/admin/maracs/{marac.id}/edit").text
    )
    first = other.post(
        f"/admin/maracs/{marac.id}/edit", data={**data, "agency_access_days": "14", "version": "1"}
    )
    assert first.status_code == 303
    second = admin.post(
        f"/admin/maracs/{marac.id}/edit", data={**data, "agency_access_days": "60", "version": "1"}
    )
    assert second.status_code == 409
    assert "Their saved version" in second.text
    assert "Theirs: 14" in second.text and "Yours: 60" in second.text
    assert 'value="60"' in second.text
    db.session.refresh(marac)
    assert marac.agency_access_days == 14


def _edit(admin, marac, **values):
    data = {"name": marac.name, "code": marac.code, "timezone": "Europe/London", "is_active": "y"}
    return admin.post(f"/admin/maracs/{marac.id}/edit", data={**data, **values})


def test_the_admin_chooses_among_every_risk_tool(admin, app):
    marac = factories.make_marac(name="Duluth Heights MARAC", code="DH")
    form = admin.get(f"/admin/maracs/{marac.id}/edit").text
    for tool in app.extensions["risk_tools"].values():
        assert f'value="{tool.id}"' in form and tool.name.replace("'", "&#39;") in form

    assert _edit(admin, marac, risk_tool_id="us-lethality-11").status_code == 303
    db.session.refresh(marac)
    assert marac.risk_tool_id == "us-lethality-11"
    page = admin.get(f"/admin/maracs/{marac.id}/edit").text
    assert (
        "Leave empty: the checklist&#39;s rule is a &#39;yes&#39; to any of questions 1 to 3"
        in page
    )


def test_a_threshold_is_refused_for_a_tool_whose_rule_has_none_or_beyond_its_reach(admin):
    marac = factories.make_marac(name="Duluth Heights MARAC", code="DH")
    resp = _edit(admin, marac, risk_tool_id="us-lethality-11", high_risk_threshold="4")
    assert resp.status_code == 422
    assert "Leave this empty: the chosen checklist&#39;s rule for visible high risk" in resp.text
    resp = _edit(admin, marac, risk_tool_id="dash-24", high_risk_threshold="25")
    assert (
        resp.status_code == 422 and "Enter a score the checklist can reach: 24 at most" in resp.text
    )
    assert 'value="25"' in resp.text  # what was typed is kept
    db.session.refresh(marac)
    assert marac.high_risk_threshold is None
