"""Reading referrals and cases: each page's records in a fixed number of queries."""

from __future__ import annotations

import re
from collections.abc import Collection

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import defer, raiseload, selectinload

from conference.accounts.models import Role, RoleGrant, User
from conference.db import one_page
from conference.extensions import db
from conference.pronouns import Pronouns, pronouns_for
from conference.referrals.choices import CaseStatus, Gender, ReferralStatus
from conference.referrals.models import Case, Referral

#: For lists: the people and answers of each referral are not needed, so never loaded.
_NO_ANSWERS = raiseload(Referral.answers)
_LIST_OPTIONS = (
    raiseload(Referral.perpetrators),
    raiseload(Referral.incidents),
    _NO_ANSWERS,
    raiseload(Referral.case),
)


def last_referred(*where: sa.ColumnElement[bool]) -> sa.Subquery:
    """Case id -> ``referred_on``, the day of its last accepted referral (a repeat-incident
    notice included): a case's repeat flag and its 12-month notice count from it, as the
    repeat criterion does. ``where`` narrows the referrals looked at."""
    return (
        sa.select(Referral.case_id, sa.func.max(Referral.referred_on).label("referred_on"))
        .where(Referral.status == ReferralStatus.ACCEPTED, Referral.case_id.is_not(None), *where)
        .group_by(Referral.case_id)
        .subquery()
    )


#: Statuses waiting on the referrer: they come first in the referrer's own list.
WITH_THE_REFERRER = (ReferralStatus.DRAFT, ReferralStatus.MORE_INFO_REQUESTED)
#: The app's name for a referral, as its reference shows it: R-00042 (or just 42).
REFERRAL_REFERENCE = re.compile(r"(?:R-?)?0*([0-9]{1,9})", re.IGNORECASE)


def referrals_by(user: User, *, search: str = "", page: int = 1, per_page: int = 25) -> Pagination:
    """One page of the user's own referrals: those waiting on them (drafts, requests for more
    information) first, then the most recently changed. ``search`` narrows them to a reference:
    the referral's own (R-00042), its case's, or the referrer's reference for it."""
    query = (
        sa.select(Referral)
        .where(Referral.referrer_id == user.id)
        .options(*_LIST_OPTIONS, raiseload(Referral.children))
        .order_by(
            sa.case((Referral.status.in_(WITH_THE_REFERRER), 0), else_=1),
            Referral.updated_at.desc(),
            Referral.id.desc(),
        )
    )
    search = search.strip()
    if search:
        case_reference = sa.select(Case.reference).where(Case.id == Referral.case_id)
        matches = [
            Referral.referrer_reference.icontains(search, autoescape=True),
            case_reference.scalar_subquery().icontains(search, autoescape=True),
        ]
        if number := REFERRAL_REFERENCE.fullmatch(search):
            matches.append(Referral.id == int(number.group(1)))
        query = query.where(sa.or_(*matches))
    return one_page(
        query,
        page=page,
        per_page=per_page,
    )


def screening_queue(marac_ids: set[int]) -> list[Referral]:
    """Submitted referrals waiting for a decision in these MARACs, oldest first."""
    return list(
        db.session.scalars(
            sa.select(Referral)
            .where(
                Referral.marac_id.in_(marac_ids or {-1}),
                Referral.status == ReferralStatus.SUBMITTED,
            )
            # The answers, in one query, for the red flags they raise.
            .options(
                *(o for o in _LIST_OPTIONS if o is not _NO_ANSWERS),
                selectinload(Referral.answers),
                defer(Referral.draft),
            )
            .order_by(Referral.submitted_at, Referral.id)
        )
    )


def get_referral(referral_id: int) -> Referral | None:
    return db.session.scalar(
        sa.select(Referral).where(Referral.id == referral_id).options(selectinload(Referral.case))
    )


def get_case(case_id: int) -> Case | None:
    """The case with every referral, and each referral's people, answers and history."""
    return db.session.scalar(
        sa.select(Case).where(Case.id == case_id).options(selectinload(Case.referrals))
    )


def cases_in(
    marac_ids: set[int],
    *,
    include_closed: bool = False,
    search: str = "",
    page: int = 1,
    per_page: int = 25,
) -> Pagination:
    """One page of the cases of these MARACs with their referrals, newest first. ``search``
    narrows them to a case reference or a victim's name (given, family or alias)."""
    query = (
        sa.select(Case)
        .where(Case.marac_id.in_(marac_ids or {-1}))
        .options(selectinload(Case.referrals).options(*_LIST_OPTIONS, defer(Referral.draft)))
        .order_by(Case.opened_at.desc(), Case.id.desc())
    )
    if not include_closed:
        query = query.where(Case.status != CaseStatus.CLOSED)
    search = search.strip()
    if search:
        named = sa.select(Referral.id).where(
            Referral.case_id == Case.id,
            sa.or_(
                *(
                    column.icontains(search, autoescape=True)
                    for column in (
                        Referral.victim_given_name,
                        Referral.victim_family_name,
                        Referral.victim_aliases,
                    )
                )
            ),
        )
        query = query.where(
            sa.or_(Case.reference.icontains(search, autoescape=True), named.exists())
        )
    return one_page(
        query,
        page=page,
        per_page=per_page,
    )


def case_by_reference(marac_id: int, reference: str) -> Case | None:
    return db.session.scalar(
        sa.select(Case).where(
            Case.marac_id == marac_id, Case.reference == reference.strip().upper()
        )
    )


def cases_by_id(case_ids: set[int]) -> dict[int, Case]:
    if not case_ids:
        return {}
    return {c.id: c for c in db.session.scalars(sa.select(Case).where(Case.id.in_(case_ids)))}


def advocates_in(marac_id: int) -> list[User]:
    """Active users holding the advocate role in the MARAC, by name."""
    return list(
        db.session.scalars(
            sa.select(User)
            .join(RoleGrant, RoleGrant.user_id == User.id)
            .where(
                RoleGrant.marac_id == marac_id,
                RoleGrant.role == Role.ADVOCATE,
                User.is_active_account.is_(True),
            )
            .order_by(User.name)
        ).unique()
    )


def victim_pronouns(case_id: int) -> Pronouns:
    """The pronouns for a case's victim, by the gender the latest accepted referral recorded."""
    return pronouns_for(victim_genders([case_id])[case_id])


def victim_genders(case_ids: Collection[int]) -> dict[int, Gender | None]:
    """Case id -> the victim's gender on the case's latest accepted referral (None where it
    was not recorded), in one query: pages word what they say of each victim by it."""
    if not case_ids:
        return {}
    rows = db.session.execute(
        sa.select(Referral.case_id, Referral.victim_gender)
        .where(Referral.case_id.in_(case_ids), Referral.status == ReferralStatus.ACCEPTED)
        .order_by(Referral.decided_at, Referral.id)
    )
    found: dict[int, Gender | None] = dict.fromkeys(case_ids)
    for case_id, gender in rows:
        if case_id is not None:  # as the query asks
            found[case_id] = gender  # later referrals overwrite earlier ones
    return found
