"""A county-sized install for the benchmark: many MARACs, years of monthly meetings.

Everything is invented from small lists of made-up names, like the demo, but in bulk: rows are
built as plain dictionaries and written through SQLAlchemy Core in large batches, with ids
chosen here (after the highest already stored), so ten years of twenty MARACs take minutes.
The shapes follow the demo's history: about 16 cases a meeting, a third of them repeats, five
actions a case with most done and a few overdue, research returns, minutes, and an audit
event for every read. Every row keeps the database's rules (CHECKs, foreign keys, the control
character triggers) and the models' own: referred before screened before listed before heard.

The newest conference of each MARAC is an extra one held today and in progress, its first case
on the console, so the benchmark can record and follow a meeting.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from conference.accounts import passwords
from conference.accounts.models import Agency, AgencyKind, Marac, Role, RoleGrant, User
from conference.accounts.models import agency_maracs as agency_maracs_table
from conference.actions.choices import ActionStatus, Priority
from conference.actions.models import Action, ActionUpdate
from conference.audit.models import AuditEvent
from conference.conferences import rules
from conference.conferences.choices import ConferenceStatus, Frequency, ItemStatus, Section
from conference.conferences.models import (
    AgendaItem,
    Conference,
    MeetingRule,
    conference_invitations,
)
from conference.demo.history_words import (
    CHILD_RISKS,
    DISCUSSIONS,
    FLAGS,
    NARRATIVES,
    NOTES,
    OPENINGS,
    OTHER_BUSINESS,
    SUMMARIES,
    TASKS,
    fit_case,
)
from conference.extensions import Model, db
from conference.meetings.choices import Presence
from conference.meetings.models import Attendance, Attendee, Discussion, Meeting
from conference.minutes.models import Minutes
from conference.referrals.choices import (
    CaseStatus,
    Consent,
    DobKind,
    Ethnicity,
    Gender,
    ReferralStatus,
    Relationship,
    YesNoNotKnown,
)
from conference.referrals.models import (
    Case,
    CaseClosure,
    ChecklistAnswer,
    Child,
    Perpetrator,
    Referral,
    ReferralTransition,
)
from conference.research.choices import Outcome
from conference.research.models import ResearchReturn

#: Every seeded user signs in with this: the benchmark needs no other secret.
BENCH_PASSWORD = "county-bench-2026"
BENCH_DOMAIN = "bench.example"
#: Rows per INSERT batch: large enough to be fast, small enough to keep memory flat.
BATCH = 5000

AREAS = [
    "Ashcombe",
    "Axbridge",
    "Brackley",
    "Calderwick",
    "Dunmere",
    "Elmstead",
    "Farrowby",
    "Glenholt",
    "Harrowgate",
    "Ivelden",
    "Kestrel",
    "Larkfield",
    "Moorcross",
    "Netherby",
    "Oakhurst",
    "Pellham",
    "Quarry",
    "Redmarsh",
    "Selbury",
    "Thornley",
    "Upwell",
    "Vennock",
    "Westerby",
    "Yarmley",
]
GIVEN = [
    "Amara",
    "Beth",
    "Carys",
    "Dana",
    "Elin",
    "Freya",
    "Gemma",
    "Hana",
    "Isla",
    "Jodie",
    "Kerry",
    "Lena",
    "Maya",
    "Nadia",
    "Orla",
    "Priya",
    "Rosa",
    "Sana",
    "Tara",
    "Una",
    "Vera",
    "Wren",
    "Yasmin",
    "Zoe",
]
MEN = [
    "Aaron",
    "Brett",
    "Callum",
    "Darren",
    "Ewan",
    "Grant",
    "Hugo",
    "Jason",
    "Kieran",
    "Liam",
    "Mason",
    "Neil",
    "Owen",
    "Reece",
]
FAMILY = [
    "Ashdown",
    "Blakeley",
    "Corrin",
    "Dewhurst",
    "Ellery",
    "Fenwick",
    "Garside",
    "Halloran",
    "Inchley",
    "Jessop",
    "Kenward",
    "Lathom",
    "Marchant",
    "Norwood",
    "Oakley",
    "Pennock",
    "Quarrie",
    "Rushworth",
    "Sowerby",
    "Tansley",
    "Underhill",
    "Venn",
    "Whitlock",
    "Yardley",
]

#: Kinds of agency every seeded MARAC has, with how many practitioners each has an account for.
AGENCY_KINDS = (
    (AgencyKind.OTHER, "Community Safety Partnership", 4),
    (AgencyKind.POLICE, "Police", 14),
    (AgencyKind.PROBATION, "Probation Service", 6),
    (AgencyKind.CHILDRENS_SERVICES, "Children's Services", 10),
    (AgencyKind.ADULT_SAFEGUARDING, "Adult Safeguarding", 5),
    (AgencyKind.HEALTH, "Health Trust", 12),
    (AgencyKind.MENTAL_HEALTH, "Mental Health Trust", 6),
    (AgencyKind.HOUSING, "Homes", 10),
    (AgencyKind.EDUCATION, "Schools Safeguarding Team", 6),
    (AgencyKind.SUBSTANCE_USE, "Recovery Service", 5),
    (AgencyKind.IDVA_SERVICE, "IDVA Service", 6),
)
CHILDREN_ONLY = {AgencyKind.CHILDRENS_SERVICES, AgencyKind.EDUCATION}
REFERRERS = (
    (AgencyKind.POLICE, 60),
    (AgencyKind.IDVA_SERVICE, 10),
    (AgencyKind.HEALTH, 10),
    (AgencyKind.HOUSING, 8),
    (AgencyKind.CHILDRENS_SERVICES, 7),
    (AgencyKind.PROBATION, 5),
)
START = time(10, 0)
TIMEZONE = "Europe/London"


@dataclass
class Counts:
    """Rows written, by table."""

    rows: dict[str, int] = field(default_factory=dict)

    def add(self, table: str, n: int) -> None:
        self.rows[table] = self.rows.get(table, 0) + n


class _Writer:
    """Rows by table, written in batches in the order tables were first used (parents first)."""

    def __init__(self, connection: sa.Connection, counts: Counts) -> None:
        self.connection, self.counts = connection, counts
        self.pending: dict[str, list[dict[str, Any]]] = {}
        self.tables: dict[str, sa.Table] = {}
        self.next_ids: dict[str, int] = {}

    def new_id(self, model: type[Model]) -> int:
        table = model.__table__
        assert isinstance(table, sa.Table)
        name = table.name
        if name not in self.next_ids:
            highest = self.connection.scalar(sa.select(sa.func.max(table.c.id)))
            self.next_ids[name] = (highest or 0) + 1
        self.next_ids[name] += 1
        return self.next_ids[name] - 1

    def add(self, target: type[Model] | sa.Table, row: dict[str, Any]) -> None:
        table = target if isinstance(target, sa.Table) else target.__table__
        assert isinstance(table, sa.Table)
        self.tables.setdefault(table.name, table)
        rows = self.pending.setdefault(table.name, [])
        rows.append(row)
        if len(rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        """Write everything pending, parents before children (the order tables were first
        used, which is the order rows are made in)."""
        for name, rows in self.pending.items():
            if rows:
                self.connection.execute(sa.insert(self.tables[name]), rows)
                self.counts.add(name, len(rows))
                rows.clear()

    def finish(self) -> None:
        self.flush()
        if self.connection.dialect.name == "postgresql":
            for name in self.next_ids:
                self.connection.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f'(SELECT max(id) FROM "{name}"))'
                )


@dataclass
class _Victim:
    case_id: int
    marac: int
    given: str
    family: str
    dob: date
    children: list[tuple[str, date]]
    perpetrator: tuple[str, str, date]
    last_heard: date | None = None
    last_event: datetime | None = None
    open_actions: int = 0
    on_today: bool = False


@dataclass
class _Area:
    marac_id: int
    code: str
    name: str
    agencies: dict[AgencyKind, int]
    people: dict[AgencyKind, list[tuple[int, str, str]]]
    coordinator: int
    chair: int
    advocates: list[int]
    cases_by_year: dict[int, int] = field(default_factory=dict)
    victims: list[_Victim] = field(default_factory=list)


def has_data() -> bool:
    """Whether the database already holds users or cases: the seeder is for an empty one."""
    for model in (User, Case, Marac):
        if db.session.scalar(sa.select(model.id).limit(1)) is not None:
            return True
    return False


def seed_scale(
    *,
    maracs: int,
    months: int,
    seed: int,
    now: datetime,
    progress: Callable[[str], None] = lambda message: None,
) -> Counts:
    """Write a county: `maracs` MARACs, each meeting monthly for `months` months up to today.
    Uses the session's connection (and its transaction); the caller commits."""
    rng = random.Random(seed)
    counts = Counts()
    writer = _Writer(db.session.connection(), counts)
    password_hash = passwords.hash_password(BENCH_PASSWORD)
    today = _today(now)
    first = rules.add_months(date(today.year, today.month, 1), -months)
    admin_id: int | None = None
    questions = [q.id for q in current_app.extensions["risk_tools"]["dash-24"].scored_questions]
    for index in range(maracs):
        area = _area(writer, rng, index, password_hash, now)
        if admin_id is None:
            admin_id = _user(
                writer,
                "Bench Administrator",
                f"admin@{BENCH_DOMAIN}",
                area.agencies[AgencyKind.OTHER],
                password_hash,
                now,
            )
            writer.add(
                RoleGrant,
                {
                    "id": writer.new_id(RoleGrant),
                    "user_id": admin_id,
                    "marac_id": None,
                    "role": Role.ADMIN.value,
                    "granted_at": now,
                    "granted_by_id": None,
                },
            )
        _meetings(writer, rng, area, first, today, now, questions)
        writer.flush()
        progress(f"{area.name}: {sum(1 for _ in area.victims)} cases")
    writer.finish()
    return counts


