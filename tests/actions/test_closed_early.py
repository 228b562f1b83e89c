"""A case closed before its plan is done: its open actions stay on their agency's list and on
the tracker, marked "Case closed", until the agency reports on each; each agency sees only its
own."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from conference.actions.choices import ActionStatus, Priority
from conference.actions.models import Action
from conference.audit.models import AuditEvent
from conference.db import utcnow
from conference.extensions import db
from conference.referrals.choices import CaseStatus
from tests import factories
from tests.conftest import HTMX

POLICE_ACTION = "Flag the address for an urgent response"
HEALTH_ACTION = "Book her a GP review at the walk-in centre"


def closed_early_world():
    """held_meeting_world with a health action added to the first case, which the
    coordinator then closes with both actions still open."""
    world = factories.held_meeting_world()
    case = world.cases[0]
    police = db.session.scalars(sa.select(Action).where(Action.case_id == case.id)).one()
    health = Action(
        case_id=case.id,
        agenda_item_id=police.agenda_item_id,
        description=HEALTH_ACTION,
        owner_agency_id=world.health.id,
        due_on=utcnow().date() + timedelta(days=14),
        priority=Priority.MEDIUM,
        agreed_by_id=world.chair.id,
    )
    db.session.add(health)
    db.session.commit()
    world.police_action, world.health_action = police, health
    return world


@pytest.fixture
def world(cached_world):
    return cached_world(f"{__name__}.world", closed_early_world)


def _close_early(world, as_user) -> None:
    case = world.cases[0]
    closed = as_user(world.coordinator).post(
        f"/cases/{case.id}/close", data={"close-reason": "She has moved out of the area"}
    )
    assert closed.status_code == 303
    db.session.refresh(case)
    assert case.status is CaseStatus.CLOSED


def _block(page: str, action: Action) -> str:
    return page.split(f'id="action-{action.id}"')[1].split("</section>")[0]


def test_the_owner_still_sees_and_reports_on_an_action_of_a_case_closed_early(world, as_user):
    _close_early(world, as_user)
    case, action = world.cases[0], world.police_action
    police = as_user(world.police_rep)
    page = police.get("/actions/").text
    block = _block(page, action)
    assert case.reference in block and POLICE_ACTION in block
    assert "Case closed" in block and "Report on this action" in block
    opened = police.get(f"/actions/?report={action.id}", headers=HTMX).text
    assert "Case closed" in opened and "Save the update" in opened
    assert HEALTH_ACTION not in page  # another agency's action on the same case
    listed = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.verb == "actions.listed")
    ).all()
    assert case.id in listed[-1].detail["case_ids"]

    health_page = as_user(world.health_rep).get("/actions/").text
    assert HEALTH_ACTION in health_page and POLICE_ACTION not in health_page

    prefix = f"action-{action.id}"
    reported = police.post(
        f"/actions/{action.id}/status",
        headers=HTMX,
        data={
            f"{prefix}-version": str(action.version),
            f"{prefix}-status": "done",
            f"{prefix}-note": "Address flagged before she moved",
        },
    )
    assert reported.status_code == 200 and "Closed. It leaves this list." in reported.text
    db.session.refresh(action)
    db.session.refresh(case)
    assert action.status is ActionStatus.DONE and case.status is CaseStatus.CLOSED
    assert f'id="action-{action.id}"' not in police.get("/actions/").text


def test_the_tracker_keeps_them_in_its_default_view_marked(world, as_user):
    _close_early(world, as_user)
    page = as_user(world.coordinator).get("/actions/tracker").text
    for action, words in (
        (world.police_action, POLICE_ACTION),
        (world.health_action, HEALTH_ACTION),
    ):
        row = page.split(f'id="tracked-{action.id}"')[1].split("</tr>")[0]
        assert words in row and world.cases[0].reference in row and "Case closed" in row
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.verb == "actions.tracked")
    ).one()
    assert world.cases[0].id in event.detail["case_ids"]
