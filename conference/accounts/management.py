"""Administration of MARACs, agencies, users and roles.

Every function records an audit event, flushes, and leaves the commit to the caller.
Raises ValidationFailed (naming the field) when a rule is broken.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from conference import audit
from conference.accounts.models import (
    Agency,
    AgencyKind,
    Marac,
    PasswordSetLink,
    Role,
    RoleGrant,
    User,
)
from conference.accounts.services import end_sessions, normalise_email
from conference.errors import Conflict, ValidationFailed
from conference.extensions import db
from conference.profiles import install_profile


def _changed_fields(obj: Any, values: dict[str, Any]) -> list[str]:
    """Apply values to obj and return the names of the fields that actually changed."""
    changed = []
    for field, value in values.items():
        if getattr(obj, field) != value:
            setattr(obj, field, value)
            changed.append(field)
    return changed


def _require_unique(
    model: Any, column: Any, value: Any, *, field: str, message: str, exclude_id: int | None = None
) -> None:
    query = sa.select(model.id).where(column == value)
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    if db.session.scalar(query) is not None:
        raise ValidationFailed(message, field=field)


class SettingsConflict(Conflict):
    """Someone saved the record after this copy was read; ``current`` is what they saved."""

    def __init__(self, current: Marac | Agency) -> None:
        super().__init__(
            "Someone else saved these settings while you were changing them. Their version is "
            "shown; yours is still in the form: check it, then save again."
        )
        self.current = current


def _check_version(record: Marac | Agency | None, version: int | None) -> None:
    if record is not None and version is not None and version != record.version:
        raise SettingsConflict(record)


def save_marac(
    actor: User,
    marac: Marac | None,
    *,
    now: datetime,
    version: int | None = None,
    **values: Any,
) -> Marac:
    """Create a MARAC (marac is None) or update one; an update made on an older copy
    (version) raises SettingsConflict."""
    _check_version(marac, version)
    values["code"] = values["code"].strip().upper()
    values["name"] = values["name"].strip()
    exclude = marac.id if marac else None
    _require_unique(
        Marac,
        Marac.name,
        values["name"],
        field="name",
        message=_words("A {meeting} with this name already exists"),
        exclude_id=exclude,
    )
    _require_unique(
        Marac,
        Marac.code,
        values["code"],
        field="code",
        message=_words("Another {meeting} already uses this code"),
        exclude_id=exclude,
    )
    if marac is None:
        marac = Marac(**values)
        db.session.add(marac)
        db.session.flush()
        audit.record(actor, "marac.created", marac, marac_id=marac.id, now=now)
    else:
        changed = _changed_fields(marac, values)
        db.session.flush()
        if changed:
            audit.record(
                actor,
                "marac.updated",
                marac,
                marac_id=marac.id,
                detail={"fields": changed},
                now=now,
            )
    return marac


def save_agency(
    actor: User,
    agency: Agency | None,
    *,
    maracs: list[Marac],
    now: datetime,
    version: int | None = None,
    **values: Any,
) -> Agency:
    """Create an agency (agency is None) or update one, with the MARACs it sits on; an update
    made on an older copy (version) raises SettingsConflict."""
    _check_version(agency, version)
    values["name"] = values["name"].strip()
    values["kind"] = AgencyKind(values["kind"])
    _require_unique(
        Agency,
        Agency.name,
        values["name"],
        field="name",
        message="An agency with this name already exists",
        exclude_id=agency.id if agency else None,
    )
    if agency is None:
        agency = Agency(**values, maracs=list(maracs))
        db.session.add(agency)
        db.session.flush()
        audit.record(
            actor,
            "agency.created",
            agency,
            now=now,
            detail={"marac_ids": sorted(m.id for m in maracs)},
        )
        return agency
    changed = _changed_fields(agency, values)
    if {m.id for m in agency.maracs} != {m.id for m in maracs}:
        _check_no_roles_stranded(agency, {m.id for m in maracs})
        agency.maracs = list(maracs)
        changed.append("maracs")
    db.session.flush()
    if changed:
        audit.record(actor, "agency.updated", agency, detail={"fields": changed}, now=now)
    return agency


def _check_no_roles_stranded(agency: Agency, keep_marac_ids: set[int]) -> None:
    """Refuse to take a MARAC off an agency while its people still hold roles there."""
    leaving = {m.id for m in agency.maracs} - keep_marac_ids
    if not leaving:
        return
    holders = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(RoleGrant.user_id)))
        .join(User, User.id == RoleGrant.user_id)
        .where(User.agency_id == agency.id, RoleGrant.marac_id.in_(leaving))
    )
    if holders:
        who = (
            "person at this agency still holds"
            if holders == 1
            else "people at this agency still hold"
        )
        raise ValidationFailed(
            _words(
                f"{holders} {who} roles in a {{meeting}} you are removing: revoke those roles first"
            ),
            field="marac_ids",
        )


def save_user(actor: User | None, user: User | None, *, now: datetime, **values: Any) -> User:
    """Create a user (user is None) or update one. A new user sets a password through a link.

    The actor is None for an operator at the command line."""
    values["email"] = normalise_email(values["email"])
    values["name"] = values["name"].strip()
    _require_unique(
        User,
        User.email,
        values["email"],
        field="email",
        message="A user with this email address already exists",
        exclude_id=user.id if user else None,
    )
    if user is None:
        user = User(**values)
        db.session.add(user)
        db.session.flush()
        audit.record(actor, "user.created", user, now=now)
        return user
    if "agency_id" in values and values["agency_id"] != user.agency_id:
        _check_grants_fit_agency(user, values["agency_id"])
    changed = _changed_fields(user, values)
    db.session.flush()
    if changed:
        audit.record(actor, "user.updated", user, detail={"fields": changed}, now=now)
    return user


def _words(text: str) -> str:
    """A message in the install's words ("MARAC", "high-risk team"): administration is about
    the install as a whole."""
    return install_profile().words.fill(text)


def _check_grants_fit_agency(user: User, agency_id: int) -> None:
    agency = db.session.get(Agency, agency_id)
    sits_on = {m.id for m in agency.maracs} if agency else set()
    stranded = [g for g in user.role_grants if g.marac_id and g.marac_id not in sits_on]
    if stranded:
        raise ValidationFailed(
            _words(
                "This agency does not sit on every {meeting} the user has a role in: revoke "
                "those roles first"
            ),
            field="agency_id",
        )


def set_user_active(actor: User, user: User, active: bool, *, now: datetime) -> None:
    """Deactivate (signing the user out everywhere) or reactivate an account."""
    if user.id == actor.id and not active:
        raise ValidationFailed("You cannot deactivate your own account")
    if user.is_active_account == active:
        return
    user.is_active_account = active
    if not active:
        end_sessions(user)
        # A leaver's unused password link must not outlive the account.
        db.session.execute(
            sa.update(PasswordSetLink)
            .where(PasswordSetLink.user_id == user.id, PasswordSetLink.used_at.is_(None))
            .values(expires_at=now)
        )
    audit.record(actor, "user.reactivated" if active else "user.deactivated", user, now=now)
    db.session.flush()


def grant_role(
    actor: User | None, user: User, role: Role, marac: Marac | None, *, now: datetime
) -> RoleGrant:
    """Grant a role: administrator install-wide, any other role in one MARAC.

    The actor is None for an operator at the command line."""
    if role is Role.ADMIN:
        marac = None
    elif marac is None:
        raise ValidationFailed(_words("Choose the {meeting} this role is for"), field="marac_id")
    elif not marac.is_active:
        raise ValidationFailed(
            f"{marac.name} is not active: no new roles can be granted there", field="marac_id"
        )
    elif marac not in user.agency.maracs:
        raise ValidationFailed(
            f"{user.agency.name} does not sit on {marac.name}: add it to the agency first",
            field="marac_id",
        )
    marac_id = marac.id if marac else None
    if any(g.role == role and g.marac_id == marac_id for g in user.role_grants):
        raise ValidationFailed("The user already has this role", field="role")
    granted_by_id = actor.id if actor else None
    grant = RoleGrant(
        user=user, role=role, marac=marac, granted_at=now, granted_by_id=granted_by_id
    )
    db.session.add(grant)
    db.session.flush()
    audit.record(
        actor,
        "role.granted",
        user,
        marac_id=marac_id,
        detail={"role": role.value, "grant_id": grant.id},
        now=now,
    )
    return grant


def revoke_role(actor: User, grant: RoleGrant, *, now: datetime) -> None:
    """Revoke a role. An administrator cannot remove their own administrator role."""
    if grant.role is Role.ADMIN and grant.user_id == actor.id:
        raise ValidationFailed("You cannot remove your own administrator role")
    user = grant.user
    audit.record(
        actor,
        "role.revoked",
        user,
        marac_id=grant.marac_id,
        detail={"role": grant.role.value, "grant_id": grant.id},
        now=now,
    )
    user.role_grants.remove(grant)
    db.session.flush()
