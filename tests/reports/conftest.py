"""A small MARAC record whose return was worked out by hand (the figures are in the tests).

The quarter is July to September 2026, counted on 21 November 2026; the MARAC has 10,000
adult women. Conferences (10am unless said): 1 July at 00:30 local (23:30 UTC the day before,
so inside the quarter), 9 July, 13 August, 10 September; plus one cancelled in July and one on
8 October, which do not count.

The MARAC's population is of women aged 16 and over, as the national dataset counts them.
Perpetrators (age on the day the referral was sent): a names a man of 40; b a boy of 16 by
his birth date; c one the referrer guessed at 17; d a boy who turned 18 on the day of the
referral, and a boy of 17 who turns 18 the day after it; e one guessed at 18; f one of no known
age. So 3 cases of the 6 name a perpetrator aged 17 or under (b, c, d), 3 such perpetrators in
all, and 1 of no known age. July's meeting had 2 observers, August's 1 (and the October one,
outside the quarter, 1 more).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from conference.accounts.models import Agency, AgencyKind, Marac, Role, User
from conference.actions.choices import ActionStatus
from conference.actions.models import Action, ActionUpdate
from conference.conferences.choices import ConferenceStatus, ItemStatus, Section
from conference.conferences.models import AgendaItem, Conference, conference_invitations
from conference.extensions import db
from conference.meetings.models import Attendee
from conference.minutes.models import Minutes
from conference.referrals.choices import (
    CaseStatus,
    Ethnicity,
    Gender,
    ReferralStatus,
    Relationship,
    Sexuality,
    YesNoNotKnown,
)
from conference.referrals.models import Case, CaseClosure, Child, Perpetrator, Referral
from conference.research.choices import Outcome
from conference.research.models import ResearchReturn
from conference.voice.choices import ContactMethod
from conference.voice.models import VictimVoice
from tests import factories

LONDON = ZoneInfo("Europe/London")
TODAY = date(2026, 11, 21)
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """A London wall-clock time as UTC."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON).astimezone(UTC)


@dataclass
class Record:
    marac: Marac
    coordinator: User
    agencies: dict[str, Agency]
    conferences: dict[str, Conference] = field(default_factory=dict)
    items: dict[str, AgendaItem] = field(default_factory=dict)
    cases: dict[str, Case] = field(default_factory=dict)
    numbers: list[int] = field(default_factory=lambda: [0])


