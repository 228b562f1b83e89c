"""The opening and the console offer only what works: attendance once the meeting can open,
people not yet listed, and no research warning for an agency that sent its information."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from conference.audit.models import AuditEvent
from conference.db import utcnow
from conference.extensions import db
from tests import factories
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


def test_an_agency_with_apologies_and_its_information_sent_is_not_warned_for(world, as_user):
    chair = as_user(world.chair)
    prefix = f"agency-{world.housing.id}"
    answer = chair.post(
        _url(world.conference, f"/attendance/{world.housing.id}"),
        data={f"{prefix}-presence": "apologies", f"{prefix}-information_sent": "yes"},
        headers=HTMX,
    )
    assert answer.status_code == 200
    assert "Housing: apologies, information sent" in answer.text
    assert "Housing: no research returned" not in answer.text
    assert "Health: no research returned" in answer.text  # not recorded yet: still warned

    factories.open_meeting(world)  # housing: apologies, information sent
    console = chair.get(_url(world.conference)).text
    assert "Housing (apologies, information sent)" in console
    assert "Housing (no research)" not in console


def test_the_research_grid_does_not_mark_it_missing_either(world, as_user):
    factories.open_meeting(world)
    page = as_user(world.coordinator).get(f"/conferences/{world.conference.id}/research").text
    housing = page[
        page.index(f'<th scope="row" class="govuk-table__header">{world.housing.name}') :
    ]
    housing = housing[: housing.index("</tr>")]
    assert "Sent with its apologies" in housing and "Missing" not in housing
    assert db.session.scalar(
        sa.select(sa.func.count()).where(AuditEvent.verb == "research.grid_viewed")
    )


def test_while_the_meeting_runs_someone_arriving_late_can_still_be_added(world, as_user):
    factories.open_meeting(world)
    answer = as_user(world.chair).post(
        _url(world.conference, "/attendees"),
        data={"person": str(world.housing_rep.id)},
        headers=HTMX,
    )
    assert answer.status_code == 200
    assert (
        "Add the person" in answer.text and "You can record attendance from then" not in answer.text
    )
    assert world.housing_rep.id not in _offered(answer.text)
