"""Who reaches which minutes: drafts for whoever writes them, final copies for the agencies
that were present, and nothing for anyone else (404: not even that the minutes exist)."""

from __future__ import annotations

import pytest

from tests import factories
from tests.minutes.conftest import finalise, url


def person(world, who: str):
    if who == "stranger":  # a coordinator of another MARAC
        return factories.make_user("coordinator")
    return getattr(world, who)


@pytest.mark.parametrize(
    ("who", "page", "full", "police_copy"),
    [
        ("chair", 200, 200, 200),
        ("coordinator", 200, 200, 200),
        ("police_rep", 404, 404, 404),  # draft minutes are not shared
        ("health_rep", 404, 404, 404),
        ("housing_rep", 404, 404, 404),
        ("advocate", 404, 404, 404),
        ("stranger", 404, 404, 404),
    ],
)
def test_draft_minutes(world, as_user, who, page, full, police_copy):
    client = as_user(person(world, who))
    assert client.get(url(world)).status_code == page
    assert client.get(url(world, "/print")).status_code == full
    assert client.get(url(world, f"/print/agencies/{world.police.id}")).status_code == police_copy


@pytest.mark.parametrize(
    ("who", "page", "full", "police_copy", "health_copy"),
    [
        ("chair", 200, 200, 200, 200),
        ("coordinator", 200, 200, 200, 200),
        ("police_rep", 303, 404, 200, 404),  # their own agency's copy, no one else's
        ("health_rep", 303, 404, 404, 200),
        ("housing_rep", 404, 404, 404, 404),  # sent apologies: no copy
        ("advocate", 303, 404, 404, 404),  # the IDVA service was present: its own copy
        ("stranger", 404, 404, 404, 404),
    ],
)
def test_final_minutes(world, as_user, who, page, full, police_copy, health_copy):
    finalise(world)
    user = person(world, who)
    client = as_user(user)
    response = client.get(url(world))
    assert response.status_code == page
    if page == 303:
        assert response.headers["Location"].endswith(f"/print/agencies/{user.agency_id}")
    assert client.get(url(world, "/print")).status_code == full
    assert client.get(url(world, f"/print/agencies/{world.police.id}")).status_code == police_copy
    assert client.get(url(world, f"/print/agencies/{world.health.id}")).status_code == health_copy


def test_no_copy_for_an_agency_that_was_not_present(world, as_user):
    finalise(world)
    housing_copy = url(world, f"/print/agencies/{world.housing.id}")
    assert as_user(world.chair).get(housing_copy).status_code == 404
    assert as_user(world.housing_rep).get(housing_copy).status_code == 404


@pytest.mark.parametrize("who", ["police_rep", "housing_rep", "advocate", "stranger"])
def test_only_those_who_write_the_minutes_may_change_them(world, as_user, who):
    client = as_user(person(world, who))
    item, action = world.items[0].id, 1
    for tail in ("/notes", "/finalise", f"/items/{item}/record", f"/items/{item}/actions"):
        assert client.post(url(world, tail), data={}).status_code == 404, tail
    assert client.post(url(world, f"/actions/{action}"), data={}).status_code == 404
