"""The previous plan beside the new one: each earlier action with how it ended, an unfinished
one carried into the new plan in one step, and the risks each action addresses."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from conference.actions.choices import ActionStatus
from conference.actions.models import Action, ActionUpdate
from conference.conferences import display
from conference.db import utcnow
from conference.extensions import db
from conference.meetings import console
from tests import factories
from tests.conftest import HTMX
from tests.meetings.test_console import _first_open, _url


def _heard_before(world):
    """The first case on today's agenda was heard before: one action still open, one done."""
    case = world.cases[0]
    today = utcnow().date()
    unfinished = factories.past_action(
        world, case, due_on=today - timedelta(days=4), description="Fit a door alarm"
    )
    done = factories.past_action(
        world,
        case,
        due_on=today - timedelta(days=30),
        status=ActionStatus.DONE,
        description="Change the locks",
    )
    return unfinished, done


def _carry_url(world, item, action):
    return _url(world, f"/items/{item.id}/carry/{action.id}")


def test_each_earlier_action_shows_how_it_ended_and_only_the_unfinished_can_be_carried(
    world, as_user
):
    unfinished, done = _heard_before(world)
    chair = as_user(world.chair)
    item = _first_open(world, chair)
    page = chair.get(_url(world)).text
    earlier = page.split('id="case-earlier"')[1].split("</details>")[0]
    assert "Fit a door alarm" in earlier and "<strong>Open</strong>" in earlier
    assert "Change the locks" in earlier and "<strong>Done</strong>" in earlier
    assert _carry_url(world, item, unfinished) in earlier
    assert _carry_url(world, item, done) not in earlier
    assert earlier.count("Carry into this plan") == 1


def test_carrying_forward_makes_a_linked_action_and_ends_the_old_one_in_one_step(world, as_user):
    unfinished, _ = _heard_before(world)
    chair = as_user(world.chair)
    item = _first_open(world, chair)
    carried = chair.post(
        _carry_url(world, item, unfinished), data={"version": str(unfinished.version)}, headers=HTMX
    )
    assert carried.status_code == 200
    body = carried.text
    assert body.lstrip().startswith(f'<section id="actions-{item.id}"')
    plan = body.split(f'<section id="actions-{item.id}"')[1].split("</section>")[0]
    assert "Fit a door alarm" in plan and "Carried forward from an earlier plan" in plan
    # The earlier plans and what is missing refresh beside it: the old one now says how it ended.
    earlier = body.split('id="case-earlier"')[1].split("</details>")[0]
    assert 'hx-swap-oob="true"' in body.split('id="case-earlier"')[1][:80]
    assert "<strong>Carried forward into a later plan</strong>" in earlier
    assert "Carry into this plan" not in earlier
    assert "Agree at least one action" not in body
    new = db.session.scalars(sa.select(Action).where(Action.agenda_item_id == item.id)).one()
    assert new.carried_from_id == unfinished.id
    assert (new.description, new.owner_agency_id, new.priority) == (
        unfinished.description,
        unfinished.owner_agency_id,
        unfinished.priority,
    )
    assert new.due_on == display.local_day(world.conference) + timedelta(days=28)
    db.session.refresh(unfinished)
    assert unfinished.status is ActionStatus.CARRIED_FORWARD
    update = db.session.scalars(
        sa.select(ActionUpdate).where(ActionUpdate.action_id == unfinished.id)
    ).one()
    assert update.status is ActionStatus.CARRIED_FORWARD
    assert update.note.startswith("Carried forward into the plan of ")
    # Its owner can no longer report on it: it lives on as the new action.
    police = as_user(world.police_rep)
    assert police.get("/actions/").status_code == 200


