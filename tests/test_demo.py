"""The demo data shows every state a user needs to try: actions on time, due this week,
overdue and long overdue, reported on by their owners, and a case closed."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from conference.actions.choices import ActionStatus
from conference.actions.models import Action, ActionUpdate
from conference.db import utcnow
from conference.demo.seed import seed_demo
from conference.extensions import db
from conference.referrals.choices import CaseStatus
from conference.referrals.models import Case


def test_the_demo_has_actions_in_every_state(app):
    now = utcnow()
    seed_demo(now=now)
    db.session.commit()
    today = now.date()
    actions = db.session.scalars(sa.select(Action)).all()
    still_open = [a for a in actions if not a.status.is_closed]
    due_in = sorted((a.due_on - today).days for a in still_open)
    assert any(days > 7 for days in due_in)  # on time
    assert any(0 <= days <= 7 for days in due_in)  # due this week
    assert any(-14 < days < 0 for days in due_in)  # overdue
    assert any(days <= -30 for days in due_in)  # long overdue
    closed = [a for a in actions if a.status.is_closed]
    assert {a.status for a in closed} >= {ActionStatus.DONE, ActionStatus.NOT_DONE_CIRCUMSTANCES}
    # Each closed one was reported on by its owner, after it was agreed.
    updates = {u.action_id: u for u in db.session.scalars(sa.select(ActionUpdate))}
    for action in closed:
        if action.id in updates:
            assert updates[action.id].at > action.agreed_at
            assert updates[action.id].at < now + timedelta(minutes=1)


def test_the_demo_has_a_case_closed_once_its_plan_was_done(app):
    seed_demo(now=utcnow())
    db.session.commit()
    closed = db.session.scalars(sa.select(Case).where(Case.status == CaseStatus.CLOSED)).all()
    assert len(closed) == 1
    [case] = closed
    plan = db.session.scalars(sa.select(Action).where(Action.case_id == case.id)).all()
    assert plan and all(action.status.is_closed for action in plan)
    assert case.closed_by_id is not None
    assert case.closed_at > max(action.updated_at for action in plan)
