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


#: The least a production app needs to start (secret, database, mail, the key for second-factor
#: secrets), for tests that build one.
PRODUCTION_CONFIG = {
    "SECRET_KEY": "x" * 32,
    "TOTP_ENCRYPTION_KEY": "EC2XlWrPFCAP2mTnvgAXECofIw_SMAT33bfr-jUS7bA=",
    "SQLALCHEMY_DATABASE_URI": "sqlite://",
    "MAIL_SMTP_HOST": "smtp.example.org",
    "BASE_URL": "https://marac.example.org",
}


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


# Referrals -------------------------------------------------------------------------------------

QUESTION_IDS: list[str] = []
MODULE_QUESTION_IDS: list[str] = []


def question_ids() -> list[str]:
    """The default checklist's main question ids, in order."""
    if not QUESTION_IDS:
        from flask import current_app

        tool = current_app.extensions["risk_tools"]["dash-24"]
        QUESTION_IDS.extend(tool.question_ids)
        MODULE_QUESTION_IDS.extend(q.id for m in tool.modules for q in m.questions)
    return QUESTION_IDS


def young_question_ids() -> list[str]:
    """The young people's checklist's main question ids, in order."""
    from flask import current_app

    return list(current_app.extensions["risk_tools"]["dash-young"].question_ids)


def module_question_ids() -> list[str]:
    """The default checklist's modules' question ids (answered 'no' in a complete draft)."""
    question_ids()
    return MODULE_QUESTION_IDS


#: The default perpetrator's date of birth.
DEFAULT_PERPETRATOR_DOB = ("2", "2", "1982")


def complete_draft(
    *,
    yes: int = 14,
    given_name: str = "Alicia",
    family_name: str = "Testwood",
    aliases: str = "",
    dob: tuple[str, str, str] = ("14", "3", "1990"),
    children: int = 0,
    incidents: tuple[tuple[str, str, str], ...] = (),
    judgement: str = "",
    perpetrators: list[dict] | None = None,
    address: str = "1 Example Row, Testtown",
    reference: str = "",
    checklist_on: tuple[str, str, str] = ("", "", ""),
    consent: dict[str, str] | None = None,
) -> dict:
    """A draft with every section filled in validly: yes 'yes' answers, the rest 'no'.

    consent: the consent step's answers (one value each), for her consent given if None.
    perpetrators: each a dict of given_name, family_name, aliases, dob (day, month, year),
    age, gender, ethnicity and relationship, and dob_kind, birth_year, dob_reason, age_on and
    other_dob_1 and _2 (day, month, year), all optional; one Marcus Testwood, born 2 February
    1982, if none.
    A perpetrator left without a date of birth takes that one unless age is given: the repeat
    rule needs the records to tell that two referrals of hers name the same man.
    """
    named: dict[str, list[str]] = {}
    for n, p in enumerate(perpetrators or [{}]):
        named[f"perpetrators-{n}-given_name"] = [p.get("given_name", "Marcus")]
        named[f"perpetrators-{n}-family_name"] = [p.get("family_name", "Testwood")]
        named[f"perpetrators-{n}-aliases"] = [p.get("aliases", "")]
        born = ("", "", "") if "age" in p else DEFAULT_PERPETRATOR_DOB
        named[f"perpetrators-{n}-dob"] = list(p.get("dob", born))
        named[f"perpetrators-{n}-approximate_age"] = [str(p.get("age", ""))]
        named[f"perpetrators-{n}-relationship"] = [p.get("relationship", "partner")]
        for field in ("gender", "ethnicity", "dob_kind", "birth_year", "dob_reason"):
            if field in p:
                named[f"perpetrators-{n}-{field}"] = [p[field]]
        for field in ("age_on", "other_dob_1", "other_dob_2"):
            if field in p:
                named[f"perpetrators-{n}-{field}"] = list(p[field])
    kids: dict[str, list[str]] = {"has_children": ["yes" if children else "no"]}
    for n in range(children):
        kids[f"children-{n}-given_name"] = [f"Child{n + 1}"]
        kids[f"children-{n}-dob"] = ["1", "6", str(2016 + n)]
        kids[f"children-{n}-relation_to_victim"] = ["Daughter"]
    criteria: dict[str, list[str]] = {}
    for n, day in enumerate(incidents):
        criteria[f"incidents-{n}-occurred_on"] = list(day)
    if judgement:
        criteria["professional_judgement"] = ["y"]
        criteria["judgement_reasons"] = [judgement]
    return {
        "victim": {
            "reference": [reference],
            "given_name": [given_name],
            "family_name": [family_name],
            "aliases": [aliases],
            "dob": list(dob),
            "gender": ["female"],
            "is_trans": ["no"],
            "ethnicity": ["white"],
            "disability": ["no"],
            "sexuality": ["heterosexual"],
        },
        "contact": {
            "address": [address],
            "phone": ["07700 900123"],
            "safe_to_call": ["yes"],
            "who_she_fears": ["Her partner"],
            "safe_contacts": ["Her sister"],
            "unsafe_contacts": ["His mother"],
        },
        "perpetrators": named,
        "children": kids,
        "checklist": {
            "completed_on": list(checklist_on),
            # A victim aged 16 or 17 is asked the young people's version: its own questions
            # are answered the same way, by their place in it.
            **{q: ["yes" if i < yes else "no"] for i, q in enumerate(young_question_ids())},
            **{q: ["yes" if i < yes else "no"] for i, q in enumerate(question_ids())},
            **{q: ["no"] for q in module_question_ids()},
        },
        "criteria": criteria,
        "consent": {
            "victim_aware": ["yes"],
            "consent": ["given"],
            "narrative": ["A synthetic account of escalating abuse."],
        }
        if consent is None
        else {
            "narrative": ["A synthetic account of escalating abuse."],
            **{key: [value] for key, value in consent.items()},
        },
    }


