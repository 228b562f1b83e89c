"""The console and the follow view through HTTP: partials, conflicts, access and queries."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from conference.accounts.models import Role
from conference.audit.models import AuditEvent
from conference.conferences import listing, queries
from conference.conferences.choices import ItemStatus
from conference.db import utcnow
from conference.extensions import db
from conference.meetings import console
from conference.meetings import queries as meeting_queries
from conference.meetings.models import Discussion
from conference.referrals.models import Referral
from conference.research.choices import Outcome
from conference.research.models import ResearchReturn
from tests import factories
from tests.conftest import HTMX


def _url(world, tail=""):
    return f"/conferences/{world.conference.id}/meeting{tail}"


def _first_open(world, client):
    factories.open_meeting(world)
    response = client.post(_url(world, "/next"), headers=HTMX)
    assert response.status_code == 200
    return queries.agenda_items(world.conference.id)[0]


def test_the_console_opens_the_first_case_in_place(world, as_user):
    chair = as_user(world.chair)
    item = _first_open(world, chair)
    response = chair.post(_url(world, "/next"), data={"shown": str(item.id)}, headers=HTMX)
    body = response.text
    # The case column in place, and only the agenda rows the move changed, out of band.
    assert body.lstrip().startswith('<div class="app-console__main" id="case">')
    assert "<html" not in body
    agenda = queries.agenda_items(world.conference.id)
    second, third = agenda[1], agenda[2]
    assert second.case.reference in body and "Now:" not in body
    assert f'id="agenda-item-{item.id}" hx-swap-oob="true"' in body
    assert f'id="agenda-item-{second.id}" hx-swap-oob="true"' in body
    assert f'id="agenda-item-{third.id}"' not in body
    db.session.refresh(item)
    db.session.refresh(second)
    # Only the case on screen is in discussion: the one left undecided goes back to the list.
    assert item.status is ItemStatus.LISTED and second.status is ItemStatus.IN_DISCUSSION


def test_a_screen_another_driver_moved_on_from_gets_the_whole_console_again(world, as_user):
    chair, coordinator = as_user(world.chair), as_user(world.coordinator)
    first = _first_open(world, chair)
    second, third = queries.agenda_items(world.conference.id)[1:3]
    coordinator.post(
        _url(world, f"/items/{second.id}/open"), data={"shown": str(first.id)}, headers=HTMX
    )
    # The chair's screen still shows the first case: opening the third from it redraws the
    # whole console, so the first case's row no longer says it is on screen.
    response = chair.post(
        _url(world, f"/items/{third.id}/open"), data={"shown": str(first.id)}, headers=HTMX
    )
    assert response.headers["HX-Retarget"] == "#console"
    body = response.text
    assert body.lstrip().startswith('<div id="console"')
    rows = {
        item.id: body.split(f'id="agenda-item-{item.id}"')[1].split("</li>")[0]
        for item in (first, second, third)
    }
    assert 'aria-current="true"' in rows[third.id]
    assert 'aria-current="true"' not in rows[first.id] + rows[second.id]
    # A screen that was up to date gets only its case column and the rows that changed.
    quick = chair.post(_url(world, "/previous"), data={"shown": str(third.id)}, headers=HTMX)
    assert "HX-Retarget" not in quick.headers
    assert quick.text.lstrip().startswith('<div class="app-console__main" id="case">')


def test_the_record_saves_in_place_and_without_javascript_redirects(world, as_user):
    chair = as_user(world.chair)
    item = _first_open(world, chair)
    response = chair.post(
        _url(world, f"/items/{item.id}/record"),
        data={"version": "", "risk_to_victim": "Strangulation last month"},
        headers=HTMX,
    )
    # The fields keep what she typed (they hold what was saved): the status in place, the
    # version and saved text out of band, and the message that it is saved.
    assert response.status_code == 200
    assert response.headers["HX-Retarget"] == f"#record-{item.id}-status"
    assert response.text.lstrip().startswith("Last saved by Chay Ring")
    assert "Saved as you typed" not in response.text
    assert 'name="risk_to_victim.base" value="Strangulation last month"' in response.text
    assert f"The record of case {item.case.reference} is saved." in response.text
    assert "<textarea" not in response.text
    plain = chair.post(
        _url(world, f"/items/{item.id}/record"),
        data={"version": "1", "risk_to_victim": "Strangulation last month", "decisions": "Refer"},
    )
    assert plain.status_code == 303
    assert db.session.scalar(db.select(Discussion.decisions)) == "Refer"


def test_a_too_long_record_is_refused_by_its_field_and_the_text_kept(world, as_user):
    chair = as_user(world.chair)
    item = _first_open(world, chair)
    response = chair.post(
        _url(world, f"/items/{item.id}/record"),
        data={"version": "", "decisions": "x" * 4001, "risk_to_victim": "Kept words"},
        headers=HTMX,
    )
    assert response.status_code == 422
    assert "Must be 4000 characters or fewer" in response.text
    assert "Kept words" in response.text


def test_two_people_saving_the_same_record_never_overwrite_each_other(world, as_user):
    chair, coordinator = as_user(world.chair), as_user(world.coordinator)
    item = _first_open(world, chair)
    first = chair.post(
        _url(world, f"/items/{item.id}/record"),
        data={"version": "", "information_shared": "Chair summary of police information"},
        headers=HTMX,
    )
    assert first.status_code == 200
    # The coordinator started from the same empty record and saves second.
    second = coordinator.post(
        _url(world, f"/items/{item.id}/record"),
        data={"version": "", "information_shared": "Minute-taker own notes"},
        headers=HTMX,
    )
    assert second.status_code == 409
    assert "Chay Ring saved this case" in second.text
    assert "Chair summary of police information" in second.text  # theirs, shown
    assert "Minute-taker own notes" in second.text  # hers, kept to re-apply
    saved = db.session.scalar(db.select(Discussion))
    assert saved.information_shared == "Chair summary of police information"
    # Saving again from the fresh copy goes through.
    again = coordinator.post(
        _url(world, f"/items/{item.id}/record"),
        data={"version": str(saved.version), "information_shared": "Both notes merged"},
        headers=HTMX,
    )
    assert again.status_code == 200
    db.session.refresh(saved)
    assert saved.information_shared == "Both notes merged"


def test_without_javascript_a_stale_record_save_shows_both_texts_and_keeps_hers(world, as_user):
    chair, coordinator = as_user(world.chair), as_user(world.coordinator)
    item = _first_open(world, chair)
    url = _url(world, f"/items/{item.id}/record")
    first = chair.post(url, data={"version": "", "information_shared": "Chair summary"})
    assert first.status_code == 303
    stale = coordinator.post(url, data={"version": "", "information_shared": "Minute-taker notes"})
    assert stale.status_code == 409
    assert "<html" in stale.text  # the whole console, as a plain form post answers
    assert "Chay Ring saved this case" in stale.text
    assert "Chair summary" in stale.text and "Minute-taker notes" in stale.text
    saved = db.session.scalar(db.select(Discussion))
    assert saved.information_shared == "Chair summary"
    # The form now carries the version she has seen, so her next save goes through.
    assert f'name="version" type="hidden" value="{saved.version}"' in stale.text
    again = coordinator.post(
        url, data={"version": str(saved.version), "information_shared": "Both"}
    )
    assert again.status_code == 303
    db.session.refresh(saved)
    assert saved.information_shared == "Both"


def test_an_action_is_added_in_place_and_a_missing_owner_is_named_by_its_field(world, as_user):
    chair = as_user(world.chair)
    item = _first_open(world, chair)
    prefix = f"new-{item.id}"
    refused = chair.post(
        _url(world, f"/items/{item.id}/actions"),
        data={
            f"{prefix}-description": "Install a panic alarm",
            f"{prefix}-due_in": "14",
            f"{prefix}-priority": "high",
        },
        headers=HTMX,
    )
    assert refused.status_code == 422
    assert "Choose the agency that owns this action" in refused.text
    assert "Install a panic alarm" in refused.text
    added = chair.post(
        _url(world, f"/items/{item.id}/actions"),
        data={
            f"{prefix}-description": "Install a panic alarm",
            f"{prefix}-due_in": "14",
            f"{prefix}-priority": "high",
            f"{prefix}-owner_agency_id": str(world.housing.id),
        },
        headers=HTMX,
    )
    assert added.status_code == 200
    assert added.text.lstrip().startswith(f'<section id="actions-{item.id}"')
    [action] = queries_actions(item)
    assert action.owner_agency_id == world.housing.id
    assert action.due_on == world.conference.starts_at.date() + timedelta(days=14)


def queries_actions(item):
    from conference.meetings import queries as meeting_queries

    return meeting_queries.actions_for([item.id]).get(item.id, [])


def test_a_stale_action_change_is_refused_with_both_versions(world, as_user):
    chair, coordinator = as_user(world.chair), as_user(world.coordinator)
    item = _first_open(world, chair)
    action = console.add_action(
        item,
        description="Refer to refuge",
        owner=world.idva,
        owner_name="",
        due_on=utcnow().date() + timedelta(days=7),
        priority=console.Priority.MEDIUM,
        actor=world.chair,
        now=utcnow(),
    )
    db.session.commit()
    prefix = f"action-{action.id}"
    form = {
        f"{prefix}-version": "1",
        f"{prefix}-owner_agency_id": str(world.idva.id),
        f"{prefix}-due_in": "28",
        f"{prefix}-priority": "low",
    }
    ok = chair.post(
        _url(world, f"/actions/{action.id}"),
        data={**form, f"{prefix}-description": "Refer to a refuge today"},
        headers=HTMX,
    )
    assert ok.status_code == 200
    stale = coordinator.post(
        _url(world, f"/actions/{action.id}"),
        data={**form, f"{prefix}-description": "Refer to outreach"},
        headers=HTMX,
    )
    assert stale.status_code == 409
    assert "Refer to a refuge today" in stale.text and "Refer to outreach" in stale.text
    plain = coordinator.post(
        _url(world, f"/actions/{action.id}"),
        data={**form, f"{prefix}-description": "Refer to outreach"},
    )
    assert plain.status_code == 409
    assert "<html" in plain.text
    assert "someone else changed this action first" in plain.text
    assert "Refer to a refuge today" in plain.text and "Refer to outreach" in plain.text


def _two_actions(world, item):
    actions = [
        console.add_action(
            item,
            description=text,
            owner=world.idva,
            owner_name="",
            due_on=utcnow().date() + timedelta(days=7),
            priority=console.Priority.MEDIUM,
            actor=world.chair,
            now=utcnow(),
        )
        for text in ("Refer to refuge", "Fit a door chain")
    ]
    db.session.commit()
    return actions


def test_an_actions_change_form_opens_on_demand_in_place_or_on_the_console(world, as_user):
    """The plan lists each agreed action with a link; only the one asked for carries its
    change form: swapped in place with htmx, or the console with it open without."""
    chair = as_user(world.chair)
    item = _first_open(world, chair)
    first, second = _two_actions(world, item)
    page = chair.get(_url(world)).text
    assert "Save the change" not in page
    assert page.count("Change or withdraw") == 2
    opened = chair.get(_url(world, f"/actions/{first.id}/change"), headers=HTMX)
    assert opened.status_code == 200
    assert f'id="action-{first.id}"' in opened.text and "Save the change" in opened.text
    assert "Withdraw: entered by mistake" in opened.text and "Fit a door chain" not in opened.text
    plain = chair.get(_url(world, f"/actions/{second.id}/change"))
    assert plain.status_code == 303
    assert plain.headers["Location"].endswith(f"?change={second.id}#action-{second.id}")
    console_page = chair.get(_url(world, f"?change={second.id}")).text
    assert console_page.count("Save the change") == 1
    assert f'name="action-{second.id}-description"' in console_page
    assert chair.get(_url(world, "?change=nonsense")).status_code == 200


def test_only_a_driver_opens_an_actions_change_form(world, as_user):
    chair = as_user(world.chair)
    item = _first_open(world, chair)
    first, _ = _two_actions(world, item)
    for user in (world.police_rep, world.advocate):
        refused = as_user(user).get(_url(world, f"/actions/{first.id}/change"), headers=HTMX)
        assert refused.status_code == 404 and "Refer to refuge" not in refused.text


def test_withdrawing_an_action_changed_since_it_was_seen_is_refused(world, as_user):
    chair, coordinator = as_user(world.chair), as_user(world.coordinator)
    item = _first_open(world, chair)
    action = console.add_action(
        item,
        description="Refer to refuge",
        owner=world.idva,
        owner_name="",
        due_on=utcnow().date() + timedelta(days=7),
        priority=console.Priority.MEDIUM,
        actor=world.chair,
        now=utcnow(),
    )
    db.session.commit()
    seen, action_id = action.version, action.id
    prefix = f"action-{action.id}"
    changed = coordinator.post(
        _url(world, f"/actions/{action.id}"),
        data={
            f"{prefix}-version": str(seen),
            f"{prefix}-description": "Refer to a refuge today: she agreed",
            f"{prefix}-owner_agency_id": str(world.idva.id),
            f"{prefix}-due_in": "28",
            f"{prefix}-priority": "high",
        },
        headers=HTMX,
    )
    assert changed.status_code == 200

    for headers in (HTMX, {}):
        stale = chair.post(
            _url(world, f"/actions/{action.id}/withdraw"),
            data={"version": str(seen)},
            headers=headers,
        )
        assert stale.status_code == 409
        assert "it was not withdrawn" in stale.text
        assert "Refer to a refuge today: she agreed" in stale.text  # as it is saved now
        db.session.expire_all()
        assert db.session.get(console.Action, action.id) is not None

    db.session.refresh(action)
    withdrawn = chair.post(
        _url(world, f"/actions/{action.id}/withdraw"),
        data={"version": str(action.version)},
        headers=HTMX,
    )
    assert withdrawn.status_code == 200
    assert "Refer to a refuge today" not in withdrawn.text
    db.session.expire_all()
    assert db.session.get(console.Action, action_id) is None


def test_marking_discussed_too_early_says_what_is_missing(world, as_user):
    chair = as_user(world.chair)
    item = _first_open(world, chair)
    response = chair.post(_url(world, f"/items/{item.id}/discussed"), headers=HTMX)
    assert response.status_code == 409
    assert "Record at least one risk identified" in response.text


def test_concluding_sends_the_chair_to_the_minutes(world, as_user):
    chair = as_user(world.chair)
    meeting = factories.open_meeting(world)
    now = utcnow()
    for item in queries.agenda_items(world.conference.id):
        console.open_item(meeting, item, actor=world.chair, now=now)
        console.defer(item, reason="Not enough time", actor=world.chair, now=now)
    db.session.commit()
    response = chair.post(_url(world, "/conclude"), headers=HTMX)
    assert response.status_code == 200
    assert response.headers["HX-Redirect"].endswith(f"/conferences/{world.conference.id}/minutes")
    after = chair.get(_url(world))
    assert after.status_code == 303
    assert after.headers["Location"].endswith(f"/conferences/{world.conference.id}/minutes")


@pytest.mark.parametrize("who", ["chair", "coordinator"])
def test_the_chair_and_coordinators_drive_the_console(world, as_user, who):
    factories.open_meeting(world)
    client = as_user(getattr(world, who))
    assert client.get(_url(world)).status_code == 200
    assert client.post(_url(world, "/next"), headers=HTMX).status_code == 200
    item = queries.agenda_items(world.conference.id)[0]
    fold = client.get(_url(world, f"/items/{item.id}/folds/defer"), headers=HTMX)
    assert fold.status_code == 200 and "Defer the case" in fold.text


@pytest.mark.parametrize("who", ["police_rep", "advocate", "other_chair", "other_coordinator"])
def test_nobody_else_drives_the_console(world, as_user, who):
    from conference.accounts.models import Role

    factories.open_meeting(world)
    if who == "other_chair":
        user = factories.make_user(Role.CHAIR, marac=world.marac)
    elif who == "other_coordinator":
        user = factories.make_user(Role.COORDINATOR)
    else:
        user = getattr(world, who)
    client = as_user(user)
    item = queries.agenda_items(world.conference.id)[0]
    assert client.get(_url(world)).status_code == 404
    assert client.post(_url(world, "/next"), headers=HTMX).status_code == 404
    assert client.post(_url(world, f"/items/{item.id}/record"), data={}).status_code == 404
    assert client.post(_url(world, "/attendees/accept-all")).status_code == 404
    for name in ("research", "perpetrators", "issue", "defer"):
        fold = client.get(_url(world, f"/items/{item.id}/folds/{name}"), headers=HTMX)
        assert fold.status_code == 404 and item.case.reference not in fold.text


def test_the_case_s_folds_are_drawn_when_opened_and_with_a_problem_at_once(world, as_user):
    factories.open_meeting(world)
    chair = as_user(world.chair)
    assert chair.post(_url(world, "/next"), headers=HTMX).status_code == 200
    item = queries.agenda_items(world.conference.id)[0]
    page = chair.get(_url(world)).text
    assert "Research by agency (0)" in page and "Log a system issue" in page
    assert 'name="reason"' not in page and "What went wrong" not in page  # folded, not drawn
    research = chair.get(_url(world, f"/items/{item.id}/folds/research"), headers=HTMX)
    assert "No agency returned research on this case." in research.text
    assert 'id="flash"' not in research.text  # opening a fold leaves a banner on screen
    issue = chair.get(_url(world, f"/items/{item.id}/folds/issue"), headers=HTMX).text
    assert "What went wrong" in issue and "<html" not in issue
    assert (
        chair.get(_url(world, f"/items/{item.id}/folds/minutes"), headers=HTMX).status_code == 404
    )
    # Without JavaScript the fold's link opens the console again with the fold drawn.
    drawn = chair.get(f"{_url(world)}?open=defer").text
    assert 'name="reason"' in drawn and "What went wrong" not in drawn
    # A deferral refused for its missing reason shows its fold open with the problem.
    refused = chair.post(_url(world, f"/items/{item.id}/defer"), data={"reason": ""})
    assert refused.status_code == 422
    assert 'id="case-defer" open' in refused.text and 'name="reason"' in refused.text


def _returns(world, item):
    for agency, rep, text in (
        (world.police, world.police_rep, "Police hold two call-outs"),
        (world.health, world.health_rep, "Health saw injuries at A&E"),
    ):
        db.session.add(
            ResearchReturn(
                agenda_item_id=item.id,
                agency_id=agency.id,
                outcome=Outcome.KNOWN,
                summary=text,
                updated_by_id=rep.id,
                submitted_at=utcnow(),
            )
        )
    db.session.commit()


def test_the_follow_view_shows_an_attendee_only_their_agencys_research(world, as_user):
    item = queries.agenda_items(world.conference.id)[0]
    _returns(world, item)
    _first_open(world, as_user(world.chair))
    health = as_user(world.health_rep).get(f"/conferences/{world.conference.id}/follow")
    assert health.status_code == 200
    assert "Health saw injuries at A&amp;E" in health.text
    assert "Police hold two call-outs" not in health.text
    live = as_user(world.health_rep).get(
        f"/conferences/{world.conference.id}/follow/live", headers=HTMX
    )
    assert live.status_code == 200 and 'hx-trigger="every 4s"' in live.text


def test_the_follow_view_shows_each_new_action(world, as_user):
    chair = as_user(world.chair)
    item = _first_open(world, chair)
    follower = as_user(world.childrens_rep)
    live = f"/conferences/{world.conference.id}/follow/live"
    assert "No actions agreed yet" in follower.get(live, headers=HTMX).text
    console.add_action(
        item,
        description="Strategy discussion for the children",
        owner=world.childrens,
        owner_name="",
        due_on=utcnow().date() + timedelta(days=7),
        priority=console.Priority.HIGH,
        actor=world.chair,
        now=utcnow(),
    )
    db.session.commit()
    assert "Strategy discussion for the children" in follower.get(live, headers=HTMX).text


def _since(body: str) -> str:
    """The stamp the follow view's poll will send back (what the page shows)."""
    return re.search(r"follow/live\?since=([0-9a-f]+)", body).group(1)


