"""Overdue actions as standing items: listed at publication, each decided in place."""

from __future__ import annotations

import re
from datetime import timedelta

from conference.actions.choices import OPEN_STATUSES, ActionStatus
from conference.actions.models import ActionUpdate
from conference.conferences import listing, publishing, queries, standing
from conference.conferences.choices import ItemStatus, Section
from conference.db import utcnow
from conference.extensions import db
from conference.referrals.choices import CaseStatus
from tests import factories
from tests.conftest import HTMX


def _overdue_world(world):
    """A case heard before with one overdue action, one done and one not yet due; listed as a
    standing item on today's agenda."""
    case = factories.accepted_case(world.marac, given_name="Vera")
    today = utcnow().date()
    late = factories.past_action(
        world, case, due_on=today - timedelta(days=10), description="Fit a door alarm"
    )
    factories.past_action(
        world,
        case,
        due_on=today - timedelta(days=20),
        status=ActionStatus.DONE,
        description="Already done",
    )
    factories.past_action(world, case, due_on=today + timedelta(days=5), description="Not due yet")
    assert standing.add_overdue_action_items(world.conference, now=utcnow()) == 1
    db.session.commit()
    [item] = [
        i for i in queries.agenda_items(world.conference.id) if i.section is Section.OVERDUE_ACTIONS
    ]
    return item, late


def test_a_case_with_overdue_actions_becomes_a_standing_item_once(world):
    item, _ = _overdue_world(world)
    assert item.case.status is not None
    # Listed cases and cases already standing are not added again.
    assert standing.add_overdue_action_items(world.conference, now=utcnow()) == 0


def test_publishing_lists_overdue_actions_as_standing_items(world):
    case = factories.accepted_case(world.marac, given_name="Wyn")
    factories.past_action(world, case, due_on=utcnow().date() - timedelta(days=3))
    listing.add_case(
        world.following, factories.accepted_case(world.marac), actor=None, now=utcnow()
    )
    publishing.publish(world.following, actor=None, now=utcnow())
    sections = [i.section for i in queries.agenda_items(world.following.id)]
    assert Section.OVERDUE_ACTIONS in sections


def _interim_world(world):
    """A case on the agenda with an interim action agreed at its screening five days ago."""
    from conference.actions import services as action_services
    from conference.conferences.listing import latest_accepted

    case = world.cases[1]
    item = next(i for i in queries.agenda_items(world.conference.id) if i.case_id == case.id)
    plan = action_services.Interim(
        "Move her to a safe address", world.housing.id, "", utcnow().date() + timedelta(days=1)
    )
    [interim] = action_services.agree_interim(
        case,
        latest_accepted(case),
        [plan],
        before=None,
        actor=world.coordinator,
        now=utcnow() - timedelta(days=5),
    )
    db.session.commit()
    return item, interim


def _undecided(world, item) -> int:
    """What the console counts in one statement, checked against the list the meeting sees."""
    from conference.actions.queries import to_review, undecided_count
    from conference.conferences.display import local_day

    day = local_day(world.conference)
    counted = undecided_count(item, day)
    assert counted == sum(1 for _, decision in to_review(item, day) if decision is None)
    return counted


def _review_url(world, item, action):
    return f"/conferences/{world.conference.id}/meeting/items/{item.id}/reviews/{action.id}"


