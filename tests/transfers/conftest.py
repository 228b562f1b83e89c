"""A MARAC whose conference this morning heard two cases (one police action each), and a
second MARAC of the install the first case's victim is moving to, with a conference ahead."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest

from conference.accounts.models import AgencyKind, Role
from conference.db import utcnow
from conference.extensions import db
from tests import factories


def transfer_world() -> SimpleNamespace:
    world = factories.held_meeting_world()
    receiving = factories.make_marac("Northbridge MARAC", code=f"NB{world.marac.id:03d}")
    police = factories.make_agency("Northbridge Police", AgencyKind.POLICE, maracs=[receiving])
    housing = factories.make_agency("Northbridge Homes", AgencyKind.HOUSING, maracs=[receiving])
    other = factories.make_marac()
    world.receiving = receiving
    world.receiving_police, world.receiving_housing = police, housing
    world.receiver = factories.make_user(
        Role.COORDINATOR, marac=receiving, agency=police, name="Rhea Ceiver"
    )
    world.receiving_chair = factories.make_user(Role.CHAIR, marac=receiving, agency=police)
    world.receiving_rep = factories.make_user(Role.AGENCY_REP, marac=receiving, agency=housing)
    world.receiving_advocate = factories.make_user(Role.ADVOCATE, marac=receiving)
    world.other = other
    world.other_coordinator = factories.make_user(Role.COORDINATOR, marac=other)
    world.admin = factories.make_user(Role.ADMIN)
    world.receiving_conference = factories.make_conference(
        receiving, utcnow().date() + timedelta(days=20)
    )
    db.session.commit()
    return world


@pytest.fixture
def world(cached_world):
    return cached_world("transfer world", transfer_world)