def gather_statistics() -> None:
    """Have the database count what was just written, as a production database long in use has:
    until autovacuum gets to millions of new rows, the planner guesses from empty tables and
    scans where it would use an index, and every page measured would be measured wrongly."""
    engine = db.engine
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql(
            "VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"
        )


def _today(now: datetime) -> date:
    return rules.local(now, TIMEZONE).date()


def _user(
    writer: _Writer, name: str, email: str, agency_id: int, password_hash: str, now: datetime
) -> int:
    user_id = writer.new_id(User)
    writer.add(
        User,
        {
            "id": user_id,
            "email": email,
            "name": name,
            "job_title": "",
            "agency_id": agency_id,
            "password_hash": password_hash,
            "password_changed_at": now,
            "is_active_account": True,
            "failed_login_count": 0,
            "created_at": now,
            "updated_at": now,
        },
    )
    return user_id


def _area(
    writer: _Writer, rng: random.Random, index: int, password_hash: str, now: datetime
) -> _Area:
    """One MARAC with its agencies, practitioners and role grants."""
    place = AREAS[index % len(AREAS)] + (
        f" {index // len(AREAS) + 1}" if index >= len(AREAS) else ""
    )
    code = f"B{index + 1:02d}"
    marac_id = writer.new_id(Marac)
    name = f"{place} MARAC"
    writer.add(
        Marac,
        {
            "id": marac_id,
            "name": name,
            "code": code,
            "timezone": TIMEZONE,
            "requires_two_factor": False,
            "is_active": True,
            "risk_tool_id": "dash-24",
            "adult_female_population": rng.randint(30, 160) * 1000,
            "created_at": now,
            "updated_at": now,
        },
    )
    agencies: dict[AgencyKind, int] = {}
    people: dict[AgencyKind, list[tuple[int, str, str]]] = {}
    grants: list[tuple[int, Role]] = []
    for kind, label, staff in AGENCY_KINDS:
        agency_id = writer.new_id(Agency)
        agencies[kind] = agency_id
        writer.add(
            Agency,
            {
                "id": agency_id,
                "name": f"{place} {label}",
                "kind": kind.value,
                "contact_name": "",
                "contact_email": "",
                "contact_phone": "",
                "is_active": True,
                "created_at": now,
                "updated_at": now,
            },
        )
        writer.add(agency_maracs_table, {"agency_id": agency_id, "marac_id": marac_id})
        people[kind] = []
        for n in range(staff):
            given, family = rng.choice(GIVEN + MEN), rng.choice(FAMILY)
            role = _role_of(kind, n)
            local = f"{role.value.replace('_', '-')}.{kind.value.replace('_', '-')}.{n + 1}"
            user_id = _user(
                writer,
                f"{given} {family}",
                f"{local}@{code.lower()}.{BENCH_DOMAIN}",
                agency_id,
                password_hash,
                now,
            )
            people[kind].append((user_id, given, family))
            grants.append((user_id, role))
    for user_id, role in grants:
        writer.add(
            RoleGrant,
            {
                "id": writer.new_id(RoleGrant),
                "user_id": user_id,
                "marac_id": marac_id,
                "role": role.value,
                "granted_at": now,
                "granted_by_id": None,
            },
        )
    coordinator = people[AgencyKind.OTHER][0][0]
    chair = people[AgencyKind.POLICE][0][0]
    advocates = [user_id for user_id, _, _ in people[AgencyKind.IDVA_SERVICE][:4]]
    weekday, week = index % 5, index % 4 + 1
    writer.add(
        MeetingRule,
        {
            "id": writer.new_id(MeetingRule),
            "marac_id": marac_id,
            "frequency": Frequency.MONTHLY.value,
            "weekday": weekday,
            "week_of_month": week,
            "start_time": START,
            "duration_minutes": 300,
            "place": f"{place} Civic Centre, Room 2",
            "video_link": "",
            "capacity": 20,
            "minutes_per_case": 15,
            "cutoff_days": 8,
            "research_days": 7,
            "chair_id": chair,
            "created_at": now,
            "updated_at": now,
        },
    )
    return _Area(marac_id, code, name, agencies, people, coordinator, chair, advocates)


