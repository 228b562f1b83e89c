"""Reading a MARAC's agreement: its versions, its members and who accepted which version."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import selectinload

from conference.accounts.models import RoleGrant, User
from conference.agreements.models import AgreementAcceptance, SharingAgreement
from conference.extensions import db
from conference.profiles import role_label


@dataclass(frozen=True)
class Member:
    """Someone with a role in the MARAC, and the last version they accepted."""

    user: User
    roles: str
    accepted_version: int | None
    accepted_at: datetime | None

    def accepted(self, current: int | None) -> bool:
        return current is not None and self.accepted_version == current


def versions(marac_id: int) -> list[SharingAgreement]:
    """Every version, newest first."""
    return list(
        db.session.scalars(
            sa.select(SharingAgreement)
            .where(SharingAgreement.marac_id == marac_id)
            .order_by(SharingAgreement.version.desc())
        )
    )


def members(marac_id: int) -> list[Member]:
    """The active people holding a role in the MARAC, those yet to accept the current version
    first, then by name; with the newest version each accepted. Two queries."""
    users = list(
        db.session.scalars(
            sa.select(User)
            .where(
                User.id.in_(sa.select(RoleGrant.user_id).where(RoleGrant.marac_id == marac_id)),
                User.is_active_account.is_(True),
            )
            .order_by(User.name, User.id)
            .options(selectinload(User.role_grants))
        )
    )
    latest: dict[int, tuple[int, datetime]] = {}
    rows = db.session.execute(
        sa.select(
            AgreementAcceptance.user_id, SharingAgreement.version, AgreementAcceptance.accepted_at
        )
        .join(SharingAgreement, SharingAgreement.id == AgreementAcceptance.agreement_id)
        .where(SharingAgreement.marac_id == marac_id)
    )
    for user_id, version, at in rows:
        if user_id not in latest or version > latest[user_id][0]:
            latest[user_id] = (version, at)
    found = []
    for user in users:
        labels = sorted(
            role_label(g.role, g.marac) for g in user.role_grants if g.marac_id == marac_id
        )
        newest = latest.get(user.id)
        found.append(
            Member(
                user,
                ", ".join(labels),
                newest[0] if newest else None,
                newest[1] if newest else None,
            )
        )
    return found


def acceptances(marac_id: int, *, page: int, per_page: int) -> Pagination:
    """Every acceptance of any version of the MARAC's agreement, newest first, a page."""
    return db.paginate(
        sa.select(AgreementAcceptance)
        .join(SharingAgreement, SharingAgreement.id == AgreementAcceptance.agreement_id)
        .where(SharingAgreement.marac_id == marac_id)
        .order_by(AgreementAcceptance.accepted_at.desc(), AgreementAcceptance.id.desc()),
        page=page,
        per_page=per_page,
        error_out=False,
    )
