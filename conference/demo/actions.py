"""Demo action plans in every state the tracker knows: on time, due this week, overdue, long
overdue, and a plan carried out in full. Every name and task is invented."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from conference.accounts.models import Marac, User
from conference.actions.choices import ActionStatus, Priority
from conference.actions.models import Action, ActionUpdate
from conference.conferences.choices import ConferenceStatus
from conference.conferences.models import AgendaItem, Conference
from conference.extensions import db
from conference.referrals.choices import CaseStatus
from conference.referrals.models import Case, CaseClosure
from conference.referrals.services import today_in


@dataclass(frozen=True)
class Planned:
    """One action: its owner (a demo login), the task, due so many days from today, and how
    it stands (with the owner's note when it was reported on)."""

    owner: str
    task: str
    due_in_days: int
    status: ActionStatus = ActionStatus.OPEN
    note: str = ""
    priority: Priority = Priority.MEDIUM


#: Per past meeting, newest first: the actions it agreed beyond the last meeting's record.
PLANS: list[list[Planned]] = [
    [
        Planned("housing", "Fit a door chain and window locks at her flat", 3),
        Planned(
            "idva",
            "Help her join the outreach service's weekly support group",
            -12,
            ActionStatus.IN_PROGRESS,
            "Referred; the group had no place this term, so she is on its waiting list.",
        ),
        Planned(
            "childrens",
            "Visit the school and agree a safe collection plan for her son",
            21,
            ActionStatus.IN_PROGRESS,
            "Met the head of year; the plan goes to the school's safeguarding lead next week.",
        ),
    ],
    [
        Planned(
            "police",
            "Serve the non-molestation order and flag the address for urgent response",
            -45,
            priority=Priority.HIGH,
        ),
        Planned(
            "health",
            "Flag her GP record so appointments are offered without him present",
            -100,
            ActionStatus.DONE,
            "Flag added at the practice; reception staff briefed.",
        ),
    ],
    [
        Planned(
            "police",
            "Refer the perpetrator to the domestic abuse perpetrator programme",
            -330,
            ActionStatus.DONE,
            "Referred; he attended the first four sessions.",
        ),
        Planned(
            "housing",
            "Offer a management transfer to another estate",
            -320,
            ActionStatus.NOT_DONE_CIRCUMSTANCES,
            "She chose to stay near her family; sanctuary measures fitted instead.",
        ),
        Planned(
            "idva",
            "Support her through the court hearing",
            -300,
            ActionStatus.DONE,
            "Attended court with her; a restraining order was made.",
        ),
    ],
]


def seed_action_plans(marac: Marac, users: dict[str, User], now: datetime) -> list[Action]:
    """Add the plans to the MARAC's past meetings, newest first. Flushes; returns the actions
    of the oldest meeting, whose plan is complete (its case can then be closed)."""
    today = today_in(marac, now)
    past = db.session.scalars(
        sa.select(Conference)
        .where(
            Conference.marac_id == marac.id,
            Conference.status == ConferenceStatus.MINUTES_FINAL,
        )
        .order_by(Conference.starts_at.desc())
    ).all()
    added: list[Action] = []
    for conference, plan in zip(past, PLANS, strict=False):
        item = db.session.scalars(
            sa.select(AgendaItem)
            .where(AgendaItem.conference_id == conference.id)
            .order_by(AgendaItem.position)
            .limit(1)
        ).first()
        if item is None:
            continue
        added = [_agree(item, conference, step, users, today) for step in plan]
    db.session.flush()
    return added


def _agree(
    item: AgendaItem, conference: Conference, step: Planned, users: dict[str, User], today: date
) -> Action:
    at = conference.starts_at + timedelta(minutes=12)
    owner = users[step.owner]
    action = Action(
        case_id=item.case_id,
        agenda_item_id=item.id,
        description=step.task,
        owner_agency_id=owner.agency_id,
        due_on=today + timedelta(days=step.due_in_days),
        priority=step.priority,
        status=step.status,
        agreed_at=at,
        agreed_by_id=users["chair"].id,
        updated_at=at,
    )
    db.session.add(action)
    if step.note:
        db.session.flush()
        reported = min(
            datetime.combine(action.due_on, at.timetz()) - timedelta(days=2),
            datetime.combine(today, at.timetz()) - timedelta(days=1),
        )
        reported = max(reported, at + timedelta(days=1))
        db.session.add(
            ActionUpdate(
                action_id=action.id,
                status=step.status,
                note=step.note,
                actor_id=owner.id,
                at=reported,
            )
        )
        action.updated_at, action.updated_by_id = reported, owner.id
    return action


def close_when_done(actions: list[Action], users: dict[str, User]) -> Case | None:
    """The coordinator closed the case of a plan carried out in full, two days after its last
    report: written as the record it left, like the past meetings."""
    if not actions or any(not action.status.is_closed for action in actions):
        return None
    case = db.session.get(Case, actions[0].case_id)
    if case is None or case.status is CaseStatus.CLOSED:
        return case
    case.status = CaseStatus.CLOSED
    case.closed_at = max(action.updated_at for action in actions) + timedelta(days=2)
    case.closed_by_id = users["coordinator"].id
    db.session.add(
        CaseClosure(case_id=case.id, closed_at=case.closed_at, closed_by_id=case.closed_by_id)
    )
    db.session.flush()
    return case