def _role_of(kind: AgencyKind, n: int) -> Role:
    if kind is AgencyKind.OTHER:
        return Role.COORDINATOR if n < 2 else Role.STEERING
    if kind is AgencyKind.POLICE and n == 0:
        return Role.CHAIR
    if kind is AgencyKind.IDVA_SERVICE and n < 4:
        return Role.ADVOCATE
    return Role.AGENCY_REP


def _meetings(
    writer: _Writer,
    rng: random.Random,
    area: _Area,
    first: date,
    today: date,
    now: datetime,
    questions: list[str],
) -> None:
    """Every month's meeting from `first` to yesterday, today's in progress, the next ones
    planned."""
    index = int(area.code[1:]) - 1
    rhythm = rules.Rhythm(Frequency.MONTHLY, index % 5, index % 4 + 1)
    days = rules.meeting_days(rhythm, first, today + timedelta(days=120))
    held = [day for day in days if day < today - timedelta(days=1)]
    for day in held:
        _conference(writer, rng, area, day, day, today, now, questions, live=False)
    _conference(writer, rng, area, None, today, today, now, questions, live=True)
    for day in days:
        if day - timedelta(days=7) > today:
            _planned(writer, area, day, now)
    _settle(writer, rng, area, today, now)


def _moment(rng: random.Random, day: date, first: int = 8, last: int = 17) -> datetime:
    clock = time(rng.randint(first, last), rng.randrange(0, 60, 5))
    return rules.starts_at(day, clock, TIMEZONE)


def _base_conference(
    area: _Area, rule_day: date | None, day: date, now: datetime
) -> dict[str, Any]:
    starts = rules.starts_at(day, START, TIMEZONE)
    return {
        "marac_id": area.marac_id,
        "rule_date": rule_day,
        "starts_at": starts,
        "duration_minutes": 300,
        "place": f"{area.name.removesuffix(' MARAC')} Civic Centre, Room 2",
        "video_link": "",
        "capacity": 20,
        "minutes_per_case": 15,
        "cutoff_on": day - timedelta(days=8),
        "publish_on": day - timedelta(days=7),
        "chair_id": area.chair,
        "is_extra": rule_day is None,
        "cancel_reason": "",
        "sequence": 0,
        "created_at": min(starts - timedelta(days=120), now),
    }


