"""Demo conferences: a year of past meetings, one published with research under way, one
still taking cases, and the rest planned from each MARAC's rule.

Past meetings are written as the record a finished meeting leaves; everything from today on is
made through the same services a coordinator's clicks use. Every name is invented.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from conference.accounts.models import Agency, Marac, User
from conference.actions.services import Interim, agree_interim
from conference.conferences import listing, planning, publishing, rules, standing
from conference.conferences.choices import ConferenceStatus, Frequency, ItemStatus
from conference.conferences.models import (
    AgendaItem,
    Conference,
    MeetingRule,
    conference_invitations,
)
from conference.conferences.queries import agenda_items, upcoming_in, victim_names
from conference.demo.referrals import JEROME_NAMED, WAYNE, Named, Story, Victim, refer
from conference.extensions import db
from conference.referrals.choices import CaseStatus
from conference.referrals.models import Case, Referral
from conference.referrals.services import today_in
from conference.research import services as research
from conference.research.choices import Outcome, RiskFlag

YVONNE = Victim("Yvonne", "Castell", (8, 2, 1981))

#: Referrals for the agendas: one heard a year ago, three listed on the published agenda (before
#: its cut-off), two accepted since (they wait for the next conference).
STORIES = [
    Story(
        "police",
        "NB",
        YVONNE,
        perpetrator=WAYNE,
        # Her flag ends 10 days ago: after the last meeting, so the next one lists her case as
        # a standing item, reaching 12 months.
        days_ago=375,
        outcome="accepted",
        reason="Visible high risk.",
        advocate="idva",
        narrative="Repeated assaults after separation; he has since moved out of the area.",
    ),
    Story(
        "police",
        "NB",
        Victim("Bethan", "Morley", (21, 10, 1990)),
        perpetrator=Named("Ryan", "Walsh", (11, 6, 1990), "ex_partner"),
        days_ago=12,
        yes=16,
        children=(("Ava", (2, 3, 2018), "Daughter"), ("Noah", (9, 9, 2021), "Son")),
        outcome="accepted",
        reason="Visible high risk, two young children.",
        advocate="idva",
        narrative="Pushed down the stairs while holding the baby; he has a new conviction.",
    ),
    Story(
        "health",
        "NB",
        Victim("Imani", "Osei", (15, 4, 1995), ethnicity="black"),
        perpetrator=JEROME_NAMED,
        days_ago=10,
        yes=14,
        outcome="accepted",
        reason="Visible high risk.",
        advocate="idva",
        narrative="Disclosed to the midwife that he controls her money and her phone.",
    ),
    Story(
        "childrens",
        "NB",
        Victim("Sofia", "Reyes", (30, 12, 1988), language="Spanish"),
        perpetrator=Named("Rian", "Walsh", looks_born=(11, 6, 1990)),
        days_ago=9,
        yes=15,
        children=(("Mateo", (11, 11, 2014), "Son"),),
        outcome="accepted",
        reason="Visible high risk; her son saw the last assault.",
        narrative="Her son called the police during the last assault.",
    ),
    Story(
        "police",
        "NB",
        Victim("Harriet", "Coles", (4, 8, 1972)),
        perpetrator=Named("Neil", "Ashdown", (30, 9, 1970), "ex_partner"),
        days_ago=2,
        yes=14,
        outcome="accepted",
        reason="Visible high risk.",
        advocate="idva",
        narrative="Threatened with a knife; he is on bail with conditions not to contact her.",
    ),
    Story(
        "idva",
        "NB",
        Victim("Nadia", "Haddad", (19, 2, 1993), ethnicity="arab", language="Arabic"),
        perpetrator=Named("Samir", "Aziz", (12, 12, 1988)),
        days_ago=1,
        yes=15,
        children=(("Layla", (1, 7, 2020), "Daughter"),),
        outcome="accepted",
        reason="Visible high risk.",
        advocate="idva",
        narrative="Held captive at home for two days; escaped with her daughter.",
    ),
]

#: Past meetings, days ago, and whose case each heard (by the victim's given name).
PAST = [(362, ["Yvonne"]), (130, ["Dawn"]), (35, ["Tessa"])]


def seed_conferences(users: dict[str, User], maracs: dict[str, Marac], now: datetime) -> int:
    """Create the demo conferences unless any conference exists. Flushes; returns the count."""
    if db.session.scalar(sa.select(sa.func.count(Conference.id))):
        return 0
    northbridge, eastmoor = maracs["NB"], maracs["EM"]
    cases = {}
    for story in sorted(STORIES, key=lambda s: -s.days_ago):
        referral = refer(story, users, maracs, now)
        assert referral.case is not None and referral.decided_at is not None  # all accepted
        cases[story.victim.given_name] = (referral.case, referral.decided_at)
    names = _cases_by_name(northbridge)
    names.update({name: case for name, (case, _) in cases.items()})
    # The rule is chosen so the next meeting is five days away: its agenda is out for research.
    first = today_in(northbridge, now) + timedelta(days=5)
    week = (first.day - 1) // 7 + 1
    rhythm = rules.Rhythm(Frequency.MONTHLY, first.weekday(), -1 if week == 5 else week)
    for days_ago, heard in PAST:
        day = _rule_day_near(rhythm, today_in(northbridge, now) - timedelta(days=days_ago))
        _past_meeting(northbridge, [names[n] for n in heard], users["chair"], day)
    planning.save_rule(
        northbridge,
        actor=users["coordinator"],
        now=now,
        version=None,
        frequency=Frequency.MONTHLY,
        weekday=first.weekday(),
        week_of_month=rhythm.week_of_month,
        interval_weeks=None,
        first_date=None,
        start_time=time(10, 0),
        duration_minutes=240,
        place="Northbridge Civic Centre, Committee Room 2",
        video_link="https://video.northbridge.example/marac",
        capacity=16,
        minutes_per_case=15,
        cutoff_days=8,
        research_days=7,
        chair_id=users["chair"].id,
    )
    placed = {}
    for case, decided_at in sorted(cases.values(), key=lambda pair: pair[1]):
        if case.status is CaseStatus.OPEN:
            placed[case.id] = listing.place_case(case, actor=users["coordinator"], now=decided_at)
    _urgent(cases["Harriet"], placed, users)
    published = upcoming_in(northbridge.id, now)[0]
    publishing.publish(published, actor=None, now=now - timedelta(hours=30))
    _research(published, users, now - timedelta(hours=6))

    planning.save_rule(
        eastmoor,
        actor=users["eastmoor"],
        now=now,
        version=None,
        frequency=Frequency.MONTHLY,
        weekday=3,
        week_of_month=-1,
        interval_weeks=None,
        first_date=None,
        start_time=time(13, 30),
        duration_minutes=180,
        place="Eastmoor Town Hall",
        video_link="",
        capacity=12,
        minutes_per_case=15,
        cutoff_days=10,
        research_days=7,
        chair_id=None,
    )
    in_eastmoor = _cases_by_name(eastmoor)
    # Marisa's case was heard in Eastmoor before she moved (see transfers.py).
    waiting = in_eastmoor.get("Shannon")
    if waiting is not None and waiting.status is CaseStatus.OPEN:
        listing.place_case(waiting, actor=users["eastmoor"], now=now)
    db.session.flush()
    return db.session.scalar(sa.select(sa.func.count(Conference.id))) or 0


def _urgent(
    accepted: tuple[Case, datetime], placed: dict[int, listing.Placement], users: dict[str, User]
) -> None:
    """Harriet's case waits weeks for its meeting: the coordinator screened it as urgent and
    agreed interim safety actions, due before her meeting (and after the next one, which would
    otherwise review them as overdue before they were due)."""
    case, decided_at = accepted
    placement = placed.get(case.id)
    heard_on = (
        rules.local(placement.conference.starts_at, case.marac.timezone).date()
        if placement is not None and placement.conference is not None
        else None
    )
    agencies = {a.name: a.id for a in case.marac.agencies}
    day = today_in(case.marac, decided_at)
    referral = db.session.scalars(
        sa.select(Referral).where(Referral.case_id == case.id).order_by(Referral.id)
    ).first()
    assert referral is not None
    agree_interim(
        case,
        referral,
        [
            Interim(
                "Flag her address for an urgent response and check his bail conditions are "
                "being kept",
                agencies["Northshire Police"],
                "",
                day + timedelta(days=6),
            ),
            Interim(
                "Safety plan with her, and a referral for new locks and a door alarm",
                agencies["Northbridge IDVA Service"],
                "Jo Whitfield",
                day + timedelta(days=8),
            ),
        ],
        before=heard_on,
        actor=users["coordinator"],
        now=decided_at,
    )


def _rule_day_near(rhythm: rules.Rhythm, target: date) -> date:
    """The meeting rule's day nearest the target (the earlier one on a tie): past meetings
    fall on the days the rule gives, as the meetings of a real MARAC did."""
    days = rules.meeting_days(rhythm, target - timedelta(days=40), target + timedelta(days=40))
    return min(days, key=lambda day: (abs((day - target).days), day))


def _cases_by_name(marac: Marac) -> dict[str, Case]:
    cases = db.session.scalars(sa.select(Case).where(Case.marac_id == marac.id)).all()
    names = victim_names([c.id for c in cases])
    return {names[c.id].split()[0]: c for c in cases if c.id in names}


def _past_meeting(
    marac: Marac, cases: list[Case], chair: User | None, day: date, rule: MeetingRule | None = None
) -> Conference:
    """A finished meeting as its record stands: every case discussed, minutes final. Without
    a rule, Northbridge's as the demo sets it below."""
    starts = rules.starts_at(day, rule.start_time if rule else time(10, 0), marac.timezone)
    cutoff, research = (rule.cutoff_days, rule.research_days) if rule else (8, 7)
    conference = Conference(
        marac=marac,
        rule_date=day,
        starts_at=starts,
        duration_minutes=rule.duration_minutes if rule else 240,
        place=rule.place if rule else "Northbridge Civic Centre, Committee Room 2",
        capacity=rule.capacity if rule else 16,
        minutes_per_case=15,
        cutoff_on=day - timedelta(days=cutoff),
        publish_on=day - timedelta(days=research),
        chair_id=chair.id if chair else None,
        status=ConferenceStatus.MINUTES_FINAL,
        published_at=starts - timedelta(days=research),
    )
    db.session.add(conference)
    db.session.flush()
    agencies = db.session.scalars(sa.select(Agency).where(Agency.maracs.any(id=marac.id))).all()
    db.session.execute(
        sa.insert(conference_invitations),
        [
            {"conference_id": conference.id, "agency_id": a.id, "invited_at": starts}
            for a in agencies
        ],
    )
    for position, case in enumerate(cases, start=1):
        referral = listing.latest_accepted(case)
        db.session.add(
            AgendaItem(
                conference=conference,
                case=case,
                referral_id=referral.id if referral else None,
                section=listing.section_for(referral),
                position=position,
                status=ItemStatus.DISCUSSED,
                added_at=starts - timedelta(days=cutoff + 2),
            )
        )
        case.status = CaseStatus.PLAN_COMPLETE
    db.session.flush()
    return conference