def test_the_chair_decides_each_overdue_action_before_the_item_is_discussed(world, as_user):
    item, late = _overdue_world(world)
    factories.open_meeting(world)
    chair = as_user(world.chair)
    opened = chair.post(
        f"/conferences/{world.conference.id}/meeting/items/{item.id}/open", headers=HTMX
    )
    section = opened.text.split(f'<section id="overdue-{item.id}"')[1].split("</section>")[0]
    assert "Fit a door alarm" in section
    assert "Already done" not in section and "Not due yet" not in section
    refused = chair.post(
        f"/conferences/{world.conference.id}/meeting/items/{item.id}/discussed", headers=HTMX
    )
    assert refused.status_code == 409
    assert "Record a decision on each overdue action (1 to go)" in refused.text
    assert _undecided(world, item) == 1

    prefix = f"review-{late.id}"
    no_date = chair.post(
        _review_url(world, item, late),
        headers=HTMX,
        data={
            f"{prefix}-version": "1",
            f"{prefix}-decision": "open",
            f"{prefix}-note": "Police still waiting for the installer",
        },
    )
    assert no_date.status_code == 422
    assert "Give the new due date to keep the action open" in no_date.text
    assert "Police still waiting for the installer" in no_date.text

    done = chair.post(
        _review_url(world, item, late),
        headers=HTMX,
        data={
            f"{prefix}-version": "1",
            f"{prefix}-decision": "not_done_agency",
            f"{prefix}-note": "Nobody took it on; escalate to the steering group",
        },
    )
    assert done.status_code == 200
    assert done.text.lstrip().startswith(f'<section id="overdue-{item.id}"')
    db.session.refresh(late)
    assert late.status is ActionStatus.NOT_DONE_AGENCY
    assert _undecided(world, item) == 0
    [update] = db.session.scalars(db.select(ActionUpdate)).all()
    assert (update.actor_id, update.agenda_item_id) == (world.chair.id, item.id)

    stale = chair.post(
        _review_url(world, item, late),
        headers=HTMX,
        data={f"{prefix}-version": "1", f"{prefix}-decision": "done", f"{prefix}-note": "Twice"},
    )
    assert stale.status_code == 409
    discussed = chair.post(
        f"/conferences/{world.conference.id}/meeting/items/{item.id}/discussed", headers=HTMX
    )
    assert discussed.status_code == 200
    db.session.refresh(item)
    assert item.status is ItemStatus.DISCUSSED


def test_an_action_kept_open_counts_as_decided(world, as_user):
    """An interim action the meeting keeps open with a new date is still open, and decided."""
    item, interim = _interim_world(world)
    factories.open_meeting(world)
    chair = as_user(world.chair)
    assert _undecided(world, item) == 1
    prefix, due = f"review-{interim.id}", utcnow().date() + timedelta(days=14)
    kept = chair.post(
        _review_url(world, item, interim),
        headers=HTMX,
        data={
            f"{prefix}-version": "1",
            f"{prefix}-decision": "open",
            f"{prefix}-due_on": [str(due.day), str(due.month), str(due.year)],
            f"{prefix}-note": "Housing will move her next week",
        },
    )
    assert kept.status_code == 200
    db.session.refresh(interim)
    assert interim.status in OPEN_STATUSES  # still open, but the meeting has decided on it
    assert _undecided(world, item) == 0
    assert "to go" not in kept.text


def test_without_javascript_a_stale_decision_shows_theirs_and_keeps_the_typing(world, as_user):
    item, late = _overdue_world(world)
    factories.open_meeting(world)
    chair, coordinator = as_user(world.chair), as_user(world.coordinator)
    chair.post(f"/conferences/{world.conference.id}/meeting/items/{item.id}/open")
    prefix = f"review-{late.id}"
    first = coordinator.post(
        _review_url(world, item, late),
        data={
            f"{prefix}-version": "1",
            f"{prefix}-decision": "not_done_circumstances",
            f"{prefix}-note": "She has moved to a refuge; the alarm is not needed",
        },
    )
    assert first.status_code == 303
    stale = chair.post(
        _review_url(world, item, late),
        data={
            f"{prefix}-version": "1",
            f"{prefix}-decision": "not_done_agency",
            f"{prefix}-note": "Escalate: the installer never came",
        },
    )
    assert stale.status_code == 409 and "<html" in stale.text
    section = stale.text.split(f'<section id="overdue-{item.id}"')[1].split("</section>")[0]
    assert "Not saved: the meeting&#39;s decision was recorded first" in section
    assert "She has moved to a refuge; the alarm is not needed" in section  # theirs
    assert re.search(r"<textarea[^>]*>\s*Escalate: the installer never came</textarea>", section)
    db.session.refresh(late)
    assert f'name="{prefix}-version" type="hidden" value="{late.version}"' in section
    assert late.status is ActionStatus.NOT_DONE_CIRCUMSTANCES
    notes = db.session.scalars(db.select(ActionUpdate.note)).all()
    assert notes == ["She has moved to a refuge; the alarm is not needed"]


