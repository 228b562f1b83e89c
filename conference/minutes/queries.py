"""Reading the minutes: the whole conference, or one agency's copy, in a fixed number of
queries however many cases the meeting heard.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import load_only, raiseload

from conference.actions.models import Action, ActionUpdate
from conference.actions.queries import meeting_decisions
from conference.conferences import display
from conference.conferences import queries as conference_queries
from conference.conferences.models import AgendaItem, Conference
from conference.extensions import db
from conference.meetings import console, risks
from conference.meetings import queries as meeting_queries
from conference.meetings.choices import Presence
from conference.meetings.models import Attendance, Attendee, Discussion, PerpetratorRisk
from conference.minutes.models import Minutes, MinutesRevision
from conference.referrals.models import Case, Perpetrator, Referral
from conference.system_issues import queries as issue_queries
from conference.system_issues.models import SystemIssue


@dataclass
class MinutesContent:
    """Everything a page of minutes shows, loaded up front."""

    conference: Conference
    minutes: Minutes
    items: list[AgendaItem]
    #: Agenda item id -> what the meeting recorded on it.
    records: dict[int, Discussion] = field(default_factory=dict)
    #: Agenda item id -> each perpetrator with the meeting's view of his risk to others.
    perpetrator_risks: dict[int, list[tuple[Perpetrator, PerpetratorRisk]]] = field(
        default_factory=dict
    )
    #: Agenda item id -> the actions agreed on it (only one agency's, in an agency copy).
    actions: dict[int, list[Action]] = field(default_factory=dict)
    #: Agenda item id -> each overdue action the meeting decided on under it, with the
    #: decision (only one agency's, in an agency copy).
    decisions: dict[int, list[tuple[Action, ActionUpdate]]] = field(default_factory=dict)
    attendances: list[Attendance] = field(default_factory=list)
    #: Agency id -> the people who attended for it.
    attendees: dict[int, list[Attendee]] = field(default_factory=dict)
    #: Conference id -> the conferences deferred cases were carried on to.
    carried_to: dict[int, Conference] = field(default_factory=dict)
    #: Case id -> the victim's name, for items listed without a referral (standing items).
    names: dict[int, str] = field(default_factory=dict)
    revisions: list[MinutesRevision] = field(default_factory=list)
    #: The agencies that get their own copy (see ``copy_agency_ids``).
    copy_agency_ids: set[int] = field(default_factory=set)
    #: The system issues the meeting raised (in an agency copy: those about that agency, or
    #: about no one agency). They name no case.
    system_issues: list[SystemIssue] = field(default_factory=list)
    #: When the meeting started, and whether the chair started it before its planned time.
    started_at: datetime | None = None
    started_early: bool = False

    @property
    def observers(self) -> list[Attendee]:
        """Those who watched rather than took part, in the order they were listed."""
        watching = [p for people in self.attendees.values() for p in people if p.is_observer]
        return sorted(watching, key=lambda p: (p.added_at, p.id))

    @property
    def present(self) -> list[Attendance]:
        return [a for a in self.attendances if a.presence is Presence.PRESENT]

    @property
    def apologies(self) -> list[Attendance]:
        return [a for a in self.attendances if a.presence is Presence.APOLOGIES]

    @property
    def copies(self) -> list[Attendance]:
        """The agencies with their own copy: present first, then apologies, each by name."""
        return [a for a in self.attendances if a.agency_id in self.copy_agency_ids]

    @property
    def case_ids(self) -> list[int]:
        return [item.case_id for item in self.items]

    @property
    def items_by_id(self) -> dict[int, AgendaItem]:
        return {item.id: item for item in self.items}

    def carried_label(self, item: AgendaItem) -> str | None:
        """When a deferred case goes next, e.g. "Thursday 3 December 2026 at 10am"."""
        target = self.carried_to.get(item.carried_to_id) if item.carried_to_id else None
        return display.conference_label(target) if target else None

    def risks_without_action(self, item: AgendaItem) -> list[str]:
        """The risks the case's record names that no action agreed on it addresses (in an
        agency copy, which holds only its own actions, not asked)."""
        return console.risks_without_action(
            self.records.get(item.id), self.actions.get(item.id, [])
        )

    def victim(self, item: AgendaItem) -> str:
        if item.referral is not None:
            return item.referral.victim_name
        return self.names.get(item.case_id, "")


def minutes_of(conference_id: int) -> Minutes | None:
    return db.session.scalar(sa.select(Minutes).where(Minutes.conference_id == conference_id))


def content(
    conference: Conference, minutes: Minutes, *, agency_id: int | None = None
) -> MinutesContent:
    """The minutes drafted from the record. With ``agency_id``: that agency's copy, holding
    only the cases where it owns an action agreed or decided on at the meeting, and only its
    own actions."""
    items = agenda_items(conference.id)
    actions = meeting_queries.actions_for([i.id for i in items], agency_id=agency_id)
    decisions = meeting_decisions([i.id for i in items], agency_id=agency_id)
    if agency_id is not None:
        items = [i for i in items if i.id in actions or i.id in decisions]
    attendances, attendees = attendance(conference.id)
    carried = {i.carried_to_id for i in items if i.carried_to_id is not None}
    meeting = meeting_queries.meeting_for(conference.id)
    return MinutesContent(
        conference=conference,
        minutes=minutes,
        items=items,
        records=meeting_queries.records_for([i.id for i in items]),
        perpetrator_risks=risks.risks_with_perpetrators([i.id for i in items]),
        actions=actions,
        decisions=decisions,
        attendances=attendances,
        attendees=attendees,
        carried_to=conference_queries.conferences_by_id(carried),
        names=conference_queries.victim_names([i.case_id for i in items if i.referral is None]),
        revisions=revisions(minutes.id) if minutes.finalised_at else [],
        copy_agency_ids=(
            copy_agency_ids(conference.id)
            if agency_id is not None
            else _copies_from(attendances, actions, decisions)
        ),
        system_issues=[
            issue
            for issue in issue_queries.raised_at(conference.id)
            if agency_id is None or issue.agency_id in (None, agency_id)
        ],
        started_at=meeting.started_at if meeting else None,
        started_early=bool(meeting and meeting.started_early),
    )


def agenda_items(conference_id: int) -> list[AgendaItem]:
    """The agenda in meeting order with only what the minutes print of each item: its case's
    reference, and its referral's victim and criteria. The agenda pages' loader also brings
    each referral's history, children and people, which the minutes never show."""
    referral_columns = (
        Referral.id,
        Referral.case_id,
        Referral.victim_given_name,
        Referral.victim_family_name,
        Referral.meets_visible_high_risk,
        Referral.meets_professional_judgement,
        Referral.meets_escalation,
        Referral.is_repeat,
    )
    return conference_queries.agenda_loaded(
        conference_id,
        referral=[
            load_only(*referral_columns, raiseload=True),
            *conference_queries.referral_alone(raiseload),
        ],
        case=[raiseload(Case.transferred_from), raiseload(Case.advocate)],
    )


