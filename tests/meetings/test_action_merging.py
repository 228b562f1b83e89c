"""A stale change of an action in the meeting merges: only the parts this user changed are
written, a text both changed is set side by side to choose, and the owner, due date or priority
both changed shows the saved action above the typing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from conference.db import utcnow
from conference.extensions import db
from conference.meetings import console
from conference.meetings.console import action_values
from tests.conftest import HTMX
from tests.meetings.test_console import _first_open, _url


def _started(world, as_user):
    """The chair and the coordinator, each with a copy of one action agreed in the meeting."""
    chair, coordinator = as_user(world.chair), as_user(world.coordinator)
    item = _first_open(world, chair)
    action = console.add_action(
        item,
        description="Refer to refuge",
        owner=world.idva,
        owner_name="",
        due_on=utcnow().date() + timedelta(days=7),
        priority=console.Priority.MEDIUM,
        actor=world.chair,
        now=utcnow(),
    )
    db.session.commit()
    return chair, coordinator, action, _url(world, f"/actions/{action.id}")


def _copy(action, **changes):
    """The change form as read at the action's version, with its bases, and changes."""
    prefix = f"action-{action.id}"
    saved = action_values(action)
    day = action.due_on
    data = {
        f"{prefix}-version": str(action.version),
        f"{prefix}-description": saved["description"],
        f"{prefix}-owner_name": saved["owner_name"],
        f"{prefix}-owner_agency_id": saved["owner_agency_id"],
        f"{prefix}-due_in": "other",
        f"{prefix}-due_on": [str(day.day), str(day.month), str(day.year)],
        f"{prefix}-priority": saved["priority"],
        **{f"{prefix}-{name}.base": value for name, value in saved.items()},
    }
    return data | {f"{prefix}-{name}": value for name, value in changes.items()}


def _saved(action):
    db.session.expire_all()
    return db.session.get(type(action), action.id)


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_a_stale_action_change_writes_only_what_she_changed(world, as_user, headers):
    chair, coordinator, action, url = _started(world, as_user)
    # The change form she opens (in place, or on the console without JavaScript).
    opened = coordinator.get(_url(world, f"/actions/{action.id}/change"), headers=HTMX).text
    on_console = coordinator.get(_url(world, f"?change={action.id}")).text
    for page in (opened, on_console):
        for name in ("description", "owner_name", "owner_agency_id", "due_on", "priority"):
            assert f'name="action-{action.id}-{name}.base"' in page  # the copy carries its base
    his, hers = _copy(action, priority="high"), _copy(action, owner_name="Sam at the IDVA service")
    assert chair.post(url, data=his, headers=HTMX).status_code == 200
    merged = coordinator.post(url, data=hers, headers=headers)
    assert merged.status_code == (200 if headers else 303)
    saved = _saved(action)
    assert saved.priority.value == "high"  # his, kept
    assert saved.owner_name == "Sam at the IDVA service"  # hers, written on top
    assert saved.description == "Refer to refuge" and saved.version == 3
    said = merged.text if headers else coordinator.get(_url(world)).text
    assert "their changes to the priority were kept alongside yours" in said


@pytest.mark.parametrize(("keep", "expected"), [("theirs", "Refer today"), ("mine", "Outreach")])
def test_a_task_both_changed_is_shown_side_by_side_and_her_choice_saves(
    world, as_user, keep, expected
):
    chair, coordinator, action, url = _started(world, as_user)
    his = _copy(action, description="Refer today", priority="low")
    hers = _copy(action, description="Outreach")
    assert chair.post(url, data=his).status_code == 303
    clash = coordinator.post(url, data=hers)
    assert clash.status_code == 409
    box = clash.text[clash.text.index(f'id="action-{action.id}-description-clash"') :]
    assert "Refer today" in box and "Outreach" in box
    assert _saved(action).description == "Refer today"
    prefix = f"action-{action.id}"
    saved = action_values(_saved(action))
    again = {
        **hers,
        f"{prefix}-version": str(_saved(action).version),
        **{f"{prefix}-{name}.base": value for name, value in saved.items()},
        f"{prefix}-priority": "low",
        f"{prefix}-description.clash": "1",
    }
    unchosen = coordinator.post(url, data=again)
    assert unchosen.status_code == 422 and "Choose whether to keep" in unchosen.text
    chosen = coordinator.post(url, data={**again, f"{prefix}-description.keep": keep})
    assert chosen.status_code == 303
    final = _saved(action)
    assert final.description == expected and final.priority.value == "low"


def test_a_priority_both_changed_shows_the_saved_action_and_keeps_the_typing(world, as_user):
    chair, coordinator, action, url = _started(world, as_user)
    his, hers = _copy(action, priority="high"), _copy(action, priority="low", owner_name="Sam")
    assert chair.post(url, data=his).status_code == 303
    clash = coordinator.post(url, data=hers, headers=HTMX)
    assert clash.status_code == 409
    assert "someone else changed this action first" in clash.text and "Sam" in clash.text
    assert _saved(action).priority.value == "high"


def test_two_changes_landing_together_never_fail(world, as_user):
    """Both saved at one version: the second merges, or is refused with both, never a 500."""
    chair, coordinator, action, url = _started(world, as_user)
    both = [_copy(action, owner_name="Sam"), _copy(action, owner_name="Sam")]
    assert chair.post(url, data=both[0]).status_code == 303
    assert coordinator.post(url, data=both[1]).status_code == 303  # the same change: merged
    assert _saved(action).owner_name == "Sam"
