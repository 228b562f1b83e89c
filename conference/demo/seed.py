"""Load the demo MARACs, agencies, one user for every role and referrals in every state.

Safe to run again: nothing that exists is changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from conference.accounts import passwords
from conference.accounts.models import Agency, AgencyKind, Marac, Role, RoleGrant, User
from conference.actions.jobs import send_action_reminders
from conference.demo.agreements import seed_agreements
from conference.demo.conferences import seed_conferences, seed_published_standing
from conference.demo.escalations import seed_escalations
from conference.demo.history import seed_history
from conference.demo.meetings import keep_first_revisions, seed_meetings
from conference.demo.notices import seed_notice
from conference.demo.perpetrators import seed_perpetrator_links
from conference.demo.referrals import seed_referrals
from conference.demo.retention import seed_retention
from conference.demo.system_issues import seed_system_issues
from conference.demo.transfers import seed_transfer
from conference.extensions import db
from conference.profiles import profiles

DEMO_PASSWORD = "northbridge-demo-2026"
DEMO_DOMAIN = "northbridge.example"


@dataclass(frozen=True)
class DemoLogin:
    email: str
    name: str
    agency: str
    roles: str


# name, code, women aged 16 and over (for the data return's volume; Eastmoor's not entered)
MARACS = [
    ("Northbridge MARAC", "NB", 52000),
    ("Eastmoor MARAC", "EM", None),
    ("Riverton High-Risk Team", "RV", None),
]
#: A MARAC that works as a US high-risk team: its practice profile and time zone. Its risk tool
#: is the profile's lethality screen when that tool is installed, else the profile's default.
HIGH_RISK_TEAMS = {"RV": ("us", "America/Chicago")}
LETHALITY_SCREEN = "us-lethality-11"

#: Each agency's named point of contact, told when one of its actions is long overdue: a
#: name and the local part of an address. Northbridge Homes' is its demo login, so is told in
#: the app; the others have no account, so get an email (Email outbox).
CONTACTS = {
    "Northshire Police": ("Detective Chief Inspector Helen Marsh", "helen.marsh"),
    "Northshire Probation Service": ("Senior probation officer Dev Patel", "dev.patel"),
    "Northbridge Children's Services": ("Head of service Gill Norris", "gill.norris"),
    "Northbridge Adult Safeguarding": ("Safeguarding lead Owen Price", "owen.price"),
    "Northbridge Health Trust": ("Named nurse lead Farah Iqbal", "farah.iqbal"),
    "Northbridge Mental Health Trust": ("Clinical lead Ben Ashworth", "ben.ashworth"),
    "Northbridge Homes": ("Chris Doyle", "housing"),
    "Northbridge Schools Safeguarding Team": ("Lead officer Ruth Kaye", "ruth.kaye"),
    "Pathways Substance Use Service": ("Service manager Neil Ogden", "neil.ogden"),
    "Northbridge IDVA Service": ("IDVA service manager Lorna Quinn", "lorna.quinn"),
}

# name, kind, MARAC codes it sits on
AGENCIES = [
    ("Northbridge Community Safety Partnership", AgencyKind.OTHER, ["NB"]),
    ("Northshire Police", AgencyKind.POLICE, ["NB", "EM"]),
    ("Northshire Probation Service", AgencyKind.PROBATION, ["NB", "EM"]),
    ("Northbridge Children's Services", AgencyKind.CHILDRENS_SERVICES, ["NB"]),
    ("Northbridge Adult Safeguarding", AgencyKind.ADULT_SAFEGUARDING, ["NB"]),
    ("Northbridge Health Trust", AgencyKind.HEALTH, ["NB"]),
    ("Northbridge Mental Health Trust", AgencyKind.MENTAL_HEALTH, ["NB"]),
    ("Northbridge Homes", AgencyKind.HOUSING, ["NB"]),
    ("Northbridge Schools Safeguarding Team", AgencyKind.EDUCATION, ["NB"]),
    ("Pathways Substance Use Service", AgencyKind.SUBSTANCE_USE, ["NB"]),
    ("Northbridge IDVA Service", AgencyKind.IDVA_SERVICE, ["NB"]),
    ("Eastmoor Community Safety Partnership", AgencyKind.OTHER, ["EM"]),
    ("Riverton Police Department", AgencyKind.POLICE, ["RV"]),
    ("Riverton Family Justice Center", AgencyKind.IDVA_SERVICE, ["RV"]),
]

# email local part, name, job title, agency, [(role, MARAC code or None)]
USERS: list[tuple[str, str, str, str, list[tuple[Role, str | None]]]] = [
    (
        "admin",
        "Morgan Ellis",
        "Systems administrator",
        "Northbridge Community Safety Partnership",
        [(Role.ADMIN, None)],
    ),
    (
        "coordinator",
        "Priya Shah",
        "MARAC coordinator",
        "Northbridge Community Safety Partnership",
        [(Role.COORDINATOR, "NB")],
    ),
    ("chair", "Sam Carter", "Detective Inspector", "Northshire Police", [(Role.CHAIR, "NB")]),
    ("idva", "Jo Whitfield", "Senior IDVA", "Northbridge IDVA Service", [(Role.ADVOCATE, "NB")]),
    ("police", "Lee Morgan", "Detective Constable", "Northshire Police", [(Role.AGENCY_REP, "NB")]),
    (
        "childrens",
        "Hannah Okafor",
        "Team manager",
        "Northbridge Children's Services",
        [(Role.AGENCY_REP, "NB")],
    ),
    (
        "health",
        "Rob Patel",
        "Named nurse, safeguarding",
        "Northbridge Health Trust",
        [(Role.AGENCY_REP, "NB")],
    ),
    (
        "housing",
        "Chris Doyle",
        "Tenancy sustainment officer",
        "Northbridge Homes",
        [(Role.AGENCY_REP, "NB")],
    ),
    (
        "probation",
        "Aisha Rahman",
        "Probation officer",
        "Northshire Probation Service",
        [(Role.AGENCY_REP, "NB")],
    ),
    (
        "steering",
        "Ruth Lindqvist",
        "Head of community safety",
        "Northbridge Community Safety Partnership",
        [(Role.STEERING, "NB")],
    ),
    (
        "eastmoor",
        "Tom Fraser",
        "MARAC coordinator",
        "Eastmoor Community Safety Partnership",
        [(Role.COORDINATOR, "EM")],
    ),
    (
        "riverton",
        "Dana Whitcomb",
        "High-risk team coordinator",
        "Riverton Family Justice Center",
        [(Role.COORDINATOR, "RV")],
    ),
]


def seed_demo(*, now: datetime) -> list[DemoLogin]:
    """Create whatever demo records are missing; never change ones that exist. Flushes."""
    maracs = {code: _marac(name, code, population) for name, code, population in MARACS}
    agencies = {
        name: _agency(name, kind, [maracs[c] for c in codes]) for name, kind, codes in AGENCIES
    }
    password_hash = passwords.hash_password(DEMO_PASSWORD)
    for local, name, title, agency, roles in USERS:
        _user(
            f"{local}@{DEMO_DOMAIN}",
            name,
            title,
            agencies[agency],
            roles,
            maracs,
            password_hash,
            now,
        )
    db.session.flush()
    users = {
        local: db.session.execute(
            sa.select(User).where(User.email == f"{local}@{DEMO_DOMAIN}")
        ).scalar_one()
        for local, *_ in USERS
    }
    # Each MARAC's information-sharing agreement, accepted by all but one demo login.
    seed_agreements(users, maracs, now)
    seed_referrals(users, maracs, now)
    if seed_conferences(users, maracs, now):
        seed_meetings(users, maracs, now)
        # Once every story's referral is in: the coordinators' decisions on perpetrator links.
        seed_perpetrator_links(users, maracs)
        # Marisa's case, heard in Eastmoor, waits for Northbridge to take it.
        seed_transfer(users, maracs, now)
        # After the meetings above, which take the latest past conferences as theirs; before
        # the reminders, so the history's few overdue actions are chased too.
        seed_history(users, maracs, now)
        # The published agenda's standing items for the actions above still overdue on its day.
        seed_published_standing(maracs, now)
        # Every record and minutes' notes written above, kept as its first revision.
        keep_first_revisions()
        # The police tell the MARAC of a new incident on a case still flagged for repeats.
        seed_notice(users, maracs, now)
        # As this morning's run would have: the overdue demo actions have been chased.
        send_action_reminders(now)
        # The ladder as it ran each morning, and the coordinator's work on the register.
        seed_escalations(users, maracs, now)
        # Gaps in the system the meetings found, for the steering group.
        seed_system_issues(users, maracs, now)
        # Old closed cases for the retention review: due soon, on legal hold, anonymised.
        seed_retention(users, maracs, now)
    return demo_logins()


def demo_logins() -> list[DemoLogin]:
    """The demo accounts that exist, for printing."""
    emails = [f"{local}@{DEMO_DOMAIN}" for local, *_ in USERS]
    users = db.session.scalars(sa.select(User).where(User.email.in_(emails))).all()
    by_email = {u.email: u for u in users}
    logins = []
    for email in emails:
        user = by_email.get(email)
        if user is None:
            continue
        roles = ", ".join(
            f"{g.role.label}" + (f" ({g.marac.code})" if g.marac else "") for g in user.role_grants
        )
        logins.append(DemoLogin(email, user.name, user.agency.name, roles))
    return logins


def _marac(name: str, code: str, population: int | None) -> Marac:
    marac = db.session.scalar(sa.select(Marac).where(Marac.code == code))
    if marac is None:
        marac = Marac(
            name=name, code=code, timezone="Europe/London", adult_female_population=population
        )
        if code in HIGH_RISK_TEAMS:
            profile_id, marac.timezone = HIGH_RISK_TEAMS[code]
            marac.profile_id = profile_id
            tools = current_app.extensions["risk_tools"]
            marac.risk_tool_id = (
                LETHALITY_SCREEN
                if LETHALITY_SCREEN in tools
                else profiles()[profile_id].default_risk_tool
            )
        db.session.add(marac)
    return marac


def _agency(name: str, kind: AgencyKind, maracs: list[Marac]) -> Agency:
    agency = db.session.scalar(sa.select(Agency).where(Agency.name == name))
    if agency is None:
        contact_name, local = CONTACTS.get(name, ("Duty manager", "duty"))
        agency = Agency(
            name=name,
            kind=kind,
            maracs=maracs,
            contact_name=contact_name,
            contact_email=f"{local}@{DEMO_DOMAIN}",
        )
        db.session.add(agency)
    return agency


def _user(
    email: str,
    name: str,
    title: str,
    agency: Agency,
    roles: list[tuple[Role, str | None]],
    maracs: dict[str, Marac],
    password_hash: str,
    now: datetime,
) -> None:
    if db.session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        return
    user = User(
        email=email,
        name=name,
        job_title=title,
        agency=agency,
        password_hash=password_hash,
        password_changed_at=now,
    )
    user.role_grants = [
        RoleGrant(role=role, marac=maracs[code] if code else None, granted_at=now)
        for role, code in roles
    ]
    db.session.add(user)