def test_a_follow_poll_that_finds_nothing_changed_answers_204_cheaply(
    world, as_user, count_queries
):
    chair = as_user(world.chair)
    item = _first_open(world, chair)
    follower = as_user(world.childrens_rep)
    page = follower.get(f"/conferences/{world.conference.id}/follow").text
    live = f"/conferences/{world.conference.id}/follow/live?since={_since(page)}"
    follower.get(live, headers=HTMX)  # the session's first touch written

    with count_queries() as polled:
        unchanged = follower.get(live, headers=HTMX)

    assert unchanged.status_code == 204 and unchanged.text == ""
    with count_queries() as rendered:
        full = follower.get(f"/conferences/{world.conference.id}/follow/live", headers=HTMX)
    assert full.status_code == 200
    assert len(polled) < len(rendered) / 2, (len(polled), len(rendered))
    # The session, the user with their roles, the agreement gate, the conference, and one
    # statement for both the stamp and whether the follower is an attendee.
    assert len(polled) == 5, polled

    # Each kind of change the view shows makes the next poll answer with the new content.
    changes = [
        lambda: console.add_action(
            item,
            description="Strategy discussion for the children",
            owner=world.childrens,
            owner_name="",
            due_on=utcnow().date() + timedelta(days=7),
            priority=console.Priority.HIGH,
            actor=world.chair,
            now=utcnow(),
        ),
        lambda: chair.post(
            _url(world, f"/items/{item.id}/record"),
            data={"version": "", "risk_to_victim": "Threats to kill since Friday"},
            headers=HTMX,
        ),
        lambda: chair.post(_url(world, "/next"), headers=HTMX),
    ]
    since = _since(full.text)
    for change in changes:
        change()
        db.session.commit()
        answer = follower.get(
            f"/conferences/{world.conference.id}/follow/live?since={since}", headers=HTMX
        )
        assert answer.status_code == 200, change
        assert _since(answer.text) != since
        since = _since(answer.text)
        again = follower.get(
            f"/conferences/{world.conference.id}/follow/live?since={since}", headers=HTMX
        )
        assert again.status_code == 204


