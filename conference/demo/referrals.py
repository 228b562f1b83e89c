"""Demo referrals in every state, made through the same services a practitioner's clicks use.

Every name, date and story is invented. Loaded once: nothing is added if any referral exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from conference.accounts.models import Marac, User
from conference.extensions import db
from conference.pronouns import pronouns_for
from conference.referrals import services
from conference.referrals.checklists import RiskTool
from conference.referrals.choices import Decision
from conference.referrals.forms import age_on
from conference.referrals.models import Referral


@dataclass(frozen=True)
class Victim:
    given_name: str
    family_name: str
    dob: tuple[int, int, int]
    aliases: str = ""
    ethnicity: str = "white"
    sexuality: str = "heterosexual"
    disability: str = "no"
    gender: str = "female"
    language: str = ""
    #: The referrer knows only her age (the one dob gives on the day of the referral).
    approximate: bool = False


@dataclass(frozen=True)
class Named:
    """The perpetrator as the referrer names him: a date of birth, or only an approximate age
    (``age``, or the age on the day of the referral of a man born on ``looks_born``)."""

    given_name: str
    family_name: str
    dob: tuple[int, int, int] | None = None
    relationship: str = "partner"
    aliases: str = ""
    age: int | None = None
    looks_born: tuple[int, int, int] | None = None
    #: Another possible date of birth, as records give more than one.
    other_dob: tuple[int, int, int] | None = None


@dataclass(frozen=True)
class Story:
    """One demo referral: who refers whom, how risky it looks, and what became of it."""

    referrer: str
    marac: str
    victim: Victim
    days_ago: float
    yes: int = 15
    children: tuple[tuple[str, tuple[int, int, int], str], ...] = ()
    incidents: tuple[int, ...] = ()
    judgement: str = ""
    young: bool = False
    #: "draft", "submitted", "more_info_requested", "accepted", "declined", "withdrawn".
    outcome: str = "submitted"
    reason: str = ""
    #: For an accepted referral: the advocate's email local part; a case reference to join.
    advocate: str = ""
    confidential: bool = False
    narrative: str = ""
    perpetrator: Named | None = None
    #: "given", "refused_shared" or "not_sought"; blank: given when yes is odd, else refused.
    consent: str = ""
    #: For one shared without consent: why (a WithoutConsent value) and what makes it needed.
    without_consent: tuple[str, str] = ("serious_harm", "The risk to her life outweighs her wish.")
    #: Checklist questions answered 'yes' besides the first ``yes`` scored ones: a question
    #: that opens a module, and that module's own questions.
    also_yes: tuple[str, ...] = ()
    #: The red-flag questions answered 'yes' (they never change the score).
    red_flag: bool = False


#: Who in each referring agency authorises sharing without consent: invented people.
AUTHORISERS = {
    "police": ("Ruth Calloway", "Detective Inspector, Public Protection Unit"),
    "housing": ("Owain Bright", "Safeguarding lead, Northbridge Homes"),
    "probation": ("Hannah Ferris", "Senior probation officer"),
    "idva": ("Priya Nandi", "IDVA service manager"),
    "health": ("Alan Moss", "Named nurse for safeguarding adults"),
    "eastmoor": ("Colin Marsh", "Safeguarding lead, Eastmoor"),
    "riverton": ("Grace Okafor", "Program director, Riverton Family Justice Center"),
}

#: Who decides on each MARAC's referrals.
COORDINATORS = {"NB": "coordinator", "EM": "eastmoor", "RV": "riverton"}


DAWN = Victim("Dawn", "Hartigan", (12, 4, 1987), aliases="Dawn Kell")
MARISA = Victim("Marisa", "Okonjo", (3, 9, 1992), ethnicity="black")
TESSA = Victim("Tessa", "Braithwaite", (30, 1, 1979), disability="yes")
KAMILA = Victim("Kamila", "Nowicka", (19, 11, 1990), language="Polish")
#: Her date of birth is set when seeding, so that she is always 17.
LEAH = Victim("Leah", "Marchetti", (1, 1, 2000), sexuality="bisexual")
ROXANNE = Victim("Roxanne", "Pryce", (22, 6, 1985))
FARAH = Victim("Farah", "Qureshi", (5, 5, 1994), ethnicity="asian", language="Urdu")
GEMMA = Victim("Gemma", "Lowther", (14, 7, 1983))
OWEN = Victim("Owen", "Sadler", (2, 3, 1976), gender="male", sexuality="gay_lesbian")
SHANNON = Victim("Shannon", "Kerrigan", (2, 10, 1991))
JEROME = Victim("Jerome", "Baptiste", (23, 1, 1993), gender="male", ethnicity="black")
#: Riverton's high-risk team: a woman whose referral waits for screening, and a man whose case
#: was opened there.
LUCIA = Victim("Lucia", "Navarro", (8, 8, 1990))
DEREK = Victim("Derek", "Halvorsen", (17, 5, 1984), gender="male")

#: Dawn's ex-partner, named again (spelt another way) in the new referral of her: a link the
#: coordinator has still to confirm or reject at screening.
DARREN = Named("Darren", "Kell", (9, 11, 1984), "ex_partner", aliases="Daz Kell")
#: Marisa's ex-partner, named by Eastmoor and again by the Northbridge hospital: another.
TOBIAS = Named("Tobias", "Adeyemi", (27, 2, 1989), "ex_partner", aliases="Toby Adeyemi")
#: The serial perpetrator: Yvonne Castell's in Northbridge a year ago, then Shannon Kerrigan's in
#: Eastmoor and Mina Farouk's in Northbridge (demo/perpetrators.py confirms the links).
WAYNE = Named("Wayne", "Tillotson", (14, 3, 1980), "ex_partner")
#: Imani Osei's partner, who is referred as a victim naming her: a counter-allegation.
JEROME_NAMED = Named("Jerome", "Baptiste", (23, 1, 1993))
IMANI_NAMED = Named("Imani", "Osei", (15, 4, 1995))

STORIES = [
    Story(
        "idva",
        "NB",
        DAWN,
        perpetrator=DARREN,
        days_ago=150,
        children=(("Mia", (4, 6, 2016), "Daughter"), ("Rhys", (17, 1, 2019), "Son")),
        incidents=(170, 120),
        outcome="accepted",
        reason="Visible high risk with two children in the household.",
        advocate="idva",
        narrative="Strangled during an argument about child contact; he has since been "
        "sending messages through the children.",
    ),
    Story(
        "eastmoor",
        "EM",
        MARISA,
        perpetrator=TOBIAS,
        days_ago=140,
        yes=14,
        outcome="accepted",
        reason="Meets visible high risk.",
        narrative="Moved away from Eastmoor after repeated assaults; he followed her twice.",
    ),
    Story(
        "housing",
        "NB",
        TESSA,
        perpetrator=Named("Gareth", "Pilling", (5, 5, 1975), "ex_partner"),
        days_ago=60,
        yes=17,
        outcome="accepted",
        reason="Visible high risk. She is now in refuge: address confidential.",
        advocate="idva",
        confidential=True,
        narrative="Fled to refuge after threats to kill. The perpetrator is looking for her.",
    ),
    Story(
        "probation",
        "NB",
        ROXANNE,
        perpetrator=Named("Dean", "Whitcombe", (18, 10, 1983), "ex_partner"),
        days_ago=12,
        yes=6,
        judgement="She is worried he will turn up at her work.",
        incidents=(40, 200),
        outcome="declined",
        reason="Declined: the outreach service is already working with her and the police have "
        "flagged her address. Refer again if anything changes.",
        narrative="Verbal abuse after separation; no threats or violence reported.",
    ),
    Story(
        "police",
        "NB",
        GEMMA,
        perpetrator=Named("Liam", "Cartwright", (2, 2, 1982)),
        days_ago=9,
        outcome="withdrawn",
        reason="Sent in error: already referred by the IDVA service.",
        narrative="Assault reported to police.",
    ),
    Story(
        "housing",
        "NB",
        FARAH,
        perpetrator=Named("Asif", "Qureshi", age=33),
        days_ago=6,
        yes=8,
        incidents=(20, 60, 110, 300),
        outcome="more_info_requested",
        reason="Please say which incidents the police attended and whether she has been "
        "asked about forced marriage.",
        narrative="Neighbours report frequent disturbances; she says family members are involved.",
    ),
    Story(
        "police",
        "NB",
        KAMILA,
        perpetrator=Named("Marek", "Zielinski", (7, 7, 1986)),
        days_ago=3,
        yes=16,
        children=(("Zofia", (9, 9, 2021), "Daughter"),),
        incidents=(3, 45, 90),
        narrative="Strangled and threatened with a knife; she is pregnant.",
        consent="not_sought",
        without_consent=(
            "would_increase_risk",
            "He reads her phone and was in the house when officers left. Asking her now would "
            "tell him she is being helped; the risk to her and the baby needs the meeting.",
        ),
        # He was back in the house when officers left: the referrer flagged danger today.
        red_flag=True,
    ),
    Story(
        "idva",
        "NB",
        LEAH,
        perpetrator=Named("Jordan", "Pask", age=24),
        days_ago=1,
        yes=9,
        judgement="She is 17 and isolated from her family. Her partner is 24 and controls her "
        "phone; she is too frightened to answer every question.",
        young=True,
        narrative="Met her partner online; he has moved her between addresses.",
    ),
    Story(
        "health",
        "NB",
        # The emergency department had only her age; she matches Eastmoor's Marisa by it.
        Victim("Marissa", "Okonjo", (3, 9, 1992), ethnicity="black", approximate=True),
        perpetrator=Named("Toby", "Adeyemi", (27, 2, 1989), "ex_partner"),
        days_ago=0.1,
        yes=7,
        narrative="Seen at the emergency department with a head injury. She says she moved "
        "here from Eastmoor.",
    ),
    Story(
        "police",
        "NB",
        Victim("Dawne", "Hartigan", (12, 4, 1987)),
        # Police records give him two dates, the day and month each way round.
        perpetrator=Named("Daren", "Kell", (11, 9, 1984), "ex_partner", other_dob=(9, 11, 1984)),
        days_ago=0.5,
        yes=5,
        # He keeps turning up: the stalking question opens the stalking module, whose own
        # rule (five or more of its answers) is met.
        also_yes=(
            "stalking",
            "stalk_frightened",
            "stalk_turns_up",
            "stalk_messages",
            "stalk_others",
            "stalk_long",
            "stalk_fixated",
        ),
        incidents=(2,),
        narrative="Breach of a non-molestation order: he waited outside the school, and he "
        "messages and calls her and her sister every day.",
    ),
    Story(
        "police",
        "NB",
        OWEN,
        perpetrator=Named("Stefan", "Lisle", (30, 8, 1980)),
        days_ago=0.05,
        outcome="draft",
        narrative="",
    ),
    Story(
        "eastmoor",
        "EM",
        SHANNON,
        perpetrator=Named("Wayne", "Tillotsen", (14, 3, 1980)),
        days_ago=30,
        yes=15,
        outcome="accepted",
        reason="Visible high risk.",
        narrative="He moved to Eastmoor last year; he assaulted her when she tried to end it and "
        "tracks her car.",
    ),
    Story(
        "police",
        "NB",
        JEROME,
        perpetrator=IMANI_NAMED,
        days_ago=4,
        yes=8,
        incidents=(4, 15, 30),
        judgement="Three call-outs in a month; each of them says the other started it.",
        narrative="He says she hit him with a mug during an argument; she has been referred "
        "as the victim of him.",
    ),
    Story(
        "riverton",
        "RV",
        DEREK,
        perpetrator=Named("Kristen", "Halvorsen", (2, 12, 1986), "ex_partner"),
        days_ago=20,
        yes=15,
        outcome="accepted",
        reason="High danger on the screen: she has threatened to kill him and has a gun.",
        narrative="His ex-wife came to his house with a gun after he left; she has threatened "
        "to kill him if he takes the children.",
    ),
    Story(
        "riverton",
        "RV",
        LUCIA,
        perpetrator=Named("Ray", "Colter", (30, 6, 1982)),
        days_ago=2,
        yes=15,
        narrative="Choked until she passed out last week; he keeps a handgun in the truck.",
    ),
]


def seed_referrals(users: dict[str, User], maracs: dict[str, Marac], now: datetime) -> int:
    """Create the demo referrals unless there are referrals already. Flushes; returns the count."""
    if db.session.scalar(sa.select(sa.func.count(Referral.id))):
        return 0
    for story in sorted(STORIES, key=lambda s: -s.days_ago):
        refer(story, users, maracs, now)
    db.session.flush()
    return len(STORIES)


def refer(
    story: Story, users: dict[str, User], maracs: dict[str, Marac], now: datetime
) -> Referral:
    """Make one story's referral and take it to its outcome, at the story's own time."""
    when = now - timedelta(days=story.days_ago)
    referrer = users[story.referrer]
    referral = services.start_referral(maracs[story.marac], actor=referrer, now=when)
    tool, _ = services.risk_tool_for(maracs[story.marac])
    referral.draft = _draft(story, tool, when)
    # A victim aged 16 or 17 is asked the young people's version: answer the one it uses.
    tool, _ = services.referral_tool(referral, services.today_in(referral.marac, when))
    referral.draft = _draft(story, tool, when)
    if story.outcome == "draft":
        referral.draft = {"victim": referral.draft["victim"]}
        return referral
    services.submit(referral, actor=referrer, now=when)
    coordinator = users[COORDINATORS[story.marac]]
    if story.outcome == "withdrawn":
        services.withdraw(referral, actor=referrer, reason=story.reason, now=when)
    elif story.outcome in ("accepted", "declined", "more_info_requested"):
        decision = {
            "accepted": Decision.ACCEPT,
            "declined": Decision.DECLINE,
            "more_info_requested": Decision.MORE_INFO,
        }[story.outcome]
        case = services.decide(
            referral,
            decision,
            actor=coordinator,
            reason=story.reason,
            now=min(when + timedelta(hours=20), now),
            advocate=users[story.advocate] if story.advocate else None,
        )
        if case is not None and story.confidential:
            services.set_address_confidential(case, True, actor=coordinator, now=now)
    return referral


def _consent(story: Story) -> dict[str, list[str]]:
    """The consent step: with her consent, or without it, why, and who authorised it."""
    consent = story.consent or ("given" if story.yes % 2 else "refused_shared")
    answers = {
        "victim_aware": ["no" if consent == "not_sought" else "yes"],
        "consent": [consent],
        "narrative": [story.narrative],
    }
    if consent == "given":
        return answers
    reason, why = story.without_consent
    name, role = AUTHORISERS[story.referrer]
    return {
        **answers,
        "without_consent_reason": [reason],
        "consent_reason": [why],
        "consent_authorised_by": [name],
        "consent_authoriser_role": [role],
    }


def _date(parts: tuple[int, int, int]) -> list[str]:
    return [str(p) for p in parts]


def _perpetrator(story: Story, when: datetime) -> dict[str, list[str]]:
    p = story.perpetrator
    assert p is not None, story.victim
    age = p.age
    if p.looks_born is not None:
        day, month, year = p.looks_born
        age = age_on(date(year, month, day), when.date())
    return {
        "perpetrators-0-given_name": [p.given_name],
        "perpetrators-0-family_name": [p.family_name],
        "perpetrators-0-aliases": [p.aliases],
        "perpetrators-0-dob_kind": ["exact" if p.dob else "age" if age is not None else ""],
        "perpetrators-0-dob": _date(p.dob) if p.dob else ["", "", ""],
        "perpetrators-0-approximate_age": [str(age) if age is not None else ""],
        "perpetrators-0-other_dob_1": _date(p.other_dob) if p.other_dob else ["", "", ""],
        "perpetrators-0-gender": ["female" if story.victim.gender == "male" else "male"],
        "perpetrators-0-ethnicity": [story.victim.ethnicity],
        "perpetrators-0-relationship": [p.relationship],
    }


def _victim_birth(v: Victim, born: tuple[int, int, int], when: datetime) -> dict[str, list[str]]:
    """Her date of birth as the referrer gives it: the date, or only her age that day."""
    if not v.approximate:
        return {"dob_kind": ["exact"], "dob": _date(born)}
    day, month, year = born
    return {
        "dob_kind": ["age"],
        "approximate_age": [str(age_on(date(year, month, day), when.date()))],
    }


def _draft(story: Story, tool: RiskTool, when: datetime) -> dict[str, dict[str, list[str]]]:
    v = story.victim
    # The words the referrer types speak of the victim, and of the perpetrator, as they are.
    they, other = pronouns_for(v.gender), pronouns_for("female" if v.gender == "male" else "male")
    born = v.dob
    if story.young:
        day = when.date().replace(year=when.year - 17) - timedelta(days=100)
        born = (day.day, day.month, day.year)
    children: dict[str, list[str]] = {"has_children": ["yes" if story.children else "no"]}
    for n, (name, child_born, relation) in enumerate(story.children):
        children[f"children-{n}-given_name"] = [name]
        children[f"children-{n}-family_name"] = [v.family_name]
        children[f"children-{n}-dob"] = _date(child_born)
        children[f"children-{n}-relation_to_victim"] = [relation]
        children[f"children-{n}-relation_to_perpetrator"] = [
            "Son" if relation == "Son" else "Daughter"
        ]
        children[f"children-{n}-school"] = ["Northbridge Primary School"]
    criteria: dict[str, list[str]] = {}
    for n, days in enumerate(story.incidents):
        day = (when - timedelta(days=days)).date()
        criteria[f"incidents-{n}-occurred_on"] = _date((day.day, day.month, day.year))
        criteria[f"incidents-{n}-summary"] = ["Police called" if n % 2 else "Assault at home"]
    if story.judgement:
        criteria["professional_judgement"] = ["y"]
        criteria["judgement_reasons"] = [story.judgement]
    done = (when - timedelta(days=1)).date()
    draft = {
        "victim": {
            # The referrer's own number: a crime number from the police, a case number
            # from anyone else.
            "reference": [
                f"{'CRN' if story.referrer == 'police' else 'Case'} "
                f"{len(v.family_name) * 311 + len(v.given_name) * 17:05d}/{when:%y}"
            ],
            "given_name": [v.given_name],
            "family_name": [v.family_name],
            "aliases": [v.aliases],
            **_victim_birth(v, born, when),
            "gender": [v.gender],
            "is_trans": ["no"],
            "ethnicity": [v.ethnicity],
            "disability": [v.disability],
            "sexuality": [v.sexuality],
            "language": [v.language],
            "needs_interpreter": ["y"] if v.language else [],
        },
        "contact": {
            "address": [
                f"{len(v.family_name) * 7} Demo Street, Riverton"
                if story.marac == "RV"
                else f"{len(v.family_name) * 7} Demo Street, Northbridge NB1 {len(v.given_name)}ZZ"
            ],
            "phone": [f"07700 900{len(v.family_name):03d}"],
            "safe_to_call": ["yes"],
            "contact_notes": ["Call on weekday mornings only. Do not leave a message."],
            "who_she_fears": [
                they.fit("{Their} partner, and ")
                + other.fit("{their} brother who drives {them} around.")
            ],
            "safe_contacts": [they.fit("{Their} sister, and the health visitor.")],
            "unsafe_contacts": [other.fit("{Their} mother, who passes everything on.")],
        },
        "perpetrators": _perpetrator(story, when),
        "children": children,
        "checklist": {
            "completed_on": _date((done.day, done.month, done.year)),
            **{
                q.id: ["yes" if i < story.yes or q.id in story.also_yes else "no"]
                for i, q in enumerate(tool.scored_questions)
            },
            **{q.id: ["yes" if story.red_flag else "no"] for q in tool.questions if q.red_flag},
            # Every module's questions: only those of a module the answers open count.
            **{
                q.id: ["yes" if q.id in story.also_yes else "no"]
                for m in tool.modules
                for q in m.questions
            },
        },
        "criteria": criteria,
        "consent": _consent(story),
    }
    if story.young:
        draft["young_person"] = {
            "key_worker": ["Pat Demo, Northbridge Youth Service"],
            "childrens_services_involved": ["yes"],
            "exploitation_notes": [
                "Checked with the exploitation hub: known associate of a county line."
            ],
        }
    return draft