def _planned(writer: _Writer, area: _Area, day: date, now: datetime) -> None:
    row = _base_conference(area, day, day, now)
    row.update(
        id=writer.new_id(Conference),
        status=ConferenceStatus.SCHEDULED.value,
        published_at=None,
        agency_access_ends_at=None,
        updated_at=now,
    )
    writer.add(Conference, row)


def _conference(
    writer: _Writer,
    rng: random.Random,
    area: _Area,
    rule_day: date | None,
    day: date,
    today: date,
    now: datetime,
    questions: list[str],
    *,
    live: bool,
) -> None:
    """One held (or, live, today's in progress) conference with its cases and records."""
    conference_id = writer.new_id(Conference)
    row = _base_conference(area, rule_day, day, now)
    starts = row["starts_at"]
    published = rules.starts_at(day - timedelta(days=7), time(9, 0), TIMEZONE)
    final_at = (
        None if live else _moment(rng, day + timedelta(days=rng.choice((1, 2, 2, 3))), 14, 17)
    )
    if final_at is not None and final_at > now - timedelta(hours=1):
        final_at = None
    status = ConferenceStatus.IN_PROGRESS if live else ConferenceStatus.CONCLUDED
    if final_at is not None:
        status = ConferenceStatus.MINUTES_FINAL
    row.update(
        id=conference_id,
        status=status.value,
        published_at=published,
        agency_access_ends_at=final_at + timedelta(days=28) if final_at else None,
        updated_at=final_at or (now if live else starts),
    )
    writer.add(Conference, row)
    for agency_id in area.agencies.values():
        writer.add(
            conference_invitations,
            {"conference_id": conference_id, "agency_id": agency_id, "invited_at": published},
        )
    # The cases: referred, screened and listed before the cut-off.
    count = rng.randint(13, 19)
    taken: set[int] = set()
    listings: list[tuple[_Victim, int, datetime, date]] = []
    for _ in range(count):
        referred_on = day - timedelta(days=rng.randint(9, 35))
        submitted = _moment(rng, referred_on)
        decided = submitted + timedelta(hours=rng.randint(2, 26))
        victim = _repeat_of(rng, area, referred_on, taken)
        repeat = victim is not None
        if victim is None:
            victim = _new_case(writer, rng, area, decided)
        taken.add(victim.case_id)
        referral_id = _referral(
            writer, rng, area, victim, referred_on, submitted, decided, repeat, questions
        )
        listings.append((victim, referral_id, decided, referred_on))
        if rng.random() < 0.12:  # a referral screened out: no case
            _declined(writer, rng, area, referred_on, questions)
    listings.sort(key=lambda listing: listing[2])
    positions: dict[Section, int] = {}
    at = starts + timedelta(minutes=8)
    items: list[tuple[int, _Victim, Section]] = []
    opened_at: dict[int, datetime] = {}
    for n, (victim, referral_id, decided, _) in enumerate(listings):
        section = Section.CHILDREN if victim.children else Section.ADULTS
        positions[section] = positions.get(section, 0) + 1
        item_id = writer.new_id(AgendaItem)
        opened = closed = None
        item_status = ItemStatus.DISCUSSED
        if live:
            item_status = ItemStatus.IN_DISCUSSION if n == 0 else ItemStatus.LISTED
            opened = min(now, starts + timedelta(minutes=8)) if n == 0 else None
        else:
            opened, closed = at, at + timedelta(minutes=rng.randint(9, 14))
            at += timedelta(minutes=15)
        writer.add(
            AgendaItem,
            {
                "id": item_id,
                "conference_id": conference_id,
                "case_id": victim.case_id,
                "referral_id": referral_id,
                "section": section.value,
                "position": positions[section],
                "status": item_status.value,
                "over_capacity_reason": "",
                "added_at": decided,
                "added_by_id": area.coordinator,
                "opened_at": opened,
                "closed_at": closed,
                "defer_reason": "",
            },
        )
        items.append((item_id, victim, section))
        if opened is not None:
            opened_at[item_id] = opened
        victim.last_heard = day
        victim.on_today = live
    _research(writer, rng, area, items, published, starts, now)
    _meeting(writer, rng, area, conference_id, items, starts, at, final_at, live, now)
    _reads(writer, rng, area, conference_id, items, published, starts, now)
    if not live:
        for item_id, victim, section in items:
            agreed = opened_at[item_id] + timedelta(minutes=7)
            _actions(writer, rng, area, item_id, victim, section, day, today, agreed, now)


def _repeat_of(
    rng: random.Random, area: _Area, referred_on: date, taken: set[int]
) -> _Victim | None:
    """About three in ten referrals are for a victim heard in the last year."""
    if rng.random() >= 0.3:
        return None
    recent = [
        v
        for v in area.victims[-400:]
        if v.last_heard is not None
        and timedelta(days=30) < referred_on - v.last_heard < timedelta(days=365)
        and v.case_id not in taken
    ]
    return rng.choice(recent) if recent else None