def test_a_204_poll_writes_no_audit_event(world, as_user):
    _first_open(world, as_user(world.chair))
    follower = as_user(world.police_rep)
    page = follower.get(f"/conferences/{world.conference.id}/follow").text
    before = db.session.scalar(db.select(db.func.count()).select_from(AuditEvent))

    for _ in range(3):
        answer = follower.get(
            f"/conferences/{world.conference.id}/follow/live?since={_since(page)}", headers=HTMX
        )
        assert answer.status_code == 204

    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)) == before


def test_an_agency_absent_from_the_meeting_sees_nothing_of_it(world, as_user):
    factories.open_meeting(world)  # housing sent apologies
    housing = as_user(world.housing_rep)
    conference = world.conference.id
    assert housing.get(f"/conferences/{conference}/follow").status_code == 404
    assert housing.get(f"/conferences/{conference}/follow/live", headers=HTMX).status_code == 404
    assert housing.get(f"/conferences/{conference}").status_code == 404
    assert housing.get(f"/research/{conference}").status_code == 404
    police = as_user(world.police_rep)
    assert police.get(f"/conferences/{conference}").status_code == 200
    assert police.get(f"/research/{conference}").status_code == 200
    # Nor does any page of hers lead to it: every link she is given opens.
    for page in ("/conferences/", "/research/"):
        listed = housing.get(page)
        assert listed.status_code == 200
        assert f'href="/conferences/{conference}"' not in listed.text
        assert f'href="/research/{conference}"' not in listed.text
        for link in re.findall(r'href="(/(?:conferences|research)/\d+)"', listed.text):
            assert housing.get(link).status_code == 200, link
    for page in ("/conferences/", "/research/"):
        assert f'href="/research/{conference}"' in police.get(page).text


