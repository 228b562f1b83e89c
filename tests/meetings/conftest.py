"""A MARAC meeting today: published agenda of three cases, agencies and their people."""

from __future__ import annotations

import pytest

from tests import factories


@pytest.fixture
def world(cached_world):
    return cached_world("meeting world", factories.meeting_world)