def _new_case(writer: _Writer, rng: random.Random, area: _Area, decided: datetime) -> _Victim:
    year = rules.local(decided, TIMEZONE).year
    number = area.cases_by_year.get(year, 0) + 1
    area.cases_by_year[year] = number
    case_id = writer.new_id(Case)
    writer.add(
        Case,
        {
            "id": case_id,
            "marac_id": area.marac_id,
            "reference": f"{area.code}-{year}-{number:04d}",
            "year": year,
            "number": number,
            # The final status is set once the case's history is written (_settle).
            "status": CaseStatus.PLAN_COMPLETE.value,
            "advocate_id": rng.choice(area.advocates) if rng.random() < 0.85 else None,
            "is_address_confidential": rng.random() < 0.04,
            "opened_at": decided,
            "close_reason": "",
            "created_at": decided,
            "updated_at": decided,
        },
    )
    on = rules.local(decided, TIMEZONE).date()
    dob = on - timedelta(days=rng.randint(18 * 366, 70 * 365))
    children = []
    if rng.random() < 0.45:
        for _ in range(rng.randint(1, 3)):
            children.append(
                (rng.choice(GIVEN + MEN), on - timedelta(days=rng.randint(200, 15 * 365)))
            )
    him = (rng.choice(MEN), rng.choice(FAMILY), dob - timedelta(days=rng.randint(-2000, 4000)))
    victim = _Victim(
        case_id, area.marac_id, rng.choice(GIVEN), rng.choice(FAMILY), dob, children, him
    )
    area.victims.append(victim)
    return victim


def _referral(
    writer: _Writer,
    rng: random.Random,
    area: _Area,
    victim: _Victim,
    on: date,
    submitted: datetime,
    decided: datetime,
    repeat: bool,
    questions: list[str],
) -> int:
    """An accepted referral, as submit() and decide() write one."""
    kind = rng.choices([k for k, _ in REFERRERS], weights=[w for _, w in REFERRERS])[0]
    referrer = rng.choice(area.people[kind])[0]
    score = rng.randint(8, 21) if repeat else rng.randint(14, 21)
    referral_id = _referral_row(
        writer,
        rng,
        area,
        victim.case_id,
        kind,
        referrer,
        on,
        submitted,
        decided,
        score,
        ReferralStatus.ACCEPTED,
        victim=victim,
        repeat=repeat,
    )
    _answers(writer, rng, referral_id, score, questions)
    given, family, born = victim.perpetrator
    writer.add(
        Perpetrator,
        {
            "id": writer.new_id(Perpetrator),
            "referral_id": referral_id,
            "position": 0,
            "given_name": given,
            "family_name": family,
            "aliases": "",
            "dob": born,
            "dob_kind": DobKind.EXACT.value,
            "born_from": born,
            "born_to": born,
            "relationship": rng.choice((Relationship.PARTNER, Relationship.EX_PARTNER)).value,
            "address": "",
            "gender": Gender.MALE.value,
        },
    )
    for n, (name, born_on) in enumerate(victim.children):
        writer.add(
            Child,
            {
                "id": writer.new_id(Child),
                "referral_id": referral_id,
                "position": n,
                "given_name": name,
                "family_name": victim.family,
                "dob": born_on,
                "relation_to_victim": "Child",
                "relation_to_perpetrator": "Child",
                "school": "",
            },
        )
    for from_status, to_status, actor, at in (
        (ReferralStatus.DRAFT, ReferralStatus.SUBMITTED, referrer, submitted),
        (ReferralStatus.SUBMITTED, ReferralStatus.ACCEPTED, area.coordinator, decided),
    ):
        _transition(writer, referral_id, from_status, to_status, actor, at, "")
    _event(writer, referrer, "referral.submitted", "Referral", referral_id, area, submitted)
    _event(writer, area.coordinator, "referral.accepted", "Referral", referral_id, area, decided)
    if not repeat:
        _event(writer, area.coordinator, "case.opened", "Case", victim.case_id, area, decided)
    return referral_id


def _declined(
    writer: _Writer, rng: random.Random, area: _Area, on: date, questions: list[str]
) -> None:
    kind = rng.choices([k for k, _ in REFERRERS], weights=[w for _, w in REFERRERS])[0]
    referrer = rng.choice(area.people[kind])[0]
    submitted = _moment(rng, on)
    decided = submitted + timedelta(hours=rng.randint(2, 26))
    score = rng.randint(3, 12)
    referral_id = _referral_row(
        writer,
        rng,
        area,
        None,
        kind,
        referrer,
        on,
        submitted,
        decided,
        score,
        ReferralStatus.DECLINED,
        victim=None,
        repeat=False,
    )
    _answers(writer, rng, referral_id, score, questions)
    reason = "Below the threshold; the IDVA service will offer support."
    _transition(
        writer, referral_id, ReferralStatus.DRAFT, ReferralStatus.SUBMITTED, referrer, submitted, ""
    )
    _transition(
        writer,
        referral_id,
        ReferralStatus.SUBMITTED,
        ReferralStatus.DECLINED,
        area.coordinator,
        decided,
        reason,
    )
    _event(writer, referrer, "referral.submitted", "Referral", referral_id, area, submitted)
    _event(writer, area.coordinator, "referral.declined", "Referral", referral_id, area, decided)


