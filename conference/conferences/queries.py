"""Reading schedules, agendas and invitations, each page in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import defer, joinedload, lazyload, raiseload, selectinload

# The type SQLAlchemy declares for the options of a relationship's loader.
from sqlalchemy.orm.strategy_options import _AbstractLoad as RelationLoad

from conference.accounts.models import Agency, Role, RoleGrant, User
from conference.accounts.queries import maracs_by_id as maracs_by_id  # kept here for its callers
from conference.conferences import listing
from conference.conferences.choices import UPCOMING
from conference.conferences.models import (
    AgendaChange,
    AgendaItem,
    Conference,
    MeetingRule,
    conference_invitations,
)
from conference.extensions import db
from conference.referrals.choices import ReferralStatus
from conference.referrals.models import Case, Perpetrator, Referral
from conference.research.models import ResearchReturn


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


def schedule(marac_ids: Collection[int], now: datetime, *, days_back: int = 45) -> list[Conference]:
    """Conferences of these MARACs from days_back days ago onwards, soonest first. One query."""
    if not marac_ids:
        return []
    return list(
        db.session.scalars(
            sa.select(Conference)
            # No schedule names the chair: skip the join, and fail loudly if one starts to.
            .options(raiseload(Conference.chair))
            .where(
                Conference.marac_id.in_(marac_ids),
                Conference.starts_at >= now - timedelta(days=days_back),
            )
            .order_by(Conference.starts_at, Conference.id)
        )
    )


def rules_for(marac_ids: Collection[int]) -> dict[int, MeetingRule]:
    if not marac_ids:
        return {}
    rows = db.session.scalars(sa.select(MeetingRule).where(MeetingRule.marac_id.in_(marac_ids)))
    return {rule.marac_id: rule for rule in rows}


def invitations_for(conference_ids: Collection[int]) -> dict[int, set[int]]:
    """Conference id -> invited agency ids."""
    invited: dict[int, set[int]] = {}
    if not conference_ids:
        return invited
    rows = db.session.execute(
        sa.select(conference_invitations.c.conference_id, conference_invitations.c.agency_id).where(
            conference_invitations.c.conference_id.in_(conference_ids)
        )
    )
    for conference_id, agency_id in rows:
        invited.setdefault(conference_id, set()).add(agency_id)
    return invited


def agenda_items(conference_id: int, *, with_people: bool = False) -> list[AgendaItem]:
    """The agenda in meeting order, each item with its case and listing referral (and the
    people named in it, for research)."""
    people = selectinload if with_people else raiseload
    return agenda_loaded(
        conference_id,
        referral=[
            people(Referral.perpetrators),
            raiseload(Referral.incidents),
            raiseload(Referral.answers),
            raiseload(Referral.case),
            selectinload(Referral.children),
            defer(Referral.draft),
            lazyload(Referral.marac),
            # No agenda shows who sent the referral, its notice's case or its history.
            lazyload(Referral.referrer),
            lazyload(Referral.about_case),
            lazyload(Referral.transitions),
        ],
    )


def agenda_loaded(
    conference_id: int, *, referral: Sequence[RelationLoad], case: Sequence[RelationLoad] = ()
) -> list[AgendaItem]:
    """The agenda in meeting order, each item's listing referral loaded as ``referral`` says
    and its case joined as ``case`` says. The conference and its MARAC are already loaded by
    whoever asks for its agenda: they are found in the session, not joined again on every
    row."""
    items = db.session.scalars(agenda_select(conference_id, referral=referral, case=case)).all()
    return listing.ordered(items)


def agenda_select(
    conference_id: int | sa.BindParameter[int],
    *,
    referral: Sequence[RelationLoad],
    case: Sequence[RelationLoad] = (),
) -> sa.Select[AgendaItem]:
    """agenda_loaded's statement, for a conference or a bind parameter (a statement built once
    and kept), before the items are put in meeting order."""
    return (
        sa.select(AgendaItem)
        .where(AgendaItem.conference_id == conference_id)
        .options(
            lazyload(AgendaItem.conference),
            joinedload(AgendaItem.case).options(lazyload(Case.marac), *case),
            selectinload(AgendaItem.referral).options(*referral),
            raiseload(AgendaItem.overflowed_from),
        )
    )


def referral_alone(loader: Callable[[Any], RelationLoad]) -> list[RelationLoad]:
    """Options loading a referral without any of its relations: each loads as ``loader``
    says (lazyload: when asked for; raiseload: never)."""
    return [loader(relation.class_attribute) for relation in sa.inspect(Referral).relationships]


def return_counts(conference_id: int) -> dict[int, int]:
    """Agenda item id -> research returns received."""
    rows = db.session.execute(
        sa.select(ResearchReturn.agenda_item_id, sa.func.count())
        .join(AgendaItem, AgendaItem.id == ResearchReturn.agenda_item_id)
        .where(AgendaItem.conference_id == conference_id)
        .group_by(ResearchReturn.agenda_item_id)
    )
    return {item_id: count for item_id, count in rows}


def changes(conference_id: int) -> list[AgendaChange]:
    return list(
        db.session.scalars(
            sa.select(AgendaChange)
            .where(AgendaChange.conference_id == conference_id)
            # The list names each case by its reference and who changed it by name.
            .options(
                joinedload(AgendaChange.case).options(
                    lazyload(Case.marac), lazyload(Case.transferred_from), lazyload(Case.advocate)
                ),
                joinedload(AgendaChange.actor).lazyload(User.agency),
            )
            .order_by(AgendaChange.changed_at, AgendaChange.id)
        )
    )


def chairs_in(marac_id: int) -> list[tuple[int, str]]:
    """Active users holding the chair role in the MARAC: (id, "name, agency")."""
    rows = db.session.execute(
        sa.select(User.id, User.name, Agency.name)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .join(Agency, Agency.id == User.agency_id)
        .where(
            RoleGrant.marac_id == marac_id,
            RoleGrant.role == Role.CHAIR,
            User.is_active_account.is_(True),
        )
        .order_by(User.name)
    )
    return [(user_id, f"{name}, {agency}") for user_id, name, agency in rows]


def upcoming_in(marac_id: int, now: datetime) -> list[Conference]:
    """Conferences of the MARAC still to come whose agenda can change, soonest first."""
    return list(
        db.session.scalars(
            sa.select(Conference)
            .where(
                Conference.marac_id == marac_id,
                Conference.status.in_(UPCOMING),
                Conference.starts_at > now,
            )
            .order_by(Conference.starts_at)
        )
    )


def victim_names(case_ids: Collection[int]) -> dict[int, str]:
    """Case id -> the victim's name on the case's latest accepted referral."""
    if not case_ids:
        return {}
    rows = db.session.execute(
        sa.select(Referral.case_id, Referral.victim_given_name, Referral.victim_family_name)
        .where(Referral.case_id.in_(case_ids), Referral.status == ReferralStatus.ACCEPTED)
        .order_by(Referral.decided_at, Referral.id)
    )
    names: dict[int, str] = {}
    for case_id, given, family in rows:
        if case_id is not None:  # as the query asks
            names[case_id] = f"{given} {family}".strip()  # later referrals overwrite earlier ones
    return names


def item_perpetrators(item: AgendaItem) -> list[Perpetrator]:
    """The perpetrators named in the referral that listed the item, in the referral's order
    (none for a standing item): the men research and the meeting speak of, per perpetrator."""
    if item.referral_id is None:
        return []
    return list(
        db.session.scalars(
            sa.select(Perpetrator)
            .where(Perpetrator.referral_id == item.referral_id)
            .order_by(Perpetrator.position, Perpetrator.id)
        )
    )
