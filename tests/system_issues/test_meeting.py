"""A system issue logged at the console: in place with htmx, by redirect without it, refused
beside the field with the text kept; listed in the minutes and in the agency copies."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from conference.conferences import queries
from conference.extensions import db
from conference.system_issues.choices import IssueCategory
from conference.system_issues.models import SystemIssue
from tests import factories
from tests.conftest import HTMX


@pytest.fixture
def world(cached_world):
    return cached_world("meeting world", factories.meeting_world)


def _url(world, tail=""):
    return f"/conferences/{world.conference.id}/meeting{tail}"


def _first_open(world, client):
    factories.open_meeting(world)
    assert client.post(_url(world, "/next"), headers=HTMX).status_code == 200
    return queries.agenda_items(world.conference.id)[0]


WORDS = "The police notification reached children's social care after eleven days."


def _form(item, **changes):
    data = {
        f"issue-{item.id}-category": "between_agencies",
        f"issue-{item.id}-agency_id": "",
        f"issue-{item.id}-description": WORDS,
        f"issue-{item.id}-owner": "Police DA lead",
    }
    data.update({f"issue-{item.id}-{k}": v for k, v in changes.items()})
    return data


def test_the_chair_logs_an_issue_in_place_and_the_case_stays_open(world, as_user):
    chair = as_user(world.chair)
    item = _first_open(world, chair)
    console = chair.get(_url(world)).text
    assert 'id="system-issues"' in console and "Log a system issue" in console
    resp = chair.post(
        _url(world, f"/items/{item.id}/system-issues"), data=_form(item), headers=HTMX
    )
    assert resp.status_code == 200
    assert resp.text.lstrip().startswith('<section id="system-issues"')
    assert WORDS[:30] in resp.text and "is logged" in resp.text
    issue = db.session.scalar(sa.select(SystemIssue))
    assert issue.conference_id == world.conference.id
    assert issue.category is IssueCategory.BETWEEN_AGENCIES
    assert [c.case_id for c in issue.cases] == [item.case_id]
    # Reviewed a quarter after the meeting unless the coordinator moves it.
    assert (issue.review_on - world.conference.starts_at.date()).days in (90, 91)


def test_without_javascript_it_redirects_back_to_the_console(world, as_user):
    chair = as_user(world.chair)
    item = _first_open(world, chair)
    resp = chair.post(_url(world, f"/items/{item.id}/system-issues"), data=_form(item))
    assert resp.status_code == 303
    assert resp.headers["Location"].endswith("/meeting#system-issues")
    assert WORDS[:30] in chair.get(resp.headers["Location"]).text


@pytest.mark.parametrize("javascript", [True, False])
def test_a_name_is_refused_beside_the_field_and_the_text_kept(world, as_user, javascript):
    chair = as_user(world.chair)
    item = _first_open(world, chair)
    victim = item.referral.victim_given_name
    typed = f"{victim} waited eleven days for a call back"
    resp = chair.post(
        _url(world, f"/items/{item.id}/system-issues"),
        data=_form(item, description=typed),
        headers=HTMX if javascript else {},
    )
    assert resp.status_code == 422
    assert f"“{victim}” is the name of someone in the case" in resp.text
    assert typed in resp.text and "Police DA lead" in resp.text
    assert db.session.scalar(sa.select(sa.func.count(SystemIssue.id))) == 0


def test_a_refusal_on_a_case_the_meeting_has_left_shows_that_case_whole(world, as_user):
    # Without JavaScript the form comes back with its problem on the case it was typed on,
    # though another driver has moved the meeting on: every part of the column is that case's.
    chair = as_user(world.chair)
    item = _first_open(world, chair)
    victim, heading = item.referral.victim_given_name, item.referral.victim_name
    heading = f"{item.case.reference}: {heading}"
    assert as_user(world.coordinator).post(_url(world, "/next"), headers=HTMX).status_code == 200
    resp = chair.post(
        _url(world, f"/items/{item.id}/system-issues"),
        data=_form(item, description=f"{victim} waited eleven days"),
    )
    assert resp.status_code == 422
    case = resp.text.split('id="case-heading"')[1]
    assert case.split("</h2>")[0].endswith(heading)
    items = f"/meeting/items/{item.id}/"
    for fold in ("research", "perpetrators", "defer"):
        assert f"{items}folds/{fold}" in case
    assert f"{items}record" in case and f"{items}actions" in case


def test_only_those_who_run_the_meeting_may_log_there(world, as_user):
    item = _first_open(world, as_user(world.chair))
    for person in (world.police_rep, world.advocate):
        resp = as_user(person).post(
            _url(world, f"/items/{item.id}/system-issues"), data=_form(item)
        )
        assert resp.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(SystemIssue.id))) == 0


def test_the_minutes_list_the_issues_raised_without_the_case(world, as_user):
    chair = as_user(world.chair)
    item = _first_open(world, chair)
    chair.post(_url(world, f"/items/{item.id}/system-issues"), data=_form(item), headers=HTMX)
    chair.post(
        _url(world, f"/items/{item.id}/system-issues"),
        data=_form(
            item,
            category="agency_practice",
            agency_id=str(world.housing.id),
            description="Housing took no part in the safety plan for refuge moves.",
        ),
        headers=HTMX,
    )
    from conference.meetings import closing, console
    from conference.meetings.queries import meeting_for

    meeting = meeting_for(world.conference.id)
    for other in queries.agenda_items(world.conference.id):
        console.open_item(meeting, other, actor=world.chair, now=world.conference.starts_at)
        console.defer(
            other, reason="Time ran out", actor=world.chair, now=world.conference.starts_at
        )
    closing.conclude(meeting, actor=world.chair, now=world.conference.starts_at)
    db.session.commit()
    minutes = chair.get(f"/conferences/{world.conference.id}/minutes/print").text
    section = minutes.split('id="system-issues-heading"')[1]
    assert WORDS[:30] in section and "Housing took no part" in section
    assert "Police DA lead" in section and item.case.reference not in section
