"""The minutes pages run the same number of queries however many cases the meeting heard."""

from __future__ import annotations

import re

from conference.conferences import queries
from conference.meetings.queries import actions_for
from tests import factories
from tests.conftest import HTMX, sign_in
from tests.minutes.conftest import finalise, url

#: The address of each form editing a case's record or actions.
CASE_FORMS = re.compile(r'<form[^>]+action="([^"]*/minutes/(?:items|actions)/[^"]*)"')


def queries_actions(item):
    return actions_for([item.id]).get(item.id, [])


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


def _sizes(app, cases: int) -> tuple[int, str, object]:
    world = factories.meeting_world(cases=cases)
    factories.hold_meeting(world)
    client = sign_in(app.test_client(), world.chair)
    page = client.get(url(world)).text
    return len(page.encode()), page, world


def test_the_page_grows_by_a_case_s_text_not_by_its_forms(app):
    """Each case shows its record and actions as text with a link to edit each: no form is
    sent until one is opened, so a long meeting's minutes stay small."""
    small, _, _ = _sizes(app, 2)
    large, page, world = _sizes(app, 6)
    per_case = (large - small) / 4
    assert per_case < 6_000, per_case
    assert not CASE_FORMS.findall(page)
    assert "Edit the record<span" in page and "Change action 1<span" in page


def test_a_link_opens_one_block_s_form_in_place_or_on_the_page(app):
    world = factories.meeting_world(cases=3)
    factories.hold_meeting(world)
    client = sign_in(app.test_client(), world.chair)
    item = queries.agenda_items(world.conference.id)[0]
    (action,) = queries_actions(item)
    for edit, posts_to in (
        (f"record-{item.id}", f"/items/{item.id}/record"),
        (f"action-{action.id}", f"/actions/{action.id}"),
        (f"new-action-{item.id}", f"/items/{item.id}/actions"),
    ):
        swapped = client.get(url(world, f"?edit={edit}"), headers=HTMX)
        assert swapped.status_code == 200 and "<html" not in swapped.text
        assert CASE_FORMS.findall(swapped.text) == [url(world, posts_to)], edit
        whole = client.get(url(world, f"?edit={edit}")).text  # without JavaScript
        assert CASE_FORMS.findall(whole) == [url(world, posts_to)], edit
    # Anything else opens nothing, and is never an error.
    for edit in ("record-x", "action-999999", "nonsense", "record-"):
        assert not CASE_FORMS.findall(client.get(url(world, f"?edit={edit}")).text)
    other = factories.meeting_world(cases=1)
    stranger = queries.agenda_items(other.conference.id)[0]
    assert client.get(url(world, f"?edit=record-{stranger.id}"), headers=HTMX).status_code == 404
