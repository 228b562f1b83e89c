"""Builders for test records. Every name is synthetic."""

from __future__ import annotations

import itertools
from datetime import datetime

from conference.accounts import passwords
from conference.accounts.models import Agency, AgencyKind, Marac, Role, RoleGrant, User
from conference.db import utcnow
from conference.extensions import db

PASSWORD = "correct-horse-battery-staple"
_seq = itertools.count(1)


def make_marac(name: str | None = None, code: str | None = None, **values) -> Marac:
    n = next(_seq)
    marac = Marac(name=name or f"Testshire MARAC {n}", code=code or f"T{n:03d}"[:6], **values)
    db.session.add(marac)
    db.session.commit()
    return marac


def make_agency(
    name: str | None = None,
    kind: AgencyKind = AgencyKind.POLICE,
    maracs: list[Marac] | None = None,
    **values,
) -> Agency:
    agency = Agency(
        name=name or f"Test agency {next(_seq)}", kind=kind, maracs=list(maracs or []), **values
    )
    db.session.add(agency)
    db.session.commit()
    return agency


def make_user(
    role: Role | str | None = None,
    *,
    marac: Marac | None = None,
    agency: Agency | None = None,
    email: str | None = None,
    password: str | None = PASSWORD,
    name: str | None = None,
    now: datetime | None = None,
    **values,
) -> User:
    """A user with a password and, optionally, one role (in marac, made if not given)."""
    n = next(_seq)
    role = Role(role) if role else None
    if role and role is not Role.ADMIN and marac is None:
        marac = agency.maracs[0] if agency and agency.maracs else make_marac()
    if agency is None:
        agency = make_agency(maracs=[marac] if marac else [])
    elif marac and marac not in agency.maracs:
        agency.maracs.append(marac)
    user = User(
        email=email or f"user{n}@testshire.example",
        name=name or f"Test User {n}",
        agency=agency,
        password_hash=passwords.hash_password(password) if password else None,
        password_changed_at=now or utcnow(),
        **values,
    )
    if role:
        user.role_grants = [RoleGrant(role=role, marac=None if role is Role.ADMIN else marac)]
    db.session.add(user)
    db.session.commit()
    return user