def test_polling_stops_when_the_meeting_ends(world, as_user):
    factories.hold_meeting(world)
    response = as_user(world.police_rep).get(
        f"/conferences/{world.conference.id}/follow/live", headers=HTMX
    )
    assert response.status_code == 286
    assert "hx-trigger" not in response.text
    assert "The meeting has ended" in response.text


def test_the_follow_view_of_an_ended_meeting_lists_references_and_is_audited(world, as_user):
    factories.hold_meeting(world)
    response = as_user(world.police_rep).get(f"/conferences/{world.conference.id}/follow")
    assert response.status_code == 200 and "The meeting has ended" in response.text
    items = queries.agenda_items(world.conference.id)
    assert all(i.case.reference in response.text for i in items)
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.verb == "meeting.followed"))
    assert event is not None and event.user_id == world.police_rep.id
    assert sorted(event.detail["case_ids"]) == sorted(i.case_id for i in items)


def test_following_is_audited_when_the_case_changes_not_on_every_poll(world, as_user):
    chair = as_user(world.chair)
    _first_open(world, chair)
    follower = as_user(world.police_rep)
    live = f"/conferences/{world.conference.id}/follow/live"

    def followed():
        return db.session.scalar(
            db.select(db.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.verb == "meeting.followed")
        )

    for _ in range(3):
        follower.get(live, headers=HTMX)
    assert followed() == 1
    chair.post(_url(world, "/next"), headers=HTMX)
    follower.get(live, headers=HTMX)
    assert followed() == 2


