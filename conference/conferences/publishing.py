"""Publishing agendas: by the coordinator, or by the daily job once the research window opens.

Publishing adds the standing items, invites the MARAC's agencies and tells them (without any
case detail). Functions flush; the caller commits.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from conference import audit
from conference.accounts.models import Agency, Role, RoleGrant, User
from conference.conferences import planning
from conference.conferences.choices import ConferenceStatus
from conference.conferences.lifecycle import CONFERENCE, HAS_AGENDA
from conference.conferences.models import Conference, conference_invitations
from conference.conferences.standing import add_overdue_action_items, add_twelve_month_items
from conference.errors import InvalidTransition
from conference.extensions import db
from conference.referrals.services import today_in


def publish(conference: Conference, *, actor: User | None, now: datetime) -> int:
    """Publish the agenda: add the standing items, invite the MARAC's agencies, open research,
    and tell each invited agency's representatives and the chair. Returns agencies invited.

    Raises InvalidTransition (the conferences' table) before writing anything when it is not
    scheduled, has started, or has nothing on its agenda once the standing items are added.
    """
    CONFERENCE.check(
        conference, ConferenceStatus.AGENDA_PUBLISHED, actor=actor, now=now, skip=[HAS_AGENDA]
    )
    add_twelve_month_items(conference, now=now)
    add_overdue_action_items(conference, now=now)
    CONFERENCE.transition(conference, ConferenceStatus.AGENDA_PUBLISHED, actor=actor, now=now)
    conference.published_at = now
    agencies = invitees(conference)
    if agencies:
        db.session.execute(
            sa.insert(conference_invitations),
            [
                {"conference_id": conference.id, "agency_id": agency.id, "invited_at": now}
                for agency in agencies
            ],
        )
    db.session.flush()
    audit.record(
        actor,
        "agenda.published",
        conference,
        marac_id=conference.marac_id,
        now=now,
        detail={"agencies": len(agencies)},
    )
    planning.tell_invited(conference, "agenda.published", key="published", now=now)
    return len(agencies)


def invitees(conference: Conference) -> list[Agency]:
    """The agencies asked to research the agenda: the MARAC's active agencies, less those of
    its active coordinators unless the MARAC asks them too. One query."""
    query = sa.select(Agency).where(
        Agency.maracs.any(id=conference.marac_id), Agency.is_active.is_(True)
    )
    if not conference.marac.coordinators_research:
        coordinators = (
            sa.select(User.agency_id)
            .join(RoleGrant, RoleGrant.user_id == User.id)
            .where(
                RoleGrant.marac_id == conference.marac_id,
                RoleGrant.role == Role.COORDINATOR,
                User.is_active_account.is_(True),
            )
        )
        query = query.where(Agency.id.not_in(coordinators))
    return list(db.session.scalars(query.order_by(Agency.name)))


def publish_due(now: datetime) -> dict[str, int]:
    """The job: publish each agenda whose research window has opened. Empty agendas wait."""
    published = empty = 0
    publishable = CONFERENCE.sources(ConferenceStatus.AGENDA_PUBLISHED)
    candidates = db.session.scalars(
        sa.select(Conference)
        .where(Conference.status.in_(publishable), Conference.starts_at > now)
        .order_by(Conference.starts_at)
    ).all()
    for conference in candidates:
        if conference.publish_on > today_in(conference.marac, now):
            continue
        try:
            # Refusals come before any write (an empty agenda gains no standing item either).
            publish(conference, actor=None, now=now)
        except InvalidTransition:
            empty += 1
        else:
            published += 1
    return {"published": published, "empty": empty}
