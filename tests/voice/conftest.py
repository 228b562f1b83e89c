"""A MARAC meeting today (agenda published, three cases, all with one advocate), and helpers."""

from __future__ import annotations

import pytest

from conference.conferences import queries
from tests import factories


@pytest.fixture
def world(cached_world):
    return cached_world("meeting world", factories.meeting_world)


@pytest.fixture
def items(world):
    """The conference's agenda items, in meeting order."""
    return queries.agenda_items(world.conference.id)