def _referral_row(
    writer: _Writer,
    rng: random.Random,
    area: _Area,
    case_id: int | None,
    kind: AgencyKind,
    referrer: int,
    on: date,
    submitted: datetime,
    decided: datetime,
    score: int,
    status: ReferralStatus,
    *,
    victim: _Victim | None,
    repeat: bool,
) -> int:
    referral_id = writer.new_id(Referral)
    consent = rng.choices(list(Consent), weights=(72, 10, 18))[0]
    given = victim.given if victim else rng.choice(GIVEN)
    family = victim.family if victim else rng.choice(FAMILY)
    dob = victim.dob if victim else on - timedelta(days=rng.randint(18 * 366, 70 * 365))
    writer.add(
        Referral,
        {
            "id": referral_id,
            "marac_id": area.marac_id,
            "case_id": case_id,
            "referrer_id": referrer,
            "agency_id": area.agencies[kind],
            "status": status.value,
            "draft": None,
            "draft_saved_at": submitted,
            "risk_tool_id": "dash-24",
            "submitted_at": submitted,
            "referred_on": on,
            "decided_at": decided,
            "referrer_reference": f"Ref {submitted:%d%H%M}/{on:%y}",
            "victim_given_name": given,
            "victim_family_name": family,
            "victim_aliases": "",
            "victim_dob": dob,
            "victim_dob_kind": DobKind.EXACT.value,
            "victim_born_from": dob,
            "victim_born_to": dob,
            "victim_gender": Gender.FEMALE.value,
            "victim_is_trans": YesNoNotKnown.NO.value,
            "victim_ethnicity": rng.choice(list(Ethnicity)).value,
            "victim_language": "English",
            "needs_interpreter": False,
            "victim_address": f"{rng.randint(1, 120)} {rng.choice(FAMILY)} Road",
            "victim_phone": f"07700 9{rng.randint(0, 99999):05d}",
            "safe_to_call": YesNoNotKnown.YES.value,
            "contact_notes": "",
            "who_she_fears": f"{victim.perpetrator[0]} {victim.perpetrator[1]}." if victim else "",
            "safe_contacts": "",
            "unsafe_contacts": "",
            "has_children": bool(victim and victim.children),
            "score": score,
            "checklist_completed_on": on,
            "meets_visible_high_risk": score >= 14,
            "meets_professional_judgement": False,
            "meets_escalation": False,
            "is_repeat": repeat,
            "judgement_reasons": "",
            "has_possible_match": repeat,
            "victim_aware": consent is not Consent.NOT_SOUGHT,
            "consent": consent.value,
            "consent_reason": ""
            if consent is Consent.GIVEN
            else "It was not safe to ask her while he was at home.",
            "narrative": ("Referred again. " if repeat else "") + _fit(rng.choice(NARRATIVES)),
            "is_aged_16_17": False,
            "key_worker": "",
            "exploitation_notes": "",
            "reported_by": "",
            "created_at": submitted - timedelta(hours=rng.randint(1, 48)),
            "updated_at": decided,
        },
    )
    return referral_id


def _answers(
    writer: _Writer, rng: random.Random, referral_id: int, score: int, questions: list[str]
) -> None:
    yes = set(rng.sample(questions, min(score, len(questions))))
    for question in questions:
        answer = YesNoNotKnown.YES if question in yes else YesNoNotKnown.NO
        writer.add(
            ChecklistAnswer,
            {"referral_id": referral_id, "question_id": question, "answer": answer.value},
        )


def _transition(
    writer: _Writer,
    referral_id: int,
    from_status: ReferralStatus,
    to_status: ReferralStatus,
    actor: int,
    at: datetime,
    reason: str,
) -> None:
    writer.add(
        ReferralTransition,
        {
            "id": writer.new_id(ReferralTransition),
            "referral_id": referral_id,
            "from_status": from_status.value,
            "to_status": to_status.value,
            "actor_id": actor,
            "at": at,
            "reason": reason,
        },
    )


def _event(
    writer: _Writer,
    user_id: int | None,
    verb: str,
    object_type: str | None,
    object_id: int | None,
    area: _Area,
    at: datetime,
    detail: dict[str, Any] | None = None,
) -> None:
    writer.add(
        AuditEvent,
        {
            "id": writer.new_id(AuditEvent),
            "at": at,
            "user_id": user_id,
            "verb": verb,
            "object_type": object_type,
            "object_id": object_id,
            "marac_id": area.marac_id,
            "ip": "192.0.2.10",
            "request_id": None,
            "origin": "web",
            "detail": detail or {},
        },
    )


def _research(
    writer: _Writer,
    rng: random.Random,
    area: _Area,
    items: list[tuple[int, _Victim, Section]],
    published: datetime,
    starts: datetime,
    now: datetime,
) -> None:
    """What the agencies found on each case before the meeting."""
    window = max(60, int((min(starts, now) - published).total_seconds()))
    for item_id, _, section in items:
        for kind, agency_id in area.agencies.items():
            if kind is AgencyKind.OTHER or (kind in CHILDREN_ONLY and section is Section.ADULTS):
                continue
            if rng.random() > 0.6:
                continue
            outcome = rng.choices(list(Outcome), weights=(35, 50, 15))[0]
            summary = _fit(rng.choice(SUMMARIES[kind])) if outcome is Outcome.KNOWN else ""
            flags = FLAGS.get(kind, [])
            chosen = [f.value for f in flags if outcome is Outcome.KNOWN and rng.random() < 0.3]
            at = published + timedelta(seconds=rng.randint(0, window - 1))
            author = rng.choice(area.people[kind])[0]
            writer.add(
                ResearchReturn,
                {
                    "id": writer.new_id(ResearchReturn),
                    "agenda_item_id": item_id,
                    "agency_id": agency_id,
                    "outcome": outcome.value,
                    "summary": summary,
                    "risk_flags": chosen,
                    "updated_by_id": author,
                    "submitted_at": at,
                    "created_at": at,
                    "updated_at": at,
                },
            )
            _event(writer, author, "research.saved", "ResearchReturn", None, area, at)