def make_referral(
    referrer=None,
    *,
    marac: Marac | None = None,
    status: str = "draft",
    now: datetime | None = None,
    key_worker: str = "",
    **draft_options,
):
    """A referral by referrer (an advocate made if not given), taken to status by the services.

    "submitted" sends a complete draft; "accepted", "declined" and "more_info_requested" are
    then decided by a coordinator of the MARAC (made if there is none).
    """
    from conference.referrals import services
    from conference.referrals.choices import Decision

    now = now or utcnow()
    if referrer is None:
        referrer = make_user(Role.ADVOCATE, marac=marac)
    marac = marac or next(g.marac for g in referrer.role_grants if g.marac is not None)
    referral = services.start_referral(marac, actor=referrer, now=now)
    referral.draft = complete_draft(**draft_options)
    if key_worker:
        referral.draft["young_person"] = {
            "key_worker": [key_worker],
            "childrens_services_involved": ["yes"],
            "exploitation_notes": ["Checked with the youth team; nothing found."],
        }
    if status != "draft":
        services.submit(referral, actor=referrer, now=now)
    decisions = {
        "accepted": Decision.ACCEPT,
        "declined": Decision.DECLINE,
        "more_info_requested": Decision.MORE_INFO,
    }
    if status in decisions:
        coordinator = coordinator_of(marac)
        services.decide(referral, decisions[status], actor=coordinator, reason="Synthetic", now=now)
    db.session.commit()
    return referral


def coordinator_of(marac: Marac) -> User:
    """A coordinator of marac: an existing one, or a new one."""
    from conference.referrals.services import coordinator_ids

    ids = coordinator_ids(marac.id)
    if ids:
        return db.session.get(User, ids[0])
    return make_user(Role.COORDINATOR, marac=marac)


# Conferences -----------------------------------------------------------------------------------

RULE = {
    "frequency": "monthly",
    "weekday": 1,
    "week_of_month": 2,
    "interval_weeks": None,
    "first_date": None,
    "duration_minutes": 240,
    "place": "Civic Centre, Room 4",
    "video_link": "",
    "capacity": 16,
    "minutes_per_case": 15,
    "cutoff_days": 8,
    "research_days": 7,
    "chair_id": None,
}


def make_rule(marac: Marac, *, now: datetime | None = None, **values):
    """Give marac a meeting rule (second Tuesday at 10:00 unless told) and plan from it."""
    from datetime import time

    from conference.conferences import planning
    from conference.conferences.choices import Frequency

    chosen = {**RULE, "start_time": time(10, 0), **values}
    chosen["frequency"] = Frequency(chosen["frequency"])
    rule = planning.rule_for(marac.id)
    version = rule.version if rule else None
    change = planning.save_rule(marac, actor=None, now=now or utcnow(), version=version, **chosen)
    db.session.commit()
    return change


def make_conference(marac: Marac, day, *, now: datetime | None = None, **values):
    """An extra conference on day at 10:00 with the usual settings."""
    from datetime import time

    from conference.conferences import planning

    settings = {
        "duration_minutes": 240,
        "capacity": 16,
        "minutes_per_case": 15,
        "place": "Civic Centre",
        "video_link": "",
        **values,
    }
    conference = planning.add_extra(
        marac, actor=None, now=now or utcnow(), day=day, start_time=time(10, 0), **settings
    )
    db.session.commit()
    return conference