def _earlier_hearing(world):
    """Give the first case an earlier conference with two actions."""
    case = queries.agenda_items(world.conference.id)[0].case
    for n in range(2):
        factories.past_action(world, case, due_on=utcnow().date(), description=f"Old action {n}")


def test_each_move_shows_the_case_it_moved_to_with_its_own_people_and_history(world, as_user):
    """The console's statements are built once and kept: each answer still reads the case it
    asks about, never the one a statement was first built for."""
    _earlier_hearing(world)
    chair = as_user(world.chair)
    first = _first_open(world, chair)
    second = queries.agenda_items(world.conference.id)[1]

    def column(response):
        assert response.status_code == 200
        return response.text.split('id="case"')[1].split('hx-swap-oob="true"')[0]

    def victim(item):
        referral = db.session.get(Referral, item.referral_id)
        return f"{referral.victim_given_name} {referral.victim_family_name}"

    on_first = column(chair.get(_url(world), headers=HTMX))
    assert first.case.reference in on_first and victim(first) in on_first
    assert "Old action 0" in on_first  # the first case's earlier plan
    on_second = column(
        chair.post(_url(world, "/next"), data={"shown": str(first.id)}, headers=HTMX)
    )
    assert second.case.reference in on_second and victim(second) in on_second
    assert victim(first) not in on_second and "Old action 0" not in on_second
    back = column(
        chair.post(_url(world, "/previous"), data={"shown": str(second.id)}, headers=HTMX)
    )
    assert victim(first) in back and "Old action 0" in back