def _meeting(
    writer: _Writer,
    rng: random.Random,
    area: _Area,
    conference_id: int,
    items: list[tuple[int, _Victim, Section]],
    starts: datetime,
    ended: datetime,
    final_at: datetime | None,
    live: bool,
    now: datetime,
) -> None:
    """Who came, what was recorded on each case, the minutes."""
    started = min(starts, now)
    writer.add(
        Meeting,
        {
            "id": writer.new_id(Meeting),
            "conference_id": conference_id,
            "started_at": started,
            "started_by_id": area.chair,
            "started_early": started < starts,
            "current_item_id": items[0][0] if live else None,
            "concluded_at": None if live else ended,
            "concluded_by_id": None if live else area.chair,
        },
    )
    for kind, agency_id in area.agencies.items():
        present = live or rng.random() < 0.88
        writer.add(
            Attendance,
            {
                "id": writer.new_id(Attendance),
                "conference_id": conference_id,
                "agency_id": agency_id,
                "presence": (Presence.PRESENT if present else Presence.APOLOGIES).value,
                "information_sent": None if present else rng.random() < 0.7,
                "recorded_by_id": area.chair,
                "recorded_at": started,
            },
        )
        if not present:
            continue
        # Today everyone of the MARAC attends (they follow on their screens); on past days
        # one or two people an agency.
        staff = area.people[kind] if live else area.people[kind][: rng.randint(1, 2)]
        if kind is AgencyKind.OTHER:
            staff = staff[:2]  # the coordinators; the steering group reads figures only
        if kind is AgencyKind.POLICE and area.people[kind][0] not in staff:
            staff = [area.people[kind][0], *staff]
        for user_id, given, family in staff:
            writer.add(
                Attendee,
                {
                    "id": writer.new_id(Attendee),
                    "conference_id": conference_id,
                    "agency_id": agency_id,
                    "user_id": user_id,
                    "name": f"{given} {family}",
                    "job_title": "",
                    "accepted_confidentiality_at": started,
                    "is_observer": False,
                    "added_by_id": area.chair,
                    "added_at": started,
                },
            )
    if live:
        return
    for item_id, _, section in items:
        shared, risk, decisions = rng.choice(DISCUSSIONS)
        writer.add(
            Discussion,
            {
                "id": writer.new_id(Discussion),
                "agenda_item_id": item_id,
                "information_shared": _fit(shared),
                "risk_to_victim": _fit(risk),
                "risk_to_children": _fit(rng.choice(CHILD_RISKS))
                if section is Section.CHILDREN
                else "",
                "risk_to_others": "",
                "risk_to_staff": "",
                "perpetrator_risk_factors": "",
                "decisions": _fit(decisions),
                "no_action_reason": "",
                "updated_by_id": area.coordinator,
                "updated_at": ended,
            },
        )
    writer.add(
        Minutes,
        {
            "id": writer.new_id(Minutes),
            "conference_id": conference_id,
            "opening_notes": rng.choice(OPENINGS),
            "other_business": rng.choice(OTHER_BUSINESS),
            "finalised_at": final_at,
            "finalised_by_id": area.chair if final_at else None,
            "updated_at": final_at or ended + timedelta(hours=2),
            "updated_by_id": area.coordinator,
        },
    )


def _reads(
    writer: _Writer,
    rng: random.Random,
    area: _Area,
    conference_id: int,
    items: list[tuple[int, _Victim, Section]],
    published: datetime,
    starts: datetime,
    now: datetime,
) -> None:
    """Every read leaves an audit event: each case is opened by a dozen or more people around
    its meeting, and the agenda by most of the MARAC."""
    readers = [user_id for staff in area.people.values() for user_id, _, _ in staff]
    span = max(60, int((min(starts, now) - published).total_seconds()))
    for user_id in rng.sample(readers, min(len(readers), 40)):
        at = published + timedelta(seconds=rng.randint(0, span - 1))
        _event(writer, user_id, "agenda.viewed", "Conference", conference_id, area, at)
    for _, victim, _ in items:
        for user_id in rng.sample(readers, rng.randint(20, 45)):
            at = published + timedelta(seconds=rng.randint(0, span - 1))
            _event(
                writer, user_id, "case.viewed", "Case", victim.case_id, area, at, {"page": "case"}
            )


