"""Agency access that ends: the invited agencies read a conference's cases from publication
until the MARAC's agency_access_days after its minutes are final; then only their actions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from conference.db import utcnow
from conference.extensions import db
from conference.minutes import services
from conference.minutes.queries import minutes_of


def _finalise(world, days_ago: int) -> None:
    services.finalise(
        minutes_of(world.conference.id),
        world.conference,
        actor=world.chair,
        now=utcnow() - timedelta(days=days_ago),
    )
    db.session.commit()


def test_finalising_sets_when_the_agencies_access_ends(world):
    world.marac.agency_access_days = 10
    _finalise(world, 0)
    ends = world.conference.agency_access_ends_at
    assert ends is not None and timedelta(days=9) < ends - utcnow() <= timedelta(days=10)


@pytest.mark.parametrize(("days_ago", "status"), [(20, 200), (29, 404)])
def test_a_rep_reads_the_research_until_the_period_ends(world, as_user, days_ago, status):
    case = world.items[0].case
    _finalise(world, days_ago)  # the default 28 days
    rep = as_user(world.police_rep)
    page = rep.get(f"/research/{world.conference.id}")
    assert page.status_code == status
    assert (case.reference in page.text) is (status == 200)
    listed = rep.get("/research/").text
    assert (f"/research/{world.conference.id}" in listed) is (status == 200)
    # The agency's copy of the minutes, its own actions only, stays.
    assert rep.get(f"/conferences/{world.conference.id}/minutes").status_code == 303


def test_no_days_ends_it_when_the_minutes_are_final(world, as_user):
    world.marac.agency_access_days = 0
    _finalise(world, 0)
    assert as_user(world.police_rep).get(f"/research/{world.conference.id}").status_code == 404