def accepted_case(marac: Marac, *, now: datetime | None = None, children: int = 0, **options):
    """A case opened by an accepted referral (not yet listed on any agenda)."""
    referral = make_referral(marac=marac, status="accepted", now=now, children=children, **options)
    return referral.case


# Meetings --------------------------------------------------------------------------------------


def meeting_world(*, now: datetime | None = None, cases: int = 3):
    """A MARAC whose conference is today, agenda published with ``cases`` cases (the first
    with children), all assigned to one advocate, and a next conference a month on.

    Agencies: police, the IDVA service, children's services, health and housing (probation,
    a default core agency, is missing on purpose). Each has a representative; the coordinator
    and chair sit in the police and the IDVA service.
    """
    from datetime import timedelta
    from types import SimpleNamespace

    from conference.conferences import listing, publishing

    now = now or utcnow()
    marac = make_marac(code=f"M{next(_seq):03d}"[:6])
    police = make_agency(None, AgencyKind.POLICE, maracs=[marac])
    idva = make_agency(None, AgencyKind.IDVA_SERVICE, maracs=[marac])
    childrens = make_agency(None, AgencyKind.CHILDRENS_SERVICES, maracs=[marac])
    health = make_agency(None, AgencyKind.HEALTH, maracs=[marac])
    housing = make_agency(None, AgencyKind.HOUSING, maracs=[marac])
    coordinator = make_user(Role.COORDINATOR, marac=marac, agency=idva, name="Cora Ordinator")
    chair = make_user(Role.CHAIR, marac=marac, agency=police, name="Chay Ring")
    advocate = make_user(Role.ADVOCATE, marac=marac, agency=idva, name="Ada Vocate")
    reps = {
        agency.id: make_user(Role.AGENCY_REP, marac=marac, agency=agency, name=f"{label} Rep")
        for agency, label in (
            (police, "Police"),
            (childrens, "Childrens"),
            (health, "Health"),
            (housing, "Housing"),
        )
    }
    today = make_conference(marac, now.date() + timedelta(days=3), chair_id=chair.id)
    following = make_conference(marac, now.date() + timedelta(days=31), chair_id=chair.id)
    names = ["Nell", "Orla", "Pam", "Ruth", "Sara", "Tess"][:cases]
    listed = []
    for n, name in enumerate(names):
        case = accepted_case(
            marac, given_name=name, children=1 if n == 0 else 0, now=now, referrer=advocate
        )
        case.advocate_id = advocate.id
        listed.append(case)
        listing.add_case(today, case, actor=None, now=now)
    publishing.publish(today, actor=None, now=now)
    # It was planned three days ahead so it could be published; it is held this morning.
    today.starts_at = now - timedelta(minutes=5)
    db.session.commit()
    return SimpleNamespace(
        marac=marac,
        police=police,
        idva=idva,
        childrens=childrens,
        health=health,
        housing=housing,
        coordinator=coordinator,
        chair=chair,
        advocate=advocate,
        reps=reps,
        police_rep=reps[police.id],
        health_rep=reps[health.id],
        housing_rep=reps[housing.id],
        childrens_rep=reps[childrens.id],
        conference=today,
        following=following,
        cases=listed,
    )


def open_meeting(world, *, now: datetime | None = None):
    """Record the world's attendance (police, health, IDVA and children's services present,
    housing with apologies), everyone's confidentiality, and start the meeting."""
    from conference.conferences import queries
    from conference.meetings import opening
    from conference.meetings.choices import Presence

    now = now or utcnow()
    conference, actor = world.conference, world.chair
    for agency, person in (
        (world.police, world.police_rep),
        (world.health, world.health_rep),
        (world.childrens, world.childrens_rep),
        (world.idva, world.advocate),
    ):
        attendee = opening.add_attendee(
            conference, agency, name="", user=person, actor=actor, now=now
        )
        opening.accept_confidentiality(attendee, actor=actor, now=now)
    chair = opening.add_attendee(
        conference, world.police, name="", user=world.chair, actor=actor, now=now
    )
    opening.accept_confidentiality(chair, actor=actor, now=now)
    opening.set_attendance(
        conference,
        world.housing,
        presence=Presence.APOLOGIES,
        information_sent=True,
        actor=actor,
        now=now,
    )
    invited = [a for a in world.marac.agencies if a.id in queries.invited_agency_ids(conference.id)]
    meeting = opening.start(conference, invited=invited, actor=actor, now=now)
    db.session.commit()
    return meeting


