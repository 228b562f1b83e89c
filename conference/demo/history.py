"""Demo history: over a year of Northbridge meetings as their records stand, so the quarterly
data return has figures for each of the last four quarters.

Written as the rows finished meetings leave, like the last past meeting in meetings.py: some
150 cases made through the services would take minutes. One seeded Random and dates counted
back from now make the same history on every load. Every name, address and story is invented.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from conference.accounts.models import Agency, AgencyKind, Marac, User
from conference.actions.choices import ActionStatus, Priority
from conference.actions.models import Action, ActionUpdate
from conference.conferences import display, planning, rules
from conference.conferences.choices import HELD, ChangeKind, ConferenceStatus, ItemStatus, Section
from conference.conferences.listing import ordered
from conference.conferences.models import (
    AgendaChange,
    AgendaItem,
    Conference,
    MeetingRule,
    conference_invitations,
)
from conference.demo.history_words import (
    CHILD_RISKS,
    CHILDREN_ONLY,
    CONTACT,
    DISCUSSIONS,
    FAMILY_NARRATIVES,
    FLAGS,
    GROUPS,
    HABITS,
    HOLIDAYS,
    JUDGEMENTS,
    LATE_LISTING,
    LATE_NOTES,
    MALE_NARRATIVES,
    NARRATIVES,
    NO_CONTACT,
    NON_BINARY,
    NOTES,
    OPENINGS,
    OTHER_BUSINESS,
    REASONS,
    REFERRERS,
    STAFF,
    STREETS,
    SUMMARIES,
    TASKS,
    VOICES,
    Group,
    Habit,
    K,
    fit_case,
)
from conference.extensions import db
from conference.meetings.choices import Presence
from conference.meetings.models import Attendance, Attendee, Discussion, Meeting
from conference.minutes.models import Minutes
from conference.pronouns import pronouns_for
from conference.referrals.choices import (
    CaseStatus,
    Consent,
    Gender,
    ReferralStatus,
    Relationship,
    Sexuality,
    WithoutConsent,
    YesNoNotKnown,
)
from conference.referrals.forms import age_on
from conference.referrals.models import (
    Case,
    ChecklistAnswer,
    Child,
    Incident,
    Perpetrator,
    Referral,
    ReferralTransition,
)
from conference.referrals.services import risk_tool_for, today_in, tool_by_id
from conference.research.choices import Outcome
from conference.research.models import ResearchReturn
from conference.voice.choices import ContactMethod, OutcomeResult
from conference.voice.models import VictimVoice

SEED = 4117
#: The demo's email domain (seed.py imports this module, so it is not imported from there).
DOMAIN = "northbridge.example"


#: Who authorises sharing without consent in each kind of referring agency: invented people.
AUTHORISERS = {
    AgencyKind.POLICE: ("Ruth Calloway", "Detective Inspector, Public Protection Unit"),
    AgencyKind.HOUSING: ("Owain Bright", "Safeguarding lead"),
    AgencyKind.PROBATION: ("Hannah Ferris", "Senior probation officer"),
    AgencyKind.IDVA_SERVICE: ("Priya Nandi", "IDVA service manager"),
    AgencyKind.HEALTH: ("Alan Moss", "Named nurse for safeguarding adults"),
    AgencyKind.CHILDRENS_SERVICES: ("Bethan Lowe", "Team manager"),
}
#: Anyone else's: their agency's safeguarding lead.
OTHER_AUTHORISER = ("Jo Pennant", "Safeguarding lead")


#: What a few victims told their advocate after the meeting, in their words.
FEELS_SAFER = "Safer since the locks were changed, but {they} still check{s} the window at night."


def _not_told(item_id: int, due: bool, fit: Callable[[str], str]) -> dict[str, object]:
    """Of the outcomes not told, once due: some not safe to give, some not reached (three
    calls on different days), the rest still to do. Chosen by the item's number, so the
    demo's random draws stay as they were."""
    if not due or item_id % 4 > 1:
        return {}
    if item_id % 4 == 0:
        return {
            "outcome_result": OutcomeResult.NOT_SAFE,
            "outcome_not_told_reason": fit(
                "{He} has been checking {their} phone since the meeting; "
                "{they} asked for no calls until {they} move{s}."
            ),
        }
    return {
        "outcome_result": OutcomeResult.NOT_REACHED,
        "outcome_attempts": 3,
    }


@dataclass
class Victim:
    """One history case: who the victim is, as each of their referrals repeats it."""

    group: Group
    given: str
    family: str
    dob: date
    gender: Gender
    sexuality: Sexuality
    is_trans: YesNoNotKnown
    disability: YesNoNotKnown
    language: str
    interpreter: bool
    address: str
    phone: str
    perpetrator: tuple[str, str, date, Relationship]
    children: list[tuple[str, date, str]]
    case: Case | None = None
    last_referred_on: date | None = None
    last_heard: date | None = None
    hearings: int = 0
    open_actions: int = 0
    last_event: datetime | None = None

    @property
    def perpetrator_gender(self) -> Gender:
        """The perpetrator's, as the name _perpetrator gave them: a son or brother is a man, a
        partner as _partner_is_a_woman says."""
        relationship = self.perpetrator[3]
        if relationship is not Relationship.FAMILY_MEMBER and _partner_is_a_woman(
            self.gender, self.sexuality
        ):
            return Gender.FEMALE
        return Gender.MALE


#: Agenda item id -> its victim's and its perpetrator's recorded genders.
Genders = dict[int, tuple[Gender | None, Gender | None]]


@dataclass
class Listing:
    """A referral on its way to an agenda: whose, whether a repeat, and when it was sent."""

    victim: Victim
    repeat: bool
    referred_on: date


