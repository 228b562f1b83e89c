"""Reading schedules, agendas and invitations, each page in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Collection

import sqlalchemy as sa

from conference.conferences.models import Conference, conference_invitations
from conference.extensions import db


def invited_agency_ids(conference_id: int) -> set[int]:
    return set(
        db.session.scalars(
            sa.select(conference_invitations.c.agency_id).where(
                conference_invitations.c.conference_id == conference_id
            )
        )
    )


def conferences_by_id(ids: Collection[int]) -> dict[int, Conference]:
    if not ids:
        return {}
    rows = db.session.scalars(sa.select(Conference).where(Conference.id.in_(ids)))
    return {c.id: c for c in rows}
