"""A MARAC meeting today (agenda published, three cases, all with one advocate), and helpers."""

from __future__ import annotations

import pytest

from conference.conferences import queries
from tests import factories
from tests.conftest import sign_in

HTMX = {"HX-Request": "true"}


@pytest.fixture
def world(app):
    return factories.meeting_world()


@pytest.fixture
def as_user(app):
    def client_for(user):
        return sign_in(app.test_client(), user)

    return client_for


@pytest.fixture
def items(world):
    """The conference's agenda items, in meeting order."""
    return queries.agenda_items(world.conference.id)