def _copies_from(
    attendances: list[Attendance],
    actions: dict[int, list[Action]],
    decisions: dict[int, list[tuple[Action, ActionUpdate]]],
) -> set[int]:
    """copy_agency_ids from what the whole minutes have loaded already: every action agreed
    and every decision of the meeting, and its attendance."""
    owners = {a.owner_agency_id for listed in actions.values() for a in listed}
    owners |= {a.owner_agency_id for listed in decisions.values() for a, _ in listed}
    return {
        a.agency_id
        for a in attendances
        if a.presence is Presence.PRESENT
        or (a.presence is Presence.APOLOGIES and a.agency_id in owners)
    }


def copy_agency_ids(conference_id: int) -> set[int]:
    """The agencies that get their own copy of the minutes: those present, and those that sent
    apologies but own an action the meeting agreed, or an overdue one it decided on."""
    presence = dict(
        db.session.execute(
            sa.select(Attendance.agency_id, Attendance.presence).where(
                Attendance.conference_id == conference_id
            )
        ).all()
    )
    on_agenda = sa.select(AgendaItem.id).where(AgendaItem.conference_id == conference_id)
    agreed = sa.select(Action.owner_agency_id).where(Action.agenda_item_id.in_(on_agenda))
    decided = (
        sa.select(Action.owner_agency_id)
        .join(ActionUpdate, ActionUpdate.action_id == Action.id)
        .where(ActionUpdate.agenda_item_id.in_(on_agenda))
    )
    owners = set(db.session.scalars(sa.union(agreed, decided)))
    return {
        agency_id
        for agency_id, how in presence.items()
        if how is Presence.PRESENT or (how is Presence.APOLOGIES and agency_id in owners)
    }


def attendance(conference_id: int) -> tuple[list[Attendance], dict[int, list[Attendee]]]:
    """The agencies (present first, then apologies, each by name) and who came for each."""
    attendances = sorted(
        db.session.scalars(sa.select(Attendance).where(Attendance.conference_id == conference_id)),
        key=lambda a: (a.presence is not Presence.PRESENT, a.agency.name),
    )
    people: dict[int, list[Attendee]] = {}
    for person in db.session.scalars(
        sa.select(Attendee)
        .where(Attendee.conference_id == conference_id)
        .order_by(Attendee.added_at, Attendee.id)
    ):
        people.setdefault(person.agency_id, []).append(person)
    return attendances, people


def revisions(minutes_id: int) -> list[MinutesRevision]:
    return list(
        db.session.scalars(
            sa.select(MinutesRevision)
            .where(MinutesRevision.minutes_id == minutes_id)
            .order_by(MinutesRevision.number)
        )
    )