def test_an_action_carried_once_is_not_carried_again(world, as_user):
    unfinished, _ = _heard_before(world)
    chair = as_user(world.chair)
    item = _first_open(world, chair)
    url = _carry_url(world, item, unfinished)
    assert chair.post(url, data={"version": str(unfinished.version)}).status_code == 303
    db.session.refresh(unfinished)
    again = chair.post(url, data={"version": str(unfinished.version)}, headers=HTMX)
    assert again.status_code == 409
    assert "carried forward into a later meeting&#39;s plan" in again.text
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Action).where(Action.agenda_item_id == item.id)
        )
        == 1
    )


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_an_action_changed_since_the_chair_saw_it_is_not_carried_unseen(world, as_user, headers):
    unfinished, _ = _heard_before(world)
    chair = as_user(world.chair)
    item = _first_open(world, chair)
    seen = unfinished.version
    # The owner reports progress after the chair opened the case.
    unfinished.status = ActionStatus.IN_PROGRESS
    db.session.commit()
    refused = chair.post(
        _carry_url(world, item, unfinished), data={"version": str(seen)}, headers=headers
    )
    assert refused.status_code == 409
    assert "it was not carried forward" in refused.text
    assert "Fit a door alarm" in refused.text
    db.session.refresh(unfinished)
    assert unfinished.status is ActionStatus.IN_PROGRESS
    assert not db.session.scalars(sa.select(Action).where(Action.agenda_item_id == item.id)).all()


@pytest.mark.parametrize("who", ["police_rep", "advocate", "coordinator_elsewhere"])
def test_only_whoever_runs_the_meeting_carries_an_action(world, as_user, who):
    unfinished, _ = _heard_before(world)
    item = _first_open(world, as_user(world.chair))
    if who == "coordinator_elsewhere":
        from conference.accounts.models import Role

        user = factories.make_user(Role.COORDINATOR)
    else:
        user = getattr(world, who)
    refused = as_user(user).post(
        _carry_url(world, item, unfinished), data={"version": str(unfinished.version)}
    )
    assert refused.status_code == 404
    db.session.refresh(unfinished)
    assert unfinished.status is ActionStatus.OPEN


def test_an_action_of_another_case_cannot_be_carried(world, as_user):
    other = factories.past_action(
        world, world.cases[1], due_on=utcnow().date(), description="Not hers"
    )
    chair = as_user(world.chair)
    item = _first_open(world, chair)
    refused = chair.post(_carry_url(world, item, other), data={"version": str(other.version)})
    assert refused.status_code == 404


def test_an_action_names_the_risks_it_addresses_and_an_unknown_one_is_refused(world, as_user):
    chair = as_user(world.chair)
    item = _first_open(world, chair)
    prefix = f"new-{item.id}"
    data = {
        f"{prefix}-description": "Install a panic alarm",
        f"{prefix}-owner_agency_id": str(world.police.id),
        f"{prefix}-due_in": "14",
        f"{prefix}-priority": "high",
    }
    url = _url(world, f"/items/{item.id}/actions")
    page = chair.get(_url(world)).text
    assert "Risks it addresses (optional)" in page
    refused = chair.post(url, data={**data, f"{prefix}-risks": "risk_to_cats"}, headers=HTMX)
    assert refused.status_code == 422
    assert "Install a panic alarm" in refused.text  # nothing typed lost
    added = chair.post(
        url,
        data={**data, f"{prefix}-risks": ["risk_to_children", "risk_to_victim"]},
        headers=HTMX,
    )
    assert added.status_code == 200
    assert "Addresses: risks to the victim, risks to children" in added.text
    action = db.session.scalars(sa.select(Action).where(Action.agenda_item_id == item.id)).one()
    assert action.risks == ["risk_to_victim", "risk_to_children"]


def test_the_risks_without_an_action_are_those_recorded_that_no_action_names():
    from conference.meetings.models import Discussion

    record = Discussion(risk_to_victim="Threats to kill", risk_to_staff="Dog", risk_to_others="")
    actions = [Action(risks=["risk_to_victim"]), Action(risks=[])]
    assert console.risks_without_action(record, actions) == ["risk_to_staff"]
    assert console.risks_without_action(None, actions) == []
