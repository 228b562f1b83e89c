"""Our actions: an agency's open actions, grouped by when they are due, reported on in place."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from conference.actions import services
from conference.actions.choices import ActionStatus
from conference.actions.models import ActionUpdate
from conference.db import utcnow
from conference.extensions import db
from tests import factories
from tests.conftest import HTMX


def build_world():
    world = factories.meeting_world(cases=2)
    today = utcnow().date()
    first, second = world.cases
    world.late = factories.past_action(
        world, first, due_on=today - timedelta(days=3), description="Fit a panic alarm"
    )
    world.soon = factories.past_action(
        world, second, due_on=today + timedelta(days=2), description="Call her weekly"
    )
    world.later = factories.past_action(
        world, second, due_on=today + timedelta(days=20), description="Review bail"
    )
    world.closed = factories.past_action(
        world, first, due_on=today, status=ActionStatus.DONE, description="Already done"
    )
    return world


@pytest.fixture
def world(cached_world):
    return cached_world(f"{__name__}.world", build_world)


def test_the_police_see_their_open_actions_grouped_by_when_due(app, world, as_user):
    page = as_user(world.police_rep).get("/actions/").text
    overdue = page.index("Overdue (1)")
    week = page.index("Due this week (1)")
    later = page.index("Later (1)")
    assert overdue < page.index("Fit a panic alarm") < week
    assert week < page.index("Call her weekly") < later < page.index("Review bail")
    assert "Already done" not in page
    assert world.cases[0].reference in page and "Nell" in page  # the victim, to act on it
    assert "Chay Ring" in page  # who agreed it


def test_filters_narrow_the_list(app, world, as_user):
    police = as_user(world.police_rep)
    overdue = police.get("/actions/?due=overdue").text
    assert "Fit a panic alarm" in overdue and "Call her weekly" not in overdue
    week = police.get("/actions/?due=week").text
    assert "Call her weekly" in week and "Review bail" not in week
    nonsense = police.get("/actions/?due=soon&status=x&conference=abc")
    assert nonsense.status_code == 200 and "Review bail" in nonsense.text


def test_another_agency_sees_none_of_them_and_cannot_report(app, world, as_user):
    health = as_user(world.health_rep)
    assert "Fit a panic alarm" not in health.get("/actions/").text
    response = health.post(f"/actions/{world.late.id}/status", data={}, headers=HTMX)
    assert response.status_code == 404
    # Nor can it open the report form of one, in place or on the page.
    opened = health.get(f"/actions/?report={world.late.id}", headers=HTMX)
    assert opened.status_code == 404 and "Fit a panic alarm" not in opened.text
    page = health.get(f"/actions/?report={world.late.id}").text
    assert "Fit a panic alarm" not in page and f"action-{world.late.id}-note" not in page


def test_each_report_form_opens_from_its_link_and_closes_once_saved(app, world, as_user):
    police = as_user(world.police_rep)
    page = police.get("/actions/").text
    assert f"action-{world.soon.id}-note" not in page  # no form until opened
    assert f'href="/actions/?report={world.soon.id}#action-{world.soon.id}"' in page
    opened = police.get(f"/actions/?report={world.soon.id}", headers=HTMX)
    assert opened.status_code == 200 and "<html" not in opened.text
    assert opened.text.count("<form") == 1 and f"action-{world.soon.id}-note" in opened.text
    saved = police.post(
        f"/actions/{world.soon.id}/status",
        headers=HTMX,
        data=_report(world.soon, "in_progress", "Rang her, she is safe at her sister's"),
    )
    assert saved.status_code == 200 and "<form" not in saved.text.split('id="flash"')[0]
    assert "Report on this action" in saved.text and "safe at her sister" in saved.text


def test_our_actions_pages_itself_with_its_count(app, world, as_user, monkeypatch):
    from conference.actions import routes

    monkeypatch.setattr(routes, "PER_PAGE", 2)
    police = as_user(world.police_rep)
    first = police.get("/actions/").text
    assert "3 actions, 1 to 2 shown." in first
    assert "Fit a panic alarm" in first and "Call her weekly" in first
    assert "Review bail" not in first
    assert 'href="/actions/?page=2"' in first
    second = police.get("/actions/?page=2").text
    assert "Review bail" in second and "Fit a panic alarm" not in second
    # The filters are kept from page to page.
    filtered = police.get("/actions/?due=month").text
    assert "page=2&amp;due=month" in filtered or "due=month&amp;page=2" in filtered


@pytest.mark.parametrize("role", ["chair", "coordinator"])
def test_our_actions_is_for_the_agencies(app, world, role, as_user):
    assert as_user(getattr(world, role)).get("/actions/").status_code == 403


def test_a_report_needs_a_note_keeps_the_typing_and_is_kept_with_who_and_when(app, world, as_user):
    police = as_user(world.police_rep)
    prefix = f"action-{world.late.id}"
    url = f"/actions/{world.late.id}/status"
    refused = police.post(
        url, headers=HTMX, data={f"{prefix}-version": "1", f"{prefix}-status": "done"}
    )
    assert refused.status_code == 422
    assert "Add a note: what was done, or why not" in refused.text
    saved = police.post(
        url,
        headers=HTMX,
        data={
            f"{prefix}-version": "1",
            f"{prefix}-status": "done",
            f"{prefix}-note": "Alarm fitted on Tuesday",
        },
    )
    assert saved.status_code == 200
    assert saved.text.lstrip().startswith(f'<section id="action-{world.late.id}"')
    assert "Closed. It leaves this list." in saved.text
    db.session.refresh(world.late)
    assert world.late.status is ActionStatus.DONE
    [update] = db.session.scalars(db.select(ActionUpdate)).all()
    assert (update.actor_id, update.note, update.status) == (
        world.police_rep.id,
        "Alarm fitted on Tuesday",
        ActionStatus.DONE,
    )
    again = police.post(
        url,
        headers=HTMX,
        data={f"{prefix}-version": "1", f"{prefix}-status": "in_progress", f"{prefix}-note": "x"},
    )
    assert again.status_code == 409  # stale: someone (here, she) updated it first


def test_without_javascript_a_refused_report_shows_the_page_with_the_typing(app, world, as_user):
    prefix = f"action-{world.soon.id}"
    response = as_user(world.police_rep).post(
        f"/actions/{world.soon.id}/status",
        data={f"{prefix}-version": "1", f"{prefix}-note": "Called twice, no answer"},
    )
    assert response.status_code == 422
    assert "Choose what has happened with the action" in response.text
    assert "Called twice, no answer" in response.text and "<html" in response.text


def test_the_list_runs_a_fixed_number_of_queries(app, world, count_queries, as_user):
    police = as_user(world.police_rep)
    police.get("/actions/")
    with count_queries() as few:
        police.get("/actions/")
    for n in range(6):
        case = factories.accepted_case(world.marac, given_name=f"Extra{n}")
        factories.past_action(world, case, due_on=utcnow().date() + timedelta(days=n))
    with count_queries() as many:
        police.get("/actions/")
    assert len(few) == len(many)


def _report(action, status: str, note: str, version: str = "1") -> dict[str, str]:
    prefix = f"action-{action.id}"
    return {f"{prefix}-version": version, f"{prefix}-status": status, f"{prefix}-note": note}


def _colleague_reports(world, action, status: ActionStatus, note: str) -> None:
    """Another officer of the same agency reports on the action first."""
    colleague = factories.make_user(
        "agency_rep", marac=world.marac, agency=world.police, name="Pat Colleague"
    )
    services.report_status(
        action, version=action.version, status=status, note=note, actor=colleague, now=utcnow()
    )
    db.session.commit()


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["without-javascript", "htmx"])
def test_a_stale_report_shows_both_versions_and_keeps_the_typing(app, world, as_user, headers):
    police = as_user(world.police_rep)
    page = police.get(f"/actions/?report={world.soon.id}").text  # its report form opened
    assert f'name="action-{world.soon.id}-version" type="hidden" value="1"' in page
    _colleague_reports(world, world.soon, ActionStatus.IN_PROGRESS, "Left a card at the door")
    response = police.post(
        f"/actions/{world.soon.id}/status",
        headers=headers,
        data=_report(world.soon, "in_progress", "Spoke to her on the phone"),
    )
    assert response.status_code == 409
    text = response.text
    assert ("<html" in text) is (not headers)
    assert "someone else updated this action first" in text
    theirs = text[text.index(f'id="action-{world.soon.id}-theirs"') :]
    assert "Left a card at the door" in theirs and "Pat Colleague" in theirs
    yours = text[text.index(f'id="action-{world.soon.id}-yours"') :]
    assert "Spoke to her on the phone" in yours and "In progress" in yours
    # The typing stays in the form, now at their version: saving again keeps both.
    assert re.search(r"<textarea[^>]*>\s*Spoke to her on the phone</textarea>", text)
    assert f'name="action-{world.soon.id}-version" type="hidden" value="2"' in text
    notes = db.session.scalars(db.select(ActionUpdate.note).order_by(ActionUpdate.id)).all()
    assert notes == ["Left a card at the door"]  # nothing of the user's saved over theirs
    again = police.post(
        f"/actions/{world.soon.id}/status",
        data=_report(world.soon, "in_progress", "Spoke to her on the phone", version="2"),
    )
    assert again.status_code == 303
    notes = db.session.scalars(db.select(ActionUpdate.note).order_by(ActionUpdate.id)).all()
    assert notes == ["Left a card at the door", "Spoke to her on the phone"]


def test_without_javascript_a_report_on_an_action_closed_meanwhile_keeps_the_typing(
    app, world, as_user
):
    police = as_user(world.police_rep)
    police.get("/actions/")
    _colleague_reports(world, world.later, ActionStatus.DONE, "Bail reviewed at court")
    response = police.post(
        f"/actions/{world.later.id}/status",
        data=_report(world.later, "in_progress", "Asked CPS about the bail date"),
    )
    assert response.status_code == 409 and "<html" in response.text
    text = response.text
    # Closed, it has left the list, yet the page shows it with both versions.
    assert text.count(f'id="action-{world.later.id}"') == 1
    theirs = text[text.index(f'id="action-{world.later.id}-theirs"') :]
    assert "Done" in theirs and "Bail reviewed at court" in theirs
    yours = text[text.index(f'id="action-{world.later.id}-yours"') :]
    assert "Asked CPS about the bail date" in yours


def test_an_action_shows_the_note_just_saved_and_its_earlier_updates(app, world, as_user):
    police = as_user(world.police_rep)
    prefix = f"action-{world.soon.id}"
    url = f"/actions/{world.soon.id}/status"
    assert "No updates yet." in police.get("/actions/").text

    # Without JavaScript: back to the list, at the action, which shows the note.
    first = {f"{prefix}-status": "in_progress", f"{prefix}-note": "Called twice, no answer"}
    response = police.post(url, data={f"{prefix}-version": "1", **first})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/actions/#action-{world.soon.id}")
    page = police.get("/actions/").text
    block = page[page.index(f'<section id="action-{world.soon.id}"') :]
    assert "Called twice, no answer" in block[: block.index("</section>")]

    # With htmx: the block swapped in has the new note first, then the earlier one.
    db.session.refresh(world.soon)
    second = {f"{prefix}-status": "in_progress", f"{prefix}-note": "Spoke to her on Friday"}
    saved = police.post(
        url, headers=HTMX, data={f"{prefix}-version": str(world.soon.version), **second}
    )
    assert saved.status_code == 200
    text = saved.text
    assert "Saved just now:" in text
    assert text.index("Spoke to her on Friday") < text.index("Called twice, no answer")
    assert text.index("Saved just now:") < text.index("Spoke to her on Friday")
    assert text.count("Saved just now:") == 1
    assert world.police_rep.name in text  # who wrote each
