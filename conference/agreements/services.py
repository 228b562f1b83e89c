"""Saving a new version of an agreement and accepting the current one."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from conference import audit
from conference.accounts.models import Marac, User
from conference.agreements.models import TEXT_LIMIT, AgreementAcceptance, SharingAgreement
from conference.agreements.permissions import marac_ids_to_accept
from conference.errors import Conflict, InvalidTransition, PermissionDenied, ValidationFailed
from conference.extensions import db


class AgreementConflict(Conflict):
    """Someone saved a new version after this copy was read; ``current`` is theirs."""

    def __init__(self, current: SharingAgreement | None) -> None:
        super().__init__(
            "Someone else saved a new version of the agreement while you were changing it. "
            "Theirs is shown; yours is still in the form: check it, then save again."
        )
        self.current = current


def current_agreement(marac_id: int) -> SharingAgreement | None:
    """The MARAC's newest version, or None while it has no agreement."""
    return db.session.scalar(
        sa.select(SharingAgreement)
        .where(SharingAgreement.marac_id == marac_id)
        .order_by(SharingAgreement.version.desc())
        .limit(1)
    )


def pending_for(user: User) -> list[SharingAgreement]:
    """The current agreements of the MARACs the user holds a role in that they have not
    accepted, by MARAC. One query, none for someone with no role in a MARAC."""
    return _pending(user, with_agreements=True)


def pending_marac_ids(user: User) -> list[int]:
    """The MARACs of pending_for(user), without loading the agreements: every case page asks
    (web/agreement_gate.py), and nearly always the answer is none."""
    return _pending(user, with_agreements=False)


def _pending(user: User, *, with_agreements: bool) -> list[Any]:
    wanted = marac_ids_to_accept(user)
    if not wanted:
        return []
    statement = _pending_statement(with_agreements=with_agreements)
    return list(db.session.scalars(statement, {"user_id": user.id, "marac_ids": list(wanted)}))


@functools.cache
def _pending_statement(*, with_agreements: bool) -> sa.Select[Any]:
    """Built once per process: every case page asks, and building it cost as much as
    running it."""
    marac_ids: sa.BindParameter[int] = sa.bindparam("marac_ids", expanding=True)
    user_id = sa.bindparam("user_id", type_=sa.Integer)
    newest = (
        sa.select(SharingAgreement.marac_id, sa.func.max(SharingAgreement.version).label("version"))
        .where(SharingAgreement.marac_id.in_(marac_ids))
        .group_by(SharingAgreement.marac_id)
        .subquery()
    )
    accepted = sa.select(AgreementAcceptance.id).where(
        AgreementAcceptance.agreement_id == SharingAgreement.id,
        AgreementAcceptance.user_id == user_id,
    )
    return (
        sa.select(SharingAgreement if with_agreements else SharingAgreement.marac_id)
        .join(
            newest,
            sa.and_(
                newest.c.marac_id == SharingAgreement.marac_id,
                newest.c.version == SharingAgreement.version,
            ),
        )
        .where(~accepted.exists())
        .order_by(SharingAgreement.marac_id)
    )


def save_text(
    actor: User, marac: Marac, text: str, *, seen_version: int, now: datetime
) -> SharingAgreement:
    """Save text as the MARAC's next version. seen_version is the version the editor started
    from (0: none yet); if another was saved since, AgreementConflict shows it."""
    text = text.strip()
    if not text:
        raise ValidationFailed("Enter the agreement's text", "text")
    if len(text) > TEXT_LIMIT:
        raise ValidationFailed(f"The agreement must be {TEXT_LIMIT:,} characters or fewer", "text")
    current = current_agreement(marac.id)
    if (current.version if current else 0) != seen_version:
        raise AgreementConflict(current)
    if current is not None and current.text == text:
        raise ValidationFailed(
            "This is the same as the current version: change the text before saving", "text"
        )
    agreement = SharingAgreement(
        marac_id=marac.id,
        version=seen_version + 1,
        text=text,
        created_at=now,
        created_by_id=actor.id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(agreement)
    except IntegrityError as clash:  # another save took this version number first
        raise AgreementConflict(current_agreement(marac.id)) from clash
    audit.record(
        actor, "agreement.saved", agreement, now=now, detail={"version": agreement.version}
    )
    return agreement


def accept(user: User, agreement: SharingAgreement, *, now: datetime) -> AgreementAcceptance:
    """Record that user accepted this version (the current one of a MARAC they work in)."""
    if agreement.marac_id not in marac_ids_to_accept(user):
        raise PermissionDenied("You hold no role here, so there is no agreement for you to accept")
    current = current_agreement(agreement.marac_id)
    if current is None or current.id != agreement.id:
        raise InvalidTransition(
            "A newer version of this agreement has been saved: read it, then accept it."
        )
    existing = _acceptance(user, agreement)
    if existing is not None:
        return existing
    roles = sorted(g.role.label for g in user.role_grants if g.marac_id == agreement.marac_id)
    acceptance = AgreementAcceptance(
        agreement_id=agreement.id,
        user_id=user.id,
        accepted_at=now,
        roles=", ".join(roles)[:200],
        agency_id=user.agency_id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(acceptance)
    except IntegrityError:  # the same person accepted it in another window just now
        existing = _acceptance(user, agreement)
        if existing is None:
            raise
        return existing
    audit.record(
        user,
        "agreement.accepted",
        agreement,
        now=now,
        detail={"version": agreement.version},
    )
    return acceptance


def _acceptance(user: User, agreement: SharingAgreement) -> AgreementAcceptance | None:
    return db.session.scalar(
        sa.select(AgreementAcceptance).where(
            AgreementAcceptance.agreement_id == agreement.id,
            AgreementAcceptance.user_id == user.id,
        )
    )
