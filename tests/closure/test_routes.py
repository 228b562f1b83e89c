"""The close panel on the case page, the close form, who may use it, and the case page's
history of plans."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from conference.actions.choices import ActionStatus
from conference.actions.models import Action
from conference.audit.models import AuditEvent
from conference.conferences import queries as agenda_queries
from conference.db import utcnow
from conference.extensions import db
from conference.meetings import console
from conference.referrals.choices import CaseStatus
from tests import factories

ACTION = "Flag the address for an urgent response"


def _close(client, case, reason=""):
    return client.post(f"/cases/{case.id}/close", data={"close-reason": reason})


def test_the_coordinator_sees_the_open_actions_and_the_reason_box(world, as_user):
    page = as_user(world.coordinator).get(f"/cases/{world.cases[0].id}").text
    assert "Close the case" in page
    assert "1 action is still open" in page and ACTION in page
    assert "Why are you closing the case?" in page
    assert 'name="close-reason"' in page


def test_the_panel_never_says_a_flag_lasts_until_a_day_already_past(world, as_user):
    from tests.closure.conftest import heard_case

    recent, old = heard_case(world, 30), heard_case(world, 400)
    coordinator = as_user(world.coordinator)
    for path in (f"/cases/{recent.id}", f"/cases/{recent.id}/close"):
        assert "stays flagged as a repeat until" in coordinator.get(path).text
    for path in (f"/cases/{old.id}", f"/cases/{old.id}/close"):
        page = coordinator.get(path).text
        assert "stays flagged as a repeat until" not in page
        assert "Its repeat flag ended on" in page


def test_with_every_action_closed_the_reason_is_optional(world, as_user):
    case = world.cases[1]
    for action in db.session.scalars(sa.select(Action).where(Action.case_id == case.id)):
        action.status = ActionStatus.DONE
    db.session.commit()
    page = as_user(world.coordinator).get(f"/cases/{case.id}").text
    assert "Every action is closed: the plan is done." in page
    assert "Anything to note about closing it (optional)" in page
    resp = _close(as_user(world.coordinator), case)
    assert resp.status_code == 303
    db.session.refresh(case)
    assert case.status is CaseStatus.CLOSED


def test_closing_with_open_actions_and_no_reason_is_refused_beside_the_field(world, as_user):
    case = world.cases[0]
    resp = _close(as_user(world.coordinator), case, "   ")
    assert resp.status_code == 422
    assert "There is a problem" in resp.text
    assert 'id="close-reason-error"' in resp.text
    assert "1 action is still open: give the reason" in resp.text
    assert ACTION in resp.text  # the open action is listed beside the form again
    db.session.refresh(case)
    assert case.status is CaseStatus.ACTIONS_OPEN


def test_a_refused_close_keeps_what_was_typed(world, as_user):
    deferred = world.cases[2]  # on the next conference's agenda
    resp = _close(as_user(world.coordinator), deferred, "Typed with care.")
    assert resp.status_code == 422
    assert "There is a problem" in resp.text and "close it after that meeting" in resp.text
    assert "The reason you typed was not saved" in resp.text and "Typed with care." in resp.text


def test_without_javascript_a_case_closed_meanwhile_shows_both_reasons(world, as_user):
    case = world.cases[0]
    colleague = factories.make_user("coordinator", marac=world.marac, name="Col League")
    mine = as_user(world.coordinator)
    assert mine.get(f"/cases/{case.id}/close").status_code == 200
    assert _close(as_user(colleague), case, "She moved out of the area.").status_code == 303
    resp = _close(mine, case, "She asked for support to end.")
    assert resp.status_code == 409 and "<html" in resp.text
    assert "is already closed" in resp.text and "by Col League" in resp.text
    theirs = resp.text[resp.text.index('id="close-reason-saved"') :]
    assert "She moved out of the area." in theirs
    assert "The reason you typed was not saved" in resp.text
    assert "She asked for support to end." in resp.text
    db.session.refresh(case)
    assert (case.status, case.close_reason) == (CaseStatus.CLOSED, "She moved out of the area.")


def test_a_reason_too_long_is_refused_beside_the_field_and_kept(world, as_user):
    resp = _close(as_user(world.coordinator), world.cases[0], "Long. " + "x" * 2000)
    assert resp.status_code == 422 and "2000 characters or fewer" in resp.text
    assert 'id="close-reason-error"' in resp.text
    assert "Long. xxxx" in resp.text  # still in the box


def test_closing_early_keeps_the_open_action_visible_as_open(world, as_user):
    case = world.cases[0]
    client = as_user(world.coordinator)
    resp = _close(client, case, "She has moved to another area.")
    assert resp.status_code == 303 and resp.headers["Location"] == f"/cases/{case.id}"
    page = client.get(f"/cases/{case.id}").text
    assert f"Case {case.reference} is closed." in page
    assert "She has moved to another area." in page and "Cora Ordinator" in page
    assert f"{ACTION} – " in page and "<strong>Open</strong>" in page
    assert "Flagged as a repeat until" in page
    assert 'id="close-case"' not in page  # nothing left to close
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.verb == "case.closed"))
    assert event.object_id == case.id and event.detail["with_reason"] is True


def _matrix(world):
    other = factories.make_user("coordinator", name="Other Coordinator")
    return {
        "coordinator": (world.coordinator, 303, 200),
        "advocate of the case": (world.advocate, 403, 403),
        "chair": (world.chair, 404, 404),
        "agency rep": (world.police_rep, 404, 404),
        "coordinator of another MARAC": (other, 404, 404),
        "admin": (factories.make_user("admin"), 404, 404),
    }


@pytest.mark.parametrize(
    "who",
    [
        "coordinator",
        "advocate of the case",
        "chair",
        "agency rep",
        "coordinator of another MARAC",
        "admin",
    ],
)
def test_who_may_close(world, as_user, who):
    user, post_status, get_status = _matrix(world)[who]
    case = world.cases[0]
    client = as_user(user)
    assert client.get(f"/cases/{case.id}/close").status_code == get_status
    assert _close(client, case, "Reason").status_code == post_status
    db.session.refresh(case)
    assert (case.status is CaseStatus.CLOSED) == (post_status == 303)
    if who == "advocate of the case":  # she may read the case, not close it
        page = client.get(f"/cases/{case.id}").text
        assert 'id="close-case"' not in page and ACTION in page


def test_every_case_page_reader_sees_the_plans(world, as_user):
    page = as_user(world.advocate).get(f"/cases/{world.cases[0].id}").text
    assert "Conferences and action plans" in page
    assert ACTION in page and "<strong>Open</strong>" in page


def test_the_case_page_runs_a_fixed_number_of_queries(world, as_user, count_queries):
    case = world.cases[0]
    client = as_user(world.coordinator)

    def page_queries() -> int:
        client.get(f"/cases/{case.id}")
        with count_queries() as statements:
            assert client.get(f"/cases/{case.id}").status_code == 200
        return len(statements)

    few = page_queries()
    for n in range(4):
        world.past_conference = None  # a conference of its own for each
        for m in range(3):
            factories.past_action(world, case, due_on=utcnow().date(), description=f"Old {n}.{m}")
    assert page_queries() == few


def test_the_console_still_shows_earlier_conferences_through_the_shared_macro(app, as_user):
    world = factories.meeting_world(cases=2)
    first, second = (i.case for i in agenda_queries.agenda_items(world.conference.id))
    factories.past_action(
        world, first, due_on=utcnow().date(), status=ActionStatus.DONE, description="Old plan"
    )
    meeting = factories.open_meeting(world)
    chair = as_user(world.chair)
    items = agenda_queries.agenda_items(world.conference.id)
    console.open_item(meeting, items[0], actor=world.chair, now=utcnow())
    db.session.commit()
    page = chair.get(f"/conferences/{world.conference.id}/meeting").text
    assert "Earlier conferences (1)" in page
    assert "Old plan – " in page and "<strong>Done</strong>" in page
    console.open_item(meeting, items[1], actor=world.chair, now=utcnow())
    db.session.commit()
    page = chair.get(f"/conferences/{world.conference.id}/meeting").text
    assert "This is the case's first conference." in page
