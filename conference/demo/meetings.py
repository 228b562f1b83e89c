"""Demo meetings: one under way this morning, so the console can be tried at once, and the
last past meeting's full record with final minutes.

Today's meeting is made through the services the chair's clicks use; the past one is written
as the record it left. Every name is invented.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa

from conference.accounts.models import Agency, Marac, User
from conference.actions.choices import ActionStatus, Priority
from conference.actions.models import Action
from conference.actions.queries import to_review
from conference.actions.services import review_at_meeting
from conference.conferences import display, listing, publishing, queries, rules
from conference.conferences.choices import ConferenceStatus, Section
from conference.conferences.models import AgendaItem, Conference
from conference.demo.actions import close_when_done, seed_action_plans
from conference.demo.referrals import Named, Story, Victim, refer
from conference.extensions import db
from conference.meetings import console, opening
from conference.meetings.choices import RECORD_FIELDS, Presence, RevisionOf, SavedFrom
from conference.meetings.models import Attendance, Attendee, Discussion, Meeting, Revision
from conference.minutes.models import Minutes
from conference.notifications.models import Notification
from conference.referrals.services import today_in
from conference.voice.choices import ContactMethod
from conference.voice.models import VictimVoice

#: The cases on this morning's extra meeting.
TODAY = [
    Story(
        "police",
        "NB",
        Victim("Grace", "Ellery", (3, 6, 1986)),
        perpetrator=Named("Callum", "Rix", (4, 4, 1985), "ex_partner"),
        days_ago=16,
        yes=17,
        children=(("Ruby", (14, 1, 2017), "Daughter"),),
        outcome="accepted",
        reason="Visible high risk; strangulation disclosed.",
        advocate="idva",
        narrative="Strangled until she passed out; he has threatened to take their daughter.",
    ),
    Story(
        "health",
        "NB",
        Victim("Leah", "Brandt", (22, 9, 1979)),
        perpetrator=Named("Martin", "Oakes", (16, 8, 1977)),
        days_ago=15,
        yes=14,
        outcome="accepted",
        reason="Visible high risk.",
        advocate="idva",
        narrative="Told her GP he follows her to work and checks her phone every night.",
    ),
    Story(
        "housing",
        "NB",
        Victim("Mina", "Farouk", (9, 12, 1991), ethnicity="arab"),
        perpetrator=Named("Wayne", "Tillotson", (14, 3, 1980)),
        days_ago=14,
        yes=15,
        outcome="accepted",
        reason="Visible high risk.",
        advocate="idva",
        narrative="Neighbours report nightly shouting; he broke the front door last week.",
    ),
]


def seed_meetings(users: dict[str, User], maracs: dict[str, Marac], now: datetime) -> None:
    """This morning's meeting in progress and the last past meeting's record. Flushes."""
    northbridge = maracs["NB"]
    last = db.session.scalars(
        sa.select(Conference)
        .where(
            Conference.marac_id == northbridge.id,
            Conference.status == ConferenceStatus.MINUTES_FINAL,
        )
        .order_by(Conference.starts_at.desc())
        .limit(1)
    ).first()
    if last is not None:
        # First, so its overdue actions are standing items on this morning's agenda.
        _past_record(last, users)
        db.session.flush()
    close_when_done(seed_action_plans(northbridge, users, now), users)
    _meeting_under_way(northbridge, users, now)
    db.session.flush()


def _meeting_under_way(marac: Marac, users: dict[str, User], now: datetime) -> None:
    chair, coordinator = users["chair"], users["coordinator"]
    today = today_in(marac, now)
    starts = now - timedelta(minutes=40)
    conference = Conference(
        marac=marac,
        starts_at=now + timedelta(days=3),  # publishable; moved to this morning below
        duration_minutes=120,
        place="Northbridge Civic Centre, Committee Room 1",
        video_link="https://video.northbridge.example/marac-extra",
        capacity=6,
        minutes_per_case=15,
        cutoff_on=today - timedelta(days=8),
        publish_on=today - timedelta(days=7),
        chair_id=chair.id,
        is_extra=True,
    )
    db.session.add(conference)
    db.session.flush()
    for story in TODAY:
        case = refer(story, users, {"NB": marac}, now).case
        if case is not None:
            listing.add_case(conference, case, actor=coordinator, now=now - timedelta(days=8))
    publishing.publish(conference, actor=coordinator, now=now - timedelta(days=7))
    conference.starts_at = starts
    _renamed_in_notices(conference)
    items = queries.agenda_items(conference.id)
    # The referred cases in the order heard; the standing items between them review overdue
    # actions (those on cases with children are heard with the children's cases).
    cases = [item for item in items if not item.section.is_standing]
    standing = [item for item in items if item.section is Section.OVERDUE_ACTIONS]
    _voice(cases[0], users["idva"], today - timedelta(days=3))

    for local in ("chair", "police", "childrens", "health", "idva", "coordinator"):
        person = users[local]
        attendee = opening.add_attendee(
            conference, person.agency, name="", user=person, actor=chair, now=starts
        )
        opening.accept_confidentiality(attendee, actor=chair, now=starts)
    invited = [a for a in marac.agencies if a.id in queries.invited_agency_ids(conference.id)]
    # Everyone else sent apologies; those with a demo login sent their information.
    recorded = set(
        db.session.scalars(
            sa.select(Attendance.agency_id).where(Attendance.conference_id == conference.id)
        )
    )
    with_logins = {u.agency_id for u in users.values()}
    for agency in invited:
        if agency.id not in recorded:
            opening.set_attendance(
                conference,
                agency,
                presence=Presence.APOLOGIES,
                information_sent=agency.id in with_logins,
                actor=chair,
                now=starts,
            )
    meeting = opening.start(conference, invited=invited, actor=chair, now=starts)
    _first_case(meeting, cases[0], users, starts + timedelta(minutes=2))
    _carried_forward(meeting, standing, users, starts + timedelta(minutes=17))
    console.open_item(meeting, cases[1], actor=chair, now=now - timedelta(minutes=6))
    health = "Health: seen twice at the GP surgery with bruising to the arms."
    console.save_record(
        cases[1],
        {"information_shared": health},
        version=None,
        actor=coordinator,
        now=now - timedelta(minutes=3),
    )
    # The chair typed the risk on the empty record she had open: merged with the coordinator's.
    console.save_record(
        cases[1],
        {"information_shared": "", "risk_to_victim": "He has threatened to take the car keys."},
        version=None,
        base={name: "" for name in RECORD_FIELDS},
        actor=users["chair"],
        now=now - timedelta(minutes=1),
    )


def _carried_forward(
    meeting: Meeting, items: list[AgendaItem], users: dict[str, User], at: datetime
) -> None:
    """A standing item reviews a case's overdue actions: the police's is kept open with a new
    date, and the advocate's is carried into this meeting's plan (the demo's action ended
    "carried forward")."""
    chair = users["chair"]
    day = rules.local(meeting.conference.starts_at, meeting.conference.marac.timezone).date()
    for item in items:
        overdue = to_review(item, day)
        carried = [a for a, _ in overdue if a.owner_agency_id == users["idva"].agency_id]
        if not carried:
            continue
        console.open_item(meeting, item, actor=chair, now=at)
        for action, _ in overdue:
            if action in carried:
                console.carry_forward(
                    action,
                    item,
                    version=action.version,
                    due_on=day + timedelta(days=14),
                    actor=chair,
                    now=at + timedelta(minutes=3),
                )
            else:
                review_at_meeting(
                    action,
                    item,
                    version=action.version,
                    status=action.status,
                    due_on=day + timedelta(days=7),
                    note="The order has not been served: he has not been found at his "
                    "address. The officer in charge tries again this week.",
                    actor=chair,
                    now=at + timedelta(minutes=2),
                )
        console.mark_discussed(item, actor=chair, now=at + timedelta(minutes=5))
        return


def _renamed_in_notices(conference: Conference) -> None:
    """It was published for a later day so it could be: the notices name the day it is on."""
    db.session.flush()
    for notice in db.session.scalars(
        sa.select(Notification).where(Notification.endpoint == "conferences.agenda_page")
    ):
        if notice.endpoint_args.get("conference_id") == conference.id:
            notice.reference = display.reference(conference)


def _first_case(meeting: Meeting, item: AgendaItem, users: dict[str, User], at: datetime) -> None:
    chair = users["chair"]
    console.open_item(meeting, item, actor=chair, now=at)
    console.save_record(
        item,
        {
            "information_shared": "Police: two call-outs this year and a strangulation "
            "disclosed last week. Children's services: Ruby is on a child in need plan.",
            "risk_to_victim": "Non-fatal strangulation; threats to kill if she leaves.",
            "risk_to_children": "Ruby witnessed the last assault; threats to take her.",
            "perpetrator_risk_factors": "Escalating jealousy; heavy drinking at weekends.",
            "decisions": "Refer to the sanctuary scheme and consider a protection order.",
        },
        version=None,
        actor=users["coordinator"],
        now=at + timedelta(minutes=6),
    )
    day = rules.local(meeting.conference.starts_at, meeting.conference.marac.timezone).date()
    # Each action names the risks it addresses; the perpetrator's risk factors have none yet.
    for owner, what, days, priority, addresses in (
        (
            "police",
            "Flag the address for an urgent response and review bail",
            7,
            Priority.HIGH,
            ["risk_to_victim"],
        ),
        (
            "childrens",
            "Hold a strategy discussion about Ruby's safety",
            14,
            Priority.HIGH,
            ["risk_to_children"],
        ),
        (
            "idva",
            "Support an application for a non-molestation order",
            28,
            Priority.MEDIUM,
            ["risk_to_victim", "risk_to_children"],
        ),
    ):
        console.add_action(
            item,
            description=what,
            owner=users[owner].agency,
            owner_name=users[owner].name,
            due_on=day + timedelta(days=days),
            priority=priority,
            actor=chair,
            now=at + timedelta(minutes=9),
            risks=addresses,
        )
    console.mark_discussed(item, actor=chair, now=at + timedelta(minutes=14))


def _voice(item: AgendaItem, advocate: User, on: date) -> None:
    db.session.add(
        VictimVoice(
            agenda_item_id=item.id,
            contact_made=True,
            contacted_on=on,
            contact_method=ContactMethod.IN_PERSON,
            views="She wants the police to know how much worse it has become since the summer.",
            wishes="To stay in her home with Ruby, with the locks changed and an alarm fitted.",
            fears="That he will take Ruby abroad to his family, and that he will kill her.",
            consent_to_share="Everything except her new work address.",
            safe_contact="Mobile after 10am on weekdays; never leave a voicemail.",
            updated_by_id=advocate.id,
        )
    )
    db.session.flush()


def _past_record(conference: Conference, users: dict[str, User]) -> None:
    """What the last past meeting recorded: attendance, each case, actions and minutes."""
    at = conference.starts_at
    present = ("chair", "police", "childrens", "health", "idva", "coordinator")
    agencies = {users[local].agency_id for local in present}
    for local in present:
        person = users[local]
        db.session.add(
            Attendee(
                conference_id=conference.id,
                agency_id=person.agency_id,
                user_id=person.id,
                name=person.name,
                job_title=person.job_title,
                accepted_confidentiality_at=at,
                added_by_id=users["chair"].id,
                added_at=at,
            )
        )
    # A student social worker sat in to watch.
    db.session.add(
        Attendee(
            conference_id=conference.id,
            agency_id=users["childrens"].agency_id,
            name="Jess Okafor",
            job_title="Student social worker",
            is_observer=True,
            accepted_confidentiality_at=at,
            added_by_id=users["chair"].id,
            added_at=at,
        )
    )
    for agency in db.session.scalars(
        sa.select(Agency).where(Agency.maracs.any(id=conference.marac_id))
    ):
        db.session.add(
            Attendance(
                conference_id=conference.id,
                agency_id=agency.id,
                presence=Presence.PRESENT if agency.id in agencies else Presence.APOLOGIES,
                information_sent=None if agency.id in agencies else True,
                recorded_by_id=users["chair"].id,
                recorded_at=at,
            )
        )
    db.session.add(
        Meeting(conference_id=conference.id, started_at=at, concluded_at=at + timedelta(hours=2))
    )
    for item in queries.agenda_items(conference.id):
        item.opened_at, item.closed_at = at, at + timedelta(minutes=15)
        db.session.add(
            Discussion(
                agenda_item_id=item.id,
                information_shared="Police: one call-out since referral. Housing: rent "
                "arrears after he left; a move is being considered.",
                risk_to_victim="Stalking at her workplace; he has breached a bail condition.",
                decisions="Ask housing to assess a management move.",
                updated_by_id=users["coordinator"].id,
                updated_at=at + timedelta(minutes=14),
            )
        )
        day = rules.local(at, conference.marac.timezone).date()
        for owner, what, days, status in (
            ("police", "Review the bail breach with the officer in charge", 7, ActionStatus.DONE),
            ("idva", "Help her report each breach with a diary", 28, ActionStatus.IN_PROGRESS),
        ):
            db.session.add(
                Action(
                    case_id=item.case_id,
                    agenda_item_id=item.id,
                    description=what,
                    owner_agency_id=users[owner].agency_id,
                    due_on=day + timedelta(days=days),
                    priority=Priority.MEDIUM,
                    status=status,
                    agreed_at=at + timedelta(minutes=10),
                    agreed_by_id=users["chair"].id,
                    updated_at=at + timedelta(minutes=10),
                )
            )
    conference.agency_access_ends_at = at + timedelta(days=2 + conference.marac.agency_access_days)
    db.session.add(
        Minutes(
            conference_id=conference.id,
            opening_notes="Introductions were made; no observers.",
            other_business="None.",
            finalised_at=at + timedelta(days=2),
            finalised_by_id=users["chair"].id,
            updated_at=at + timedelta(days=2),
        )
    )


def keep_first_revisions() -> None:
    """Each case record and minutes' notes the demo wrote directly, kept as its first
    revision: saved once, by whoever saved it last, when they did."""
    kept = sa.select(Revision.id).where(Revision.agenda_item_id == Discussion.agenda_item_id)
    records = db.session.execute(
        sa.select(Discussion, AgendaItem.conference_id)
        .join(AgendaItem, AgendaItem.id == Discussion.agenda_item_id)
        .where(~sa.exists(kept))
        .order_by(Discussion.id)
    ).all()
    for record, conference_id in records:
        _first_revision(record, conference_id, RevisionOf.RECORD, RECORD_FIELDS)
    noted = sa.select(Revision.id).where(
        Revision.conference_id == Minutes.conference_id, Revision.part == RevisionOf.NOTES
    )
    for minutes in db.session.scalars(
        sa.select(Minutes).where(~sa.exists(noted)).order_by(Minutes.id)
    ):
        _first_revision(
            minutes, minutes.conference_id, RevisionOf.NOTES, ("opening_notes", "other_business")
        )
    db.session.flush()


def _first_revision(
    record: Discussion | Minutes, conference_id: int, part: RevisionOf, fields: tuple[str, ...]
) -> None:
    changes = {name: ["", getattr(record, name)] for name in fields if getattr(record, name)}
    if not changes or record.updated_by_id is None:
        return
    db.session.add(
        Revision(
            conference_id=conference_id,
            agenda_item_id=getattr(record, "agenda_item_id", None),
            part=part,
            saved_from=SavedFrom.CONSOLE if part is RevisionOf.RECORD else SavedFrom.MINUTES,
            version=record.version,
            changes=changes,
            actor_id=record.updated_by_id,
            at=record.updated_at,
        )
    )
