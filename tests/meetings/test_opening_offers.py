"""The opening offers only what works: attendance once the meeting can open, and people not
yet listed."""

from __future__ import annotations

import re
from datetime import timedelta

from conference.db import utcnow
from conference.extensions import db
from tests.conftest import HTMX


def _url(conference, tail=""):
    return f"/conferences/{conference.id}/meeting{tail}"


ATTENDANCE_CONTROLS = ("Record apologies", "Add the person", "/attendees", "/attendance/")


def test_a_meeting_that_cannot_open_yet_shows_no_attendance_controls(world, as_user):
    world.conference.starts_at = utcnow() + timedelta(days=2)
    db.session.commit()
    chair = as_user(world.chair)
    for page in (
        chair.get(_url(world.conference)).text,
        chair.get(_url(world.following)).text,  # not published either
    ):
        assert "You can record attendance from then" in page
        for control in ATTENDANCE_CONTROLS:
            assert control not in page, control
        assert "Start the meeting</button>" not in page
        assert "The confidentiality statement" in page  # read ahead, nothing to press


def test_on_the_day_the_controls_are_there(world, as_user):
    page = as_user(world.chair).get(_url(world.conference)).text
    for control in ATTENDANCE_CONTROLS:
        assert control in page, control


def _offered(page: str) -> set[int]:
    picker = page[page.index('name="person"') :]
    picker = picker[: picker.index("</select>")]
    return {int(n) for n in re.findall(r'<option value="(\d+)"', picker)}


def test_the_picker_does_not_offer_people_already_listed(world, as_user):
    chair = as_user(world.chair)
    assert world.police_rep.id in _offered(chair.get(_url(world.conference)).text)
    added = chair.post(
        _url(world.conference, "/attendees"),
        data={"person": str(world.police_rep.id)},
        headers=HTMX,
    )
    assert added.status_code == 200
    offered = _offered(added.text)
    assert world.police_rep.id not in offered
    assert world.health_rep.id in offered
    assert world.police_rep.id not in _offered(chair.get(_url(world.conference)).text)
