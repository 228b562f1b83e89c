"""A MARAC meeting today: published agenda of three cases, agencies and their people."""

from __future__ import annotations

import pytest

from tests import factories
from tests.conftest import sign_in


@pytest.fixture
def world(app):
    return factories.meeting_world()


@pytest.fixture
def as_user(app):
    def client_for(user):
        return sign_in(app.test_client(), user)

    return client_for


HX = {"HX-Request": "true"}
