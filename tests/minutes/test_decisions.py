"""The meeting's decisions on overdue actions: kept in the minutes under their case, and in
each owner agency's copy, even when that agency sent apologies."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from conference.audit.models import AuditEvent
from conference.extensions import db
from conference.minutes import queries as minutes_queries
from conference.notifications.models import Notification
from tests import factories
from tests.minutes.conftest import url


@pytest.fixture
def world(cached_world):
    return cached_world("reviewed overdue actions", factories.reviewed_meeting_world)


def _case_section(page: str, item_id: int) -> str:
    return page.split(f'id="case-{item_id}"')[1].split("</section>")[0]


def test_the_minutes_keep_each_decision_under_its_case(world, as_user):
    chair = as_user(world.chair)
    for tail in ("", "/print"):
        page = chair.get(url(world, tail)).text
        section = _case_section(page, world.standing_item.id)
        assert world.vera.reference in section
        assert "Overdue actions reviewed on case" in section
        assert "Move her to a safe flat" in section and world.housing.name in section
        assert f"Kept open, now due {world.new_due:%-d %B %Y}" in section
        assert "A flat is promised for next month" in section
        assert "Check the street&#39;s CCTV" in section and "Footage seized and kept" in section


def test_an_agency_that_sent_apologies_gets_its_copy_with_its_decisions(world, as_user):
    chair = as_user(world.chair)
    housing_copy = url(world, f"/print/agencies/{world.housing.id}")
    assert f'href="{housing_copy}"' in chair.get(url(world)).text
    assert chair.post(url(world, "/finalise")).status_code == 303
    told = db.session.scalars(
        sa.select(Notification.recipient_id).where(Notification.kind == "minutes.final")
    ).all()
    assert world.housing_rep.id in told

    housing = as_user(world.housing_rep)
    assert housing.get(url(world)).headers["Location"].endswith(housing_copy)
    response = housing.get(housing_copy)
    assert response.status_code == 200
    page = response.text
    assert world.vera.reference in page and "Move her to a safe flat" in page
    assert "A flat is promised for next month" in page
    # Only housing's own: not the police action decided on the same case, nor the other cases.
    assert "CCTV" not in page and "Flag the address" not in page
    assert all(case.reference not in page for case in world.cases)
    event = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.verb == "minutes.agency_copy_printed")
        .order_by(AuditEvent.id.desc())
    ).first()
    assert event is not None and event.detail["case_ids"] == [world.vera.id]

    police = as_user(world.police_rep).get(url(world, f"/print/agencies/{world.police.id}")).text
    assert "Footage seized and kept" in police and "Move her to a safe flat" not in police


def test_the_whole_minutes_offer_the_copies_that_exist(world, as_user):
    # The whole minutes work out which agencies get a copy from what they have loaded; the
    # copies themselves are checked against the database's own answer.
    minutes = minutes_queries.minutes_of(world.conference.id)
    assert minutes is not None
    whole = minutes_queries.content(world.conference, minutes)
    expected = minutes_queries.copy_agency_ids(world.conference.id)
    assert whole.copy_agency_ids == expected
    assert world.housing.id in expected  # apologies, but it owns an action decided on
    page = as_user(world.chair).get(url(world)).text
    for agency_id in expected:
        assert f"/print/agencies/{agency_id}" in page
