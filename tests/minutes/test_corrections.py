"""Final minutes are locked: every change is a correction with a reason, kept as a revision."""

from __future__ import annotations

import sqlalchemy as sa

from conference.actions.models import Action
from conference.audit.models import AuditEvent
from conference.extensions import db
from conference.meetings.console import record_of
from conference.minutes.models import MinutesRevision
from conference.minutes.queries import minutes_of
from tests.conftest import HTMX
from tests.minutes.conftest import action_form, finalise, record_form, url


def revisions() -> list[MinutesRevision]:
    return list(db.session.scalars(sa.select(MinutesRevision).order_by(MinutesRevision.number)))


def test_a_correction_without_a_reason_is_refused(world, as_user):
    finalise(world)
    item = world.items[0]
    data = record_form(item, risk_to_victim="Threats to kill, and a weapon seen.")
    response = as_user(world.chair).post(
        url(world, f"/items/{item.id}/record"), data=data, headers=HTMX
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "give the reason for this correction" in body
    assert "Threats to kill, and a weapon seen." in body  # kept for them to add the reason
    assert record_of(item).risk_to_victim == "Threats to kill made last week."
    assert revisions() == []


def test_a_correction_with_a_reason_is_kept_as_a_revision(world, as_user):
    finalise(world)
    item = world.items[0]
    data = record_form(
        item,
        risk_to_victim="Threats to kill, and a weapon seen.",
        reason="Police confirmed a weapon was seen.",
    )
    response = as_user(world.coordinator).post(url(world, f"/items/{item.id}/record"), data=data)
    assert response.status_code == 303
    assert record_of(item).risk_to_victim == "Threats to kill, and a weapon seen."
    (revision,) = revisions()
    assert revision.number == 1 and revision.agenda_item_id == item.id
    assert revision.actor_id == world.coordinator.id
    assert revision.reason == "Police confirmed a weapon was seen."
    assert revision.changes == {
        "risk_to_victim": [
            "Threats to kill made last week.",
            "Threats to kill, and a weapon seen.",
        ]
    }
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.verb == "minutes.corrected")
    ).one()
    assert event.detail["revision"] == 1 and event.detail["case_id"] == item.case_id
    page = as_user(world.chair).get(url(world)).get_data(as_text=True)
    assert "Revision 1 by Cora Ordinator on" in page
    assert "Police confirmed a weapon was seen." in page
    assert "changed: Risks to the victim" in page


def test_corrections_are_numbered_and_htmx_reloads_the_page(world, as_user):
    finalise(world)
    chair = as_user(world.chair)
    minutes = minutes_of(world.conference.id)
    chair.post(
        url(world, "/notes"),
        data={
            "version": str(minutes.version),
            "opening_notes": "Observers: two students.",
            "other_business": "",
            "reason": "Observers were not noted.",
        },
    )
    action = db.session.scalars(sa.select(Action).order_by(Action.id)).first()
    data = action_form(
        f"action-{action.id}",
        owner=world.childrens,
        due=action.due_on,
        version=str(action.version),
        description=action.description,
        priority="high",
        reason="Children's services took this on.",
    )
    response = chair.post(url(world, f"/actions/{action.id}"), data=data, headers=HTMX)
    assert response.status_code == 204
    assert response.headers["HX-Location"].endswith(f"/minutes#actions-{action.agenda_item_id}")
    # htmx then fetches the whole page, which shows the new revision and the message.
    page = chair.get(url(world), headers=HTMX).get_data(as_text=True)
    assert "<html" in page and "Revision 2 by Chay Ring" in page and "is saved" in page
    first, second = revisions()
    assert (first.number, first.agenda_item_id) == (1, None)
    assert first.changes == {"opening_notes": ["", "Observers: two students."]}
    assert second.number == 2 and second.agenda_item_id == action.agenda_item_id
    assert second.changes == {"action.owner_agency": [world.police.name, world.childrens.name]}


def test_an_action_added_to_final_minutes_is_a_correction(world, as_user):
    finalise(world)
    item = world.items[1]
    prefix = f"new-{item.id}"
    action = db.session.scalars(sa.select(Action).order_by(Action.id)).first()
    data = action_form(prefix, owner=world.health, due=action.due_on)
    refused = as_user(world.chair).post(url(world, f"/items/{item.id}/actions"), data=data)
    assert refused.status_code == 422
    data[f"{prefix}-reason"] = "The health visit was agreed but not typed."
    added = as_user(world.chair).post(url(world, f"/items/{item.id}/actions"), data=data)
    assert added.status_code == 303
    (revision,) = revisions()
    assert list(revision.changes) == ["action.added"]
    assert "Offer a home security visit" in revision.changes["action.added"][1]