def seed_history(users: dict[str, User], maracs: dict[str, Marac], now: datetime) -> None:
    """Give every month from a month before the last four quarters up to today a held
    Northbridge conference of 8 to 16 cases: the demo's own past conferences get more cases,
    the other months a conference on the rule's day. Called once, with the demo conferences;
    does nothing if the history was written before. Flushes."""
    marac = maracs["NB"]
    rule = planning.rule_for(marac.id)
    if rule is None:
        return
    today = today_in(marac, now)
    quarter = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    start = rules.add_months(quarter, -13)
    held = {display.local_day(c): c for c in _held(marac, start, today)}
    months = {(day.year, day.month) for day in held}
    new_days = [
        day
        for day in rules.meeting_days(rules.rhythm_of(rule), start, today - timedelta(days=1))
        if (day.year, day.month) not in months
    ]
    written = sa.select(Conference.id).where(
        Conference.marac_id == marac.id, Conference.rule_date.in_(new_days)
    )
    if not new_days or db.session.scalar(written.limit(1)) is not None:
        return  # A rule date is used once: the history is there already.
    writer = _Writer(marac, rule, users, now, start)
    slots = sorted([*held.items(), *((day, None) for day in new_days)], key=lambda s: s[0])
    writer.plan(len(slots), [n for n, (_, c) in enumerate(slots) if c is None])
    for index, (day, conference) in enumerate(slots):
        writer.hold(index, day, conference)
    writer.finish()


def _held(marac: Marac, start: date, today: date) -> list[Conference]:
    return list(
        db.session.scalars(
            sa.select(Conference).where(
                Conference.marac_id == marac.id,
                # Not the meeting under way: loaded just after midnight, it began yesterday.
                Conference.status.in_(HELD),
                Conference.status != ConferenceStatus.IN_PROGRESS,
                Conference.starts_at >= rules.starts_at(start, time(0), marac.timezone),
                Conference.starts_at < rules.starts_at(today, time(0), marac.timezone),
            )
        )
    )