def test_an_action_of_another_case_cannot_be_reviewed_under_this_item(world, as_user):
    item, _ = _overdue_world(world)
    factories.open_meeting(world)
    other = factories.past_action(world, world.cases[0], due_on=utcnow().date())
    response = as_user(world.chair).post(_review_url(world, item, other), headers=HTMX, data={})
    assert response.status_code == 404


def test_a_case_closed_early_does_not_come_back_for_its_overdue_actions(world):
    case = factories.accepted_case(world.marac, given_name="Wyn")
    factories.past_action(world, case, due_on=utcnow().date() - timedelta(days=3))
    case.status = CaseStatus.CLOSED  # closed with a reason while the action was open
    assert standing.add_overdue_action_items(world.conference, now=utcnow()) == 0


def test_the_meeting_reviews_a_case_s_interim_actions_agreed_at_screening(world, as_user):
    item, interim = _interim_world(world)
    factories.open_meeting(world)
    chair = as_user(world.chair)
    base = f"/conferences/{world.conference.id}/meeting/items/{item.id}"
    opened = chair.post(f"{base}/open", headers=HTMX)
    section = opened.text.split(f'<section id="overdue-{item.id}"')[1].split("</section>")[0]
    assert "Interim actions agreed at screening to review (1)" in section
    assert "Move her to a safe address" in section
    refused = chair.post(f"{base}/discussed", headers=HTMX)
    assert refused.status_code == 409
    assert "each interim action agreed at screening (1 to go)" in refused.text
    assert _undecided(world, item) == 1

    prefix = f"review-{interim.id}"
    reviewed = chair.post(
        _review_url(world, item, interim),
        headers=HTMX,
        data={
            f"{prefix}-version": "1",
            f"{prefix}-decision": "done",
            f"{prefix}-note": "Housing moved her last week",
        },
    )
    assert reviewed.status_code == 200
    db.session.refresh(interim)
    assert interim.status is ActionStatus.DONE
    [update] = db.session.scalars(db.select(ActionUpdate)).all()
    assert update.agenda_item_id == item.id
    assert _undecided(world, item) == 0


def test_overdue_actions_on_a_case_with_children_are_heard_with_the_childrens_cases(world, as_user):
    today = utcnow().date()
    with_child = factories.accepted_case(world.marac, given_name="Una", children=1)
    adult_only = factories.accepted_case(world.marac, given_name="Viv")
    for case in (adult_only, with_child):
        factories.past_action(world, case, due_on=today - timedelta(days=10))
    assert standing.add_overdue_action_items(world.conference, now=utcnow()) == 2
    db.session.commit()
    items = queries.agenda_items(world.conference.id)
    order = [(i.section, i.case_id) for i in items]
    children_cases = [n for n, (s, _) in enumerate(order) if s is Section.CHILDREN]
    adults = [n for n, (s, _) in enumerate(order) if s is Section.ADULTS]
    heard_with_children = order.index((Section.OVERDUE_ACTIONS, with_child.id))
    assert max(children_cases) < heard_with_children < min(adults)
    assert order[-1] == (Section.OVERDUE_ACTIONS, adult_only.id)
    page = as_user(world.coordinator).get(f"/conferences/{world.conference.id}").text
    parts = re.findall(r'<h3 class="govuk-heading-s">\d+\. ([^<]+)</h3>', page)
    assert parts == [
        "Cases with children in the household",
        "Overdue actions on cases with children (heard with the children&#39;s cases)",
        "Cases with adults only",
        "Overdue actions",
    ]
