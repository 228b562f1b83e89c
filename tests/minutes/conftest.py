"""A MARAC meeting held today (two cases discussed, one deferred, housing sent apologies) and
helpers to post the minutes' forms as a browser would."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from conference.conferences import queries
from conference.conferences.models import AgendaItem
from conference.db import utcnow
from conference.extensions import db
from conference.meetings.choices import RECORD_FIELDS
from conference.meetings.console import record_of
from conference.minutes import services
from conference.minutes.queries import minutes_of
from tests import factories


@pytest.fixture
def world(cached_world):
    """meeting_world, held and concluded: its minutes are a draft."""
    world = cached_world("held meeting world", factories.held_meeting_world)
    world.items = queries.agenda_items(world.conference.id)
    return world


def url(world, tail: str = "") -> str:
    return f"/conferences/{world.conference.id}/minutes{tail}"


def finalise(world) -> None:
    """Make the world's minutes final through the service, as the chair."""
    services.finalise(
        minutes_of(world.conference.id), world.conference, actor=world.chair, now=utcnow()
    )
    db.session.commit()


def record_form(item: AgendaItem, **changes: str) -> dict[str, Any]:
    """The case's record form as the page fills it, with changes (and reason=, version=)."""
    record = record_of(item)
    data = {
        f"item-{item.id}-{name}": getattr(record, name) if record else "" for name in RECORD_FIELDS
    }
    data[f"item-{item.id}-version"] = str(record.version) if record else ""
    for name, value in changes.items():
        data[f"item-{item.id}-{name}"] = value
    return data


def action_form(prefix: str, *, owner, due: date | None, **values: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        f"{prefix}-description": "Offer a home security visit",
        f"{prefix}-owner_agency_id": str(owner.id) if owner else "",
        f"{prefix}-owner_name": "",
        f"{prefix}-due_on": [str(due.day), str(due.month), str(due.year)] if due else ["", "", ""],
        f"{prefix}-priority": "medium",
    }
    data.update({f"{prefix}-{name}": value for name, value in values.items()})
    return data