def hold_meeting(world, *, now: datetime | None = None, defer_last: bool = True):
    """Open the meeting and take every case: a record and one police action on each, the last
    deferred (unless told otherwise); then conclude. Returns the meeting."""
    from datetime import timedelta

    from conference.actions.choices import Priority
    from conference.conferences import queries
    from conference.meetings import closing, console

    now = now or utcnow()
    meeting = open_meeting(world, now=now)
    items = queries.agenda_items(world.conference.id)
    for n, item in enumerate(items):
        console.open_item(meeting, item, actor=world.chair, now=now)
        if defer_last and n == len(items) - 1:
            console.defer(item, reason="Police enquiries continue", actor=world.chair, now=now)
            continue
        console.save_record(
            item,
            {
                "information_shared": f"Agencies shared what they hold on case {n + 1}.",
                "risk_to_victim": "Threats to kill made last week.",
                "decisions": "Refer for a target-hardening assessment.",
            },
            version=None,
            actor=world.chair,
            now=now,
        )
        console.add_action(
            item,
            description="Flag the address for an urgent response",
            owner=world.police,
            owner_name="",
            due_on=now.date() + timedelta(days=7),
            priority=Priority.HIGH,
            actor=world.chair,
            now=now,
        )
        console.mark_discussed(item, actor=world.chair, now=now)
    closing.conclude(meeting, actor=world.chair, now=now)
    db.session.commit()
    return meeting


def held_meeting_world():
    """meeting_world, its meeting held by hold_meeting: the minutes are a draft."""
    world = meeting_world()
    hold_meeting(world)
    return world


def past_action(world, case, *, due_on, status=None, description: str = "Old action"):
    """An action agreed on case at a conference 200 days ago (made if needed, minutes final)."""
    from datetime import timedelta

    from conference.actions.choices import ActionStatus, Priority
    from conference.actions.models import Action
    from conference.conferences.choices import ConferenceStatus, ItemStatus, Section
    from conference.conferences.models import AgendaItem, Conference

    past = getattr(world, "past_conference", None)
    if past is None:
        past = make_conference(world.marac, utcnow().date() + timedelta(days=60))
        past.starts_at = utcnow() - timedelta(days=200)
        past.status = ConferenceStatus.MINUTES_FINAL
        world.past_conference = past
    item = db.session.scalar(
        db.select(AgendaItem).where(
            AgendaItem.conference_id == past.id, AgendaItem.case_id == case.id
        )
    )
    if item is None:
        item = AgendaItem(
            conference=past,
            case_id=case.id,
            section=Section.ADULTS,
            position=1,
            status=ItemStatus.DISCUSSED,
        )
        db.session.add(item)
        db.session.flush()
    action = Action(
        case_id=case.id,
        agenda_item_id=item.id,
        description=description,
        owner_agency_id=world.police.id,
        due_on=due_on,
        priority=Priority.LOW,
        status=status or ActionStatus.OPEN,
        agreed_by_id=world.chair.id,
    )
    db.session.add(action)
    db.session.commit()
    assert isinstance(past, Conference)
    return action


def reviewed_meeting_world():
    """meeting_world with a standing item for Vera's case: her overdue housing action kept
    open with a new date, her overdue police action closed as done; then the meeting held
    (housing sent apologies) and concluded."""
    from datetime import timedelta

    from conference.actions import services as action_services
    from conference.actions.choices import ActionStatus
    from conference.conferences import queries, standing
    from conference.conferences.choices import Section

    world = meeting_world(cases=2)
    vera = accepted_case(world.marac, given_name="Vera")
    today = utcnow().date()
    housing_action = past_action(
        world, vera, due_on=today - timedelta(days=10), description="Move her to a safe flat"
    )
    housing_action.owner_agency_id = world.housing.id
    police_action = past_action(
        world, vera, due_on=today - timedelta(days=5), description="Check the street's CCTV"
    )
    standing.add_overdue_action_items(world.conference, now=utcnow())
    db.session.commit()
    [item] = [
        i for i in queries.agenda_items(world.conference.id) if i.section is Section.OVERDUE_ACTIONS
    ]
    new_due = today + timedelta(days=21)
    for action, status, due_on, note in (
        (housing_action, ActionStatus.OPEN, new_due, "A flat is promised for next month"),
        (police_action, ActionStatus.DONE, None, "Footage seized and kept"),
    ):
        db.session.refresh(action)
        action_services.review_at_meeting(
            action,
            item,
            version=action.version,
            status=status,
            due_on=due_on,
            note=note,
            actor=world.chair,
            now=utcnow(),
        )
    db.session.commit()
    hold_meeting(world, defer_last=False)
    world.vera, world.standing_item, world.new_due = vera, item, new_due
    return world
