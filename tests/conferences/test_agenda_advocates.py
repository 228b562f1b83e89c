"""The agenda names each case's advocate and flags a case without one."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from conference.audit.models import AuditEvent
from conference.conferences import queries
from conference.extensions import db
from tests import factories


@pytest.fixture
def world(cached_world):
    return cached_world("meeting world", factories.meeting_world)


def _row(page: str, item_id: int) -> str:
    row = page[page.index(f'id="item-{item_id}"') :]
    return row[: row.index("</tr>")]


@pytest.mark.parametrize("who", ["coordinator", "chair", "police_rep"])
def test_the_agenda_shows_each_advocate_and_flags_a_case_without_one(world, as_user, who):
    first, second = queries.agenda_items(world.conference.id)[:2]
    second.case.advocate_id = None
    db.session.commit()
    page = as_user(getattr(world, who)).get(f"/conferences/{world.conference.id}").text
    assert "Advocate</th>" in page
    assert "Ada Vocate" in _row(page, first.id) and "No advocate" not in _row(page, first.id)
    assert "No advocate" in _row(page, second.id) and "Ada Vocate" not in _row(page, second.id)
    viewed = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.verb == "agenda.viewed"))
    assert any(second.case_id in event.detail["case_ids"] for event in viewed)