def _research(conference: Conference, users: dict[str, User], now: datetime) -> None:
    """Police have returned on every case, children's services on those with children."""
    items = [i for i in agenda_items(conference.id) if not i.section.is_standing]
    police, childrens = users["police"], users["childrens"]
    for n, item in enumerate(items):
        research.save_return(
            item,
            police.agency,
            actor=police,
            now=now,
            outcome=Outcome.KNOWN if n % 2 == 0 else Outcome.NOTHING_TO_ADD,
            summary="Two call-outs in the last year; the perpetrator has a caution for "
            "criminal damage at the address."
            if n % 2 == 0
            else "",
            risk_flags=[RiskFlag.BREACH_OF_ORDERS] if n == 0 else [],
            existing=None,
            version=None,
        )
        if item.section.value == "children":
            research.save_return(
                item,
                childrens.agency,
                actor=childrens,
                now=now,
                outcome=Outcome.KNOWN,
                summary="Children are on a child in need plan; school reports missed days "
                "after weekends.",
                risk_flags=[RiskFlag.CHILD_PROTECTION],
                existing=None,
                version=None,
            )


def seed_published_standing(maracs: dict[str, Marac], now: datetime) -> int:
    """The overdue-action standing items of Northbridge's published agenda, as its publication
    added them: the cases whose actions are still open past the meeting's day. Run once the
    demo's action plans exist (the agenda was published after they were agreed). Flushes;
    returns how many were added."""
    northbridge = maracs["NB"]
    upcoming = [c for c in upcoming_in(northbridge.id, now) if c.published_at is not None]
    if not upcoming:
        return 0
    published = upcoming[0]
    return standing.add_overdue_action_items(published, now=published.published_at or now)