def build_record(population: int | None = 10_000) -> Record:
    marac = factories.make_marac(adult_female_population=population)
    agencies = {
        kind: factories.make_agency(None, getattr(AgencyKind, kind.upper()), maracs=[marac])
        for kind in ("police", "health", "idva_service", "housing", "childrens_services")
    }
    coordinator = factories.make_user(
        Role.COORDINATOR, marac=marac, agency=agencies["idva_service"]
    )
    record = Record(marac, coordinator, agencies)
    conference(record, "edge", at(date(2026, 7, 1), 0, 30), ConferenceStatus.MINUTES_FINAL)
    conference(record, "july", at(date(2026, 7, 9)), ConferenceStatus.MINUTES_FINAL)
    conference(record, "august", at(date(2026, 8, 13)), ConferenceStatus.MINUTES_FINAL)
    conference(record, "september", at(date(2026, 9, 10)), ConferenceStatus.CONCLUDED)
    conference(record, "cancelled", at(date(2026, 7, 23)), ConferenceStatus.CANCELLED)
    conference(record, "october", at(date(2026, 10, 8)), ConferenceStatus.MINUTES_FINAL)
    minutes(record, "edge", at(date(2026, 7, 1), 15))
    minutes(record, "july", at(date(2026, 7, 14), 17))  # due Tuesday 14 July: on time
    minutes(record, "august", at(date(2026, 8, 20)))  # due Tuesday 18 August: late

    # The cases discussed: (key, conference, referring agency, repeat, children, referred on,
    # gender, ethnicity, sexuality, trans, disability, aged 16-17, has a birth date, voice).
    for case in (
        ("a", "july", "police", True, 2, date(2026, 6, 25), Gender.FEMALE, Ethnicity.WHITE,
         Sexuality.HETEROSEXUAL, None, YesNoNotKnown.NO, False, True, True),
        ("b", "july", "health", False, 0, date(2026, 7, 2), Gender.MALE, Ethnicity.ASIAN,
         Sexuality.HETEROSEXUAL, None, YesNoNotKnown.NO, False, True, False),
        ("c", "july", "police", False, 1, date(2026, 6, 19), Gender.FEMALE, Ethnicity.BLACK,
         Sexuality.BISEXUAL, None, YesNoNotKnown.YES, False, True, None),
        ("d", "july", "idva_service", True, 0, date(2026, 7, 1), Gender.FEMALE, None, None,
         YesNoNotKnown.YES, None, True, True, True),
        ("e", "august", "police", False, 0, date(2026, 7, 14), Gender.FEMALE, Ethnicity.WHITE,
         Sexuality.HETEROSEXUAL, None, YesNoNotKnown.NO, False, True, True),
        ("f", "august", "housing", True, 3, date(2026, 8, 1), Gender.NOT_KNOWN, Ethnicity.WHITE,
         Sexuality.NOT_KNOWN, None, YesNoNotKnown.NO, False, False, False),
    ):  # fmt: skip
        discussed(record, *case)
    # Case b was referred before, within 12 months, but the perpetrator named now is another
    # man: not a repeat by the published rule, so its referral's flag says no and the return
    # counts what the flag says.
    earlier_referral(record, record.cases["b"], date(2026, 1, 10))
    # Listed but not discussed, and a standing item: neither is a case discussed.
    listed(record, "deferred", "august", Section.ADULTS, ItemStatus.DEFERRED)
    listed(record, "standing", "august", Section.OVERDUE_ACTIONS, ItemStatus.DISCUSSED)
    listed(record, "waiting", "september", Section.ADULTS, ItemStatus.LISTED)
    listed(record, "later", "october", Section.ADULTS, ItemStatus.DISCUSSED)

    # Research: July asked police, health and housing (4 cases each); August police and
    # health (3 cases: the deferred one too). Children's services returned uninvited.
    invite(record, "july", "police", "health", "housing")
    invite(record, "august", "police", "health")
    # The perpetrators each referral named: (date of birth, guessed age).
    for key, named in {
        "a": [(date(1986, 1, 5), None)],
        "b": [(date(2009, 8, 1), None)],
        "c": [(None, 17)],
        "d": [(date(2008, 7, 1), None), (date(2008, 7, 2), None)],
        "e": [(None, 18)],
        "f": [(None, None)],
    }.items():
        perpetrators(record, key, named)
    # Observers at the openings, beside those taking part.
    attendees(record, "july", participants=2, observers=2)
    attendees(record, "august", participants=1, observers=1)
    attendees(record, "october", participants=1, observers=1)

    for key in "abcd":
        research(record, key, "police", before=True)
    for key in ("e", "f", "deferred"):
        research(record, key, "police", before=key != "f")
    research(record, "a", "health", before=True)
    research(record, "b", "health", before=True)
    research(record, "a", "childrens_services", before=True)

    # Actions (due date, owner, status, when closed, from the case's item).
    action(record, "a", "police", date(2026, 7, 20), ActionStatus.DONE, at(date(2026, 7, 18)))
    action(record, "a", "police", date(2026, 8, 1), ActionStatus.DONE, at(date(2026, 8, 5)))
    action(
        record, "b", "health", date(2026, 9, 1), ActionStatus.NOT_DONE_AGENCY, at(date(2026, 9, 10))
    )
    action(record, "b", "health", date(2026, 9, 15), ActionStatus.OPEN, None)
    action(record, "c", "police", date(2026, 10, 5), ActionStatus.OPEN, None)
    # Done before any update was kept: its last change counts as when it closed.
    action(
        record, "c", "housing", date(2026, 7, 10), ActionStatus.DONE, None,
        updated=at(date(2026, 7, 9)),
    )  # fmt: skip
    action(record, "e", "police", date(2026, 9, 25), ActionStatus.DONE, at(date(2026, 10, 2)))
    action(record, "f", "police", date(2026, 9, 20), ActionStatus.OPEN, None)
    # Case f was closed early on 28 September: its open action is overdue on no list after.
    record.cases["f"].status = CaseStatus.CLOSED
    record.cases["f"].closed_at = at(date(2026, 9, 28))
    db.session.add(CaseClosure(case_id=record.cases["f"].id, closed_at=at(date(2026, 9, 28))))
    db.session.commit()
    return record