def _console_queries(app, as_user, count_queries, *, cases: int, earlier: int) -> dict:
    """Queries each console answer runs, for an agenda of ``cases`` whose first case has
    ``earlier`` earlier conferences behind it."""
    world = factories.meeting_world(cases=cases)
    case = queries.agenda_items(world.conference.id)[0].case
    for n in range(earlier):
        world.past_conference = None  # a conference of its own for each hearing
        factories.past_action(world, case, due_on=utcnow().date(), description=f"Old {n}")
    chair = as_user(world.chair)
    item = _first_open(world, chair)
    prefix = f"new-{item.id}"
    new_action = {
        f"{prefix}-description": "Act",
        f"{prefix}-due_in": "7",
        f"{prefix}-priority": "high",
        f"{prefix}-owner_agency_id": str(world.police.id),
    }
    counts = {}

    def measure(name, send):
        with count_queries() as statements:
            response = send()
        assert response.status_code in (200, 409, 422), (name, response.status_code)
        counts[name] = len(statements)

    url = _url(world, f"/items/{item.id}")
    measure("open", lambda: chair.post(f"{url}/open", headers=HTMX))
    measure(
        "record",
        lambda: chair.post(
            f"{url}/record", headers=HTMX, data={"version": "", "risk_to_victim": "Threats"}
        ),
    )
    measure("add action", lambda: chair.post(f"{url}/actions", headers=HTMX, data=new_action))
    action = queries_actions(item)[0]
    edit = {k.replace(prefix, f"action-{action.id}"): v for k, v in new_action.items()}
    measure(
        "change action",
        lambda: chair.post(
            _url(world, f"/actions/{action.id}"),
            headers=HTMX,
            data={**edit, f"action-{action.id}-version": str(action.version)},
        ),
    )
    measure("discussed", lambda: chair.post(f"{url}/discussed", headers=HTMX))
    measure("next", lambda: chair.post(_url(world, "/next"), headers=HTMX))
    second = queries.agenda_items(world.conference.id)[1]
    measure(
        "defer",
        lambda: chair.post(
            _url(world, f"/items/{second.id}/defer"),
            headers=HTMX,
            data={"reason": "Waiting for police"},
        ),
    )
    measure("previous", lambda: chair.post(_url(world, "/previous"), headers=HTMX))
    measure("state", lambda: chair.get(_url(world, "/state?shown=0"), headers=HTMX))
    measure(
        "follow",
        lambda: as_user(world.police_rep).get(
            f"/conferences/{world.conference.id}/follow/live", headers=HTMX
        ),
    )
    return counts


def test_console_answers_run_a_fixed_number_of_queries(app, as_user, count_queries):
    small = _console_queries(app, as_user, count_queries, cases=2, earlier=1)
    large = _console_queries(app, as_user, count_queries, cases=6, earlier=4)
    assert small == large


def test_the_opening_reads_the_marac_statement_and_flags_absent_core_agencies(world, as_user):
    world.marac.confidentiality_statement = "Westvale words: nothing leaves this room."
    db.session.commit()
    page = as_user(world.chair).get(_url(world)).text
    assert "Westvale words: nothing leaves this room." in page
    assert "Everything shared at this meeting is confidential" not in page
    assert "Probation: no such agency is invited" in page  # a default core kind missing


def test_only_people_with_a_role_in_the_marac_are_listed_or_follow(world, as_user):
    from conference.accounts.models import Role

    other = factories.make_marac()
    outsider = factories.make_user(Role.AGENCY_REP, marac=other, agency=world.health)
    chair = as_user(world.chair)
    refused = chair.post(_url(world, "/attendees"), data={"person": str(outsider.id)}, headers=HTMX)
    assert refused.status_code == 422
    assert "has no role here" in refused.text
    nonsense = chair.post(_url(world, "/attendees"), data={"person": "abc", "agency_id": "x"})
    assert nonsense.status_code == 422
    assert "Choose a person, or an agency and a name" in nonsense.text


def test_the_steering_group_is_never_listed_and_never_follows(world, as_user):
    """The steering group sees figures only: its role brings no one into a meeting."""
    from conference.accounts.models import Role
    from conference.meetings.permissions import follows

    steering = factories.make_user(Role.STEERING, marac=world.marac, agency=world.health)
    refused = as_user(world.chair).post(
        _url(world, "/attendees"), data={"person": str(steering.id)}, headers=HTMX
    )
    assert refused.status_code == 422
    assert "has no role here" in refused.text
    assert not follows(steering, world.conference, [steering.id])
    assert as_user(steering).get(_url(world).replace("/meeting", "/follow")).status_code in (
        403,
        404,
    )


def test_console_buttons_before_the_start_go_back_to_the_opening(world, as_user):
    chair = as_user(world.chair)
    item = queries.agenda_items(world.conference.id)[0]
    for tail in ("/next", "/conclude", f"/items/{item.id}/defer", f"/items/{item.id}/open"):
        response = chair.post(_url(world, tail), data={"reason": "x"}, headers=HTMX)
        assert response.status_code == 200, tail
        assert response.headers["HX-Redirect"].endswith(_url(world)), tail