class _Writer:
    """Writes the history conference by conference, oldest first, from one seeded Random."""

    def __init__(
        self, marac: Marac, rule: MeetingRule, users: dict[str, User], now: datetime, start: date
    ) -> None:
        self.rng = random.Random(SEED)
        self.marac, self.rule, self.now = marac, rule, now
        self.tz = marac.timezone
        self.today = today_in(marac, now)
        self.chair = users["chair"]
        self.coordinator = users["coordinator"]
        self.idva = users["idva"]
        self.agencies = sorted(marac.agencies, key=lambda a: a.name)
        self.by_kind = {a.kind: a for a in self.agencies}
        self.people = _people(self.agencies, users, now)
        tool, screening = risk_tool_for(marac)
        self.tool, self.tool_id, self.screening = tool, tool.id, screening
        # A victim aged 16 or 17 was asked the young people's version, when the tool has one.
        self.young_tool = tool_by_id(tool.young_people_tool) if tool.young_people_tool else tool
        # Scored questions only: the red flags are answered 'no', and these referrals were sent
        # before the modules were asked (their modules show as not asked).
        self.questions = [q.id for q in tool.scored_questions]
        #: 'Yes' answers that reach visible high risk (a guess for a tool without a threshold:
        #: what the answers meet is worked out by the tool's rule either way).
        self.threshold = screening.high_risk_threshold or (len(self.questions) + 1) // 2
        self.names = {
            (given, family)
            for given, family in db.session.execute(
                sa.select(Referral.victim_given_name, Referral.victim_family_name)
            )
        }
        self.numbers: dict[int, int] = {}
        self.victims: list[Victim] = []

    def plan(self, count: int, new: list[int]) -> None:
        """Choose the conferences that get the rarer things, the same on every load."""
        rng = self.rng
        self.count = count
        self.young = set(rng.sample(range(1, count), 2))  # one or two a year, as nationally
        self.non_binary, self.trans = rng.randrange(1, count), rng.randrange(1, count)
        # A few minutes finalised late, none of them the lead-in month's.
        later = [n for n in new[:-1] if n > 0]
        self.slow_minutes = set(rng.sample(later, min(3, len(later))))
        # A handful of actions still open past their due date, all from the latest meetings.
        self.overdue = {count - 3: 1, count - 2: 2, count - 1: 2}

    def hold(self, index: int, day: date, conference: Conference | None) -> None:
        """One month's conference, held: its cases, record, research, voices and actions."""
        rule_day = day
        if conference is None:
            day = self._working(day)
        final_at = self._finalised(index, day)
        if conference is None:
            conference = self._conference(rule_day, day, final_at)
        elif final_at is None and conference.status is ConferenceStatus.MINUTES_FINAL:
            final_at = conference.starts_at + timedelta(days=2)
        existing = list(
            db.session.scalars(
                sa.select(AgendaItem).where(
                    AgendaItem.conference_id == conference.id,
                    AgendaItem.section.in_((Section.CHILDREN, Section.ADULTS)),
                )
            )
        )
        count = max(7, self.rng.randint(10, 16) - len(existing))
        listings = self._listings(index, day, count)
        items = self._list(conference, listings)
        everything = ordered([*existing, *[item for item, _ in items]])
        genders = _genders(everything)
        self._record(conference, everything, final_at, genders)
        self._research(conference, everything, genders)
        referred = {item.id: listing.referred_on for item, listing in items}
        self._voices(conference, everything, referred, genders)
        self._actions(index, conference, items, genders)

    def finish(self) -> None:
        """Each case stands as its actions do: open ones keep it in 'actions open'."""
        for victim in self.victims:
            assert victim.case is not None
            if victim.open_actions:
                victim.case.status = CaseStatus.ACTIONS_OPEN
            victim.case.updated_at = victim.last_event or victim.case.opened_at
        db.session.flush()

    # Times -------------------------------------------------------------------------------

    def _moment(self, day: date, first: int = 8, last: int = 17) -> datetime:
        """A moment in the working day, in UTC."""
        clock = time(self.rng.randint(first, last), self.rng.randrange(0, 60, 5))
        return rules.starts_at(day, clock, self.tz)

    def _between(self, first: date, last: date) -> datetime | None:
        """A working-hours moment on a day from first to last, before now; None if none is."""
        last = min(last, self.today - timedelta(days=1))
        if last < first:
            return None
        return self._moment(first + timedelta(days=self.rng.randint(0, (last - first).days)))

    def _working(self, day: date) -> date:
        """The day itself or, over Christmas, a week away within its month (so every month
        keeps its meeting), as long as that is still in the past."""
        moved = day
        while (moved.month, moved.day) in HOLIDAYS:
            step = timedelta(days=-7 if (moved - timedelta(days=7)).month == day.month else 7)
            moved += step
        return moved if moved < self.today else day

    def _finalised(self, index: int, day: date) -> datetime | None:
        """Most minutes are final within three working days; a few take longer."""
        late = index in self.slow_minutes
        days = self.rng.randint(5, 9) if late else self.rng.choice((1, 2, 2, 3, 3))
        at = self._moment(rules.add_working_days(day, days), 14, 17)
        return at if at < self.now - timedelta(hours=1) else None

    # The conference and its cases ----------------------------------------------------------

    def _conference(self, rule_day: date, day: date, final_at: datetime | None) -> Conference:
        """A conference planned from the rule, with every agency invited when published."""
        rule = self.rule
        starts = rules.starts_at(day, rule.start_time, self.tz)
        published = starts - timedelta(days=rule.research_days)
        conference = Conference(
            marac=self.marac,
            rule_date=rule_day,
            adjusted_at=None if day == rule_day else starts - timedelta(days=60),
            starts_at=starts,
            duration_minutes=rule.duration_minutes,
            place=rule.place,
            video_link=rule.video_link,
            capacity=rule.capacity,
            minutes_per_case=rule.minutes_per_case,
            cutoff_on=day - timedelta(days=rule.cutoff_days),
            publish_on=day - timedelta(days=rule.research_days),
            chair_id=rule.chair_id,
            status=ConferenceStatus.MINUTES_FINAL if final_at else ConferenceStatus.CONCLUDED,
            published_at=published,
            created_at=starts - timedelta(days=180),
            updated_at=final_at or starts,
        )
        db.session.add(conference)
        db.session.flush()
        db.session.execute(
            sa.insert(conference_invitations),
            [
                {"conference_id": conference.id, "agency_id": a.id, "invited_at": published}
                for a in self.agencies
            ],
        )
        return conference

    def _listings(self, index: int, day: date, count: int) -> list[Listing]:
        """This meeting's referrals: about a third repeats of cases heard in the last year."""
        specials = [
            special
            for special, wanted in (
                ("male", index % 2 == 0),
                ("lgb", index % 3 == 2),
                ("non_binary", index == self.non_binary),
                ("trans", index == self.trans),
                ("young", index in self.young),
            )
            if wanted
        ]
        repeats = round(count * self.rng.uniform(0.26, 0.4))
        listings: list[Listing] = []
        for n in range(count):
            referred_on = day - timedelta(days=self._wait())
            victim = self._repeat(referred_on, listings) if n < repeats else None
            if victim is not None:
                listings.append(Listing(victim, True, referred_on))
            else:
                special = specials.pop(0) if specials else ""
                listings.append(Listing(self._victim(referred_on, special), False, referred_on))
        return listings

    def _wait(self) -> int:
        """Days from referral to conference: mostly two to four weeks, a few longer or shorter."""
        band = self.rng.choices(((5, 8), (9, 21), (22, 30), (31, 40)), weights=(10, 52, 28, 10))
        return self.rng.randint(*band[0])

    def _repeat(self, referred_on: date, taken: list[Listing]) -> Victim | None:
        chosen = {id(listing.victim) for listing in taken}
        window = timedelta(days=self.screening.repeat_window_days - 1)
        eligible = [
            v
            for v in self.victims
            if id(v) not in chosen
            and v.hearings < 3
            and v.last_heard is not None
            and v.last_heard < referred_on - timedelta(days=6)
            and v.last_referred_on is not None
            and v.last_referred_on >= referred_on - window
        ]
        return self.rng.choice(eligible) if eligible else None

    def _victim(self, referred_on: date, special: str) -> Victim:
        """A new victim: mostly women, about one in six from a minoritised background."""
        rng = self.rng
        group = rng.choices(GROUPS, weights=[g.weight for g in GROUPS])[0]
        gender = {"male": Gender.MALE, "non_binary": Gender.NON_BINARY}.get(special, Gender.FEMALE)
        pool = {Gender.MALE: group.men, Gender.NON_BINARY: NON_BINARY}.get(gender, group.women)
        given, family = rng.choice(pool.split()), rng.choice(group.families.split())
        while (given, family) in self.names:
            given, family = rng.choice(pool.split()), rng.choice(group.families.split())
        self.names.add((given, family))
        if special == "young":
            age = rng.choice((16, 17))
            dob = rules.add_months(referred_on, -12 * age) - timedelta(days=rng.randint(20, 300))
        else:
            age = round(rng.triangular(18, 66, 29))
            dob = rules.add_months(referred_on, -12 * age) - timedelta(days=rng.randint(0, 360))
        r = rng.random()
        if special == "lgb":
            r = rng.choice((0.0, 0.02))  # a lesbian or a bisexual woman
        sexuality = (
            Sexuality.GAY_LESBIAN
            if r < (0.2 if gender is Gender.MALE else 0.015)
            else Sexuality.BISEXUAL
            if r < 0.035 or gender is Gender.NON_BINARY
            else Sexuality.NOT_KNOWN
            if r < 0.08
            else Sexuality.HETEROSEXUAL
        )
        r = rng.random()
        language = rng.choice(group.languages) if group.languages else ""
        victim = Victim(
            group=group,
            given=given,
            family=family,
            dob=dob,
            gender=gender,
            sexuality=sexuality,
            is_trans=YesNoNotKnown.YES
            if special == "trans"
            else YesNoNotKnown.NOT_KNOWN
            if rng.random() < 0.05
            else YesNoNotKnown.NO,
            disability=YesNoNotKnown.YES
            if r < 0.11
            else YesNoNotKnown.NOT_KNOWN
            if r < 0.16
            else YesNoNotKnown.NO,
            language=language,
            interpreter=bool(language) and rng.random() < 0.6,
            address=f"{rng.randint(2, 180)} {rng.choice(STREETS)}, Northbridge "
            f"NB{rng.randint(1, 9)} {rng.randint(1, 9)}ZZ",
            # Ofcom's range for drama: never a real number.
            phone=f"07700 900{rng.randint(0, 999):03d}",
            perpetrator=self._perpetrator(group, gender, sexuality, family, dob, age, special),
            children=[],
        )
        if special != "young" and age >= 19 and rng.random() < 0.52:
            victim.children = self._children(group, dob, referred_on)
        self.victims.append(victim)
        return victim

    def _perpetrator(
        self,
        group: Group,
        gender: Gender,
        sexuality: Sexuality,
        family: str,
        dob: date,
        age: int,
        special: str,
    ) -> tuple[str, str, date, Relationship]:
        rng = self.rng
        if special != "young" and gender is Gender.FEMALE and rng.random() < 0.07:
            # Her adult son, or her older brother.
            years = rng.randint(19, 25) if age >= 45 else rng.randint(-6, -1)
            born = rules.add_months(dob, 12 * years)
            return rng.choice(group.men.split()), family, born, Relationship.FAMILY_MEMBER
        women = _partner_is_a_woman(gender, sexuality)
        given = rng.choice((group.women if women else group.men).split())
        if special == "young":
            born = rules.add_months(dob, -12 * rng.randint(3, 9))
        else:
            # Up to eight years older or seven younger, and an adult.
            born = dob + timedelta(days=rng.randint(-3000, min(2500, (age - 18) * 365)))
        relationship = rng.choice((Relationship.PARTNER, Relationship.EX_PARTNER))
        return given, rng.choice(group.families.split()), born, relationship

    def _children(self, group: Group, dob: date, on: date) -> list[tuple[str, date, str]]:
        rng = self.rng
        oldest = min(15, age_on(dob, on) - 18)
        children = []
        for _ in range(rng.choices((1, 2, 3), weights=(5, 3, 1))[0]):
            boy = rng.random() < 0.5
            name = rng.choice(group.children[0 if boy else 1].split())
            born = on - timedelta(days=rng.randint(60, 365 * oldest + 300))
            children.append((name, born, "Son" if boy else "Daughter"))
        return sorted(children, key=lambda c: c[1])

    def _list(
        self, conference: Conference, listings: list[Listing]
    ) -> list[tuple[AgendaItem, Listing]]:
        """Refer, accept and list each case, as screening and the agenda would have. Flushes."""
        rng = self.rng
        day = display.local_day(conference)
        times = []
        for listing in listings:
            submitted = self._moment(listing.referred_on)
            times.append((submitted, submitted + timedelta(hours=rng.randint(2, 30))))
            if listing.victim.case is None:
                listing.victim.case = self._case(times[-1][1])
        db.session.flush()
        answers: list[tuple[Referral, str, YesNoNotKnown]] = []
        referrals = [
            self._referral(listing, submitted, decided, answers)
            for listing, (submitted, decided) in zip(listings, times, strict=True)
        ]
        db.session.flush()
        db.session.execute(
            sa.insert(ChecklistAnswer),
            [
                {"referral_id": referral.id, "question_id": question, "answer": answer}
                for referral, question, answer in answers
            ],
        )
        positions = dict(
            db.session.execute(
                sa.select(AgendaItem.section, sa.func.max(AgendaItem.position))
                .where(AgendaItem.conference_id == conference.id)
                .group_by(AgendaItem.section)
            ).all()
        )
        items = []
        # Listed in the order they were accepted.
        for (_, decided), listing, referral in sorted(
            zip(times, listings, referrals, strict=True), key=lambda row: row[0][1]
        ):
            section = Section.CHILDREN if listing.victim.children else Section.ADULTS
            positions[section] = positions.get(section, 0) + 1
            item = AgendaItem(
                conference_id=conference.id,
                case_id=referral.case_id,
                referral_id=referral.id,
                section=section,
                position=positions[section],
                status=ItemStatus.DISCUSSED,
                added_at=decided,
                added_by_id=self.coordinator.id,
            )
            if conference.published_at and decided > conference.published_at:
                db.session.add(
                    AgendaChange(
                        conference_id=conference.id,
                        case_id=referral.case_id,
                        kind=ChangeKind.ADDED,
                        reason=LATE_LISTING,
                        actor_id=self.coordinator.id,
                        changed_at=decided,
                    )
                )
            victim = listing.victim
            victim.last_referred_on, victim.last_heard = listing.referred_on, day
            victim.hearings += 1
            items.append((item, listing))
        db.session.add_all(item for item, _ in items)
        db.session.flush()
        return items

    def _case(self, decided: datetime) -> Case:
        """A new case, numbered after the MARAC's cases of the year, like open_case()."""
        year = today_in(self.marac, decided).year
        if year not in self.numbers:
            self.numbers[year] = (
                db.session.scalar(
                    sa.select(sa.func.max(Case.number)).where(
                        Case.marac_id == self.marac.id, Case.year == year
                    )
                )
                or 0
            )
        self.numbers[year] += 1
        number = self.numbers[year]
        case = Case(
            marac=self.marac,
            year=year,
            number=number,
            reference=f"{self.marac.code}-{year}-{number:04d}",
            status=CaseStatus.PLAN_COMPLETE,
            advocate_id=self.idva.id if self.rng.random() < 0.85 else None,
            is_address_confidential=self.rng.random() < 0.04,
            opened_at=decided,
            created_at=decided,
            updated_at=decided,
        )
        db.session.add(case)
        return case

    def _referral(
        self,
        listing: Listing,
        submitted: datetime,
        decided: datetime,
        answers: list[tuple[Referral, str, YesNoNotKnown]],
    ) -> Referral:
        """The accepted referral as submit() and decide() would have written it."""
        rng, victim, on = self.rng, listing.victim, listing.referred_on
        kind = rng.choices([k for k, _ in REFERRERS], weights=[w for _, w in REFERRERS])[0]
        agency = self.by_kind[kind]
        route = "repeat"
        if not listing.repeat:
            route = rng.choices(("visible", "judgement", "escalation"), weights=(72, 14, 14))[0]
        if route == "visible":
            score = rng.randint(self.threshold, min(21, len(self.questions)))
        elif route == "repeat":
            score = rng.randint(8, 19)
        else:
            score = rng.randint(min(6, self.threshold - 1), self.threshold - 1)
        count = rng.randint(3, 5) if route == "escalation" else rng.randint(0, 2)
        incidents = sorted(on - timedelta(days=rng.randint(3, 330)) for _ in range(count))
        since = on - timedelta(days=self.screening.escalation_window_days)
        consent = rng.choices(list(Consent), weights=(72, 10, 18))[0]
        authoriser = AUTHORISERS.get(agency.kind, OTHER_AUTHORISER)
        given, family, born, relationship = victim.perpetrator
        if victim.gender is Gender.MALE:
            narrative = rng.choice(MALE_NARRATIVES)
        elif relationship is Relationship.FAMILY_MEMBER:
            narrative = rng.choice(FAMILY_NARRATIVES)
        else:
            narrative = rng.choice(NARRATIVES)
        young = age_on(victim.dob, on) in (16, 17)
        they = pronouns_for(victim.gender)  # what the referrer typed speaks of them so
        fit = _fit_for(victim.gender, victim.perpetrator_gender)
        referral = Referral(
            marac_id=self.marac.id,
            case_id=victim.case.id if victim.case else None,
            referrer_id=self.people[agency.id].id,
            agency_id=agency.id,
            status=ReferralStatus.ACCEPTED,
            draft=None,
            draft_saved_at=submitted,
            risk_tool_id=self.young_tool.id if young else self.tool_id,
            submitted_at=submitted,
            referred_on=on,
            decided_at=decided,
            victim_given_name=victim.given,
            victim_family_name=victim.family,
            victim_dob=victim.dob,
            victim_gender=victim.gender,
            victim_is_trans=victim.is_trans,
            victim_ethnicity=victim.group.ethnicity,
            referrer_reference=f"{'CRN' if agency.kind is AgencyKind.POLICE else 'Ref'} "
            f"{submitted:%d%H%M}/{on:%y}",
            victim_disability=victim.disability,
            victim_sexuality=victim.sexuality,
            victim_language=victim.language,
            needs_interpreter=victim.interpreter,
            victim_address=victim.address,
            victim_phone=victim.phone,
            safe_to_call=rng.choice((YesNoNotKnown.YES, YesNoNotKnown.YES, YesNoNotKnown.NO)),
            contact_notes="Call on weekday mornings only; never leave a message.",
            who_she_fears=f"{given} {family}.",
            safe_contacts=they.fit("{Their} sister.") if rng.random() < 0.6 else "",
            has_children=bool(victim.children),
            checklist_completed_on=on,
            meets_professional_judgement=route == "judgement",
            meets_escalation=sum(d >= since for d in incidents)
            >= self.screening.escalation_incidents,
            is_repeat=listing.repeat,
            judgement_reasons=fit(rng.choice(JUDGEMENTS)) if route == "judgement" else "",
            has_possible_match=listing.repeat,
            victim_aware=consent is not Consent.NOT_SOUGHT,
            consent=consent,
            without_consent_reason={
                Consent.GIVEN: None,
                Consent.NOT_SOUGHT: WithoutConsent.WOULD_INCREASE_RISK,
                Consent.REFUSED_SHARED: WithoutConsent.SERIOUS_HARM,
            }[consent],
            consent_authorised_by="" if consent is Consent.GIVEN else authoriser[0],
            consent_authoriser_role="" if consent is Consent.GIVEN else authoriser[1],
            consent_reason={
                Consent.GIVEN: "",
                Consent.NOT_SOUGHT: fit("It was not safe to ask while {he} was in the house."),
                Consent.REFUSED_SHARED: they.fit(
                    "The risk to {their} life outweighs {their} wish not to share."
                ),
            }[consent],
            narrative=("Referred again. " if listing.repeat else "") + fit(narrative),
            is_aged_16_17=young,
            key_worker="Kim Ashby, Northbridge Youth Service" if young else "",
            childrens_services_involved=YesNoNotKnown.YES if young else None,
            exploitation_notes="Checked with the exploitation hub: nothing known." if young else "",
            created_at=submitted - timedelta(hours=rng.randint(1, 48)),
            updated_at=decided,
            perpetrators=[
                Perpetrator(
                    position=0,
                    given_name=given,
                    family_name=family,
                    dob=born,
                    relationship=relationship,
                    gender=victim.perpetrator_gender,
                    ethnicity=victim.group.ethnicity,
                )
            ],
            children=[
                Child(
                    position=n,
                    given_name=name,
                    family_name=victim.family,
                    dob=child_born,
                    relation_to_victim=relation,
                    relation_to_perpetrator=""
                    if relationship is Relationship.FAMILY_MEMBER
                    else relation,
                    school=_school(child_born, on),
                )
                for n, (name, child_born, relation) in enumerate(victim.children)
            ],
            incidents=[
                Incident(occurred_on=day, summary="Police called" if n % 2 else "Assault at home")
                for n, day in enumerate(incidents)
            ],
            transitions=[
                ReferralTransition(
                    from_status=ReferralStatus.DRAFT,
                    to_status=ReferralStatus.SUBMITTED,
                    actor_id=self.people[agency.id].id,
                    at=submitted,
                ),
                ReferralTransition(
                    from_status=ReferralStatus.SUBMITTED,
                    to_status=ReferralStatus.ACCEPTED,
                    actor_id=self.coordinator.id,
                    at=decided,
                    reason=fit(REASONS[route]),
                ),
            ],
        )
        db.session.add(referral)
        tool = self.young_tool if referral.is_aged_16_17 else self.tool
        questions = [q.id for q in tool.scored_questions]
        yes = set(rng.sample(questions, score))
        unsure = set(rng.sample([q for q in questions if q not in yes], rng.randint(0, 2)))
        # What the answers score and meet, by the tool's own rule.
        scored = tool.score({q: "yes" for q in yes}, self.screening)
        referral.score, referral.meets_visible_high_risk = scored.score, scored.high_risk
        for question in questions + [q.id for q in tool.questions if not q.scored]:
            answer = YesNoNotKnown.YES if question in yes else YesNoNotKnown.NO
            if question in unsure:
                answer = YesNoNotKnown.NOT_KNOWN
            answers.append((referral, question, answer))
        return referral

    # What the meeting recorded -------------------------------------------------------------

    def _record(
        self,
        conference: Conference,
        items: list[AgendaItem],
        final_at: datetime | None,
        genders: Genders,
    ) -> None:
        """The meeting's times, attendance, each case's record and the minutes, where missing."""
        rng = self.rng
        starts = conference.starts_at
        meeting = db.session.scalar(
            sa.select(Meeting).where(Meeting.conference_id == conference.id)
        )
        end = starts + timedelta(minutes=conference.duration_minutes - 10)
        if meeting is not None and meeting.concluded_at is not None:
            end = meeting.concluded_at
        at = max((i.closed_at for i in items if i.closed_at), default=starts + timedelta(minutes=8))
        unopened = [item for item in items if item.opened_at is None]
        slot = max(5, min(15, int((end - at).total_seconds()) // 60 // max(1, len(unopened))))
        for item in unopened:
            item.opened_at = at
            item.closed_at = at + timedelta(minutes=slot - rng.randint(1, 3))
            at += timedelta(minutes=slot)
        if meeting is None:
            db.session.add(
                Meeting(
                    conference_id=conference.id,
                    started_at=starts,
                    started_by_id=self.chair.id,
                    concluded_at=at,
                    concluded_by_id=self.chair.id,
                )
            )
        if not _has(Attendance, conference):
            self._attendance(conference)
        if final_at is not None:
            conference.agency_access_ends_at = final_at + timedelta(
                days=conference.marac.agency_access_days
            )
        if not _has(Minutes, conference):
            db.session.add(
                Minutes(
                    conference_id=conference.id,
                    opening_notes=rng.choice(OPENINGS),
                    other_business=rng.choice(OTHER_BUSINESS),
                    finalised_at=final_at,
                    finalised_by_id=self.chair.id if final_at else None,
                    updated_at=final_at or at + timedelta(hours=2),
                    updated_by_id=self.coordinator.id,
                )
            )
        written = set(
            db.session.scalars(
                sa.select(Discussion.agenda_item_id).where(
                    Discussion.agenda_item_id.in_([i.id for i in items])
                )
            )
        )
        for item in items:
            if item.id in written:
                continue
            shared, risk, decisions = rng.choice(DISCUSSIONS)
            children = item.section is Section.CHILDREN
            db.session.add(
                Discussion(
                    agenda_item_id=item.id,
                    information_shared=fit_case(shared, *genders[item.id]),
                    risk_to_victim=fit_case(risk, *genders[item.id]),
                    risk_to_children=fit_case(rng.choice(CHILD_RISKS), *genders[item.id])
                    if children
                    else "",
                    decisions=fit_case(decisions, *genders[item.id]),
                    updated_by_id=self.coordinator.id,
                    updated_at=item.closed_at,
                )
            )
        db.session.flush()

    def _attendance(self, conference: Conference) -> None:
        """Who came, and who sent apologies (with or without their information)."""
        at = conference.starts_at
        for agency in self.agencies:
            present = self.rng.random() < HABITS[agency.kind].present
            db.session.add(
                Attendance(
                    conference_id=conference.id,
                    agency_id=agency.id,
                    presence=Presence.PRESENT if present else Presence.APOLOGIES,
                    information_sent=None if present else self.rng.random() < 0.6,
                    recorded_by_id=self.chair.id,
                    recorded_at=at,
                )
            )
            if not present:
                continue
            people = [self.people[agency.id]]
            if agency.id == self.chair.agency_id:
                people.append(self.chair)
            for person in people:
                db.session.add(
                    Attendee(
                        conference_id=conference.id,
                        agency_id=agency.id,
                        user_id=person.id,
                        name=person.name,
                        job_title=person.job_title,
                        accepted_confidentiality_at=at,
                        added_by_id=self.chair.id,
                        added_at=at,
                    )
                )
        if conference.id % 4 == 0:
            # Now and then a new member of staff sits in to watch.
            db.session.add(
                Attendee(
                    conference_id=conference.id,
                    agency_id=self.chair.agency_id,
                    name="Robin Achebe",
                    job_title="Trainee, observing",
                    is_observer=True,
                    accepted_confidentiality_at=at,
                    added_by_id=self.chair.id,
                    added_at=at,
                )
            )

    def _research(self, conference: Conference, items: list[AgendaItem], genders: Genders) -> None:
        """Each invited agency's returns: most before the meeting, some late, some never."""
        rng = self.rng
        invited = set(
            db.session.scalars(
                sa.select(conference_invitations.c.agency_id).where(
                    conference_invitations.c.conference_id == conference.id
                )
            )
        )
        done = set(
            db.session.scalars(
                sa.select(ResearchReturn.agenda_item_id).where(
                    ResearchReturn.agenda_item_id.in_([i.id for i in items])
                )
            )
        )
        starts = conference.starts_at
        published = conference.published_at or starts - timedelta(days=7)
        rows = []
        for item in items:
            if item.id in done:
                continue
            for agency in self.agencies:
                habit = HABITS[agency.kind]
                adults_only = agency.kind in CHILDREN_ONLY and item.section is Section.ADULTS
                if agency.id not in invited or rng.random() >= habit.returns * (
                    0.5 if adults_only else 1
                ):
                    continue
                opens = max(published, item.added_at) + timedelta(hours=1)
                closes = starts - timedelta(minutes=30)
                if rng.random() < habit.late or opens >= closes:
                    at = min(starts + timedelta(minutes=rng.randint(10, 1500)), self.now)
                else:
                    at = opens + (closes - opens) * rng.random()
                outcome = self._outcome(agency.kind, item.section)
                known = outcome is Outcome.KNOWN
                flags = FLAGS.get(agency.kind, [])
                rows.append(
                    {
                        "agenda_item_id": item.id,
                        "agency_id": agency.id,
                        "outcome": outcome,
                        "summary": fit_case(rng.choice(SUMMARIES[agency.kind]), *genders[item.id])
                        if known
                        else "",
                        "risk_flags": [rng.choice(flags).value]
                        if known and flags and rng.random() < 0.3
                        else [],
                        "updated_by_id": self.people[agency.id].id,
                        "submitted_at": at,
                        "version": 1,
                        "created_at": at,
                        "updated_at": at,
                    }
                )
        if rows:
            db.session.execute(sa.insert(ResearchReturn), rows)

    def _outcome(self, kind: AgencyKind, section: Section) -> Outcome:
        known = 0.3
        if kind is K.POLICE or (kind is K.CHILDRENS_SERVICES and section is Section.CHILDREN):
            known = 0.62
        r = self.rng.random()
        if r < known:
            return Outcome.KNOWN
        return Outcome.NOTHING_TO_ADD if r < known + 0.18 else Outcome.NOT_KNOWN

    def _voices(
        self,
        conference: Conference,
        items: list[AgendaItem],
        referred: dict[int, date],
        genders: Genders,
    ) -> None:
        """An advocate reached most victims before the meeting; some not, a few unrecorded."""
        rng = self.rng
        day = display.local_day(conference)
        heard = set(
            db.session.scalars(
                sa.select(VictimVoice.agenda_item_id).where(
                    VictimVoice.agenda_item_id.in_([i.id for i in items])
                )
            )
        )
        unheard = [item for item in items if item.id not in heard]
        nothing = round(len(unheard) * rng.uniform(0.04, 0.16))
        missed = round(len(unheard) * rng.uniform(0.12, 0.28))
        kinds = ["nothing"] * nothing + ["missed"] * missed
        kinds += ["made"] * (len(unheard) - len(kinds))
        rng.shuffle(kinds)
        for item, kind in zip(unheard, kinds, strict=True):
            if kind == "nothing":
                continue
            fit = _fit_for(*genders[item.id])
            earliest = referred.get(item.id, day - timedelta(days=10))
            before = conference.starts_at - timedelta(days=1)
            if kind == "missed":
                voice = VictimVoice(
                    agenda_item_id=item.id,
                    contact_made=False,
                    no_contact_reason=fit(rng.choice(NO_CONTACT)),
                    updated_by_id=self.idva.id,
                    updated_at=before,
                )
            else:
                views, wishes, fears = rng.choice(VOICES)
                contacted = max(earliest, day - timedelta(days=rng.randint(1, 9)))
                told = day + timedelta(days=rng.randint(1, 4))
                tell = rng.random() < 0.65 and told < self.today
                voice = VictimVoice(
                    agenda_item_id=item.id,
                    contact_made=True,
                    contacted_on=contacted,
                    contact_method=rng.choices(CONTACT, weights=(30, 45, 5, 10, 8, 2))[0],
                    views=fit(views),
                    wishes=fit(wishes),
                    fears=fit(fears),
                    consent_to_share=fit("Everything {they} told the IDVA."),
                    safe_contact="Mobile on weekday mornings; never leave a voicemail.",
                    outcome_told_on=told if tell else None,
                    outcome_told_how=ContactMethod.PHONE if tell else None,
                    outcome_notes=fit("Told {them} the plan; {they} agreed to the sanctuary visit.")
                    if tell
                    else "",
                    **(
                        {
                            "outcome_result": OutcomeResult.TOLD,
                            "feels_safer": fit(FEELS_SAFER) if item.id % 3 == 0 else "",
                        }
                        if tell
                        else _not_told(item.id, told < self.today, fit)
                    ),
                    updated_by_id=self.idva.id,
                    updated_at=self._moment(told) if tell else before,
                )
            db.session.add(voice)

    # Actions -------------------------------------------------------------------------------

    def _actions(
        self,
        index: int,
        conference: Conference,
        items: list[tuple[AgendaItem, Listing]],
        genders: Genders,
    ) -> None:
        """Two or three actions per case, each as its owner reported on it since. Flushes."""
        rng = self.rng
        day = display.local_day(conference)
        plans = [(item, listing, kind) for item, listing in items for kind in self._owners(item)]
        still_open = set(rng.sample(range(len(plans)), min(self.overdue.get(index, 0), len(plans))))
        made = []
        for n, (item, listing, kind) in enumerate(plans):
            agency, owner = self.by_kind[kind], self.people[self.by_kind[kind].id]
            assert item.opened_at is not None and item.closed_at is not None
            agreed = item.opened_at + (item.closed_at - item.opened_at) * 0.7
            due = day + timedelta(days=rng.choice((7, 14, 14, 21, 28)))
            fit = _fit_for(*genders[item.id])
            steps = [
                (step, at, fit(note))
                for step, at, note in self._progress(HABITS[kind], agreed, due, n in still_open)
            ]
            status = steps[-1][0] if steps else ActionStatus.OPEN
            action = Action(
                case_id=item.case_id,
                agenda_item_id=item.id,
                description=fit(rng.choice(TASKS[kind][1])),
                owner_agency_id=agency.id,
                owner_name=owner.name if rng.random() < 0.4 else "",
                due_on=due,
                priority=rng.choices(list(Priority), weights=(25, 60, 15))[0],
                status=status,
                agreed_at=agreed,
                agreed_by_id=self.chair.id,
                updated_at=steps[-1][1] if steps else agreed,
                updated_by_id=owner.id if steps else self.chair.id,
            )
            made.append((action, steps, owner))
            victim = listing.victim
            victim.open_actions += not status.is_closed
            moments = [action.updated_at, *([victim.last_event] if victim.last_event else [])]
            victim.last_event = max(moments)
        db.session.add_all(action for action, _, _ in made)
        db.session.flush()
        db.session.add_all(
            ActionUpdate(action_id=action.id, status=status, note=note, actor_id=owner.id, at=at)
            for action, steps, owner in made
            for status, at, note in steps
        )
        db.session.flush()

    def _owners(self, item: AgendaItem) -> list[AgencyKind]:
        kinds = [k for k in TASKS if item.section is Section.CHILDREN or k not in CHILDREN_ONLY]
        weights = [TASKS[k][0] for k in kinds]
        wanted = self.rng.choice((2, 2, 3))
        chosen: list[AgencyKind] = []
        while len(chosen) < wanted:
            kind = self.rng.choices(kinds, weights=weights)[0]
            if kind not in chosen:
                chosen.append(kind)
        return chosen

    def _progress(
        self, habit: Habit, agreed: datetime, due: date, keep_open: bool
    ) -> list[tuple[ActionStatus, datetime, str]]:
        """The owner's updates: most done by the due date, some late, a few not done."""
        rng = self.rng
        agreed_on = rules.local(agreed, self.tz).date()
        start = agreed_on + timedelta(days=1)
        if keep_open or (due >= self.today and rng.random() < 0.75):
            started = self._between(start, min(due, agreed_on + timedelta(days=10)))
            if started is not None and rng.random() < 0.5:
                return [
                    (ActionStatus.IN_PROGRESS, started, rng.choice(NOTES[ActionStatus.IN_PROGRESS]))
                ]
            return []
        r, late = rng.random(), False
        if r < 0.05:
            status, at = ActionStatus.NOT_DONE_CIRCUMSTANCES, self._between(start, due)
        elif r < 0.05 + habit.not_done:
            status = ActionStatus.NOT_DONE_AGENCY
            at = self._between(due + timedelta(days=1), due + timedelta(days=21))
        elif rng.random() < habit.on_time:
            status, at = ActionStatus.DONE, self._between(start, due)
        else:
            status, late = ActionStatus.DONE, True
            at = self._between(due + timedelta(days=1), due + timedelta(days=30))
        if at is None:  # Too recent to have been late: done in time instead.
            status, late, at = ActionStatus.DONE, False, self._between(start, due)
        if at is None:
            return []
        note = rng.choice(LATE_NOTES if late else NOTES[status])
        steps = [(status, at, note)]
        halfway = agreed + (at - agreed) / 2
        if status is ActionStatus.DONE and at - agreed > timedelta(days=4) and rng.random() < 0.3:
            steps.insert(
                0, (ActionStatus.IN_PROGRESS, halfway, rng.choice(NOTES[ActionStatus.IN_PROGRESS]))
            )
        return steps


def _partner_is_a_woman(gender: Gender, sexuality: Sexuality) -> bool:
    """A straight or bisexual man's partner is a woman, and a lesbian's; anyone else's a man."""
    return (gender is Gender.MALE) != (sexuality is Sexuality.GAY_LESBIAN)


def _fit_for(victim: Gender | None, perpetrator: Gender | None) -> Callable[[str], str]:
    """fit_case for one case: its victim's and its perpetrator's genders."""
    return lambda text: fit_case(text, victim, perpetrator)


def _genders(items: list[AgendaItem]) -> Genders:
    """Each item's victim's and main perpetrator's genders, as the referral it was listed on
    records them (the case's latest referral for an item listed without one)."""
    latest = {
        case_id: referral_id
        for case_id, referral_id in db.session.execute(
            sa.select(Referral.case_id, sa.func.max(Referral.id))
            .where(Referral.case_id.in_([i.case_id for i in items if i.referral_id is None]))
            .group_by(Referral.case_id)
        )
    }
    listed_on = {item.id: item.referral_id or latest.get(item.case_id) for item in items}
    recorded = {
        referral_id: (victim, perpetrator)
        for referral_id, victim, perpetrator in db.session.execute(
            sa.select(Referral.id, Referral.victim_gender, Perpetrator.gender)
            .outerjoin(
                Perpetrator,
                sa.and_(Perpetrator.referral_id == Referral.id, Perpetrator.position == 0),
            )
            .where(Referral.id.in_([r for r in listed_on.values() if r is not None]))
        )
    }
    return {
        item_id: recorded.get(referral_id, (None, None)) if referral_id else (None, None)
        for item_id, referral_id in listed_on.items()
    }


def _people(agencies: list[Agency], users: dict[str, User], now: datetime) -> dict[int, User]:
    """Agency id -> who refers, researches and attends for it: its demo login, or a named
    practitioner without one (made here: no password, no role, so nobody signs in as them)."""
    people: dict[int, User] = {}
    for local in ("coordinator", "police", "idva", "childrens", "health", "housing", "probation"):
        people.setdefault(users[local].agency_id, users[local])
    staff = {kind: rest for kind, *rest in STAFF}
    for agency in agencies:
        if agency.id in people or agency.kind not in staff:
            continue
        local, name, title = staff[agency.kind]
        email = f"{local}@{DOMAIN}"
        person = db.session.scalar(sa.select(User).where(User.email == email))
        if person is None:
            person = User(email=email, name=name, job_title=title, agency=agency, created_at=now)
            db.session.add(person)
            db.session.flush()
        people[agency.id] = person
    return people


def _has(model: type[Attendance] | type[Minutes], conference: Conference) -> bool:
    found = sa.select(model.id).where(model.conference_id == conference.id).limit(1)
    return db.session.scalar(found) is not None


def _school(born: date, on: date) -> str:
    age = age_on(born, on)
    if age >= 11:
        return "Northbridge Academy"
    if age >= 4:
        return "Millbrook Primary School"
    return "Canal Side Nursery" if age >= 2 else ""
