"""The draft minutes: drafted from what the meeting recorded, and edited in place."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from conference.actions.models import Action
from conference.audit.models import AuditEvent
from conference.conferences.choices import ConferenceStatus
from conference.db import utcnow
from conference.extensions import db
from conference.meetings.console import record_of
from conference.minutes.models import Minutes, MinutesRevision
from conference.minutes.queries import minutes_of
from tests import factories
from tests.conftest import HTMX
from tests.minutes.conftest import action_form, record_form, url


def test_the_draft_shows_what_the_meeting_recorded(world, as_user):
    page = as_user(world.chair).get(url(world)).get_data(as_text=True)
    first, second, deferred = world.items
    assert "Draft minutes" in page and world.conference.marac.name in page
    assert "Chay Ring" in page and "Civic Centre" in page
    # Attendance: who came for each agency and their confidentiality; housing's apologies.
    assert "Police Rep" in page and "Health Rep" in page and "Yes, " in page
    assert world.housing.name in page and "Information sent" in page
    assert "Everything shared at this meeting is confidential" in page
    assert "Do not copy, forward or email them" in page
    # Each case in agenda order, with its record and actions.
    assert page.index(first.case.reference) < page.index(second.case.reference)
    assert page.index(second.case.reference) < page.index(deferred.case.reference)
    assert "Nell Testwood" in page and "Cases with children in the household" in page
    assert "Agencies shared what they hold on case 1." in page
    assert "Risks to the victim" in page and "Threats to kill made last week." in page
    assert "Refer for a target-hardening assessment." in page
    assert page.count("Flag the address for an urgent response") >= 2
    assert 'Deferred: <span class="app-pre-line">Police enquiries continue' in page
    assert "Carried on to the conference on" in page
    assert "Finalise the minutes" in page


def test_viewing_the_minutes_is_audited_with_the_cases_shown(world, as_user):
    as_user(world.coordinator).get(url(world))
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.verb == "minutes.viewed")
    ).one()
    assert event.user_id == world.coordinator.id
    assert sorted(event.detail["case_ids"]) == sorted(c.id for c in world.cases)


def test_there_are_no_minutes_before_the_meeting_concludes(app, as_user):
    world = factories.meeting_world()
    factories.open_meeting(world)
    chair = as_user(world.chair)
    assert chair.get(url(world)).status_code == 404
    assert chair.get(url(world, "/print")).status_code == 404
    refused = chair.post(url(world, "/notes"), data={"opening_notes": "Early"})
    assert refused.status_code == 409
    assert "has not concluded" in refused.get_data(as_text=True)


def test_editing_a_record_with_htmx_swaps_only_that_record(world, as_user):
    item = world.items[0]
    data = record_form(item, risk_to_children="The child witnessed the last assault.")
    response = as_user(world.chair).post(
        url(world, f"/items/{item.id}/record"), data=data, headers=HTMX
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.startswith(f'<div id="record-{item.id}"') and "<html" not in body
    assert 'id="flash"' in body and "is saved" in body
    assert record_of(item).risk_to_children == "The child witnessed the last assault."
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.verb == "minutes.edited")
    ).one()
    assert event.detail["fields"] == ["risk_to_children"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MinutesRevision)) == 0


def test_editing_without_javascript_goes_back_to_the_page(world, as_user):
    item = world.items[1]
    data = record_form(item, decisions="Refer to the housing options team.")
    response = as_user(world.coordinator).post(url(world, f"/items/{item.id}/record"), data=data)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/minutes#record-{item.id}")
    assert record_of(item).decisions == "Refer to the housing options team."


def test_bad_input_is_refused_beside_the_field_and_nothing_typed_is_lost(world, as_user):
    item = world.items[0]
    data = record_form(item, decisions="My new decisions", risk_to_staff="x" * 4001)
    response = as_user(world.chair).post(
        url(world, f"/items/{item.id}/record"), data=data, headers=HTMX
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Must be 4000 characters or fewer" in body and "My new decisions" in body
    assert record_of(item).decisions == "Refer for a target-hardening assessment."


def test_a_stale_copy_is_refused_with_both_texts(world, as_user):
    item = world.items[0]
    stale = record_form(item, risk_to_victim="The chair's words on the risk.")
    saved = as_user(world.coordinator).post(
        url(world, f"/items/{item.id}/record"),
        data=record_form(item, risk_to_victim="The coordinator's words on the risk."),
    )
    assert saved.status_code == 303
    response = as_user(world.chair).post(
        url(world, f"/items/{item.id}/record"), data=stale, headers=HTMX
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Cora Ordinator saved this case&#39;s record" in body
    assert "The chair&#39;s words on the risk." in body  # their own text, kept in the form
    assert "The coordinator&#39;s words on the risk." in body  # what was saved first
    assert record_of(item).risk_to_victim == "The coordinator's words on the risk."
    # The form now carries the saved version: saving again replaces theirs, knowingly.
    again = as_user(world.chair).post(
        url(world, f"/items/{item.id}/record"), data=record_form(item, risk_to_victim="Merged.")
    )
    assert again.status_code == 303 and record_of(item).risk_to_victim == "Merged."


def test_the_notes_are_version_checked(world, as_user):
    minutes = minutes_of(world.conference.id)
    version = str(minutes.version)
    chair = as_user(world.chair)
    first = chair.post(
        url(world, "/notes"),
        data={"version": version, "opening_notes": "Introductions made.", "other_business": ""},
    )
    assert first.status_code == 303
    assert minutes_of(world.conference.id).opening_notes == "Introductions made."
    stale = as_user(world.coordinator).post(
        url(world, "/notes"),
        data={"version": version, "opening_notes": "Apologies noted.", "other_business": "None"},
        headers=HTMX,
    )
    body = stale.get_data(as_text=True)
    assert stale.status_code == 409
    assert body.startswith('<section id="minutes-notes"')
    assert "Apologies noted." in body and "Introductions made." in body
    plain = as_user(world.coordinator).post(
        url(world, "/notes"),
        data={"version": version, "opening_notes": "Apologies noted.", "other_business": "None"},
    )
    assert plain.status_code == 409 and "<html" in plain.text
    assert "Apologies noted." in plain.text and "Introductions made." in plain.text


def test_changing_an_action_is_version_checked(world, as_user):
    action = db.session.scalars(sa.select(Action).order_by(Action.id)).first()
    prefix = f"action-{action.id}"
    due = action.due_on + timedelta(days=7)
    data = action_form(
        prefix,
        owner=world.health,
        due=due,
        version=str(action.version),
        description="Fit a video doorbell",
    )
    response = as_user(world.chair).post(
        url(world, f"/actions/{action.id}"), data=data, headers=HTMX
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.startswith(
        f'<div id="actions-{action.agenda_item_id}"'
    )
    db.session.refresh(action)
    assert action.owner_agency_id == world.health.id and action.due_on == due
    stale = as_user(world.coordinator).post(
        url(world, f"/actions/{action.id}"),
        data=action_form(prefix, owner=world.police, due=due, version="1"),
        headers=HTMX,
    )
    assert stale.status_code == 409
    assert "Someone changed this action" in stale.get_data(as_text=True)
    plain = as_user(world.coordinator).post(
        url(world, f"/actions/{action.id}"),
        data=action_form(prefix, owner=world.police, due=due, version="1"),
    )
    assert plain.status_code == 409 and "<html" in plain.text
    assert "Someone changed this action" in plain.text
    # Theirs (the chair's) is shown, and the typed copy is kept in the form.
    assert "Fit a video doorbell" in plain.text
    assert re.search(r"<textarea[^>]*>\s*Offer a home security visit</textarea>", plain.text)
    db.session.refresh(action)
    assert action.owner_agency_id == world.health.id


def test_adding_an_action_needs_a_task_an_owner_and_a_due_date(world, as_user):
    item = world.items[1]
    prefix = f"new-{item.id}"
    data = action_form(prefix, owner=None, due=None, description="")
    response = as_user(world.chair).post(url(world, f"/items/{item.id}/actions"), data=data)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "the action needs a task" in body
    assert "Choose the agency that owns this action" in body
    assert "Enter the date the action is due" in body
    day = utcnow().date() + timedelta(days=14)
    added = as_user(world.chair).post(
        url(world, f"/items/{item.id}/actions"),
        data=action_form(prefix, owner=world.health, due=day),
        headers=HTMX,
    )
    assert added.status_code == 200 and "Offer a home security visit" in added.get_data(
        as_text=True
    )
    action = db.session.scalars(
        sa.select(Action).where(Action.owner_agency_id == world.health.id)
    ).one()
    assert action.agenda_item_id == item.id and action.due_on == day


def test_a_deferred_case_takes_no_edits(world, as_user):
    deferred = world.items[2]
    response = as_user(world.chair).post(
        url(world, f"/items/{deferred.id}/record"), data=record_form(deferred, decisions="x")
    )
    assert response.status_code == 409
    assert "deferred this case" in response.get_data(as_text=True)
    assert record_of(deferred) is None


def test_finalising_locks_the_minutes_and_tells_the_agencies_present_once(world, as_user):
    from conference.notifications.models import Notification

    chair = as_user(world.chair)
    response = chair.post(url(world, "/finalise"))
    assert response.status_code == 303 and response.headers["Location"].endswith("/minutes")
    db.session.refresh(world.conference)
    assert world.conference.status is ConferenceStatus.MINUTES_FINAL
    minutes = db.session.scalars(sa.select(Minutes)).one()
    assert minutes.finalised_at is not None and minutes.finalised_by_id == world.chair.id
    told = db.session.scalars(
        sa.select(Notification).where(Notification.kind == "minutes.final")
    ).all()
    expected = {
        world.police_rep.id,
        world.health_rep.id,
        world.childrens_rep.id,
        world.advocate.id,  # the IDVA service was present: its advocates are told
        world.chair.id,
    }
    assert {n.recipient_id for n in told} == expected  # housing sent apologies: not told
    assert all("Testwood" not in n.reference for n in told)
    again = chair.post(url(world, "/finalise"))
    assert again.status_code == 409 and "already final" in again.get_data(as_text=True)
    assert db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.kind == "minutes.final")
    ) == len(expected)
    assert db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.verb == "minutes.finalised")
    ).one()


def test_the_minutes_say_which_recorded_risks_no_action_addresses(world, as_user):
    first, second = world.items[0], world.items[1]
    addressed = db.session.scalars(sa.select(Action).where(Action.agenda_item_id == first.id)).one()
    addressed.risks = ["risk_to_victim"]
    db.session.commit()
    coordinator = as_user(world.coordinator)
    for page in (url(world), url(world, "/print")):
        body = coordinator.get(page).text
        assert f'id="unaddressed-{first.id}"' not in body
        assert "Addresses: risks to the victim" in body
        unaddressed = body.split(f'id="unaddressed-{second.id}"')[1].split("</p>")[0]
        assert "Risks with no action:</strong> risks to the victim." in unaddressed
    # An agency's copy holds only its own actions: it does not say what no action addresses.
    copy = coordinator.get(url(world, f"/print/agencies/{world.police.id}"))
    assert copy.status_code == 200
    assert "Risks with no action" not in copy.text