def test_a_second_console_is_told_when_the_other_driver_moves(world, as_user):
    chair, coordinator = as_user(world.chair), as_user(world.coordinator)
    first = _first_open(world, chair)
    second = queries.agenda_items(world.conference.id)[1]
    state = _url(world, f"/state?shown={first.id}")
    assert "has moved on" not in coordinator.get(state, headers=HTMX).text
    coordinator.post(_url(world, f"/items/{second.id}/open"), headers=HTMX)
    told = chair.get(state, headers=HTMX).text
    assert "The meeting has moved on" in told and second.case.reference in told
    # "Next" moves on from the case on the chair's own screen, not from the other's.
    moved = chair.post(_url(world, "/next"), data={"shown": str(first.id)}, headers=HTMX)
    assert f"{second.case.reference}:" in moved.text.split('id="case-heading"')[1][:200]


def _state_poll(body: str) -> str:
    """The address the console's state poll will ask next (what its notice shows)."""
    found = re.search(r'id="console-sync-poll" hx-get="([^"]+)"', body)
    assert found, "no state poll"
    return found.group(1).replace("&amp;", "&")


def test_the_state_poll_answers_204_while_nothing_moved_and_tells_each_move_once(
    world, as_user, count_queries
):
    chair, coordinator = as_user(world.chair), as_user(world.coordinator)
    first = _first_open(world, chair)
    second = queries.agenda_items(world.conference.id)[1]
    poll = _state_poll(chair.get(_url(world)).text)
    chair.get(poll, headers=HTMX)  # the session's first touch written

    with count_queries() as polled:
        unchanged = chair.get(poll, headers=HTMX)
    assert unchanged.status_code == 204 and unchanged.text == ""
    with count_queries() as told_queries:
        told = chair.get(_url(world, f"/state?shown={first.id}&seen=0"), headers=HTMX)
    assert told.status_code == 200
    assert len(polled) < len(told_queries), (polled, told_queries)
    # One lookup of the meeting beyond the sign-in's user and the conference by its key.
    assert sum("meetings" in q for q in polled) == 1, polled

    # The other driver moves on: told once, then quiet again while it stays there.
    coordinator.post(_url(world, f"/items/{second.id}/open"), headers=HTMX)
    moved = chair.get(poll, headers=HTMX)
    assert moved.status_code == 200
    assert "The meeting has moved on" in moved.text and second.case.reference in moved.text
    poll = _state_poll(moved.text)
    assert chair.get(poll, headers=HTMX).status_code == 204
    # Back to the chair's own case: the notice is taken away, not left standing.
    coordinator.post(_url(world, f"/items/{first.id}/open"), headers=HTMX)
    back = chair.get(poll, headers=HTMX)
    assert back.status_code == 200 and "has moved on" not in back.text
    assert chair.get(_state_poll(back.text), headers=HTMX).status_code == 204


def test_without_javascript_a_move_from_a_stale_screen_follows_the_other_driver(world, as_user):
    """The meeting's live state holds no typing: a move made from a screen another driver has
    left is taken from that screen, so nothing of theirs is undone and no case is skipped."""
    chair, coordinator = as_user(world.chair), as_user(world.coordinator)
    first = _first_open(world, chair)
    second = queries.agenda_items(world.conference.id)[1]
    meeting = meeting_queries.meeting_for(world.conference.id)
    version = meeting.version
    assert coordinator.post(_url(world, f"/items/{second.id}/open")).status_code == 303
    moved = chair.post(_url(world, "/next"), data={"shown": str(first.id)})
    assert moved.status_code == 303
    db.session.refresh(meeting)
    assert meeting.current_item_id == second.id and meeting.version > version
    page = chair.get(moved.headers["Location"]).text
    assert f"{second.case.reference}:" in page.split('id="case-heading"')[1][:200]


def test_a_deferred_case_already_listed_ahead_is_carried_to_that_listing(world):
    deferred_case = world.cases[-1]
    listing.add_case(world.following, deferred_case, actor=None, now=utcnow())
    # Its own item here is the one on today's agenda: concluding must not list it twice.
    db.session.commit()
    factories.hold_meeting(world)
    items = queries.agenda_items(world.following.id)
    assert [i.case_id for i in items] == [deferred_case.id]


AUTOSAVE = {**HTMX, "X-Autosave": "1"}


def test_a_save_that_puts_right_the_problems_shown_draws_the_record_again(world, as_user):
    chair = as_user(world.chair)
    item = _first_open(world, chair)
    url = _url(world, f"/items/{item.id}/record")
    refused = chair.post(url, data={"version": "", "decisions": "x" * 5000}, headers=HTMX)
    assert refused.status_code == 422
    assert 'name="showing_problems" value="1"' in refused.text
    fixed = {"version": "", "decisions": "Refer to the refuge", "showing_problems": "1"}
    for headers in (HTMX, AUTOSAVE):
        saved = chair.post(url, data=fixed, headers=headers)
        assert saved.status_code == 200 and "HX-Retarget" not in saved.headers
        assert saved.text.lstrip().startswith(f'<section id="record-{item.id}"')
        assert "govuk-error-summary" not in saved.text and "showing_problems" not in saved.text
        fixed["version"] = str(db.session.scalar(db.select(Discussion.version)))
        db.session.expire_all()


