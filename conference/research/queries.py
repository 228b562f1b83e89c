"""Reading research: the coordinator's grid and an agency's own returns."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, lazyload

from conference.accounts.models import Agency, Role, User
from conference.accounts.permissions import marac_ids_with
from conference.conferences.choices import PUBLISHED, ConferenceStatus
from conference.conferences.listing import CASE_SECTIONS
from conference.conferences.models import AgendaItem, Conference, conference_invitations
from conference.extensions import db
from conference.research.models import ResearchReturn


@dataclass(frozen=True)
class Grid:
    """Invited agencies by name, and every return keyed by (agenda item id, agency id)."""

    agencies: list[Agency]
    returns: dict[tuple[int, int], ResearchReturn]


def returns_grid(conference_id: int) -> Grid:
    agencies = list(
        db.session.scalars(
            sa.select(Agency)
            .join(conference_invitations, conference_invitations.c.agency_id == Agency.id)
            .where(conference_invitations.c.conference_id == conference_id)
            .order_by(Agency.name)
        )
    )
    returns = db.session.scalars(
        sa.select(ResearchReturn)
        .join(AgendaItem, AgendaItem.id == ResearchReturn.agenda_item_id)
        .where(AgendaItem.conference_id == conference_id)
        .options(
            # The grid names the agencies from the list above (already in the session) and who
            # saved each return; it shows no findings on the perpetrators.
            lazyload(ResearchReturn.agency),
            joinedload(ResearchReturn.updated_by).lazyload(User.agency),
            lazyload(ResearchReturn.findings),
        )
    )
    return Grid(agencies, {(r.agenda_item_id, r.agency_id): r for r in returns})


def agency_returns(conference_id: int, agency_id: int) -> dict[int, ResearchReturn]:
    """Agenda item id -> this agency's return on it."""
    rows = db.session.scalars(
        sa.select(ResearchReturn)
        .join(AgendaItem, AgendaItem.id == ResearchReturn.agenda_item_id)
        .where(AgendaItem.conference_id == conference_id, ResearchReturn.agency_id == agency_id)
        # Every return is the one agency's (the reader's, already in the session).
        .options(
            lazyload(ResearchReturn.agency),
            joinedload(ResearchReturn.updated_by).lazyload(User.agency),
        )
    )
    return {r.agenda_item_id: r for r in rows}


def returned_count(conference_id: int, agency_id: int) -> tuple[int, int]:
    """How many of the agenda's cases this agency has returned on, and how many there are."""
    case_item_ids = set(
        db.session.scalars(
            sa.select(AgendaItem.id).where(
                AgendaItem.conference_id == conference_id,
                AgendaItem.section.in_(CASE_SECTIONS),
            )
        )
    )
    returned = case_item_ids & set(agency_returns(conference_id, agency_id))
    return len(returned), len(case_item_ids)


def conferences_to_research(user: User, now: datetime) -> list[Conference]:
    """Published conferences of the user's MARACs (as a representative) their agency is
    invited to, from a week ago onwards, and those whose minutes are final while the agency
    still has access to them; soonest first."""
    marac_ids = marac_ids_with(user, Role.AGENCY_REP)
    if not marac_ids:
        return []

    return list(
        db.session.scalars(
            sa.select(Conference)
            .join(
                conference_invitations,
                conference_invitations.c.conference_id == Conference.id,
            )
            .where(
                Conference.marac_id.in_(marac_ids),
                sa.or_(
                    sa.and_(
                        Conference.status.in_(PUBLISHED),
                        Conference.starts_at >= now - timedelta(days=7),
                    ),
                    sa.and_(
                        Conference.status == ConferenceStatus.MINUTES_FINAL,
                        Conference.agency_access_ends_at > now,
                    ),
                ),
                conference_invitations.c.agency_id == user.agency_id,
            )
            .order_by(Conference.starts_at)
        )
    )


def returned_counts(conference_ids: Collection[int], agency_id: int) -> dict[int, int]:
    """Conference id -> how many of its items this agency has returned on."""
    if not conference_ids:
        return {}
    rows = db.session.execute(
        sa.select(AgendaItem.conference_id, sa.func.count())
        .join(ResearchReturn, ResearchReturn.agenda_item_id == AgendaItem.id)
        .where(AgendaItem.conference_id.in_(conference_ids), ResearchReturn.agency_id == agency_id)
        .group_by(AgendaItem.conference_id)
    )
    return {conference_id: count for conference_id, count in rows}