def _actions(
    writer: _Writer,
    rng: random.Random,
    area: _Area,
    item_id: int,
    victim: _Victim,
    section: Section,
    day: date,
    today: date,
    agreed: datetime,
    now: datetime,
) -> None:
    """About five actions a case, agreed while it was discussed, each as its owner reported on
    it since."""
    kinds = [k for k in TASKS if section is Section.CHILDREN or k not in CHILDREN_ONLY]
    for kind in rng.sample(kinds, min(len(kinds), rng.choice((3, 4, 5, 5, 6, 7)))):
        due = day + timedelta(days=rng.choice((7, 14, 14, 21, 28, 42)))
        steps = _progress(rng, agreed, due, today, now)
        status = steps[-1][0] if steps else ActionStatus.OPEN
        owner = rng.choice(area.people[kind])[0]
        action_id = writer.new_id(Action)
        writer.add(
            Action,
            {
                "id": action_id,
                "case_id": victim.case_id,
                "agenda_item_id": item_id,
                "screening_referral_id": None,
                "description": _fit(rng.choice(TASKS[kind][1])),
                "owner_agency_id": area.agencies[kind],
                "owner_name": "",
                "due_on": due,
                "priority": rng.choices(list(Priority), weights=(25, 60, 15))[0].value,
                "status": status.value,
                "agreed_at": agreed,
                "agreed_by_id": area.chair,
                "updated_at": steps[-1][1] if steps else agreed,
                "updated_by_id": owner if steps else area.chair,
                "perpetrator_id": None,
                "onward_to": None,
            },
        )
        _event(writer, area.chair, "action.agreed", "Action", action_id, area, agreed)
        for step_status, at, note in steps:
            detail = {"page": "case"}
            _event(writer, owner, "case.viewed", "Case", victim.case_id, area, at, detail)
            writer.add(
                ActionUpdate,
                {
                    "id": writer.new_id(ActionUpdate),
                    "action_id": action_id,
                    "status": step_status.value,
                    "due_on": None,
                    "note": note,
                    "agenda_item_id": None,
                    "actor_id": owner,
                    "at": at,
                },
            )
        victim.open_actions += not status.is_closed
        last = steps[-1][1] if steps else agreed
        victim.last_event = max(last, victim.last_event or last)


def _progress(
    rng: random.Random, agreed: datetime, due: date, today: date, now: datetime
) -> list[tuple[ActionStatus, datetime, str]]:
    """Most actions done by their due date, some late, a few not done, a few still overdue."""
    agreed_on = rules.local(agreed, TIMEZONE).date()

    def between(first: date, last: date) -> datetime | None:
        last = min(last, today - timedelta(days=1))
        if last < first:
            return None
        moment = _moment(rng, first + timedelta(days=rng.randint(0, (last - first).days)))
        return moment if agreed < moment < now else None

    start = agreed_on + timedelta(days=1)
    overdue = due < today and (today - due).days < 150 and rng.random() < 0.06
    if due >= today or overdue:
        started = between(start, min(due, agreed_on + timedelta(days=10)))
        if started is not None and rng.random() < 0.5:
            return [
                (
                    ActionStatus.IN_PROGRESS,
                    started,
                    _fit(rng.choice(NOTES[ActionStatus.IN_PROGRESS])),
                )
            ]
        return []
    r = rng.random()
    if r < 0.05:
        status, at = ActionStatus.NOT_DONE_CIRCUMSTANCES, between(start, due)
    elif r < 0.09:
        status, at = (
            ActionStatus.NOT_DONE_AGENCY,
            between(due + timedelta(days=1), due + timedelta(days=21)),
        )
    elif r < 0.8:
        status, at = ActionStatus.DONE, between(start, due)
    else:
        status, at = ActionStatus.DONE, between(due + timedelta(days=1), due + timedelta(days=30))
    if at is None:
        status, at = ActionStatus.DONE, between(start, due)
    if at is None:
        return []
    return [(status, at, _fit(rng.choice(NOTES[status])))]


def _settle(writer: _Writer, rng: random.Random, area: _Area, today: date, now: datetime) -> None:
    """Each case's status as its history leaves it: listed today, actions open, heard, or
    closed a while after its last meeting when nothing was left to do."""
    cases = Case.__table__
    assert isinstance(cases, sa.Table)
    writer.flush()
    by_status: dict[str, list[int]] = {}
    closures: list[tuple[_Victim, datetime]] = []
    for victim in area.victims:
        if victim.on_today:
            status = CaseStatus.LISTED
        elif victim.open_actions:
            status = CaseStatus.ACTIONS_OPEN
        elif victim.last_heard and (today - victim.last_heard).days > 365 and rng.random() < 0.9:
            status = CaseStatus.CLOSED
            base = victim.last_event or rules.starts_at(victim.last_heard, START, TIMEZONE)
            closed = base + timedelta(days=rng.randint(20, 90))
            closures.append((victim, min(closed, now - timedelta(days=1))))
        else:
            continue
        by_status.setdefault(status.value, []).append(victim.case_id)
    for status_value, ids in by_status.items():
        for start in range(0, len(ids), BATCH):
            writer.connection.execute(
                sa.update(cases)
                .where(cases.c.id.in_(ids[start : start + BATCH]))
                .values(status=status_value)
            )
    if closures:
        writer.connection.execute(
            sa.update(cases)
            .where(cases.c.id == sa.bindparam("case_id"))
            .values(
                closed_at=sa.bindparam("closed"),
                closed_by_id=sa.bindparam("closer"),
                updated_at=sa.bindparam("closed"),
            ),
            [
                {"case_id": v.case_id, "closed": at, "closer": area.coordinator}
                for v, at in closures
            ],
        )
    for victim, at in closures:
        writer.add(
            CaseClosure,
            {
                "id": writer.new_id(CaseClosure),
                "case_id": victim.case_id,
                "closed_at": at,
                "closed_by_id": area.coordinator,
                "reason": "",
            },
        )


def _fit(text: str) -> str:
    """A demo history text, filled for the benchmark's cases: every victim here is a woman and
    every perpetrator a man."""
    return fit_case(text, Gender.FEMALE, Gender.MALE)