def test_the_record_saves_as_the_chair_types_without_replacing_her_fields(world, as_user):
    chair = as_user(world.chair)
    item = _first_open(world, chair)
    url = _url(world, f"/items/{item.id}/record")
    first = chair.post(url, data={"version": "", "risk_to_victim": "Threats"}, headers=AUTOSAVE)
    assert first.status_code == 200
    # Only the status in place; the version and saved text out of band; the list refreshed.
    assert first.headers["HX-Retarget"] == f"#record-{item.id}-status"
    assert first.headers["HX-Reswap"] == "innerHTML"
    assert "Saved as you typed" in first.text
    assert f'id="record-{item.id}-saved" hx-swap-oob="true"' in first.text
    assert 'name="risk_to_victim.base" value="Threats"' in first.text
    assert f'id="missing-{item.id}" class="app-case__missing" hx-swap-oob="true"' in first.text
    assert "Record at least one risk identified" not in first.text
    assert "<textarea" not in first.text
    saved = db.session.scalar(db.select(Discussion))
    assert saved.risk_to_victim == "Threats"
    # A stale autosave where both changed the same field: both texts, the typing kept (409).
    coordinator = as_user(world.coordinator)
    clash = coordinator.post(
        url,
        data={"version": "", "risk_to_victim": "Her own words", "risk_to_victim.base": ""},
        headers=AUTOSAVE,
    )
    assert clash.status_code == 409
    assert "Her own words" in clash.text and "Threats" in clash.text


def test_each_save_on_the_plan_refreshes_what_is_missing(world, as_user):
    chair = as_user(world.chair)
    item = _first_open(world, chair)
    prefix = f"new-{item.id}"
    added = chair.post(
        _url(world, f"/items/{item.id}/actions"),
        data={
            f"{prefix}-description": "Install a panic alarm",
            f"{prefix}-owner_agency_id": str(world.police.id),
            f"{prefix}-due_in": "14",
            f"{prefix}-priority": "high",
        },
        headers=HTMX,
    )
    assert added.status_code == 200
    assert f'id="missing-{item.id}" class="app-case__missing" hx-swap-oob="true"' in added.text
    assert "Agree at least one action" not in added.text
    assert "Record at least one risk identified" in added.text


def test_the_action_form_lists_agencies_present_first_and_is_due_by_the_usual_interval(
    world, as_user
):
    chair = as_user(world.chair)
    _first_open(world, chair)
    page = chair.get(_url(world)).text
    form = page[page.index("data-new-action") :]
    # Housing sent apologies: it comes after every agency present.
    assert form.index(world.housing.name) > max(
        form.index(world.police.name), form.index(world.health.name)
    )
    # No meeting rule in this world: an action is due in 28 days unless the chair picks.
    assert re.search(r'value="28"\s+checked', form) or re.search(r'checked[^>]*value="28"', form)


def test_the_usual_interval_picks_the_nearest_quick_due_date():
    assert console.usual_due_in("monthly", None) == 28
    assert console.usual_due_in(None, None) == 28
    assert console.usual_due_in("every_n_weeks", 1) == 7
    assert console.usual_due_in("every_n_weeks", 2) == 14
    assert console.usual_due_in("every_n_weeks", 3) == 28
    assert console.usual_due_in("every_n_weeks", 6) == 28
    assert console.present_first([(1, "A"), (2, "B"), (3, "C")], {3}) == [
        (3, "C"),
        (1, "A"),
        (2, "B"),
    ]


def test_people_shown_by_name_bring_no_roles_with_them(world, as_user, count_queries):
    """The follow view names the chair, owners and returners: only the signed-in user's roles
    are read (their access), never a batch of everyone else's."""
    chair = as_user(world.chair)
    item = _first_open(world, chair)
    console.add_action(
        item,
        description="Strategy discussion for the children",
        owner=world.childrens,
        owner_name="",
        due_on=utcnow().date() + timedelta(days=7),
        priority=console.Priority.HIGH,
        actor=world.chair,
        now=utcnow(),
    )
    db.session.commit()
    follower = as_user(world.childrens_rep)
    follower.get(f"/conferences/{world.conference.id}/follow")
    with count_queries() as statements:
        shown = follower.get(f"/conferences/{world.conference.id}/follow/live", headers=HTMX)
    assert shown.status_code == 200
    # One statement reads roles: the signed-in user's, with the user (as FROM or as a JOIN).
    grants = [s for s in statements if re.search(r"(FROM|JOIN) role_grants\b", s)]
    assert len(grants) == 1, grants


def test_only_an_attendee_who_accepted_the_statement_follows_or_polls(world, as_user):
    """The poll's one statement answers both what changed and whether the user attends: an
    attendee yet to accept the confidentiality statement, or a colleague never added, gets
    neither the view nor a 204 that would say nothing had changed."""
    from conference.meetings import opening

    _first_open(world, as_user(world.chair))
    page = as_user(world.police_rep).get(f"/conferences/{world.conference.id}/follow")
    since = _since(page.text)
    attendee = opening.add_attendee(
        world.conference,
        world.housing,
        name="",
        user=world.housing_rep,
        actor=world.chair,
        now=utcnow(),
    )
    db.session.commit()
    housing = as_user(world.housing_rep)
    never_added = as_user(
        factories.make_user(Role.AGENCY_REP, marac=world.marac, agency=world.housing)
    )
    for client in (housing, never_added):
        assert client.get(f"/conferences/{world.conference.id}/follow").status_code == 404
        poll = client.get(
            f"/conferences/{world.conference.id}/follow/live?since={since}", headers=HTMX
        )
        assert poll.status_code == 404 and since not in poll.text

    opening.accept_confidentiality(attendee, actor=world.chair, now=utcnow())
    db.session.commit()
    assert housing.get(f"/conferences/{world.conference.id}/follow").status_code == 200
    polled = housing.get(
        f"/conferences/{world.conference.id}/follow/live?since={since}", headers=HTMX
    )
    assert polled.status_code == 204