def conference(record: Record, key: str, starts: datetime, status: ConferenceStatus) -> None:
    day = starts.astimezone(LONDON).date()
    found = Conference(
        marac_id=record.marac.id,
        starts_at=starts,
        duration_minutes=240,
        capacity=16,
        minutes_per_case=15,
        cutoff_on=day - timedelta(days=8),
        publish_on=day - timedelta(days=7),
        status=status,
        is_extra=True,
        cancel_reason="Room not available" if status is ConferenceStatus.CANCELLED else "",
    )
    db.session.add(found)
    db.session.flush()
    record.conferences[key] = found


def minutes(record: Record, key: str, finalised: datetime) -> None:
    db.session.add(Minutes(conference_id=record.conferences[key].id, finalised_at=finalised))


def new_case(record: Record, key: str) -> Case:
    record.numbers[0] += 1
    case = Case(
        marac_id=record.marac.id,
        reference=f"{record.marac.code}-2026-{record.numbers[0]:04d}",
        year=2026,
        number=record.numbers[0],
        status=CaseStatus.PLAN_COMPLETE,
    )
    db.session.add(case)
    db.session.flush()
    record.cases[key] = case
    return case


def discussed(
    record: Record,
    key: str,
    conference_key: str,
    agency: str,
    is_repeat: bool,
    children: int,
    referred_on: date,
    gender: Gender,
    ethnicity: Ethnicity | None,
    sexuality: Sexuality | None,
    trans: YesNoNotKnown | None,
    disability: YesNoNotKnown | None,
    aged_16_17: bool,
    has_dob: bool,
    voice: bool | None,
) -> None:
    case = new_case(record, key)
    if is_repeat:
        earlier_referral(record, case, referred_on - timedelta(days=200))
    referral = Referral(
        marac_id=record.marac.id,
        case_id=case.id,
        referrer_id=record.coordinator.id,
        agency_id=record.agencies[agency].id,
        status=ReferralStatus.ACCEPTED,
        risk_tool_id="dash-24",
        submitted_at=at(referred_on),
        referred_on=referred_on,
        victim_given_name=f"Victim {key.upper()}",
        victim_family_name="Testcase",
        victim_dob=(date(2009, 3, 1) if aged_16_17 else date(1990, 3, 1)) if has_dob else None,
        victim_gender=gender,
        victim_ethnicity=ethnicity,
        victim_sexuality=sexuality,
        victim_is_trans=trans,
        victim_disability=disability,
        is_aged_16_17=aged_16_17,
        is_repeat=is_repeat,
        has_children=children > 0,
        children=[Child(given_name=f"Child {n}", position=n) for n in range(children)],
    )
    db.session.add(referral)
    db.session.flush()
    item = AgendaItem(
        conference_id=record.conferences[conference_key].id,
        case_id=case.id,
        referral_id=referral.id,
        section=Section.CHILDREN if children else Section.ADULTS,
        position=len(record.items) + 1,
        status=ItemStatus.DISCUSSED,
    )
    db.session.add(item)
    db.session.flush()
    record.items[key] = item
    if voice is not None:
        db.session.add(
            VictimVoice(
                agenda_item_id=item.id,
                contact_made=voice,
                contacted_on=referred_on if voice else None,
                contact_method=ContactMethod.PHONE if voice else None,
                no_contact_reason="" if voice else "No safe number yet",
                updated_by_id=record.coordinator.id,
            )
        )


