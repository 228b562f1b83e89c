"""The minutes pages run the same number of queries however many cases the meeting heard."""

from __future__ import annotations

from tests import factories
from tests.conftest import sign_in
from tests.minutes.conftest import finalise, url


def counts(app, count_queries, cases: int) -> list[int]:
    world = factories.meeting_world(cases=cases)
    factories.hold_meeting(world)
    client = sign_in(app.test_client(), world.chair)
    paths = [url(world), url(world, "/print"), url(world, f"/print/agencies/{world.police.id}")]
    found = []
    for final in (False, True):
        if final:
            finalise(world)
        for path in paths:
            with count_queries() as statements:
                assert client.get(path).status_code == 200
            found.append(len(statements))
    return found


def test_the_pages_run_a_fixed_number_of_queries(app, count_queries):
    assert counts(app, count_queries, 2) == counts(app, count_queries, 6)
