"""A MARAC whose conference this morning heard two cases (one police action each) and
deferred a third to the next conference."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from conference.actions.choices import ActionStatus, Priority
from conference.actions.models import Action
from conference.conferences.choices import ConferenceStatus, ItemStatus, Section
from conference.conferences.models import AgendaItem
from conference.db import utcnow
from conference.extensions import db
from conference.referrals.models import Referral
from tests import factories

#: How long before the conference that heard it a heard_case was referred.
REFERRED_BEFORE = 14


@pytest.fixture
def world(cached_world):
    return cached_world("held meeting world", factories.held_meeting_world)


def heard_case(
    world,
    days_ago: int,
    *,
    section: Section = Section.ADULTS,
    case=None,
    actions: int = 0,
    **options,
):
    """A case discussed at a conference held days_ago (minutes final) that agreed ``actions``
    police actions, still open. A new case is referred REFERRED_BEFORE days before that
    conference: its repeat flag counts from that referral."""
    now = utcnow()
    new = case is None
    case = case or factories.accepted_case(world.marac, **options)
    conference = factories.make_conference(world.marac, now.date() + timedelta(days=60))
    conference.starts_at = now - timedelta(days=days_ago)
    conference.status = ConferenceStatus.MINUTES_FINAL
    item = AgendaItem(
        conference=conference,
        case_id=case.id,
        section=section,
        position=1,
        status=ItemStatus.DISCUSSED,
    )
    db.session.add(item)
    if new:
        referred_on = (conference.starts_at - timedelta(days=REFERRED_BEFORE)).date()
        db.session.execute(
            sa.update(Referral).where(Referral.case_id == case.id).values(referred_on=referred_on)
        )
    db.session.flush()
    for n in range(actions):
        db.session.add(
            Action(
                case_id=case.id,
                agenda_item_id=item.id,
                description=f"Action {n + 1} from {days_ago} days ago",
                owner_agency_id=world.police.id,
                due_on=(now - timedelta(days=days_ago - 14)).date(),
                priority=Priority.MEDIUM,
                status=ActionStatus.OPEN,
                agreed_by_id=world.chair.id,
            )
        )
    db.session.commit()
    return case