def perpetrators(record: Record, key: str, named: list[tuple[date | None, int | None]]) -> None:
    referral_id = record.items[key].referral_id
    for n, (dob, guess) in enumerate(named):
        db.session.add(
            Perpetrator(
                referral_id=referral_id,
                position=n,
                given_name=f"Man {n}",
                dob=dob,
                approximate_age=guess,
                relationship=Relationship.PARTNER,
            )
        )
    db.session.flush()


def attendees(record: Record, conference_key: str, *, participants: int, observers: int) -> None:
    for n in range(participants + observers):
        db.session.add(
            Attendee(
                conference_id=record.conferences[conference_key].id,
                agency_id=record.agencies["police"].id,
                name=f"Person {n}",
                is_observer=n >= participants,
                added_by_id=record.coordinator.id,
            )
        )
    db.session.flush()


def earlier_referral(record: Record, case: Case, referred_on: date) -> Referral:
    """An accepted referral of case made before (heard, say, at an earlier conference)."""
    referral = Referral(
        marac_id=record.marac.id,
        case_id=case.id,
        referrer_id=record.coordinator.id,
        agency_id=record.agencies["police"].id,
        status=ReferralStatus.ACCEPTED,
        risk_tool_id="dash-24",
        submitted_at=at(referred_on),
        referred_on=referred_on,
        victim_given_name="Earlier",
    )
    db.session.add(referral)
    db.session.flush()
    return referral


def listed(record: Record, key: str, conference_key: str, section: Section, status: ItemStatus):
    case = new_case(record, key)
    item = AgendaItem(
        conference_id=record.conferences[conference_key].id,
        case_id=case.id,
        section=section,
        position=len(record.items) + 1,
        status=status,
        defer_reason="Not enough time" if status is ItemStatus.DEFERRED else "",
    )
    db.session.add(item)
    db.session.flush()
    record.items[key] = item


def invite(record: Record, conference_key: str, *agencies: str) -> None:
    conference_id = record.conferences[conference_key].id
    for agency in agencies:
        db.session.execute(
            conference_invitations.insert().values(
                conference_id=conference_id,
                agency_id=record.agencies[agency].id,
                invited_at=record.conferences[conference_key].starts_at - timedelta(days=7),
            )
        )


def research(record: Record, key: str, agency: str, *, before: bool) -> None:
    item = record.items[key]
    starts = db.session.get(Conference, item.conference_id).starts_at
    db.session.add(
        ResearchReturn(
            agenda_item_id=item.id,
            agency_id=record.agencies[agency].id,
            outcome=Outcome.NOT_KNOWN,
            updated_by_id=record.coordinator.id,
            submitted_at=starts + timedelta(hours=-20 if before else 2),
        )
    )


def action(
    record: Record,
    key: str,
    owner: str,
    due_on: date,
    status: ActionStatus,
    closed: datetime | None,
    *,
    updated: datetime | None = None,
) -> Action:
    item = record.items[key]
    agreed = db.session.get(Conference, item.conference_id).starts_at + timedelta(hours=1)
    found = Action(
        case_id=item.case_id,
        agenda_item_id=item.id,
        description="Synthetic action",
        owner_agency_id=record.agencies[owner].id,
        due_on=due_on,
        status=status,
        agreed_at=agreed,
        agreed_by_id=record.coordinator.id,
        updated_at=closed or updated or agreed,
    )
    db.session.add(found)
    db.session.flush()
    if closed is not None:
        db.session.add(
            ActionUpdate(
                action_id=found.id,
                status=status,
                note="Closed",
                actor_id=record.coordinator.id,
                at=closed,
            )
        )
    return found


@pytest.fixture
def record(cached_world) -> Record:
    return cached_world("data return record", build_record)
