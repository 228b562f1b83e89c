"""A MARAC with a meeting rule, a scheduled agenda and a published one, for the page tests."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest

from conference.accounts.models import AgencyKind
from conference.conferences import listing, publishing
from conference.db import utcnow
from conference.extensions import db
from tests import factories
from tests.conftest import sign_in


@pytest.fixture
def world(app):
    """Northbridge-like: police and health sit on the MARAC; the first conference is published
    with two cases, the second is scheduled with one."""
    now = utcnow()
    marac = factories.make_marac(code="WB")
    police = factories.make_agency("Test Police", AgencyKind.POLICE, maracs=[marac])
    health = factories.make_agency("Test Health", AgencyKind.HEALTH, maracs=[marac])
    coordinator = factories.make_user("coordinator", marac=marac, name="Cora Ordinator")
    chair = factories.make_user("chair", marac=marac, name="Chay Ring")
    police_rep = factories.make_user("agency_rep", marac=marac, agency=police, name="Pol Rep")
    health_rep = factories.make_user("agency_rep", marac=marac, agency=health, name="Hel Rep")
    # Extra conferences, ten and forty days ahead: the same on any day the tests run.
    today = now.date()
    first = factories.make_conference(marac, today + timedelta(days=10), chair_id=chair.id)
    second = factories.make_conference(marac, today + timedelta(days=40), chair_id=chair.id)
    published_cases = [
        factories.accepted_case(marac, given_name="Pia", children=1),
        factories.accepted_case(marac, given_name="Quinn"),
    ]
    for case in published_cases:
        listing.add_case(first, case, actor=None, now=now)
    publishing.publish(first, actor=None, now=now)
    scheduled_cases = [
        factories.accepted_case(marac, given_name=name) for name in ("Rosa", "Sian", "Tova")
    ]
    for case in scheduled_cases:
        listing.add_case(second, case, actor=None, now=now)
    db.session.commit()
    return SimpleNamespace(
        marac=marac,
        police=police,
        health=health,
        coordinator=coordinator,
        chair=chair,
        police_rep=police_rep,
        health_rep=health_rep,
        published=first,
        scheduled=second,
        published_cases=published_cases,
        scheduled_cases=scheduled_cases,
    )


@pytest.fixture
def as_user(app):
    def client_for(user):
        return sign_in(app.test_client(), user)

    return client_for
