"""The minutes merge a save made on a stale copy, as the console does, and keep every
revision of their notes and of each case's record."""

from __future__ import annotations

import pytest

from conference.meetings.console import record_of
from conference.minutes.queries import minutes_of
from tests.conftest import HTMX
from tests.minutes.conftest import finalise, url
from tests.page_forms import form_data


def _pages(world, as_user, edit=""):
    """Each writer's copy of the page; ``edit`` opens that block's form, as its link does."""
    chair, coordinator = as_user(world.chair), as_user(world.coordinator)
    page = url(world) + (f"?edit={edit}" if edit else "")
    return chair, coordinator, chair.get(page).text, coordinator.get(page).text


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_stale_notes_merge_with_what_was_saved(world, as_user, headers):
    chair, coordinator, his, hers = _pages(world, as_user)
    action = url(world, "/notes")
    saved = chair.post(action, data=form_data(his, action, opening_notes="Introductions made."))
    assert saved.status_code == 303
    merged = coordinator.post(
        action, data=form_data(hers, action, other_business="Next meeting moved."), headers=headers
    )
    assert merged.status_code == (204 if headers else 303)  # htmx: HX-Location to the page
    minutes = minutes_of(world.conference.id)
    assert minutes.opening_notes == "Introductions made."
    assert minutes.other_business == "Next meeting moved."
    page = coordinator.get(url(world)).text
    assert "their changes to Opening notes were kept alongside yours" in page


@pytest.mark.parametrize(("keep", "expected"), [("theirs", "His notes."), ("mine", "Her notes.")])
def test_notes_both_changed_are_shown_side_by_side_to_choose(world, as_user, keep, expected):
    chair, coordinator, his, hers = _pages(world, as_user)
    action = url(world, "/notes")
    assert chair.post(action, data=form_data(his, action, opening_notes="His notes.")).status_code
    clash = coordinator.post(action, data=form_data(hers, action, opening_notes="Her notes."))
    assert clash.status_code == 409
    assert "Opening notes: you both changed this" in clash.text
    assert "His notes." in clash.text and "Her notes." in clash.text
    assert minutes_of(world.conference.id).opening_notes == "His notes."
    shown = form_data(clash.text, action, **{"opening_notes.keep": keep})
    assert coordinator.post(action, data=shown).status_code == 303
    assert minutes_of(world.conference.id).opening_notes == expected


def test_a_stale_record_in_the_minutes_merges(world, as_user):
    item = world.items[0]
    chair, coordinator, his, hers = _pages(world, as_user, edit=f"record-{item.id}")
    action = url(world, f"/items/{item.id}/record")
    prefix = f"item-{item.id}-"
    mine = form_data(his, action, **{f"{prefix}risk_to_staff": "Dog at the address"})
    assert chair.post(action, data=mine).status_code == 303
    theirs = form_data(hers, action, **{f"{prefix}decisions": "Refer to the refuge."})
    assert coordinator.post(action, data=theirs).status_code == 303
    record = record_of(item)
    assert record.risk_to_staff == "Dog at the address"
    assert record.decisions == "Refer to the refuge."


def test_corrections_to_final_minutes_merge_and_every_one_is_listed(world, as_user):
    finalise(world)
    chair, coordinator, his, hers = _pages(world, as_user)
    action = url(world, "/notes")
    first = form_data(his, action, opening_notes="Observers named.", reason="Left out")
    assert chair.post(action, data=first).status_code == 303
    second = form_data(hers, action, other_business="Venue changes.", reason="Missed")
    assert coordinator.post(action, data=second).status_code == 303
    minutes = minutes_of(world.conference.id)
    assert (minutes.opening_notes, minutes.other_business) == ("Observers named.", "Venue changes.")
    revisions = chair.get(f"/conferences/{world.conference.id}/revisions")
    assert revisions.status_code == 200
    assert "The minutes' notes" in revisions.text
    assert "Observers named." in revisions.text and "Venue changes." in revisions.text
    assert "merged with a save made meanwhile" in revisions.text
    # The record the meeting kept is listed too, saved from the console.
    assert "from the console" in revisions.text


@pytest.mark.parametrize(
    ("who", "draft", "final"),
    [
        ("chair", 200, 200),
        ("coordinator", 200, 200),
        ("police_rep", 404, 404),  # even with the agency's own copy of the final minutes
        ("advocate", 404, 404),
        ("housing_rep", 404, 404),
    ],
)
def test_the_revisions_follow_who_writes_the_minutes(world, as_user, who, draft, final):
    client = as_user(getattr(world, who))
    page = f"/conferences/{world.conference.id}/revisions"
    assert client.get(page).status_code == draft
    finalise(world)
    assert client.get(page).status_code == final
