"""The invented people, places and words the demo history is written from.

Names are common ones for each group, picked at random; stories and notes are short and
typical of what a MARAC hears. None describes a real person.

Texts that may be written on any case speak of its victim and its perpetrator with
placeholders, filled by ``fit_case`` when the history is written: ``{they} {are}``, ``{their}``
and the rest of conference.pronouns for the victim, ``{he} {him} {his} {himself}`` (or
capitalised) for the perpetrator. Filled for a woman and a man they read as they always did.
"""

from __future__ import annotations

from dataclasses import dataclass

from conference.accounts.models import AgencyKind
from conference.actions.choices import ActionStatus
from conference.pronouns import PLACEHOLDER, pronouns_for
from conference.referrals.choices import (
    Ethnicity,
)
from conference.research.choices import RiskFlag
from conference.voice.choices import ContactMethod

#: Short, so the tables below stay readable.
K = AgencyKind


def fit_case(text: str, victim_gender: object, perpetrator_gender: object) -> str:
    """The text with the perpetrator's placeholders ({he} {him} {his} {himself}, {He}...)
    filled with the pronouns of the perpetrator's recorded gender, then the victim's (as
    Pronouns.fit does). A verb after {he} is written for "he" or "she" ("{he} has"): every demo
    perpetrator is recorded as a man or a woman."""
    own = pronouns_for(perpetrator_gender)
    words = {"he": own.they, "him": own.them, "his": own.their, "himself": own.themself}
    words |= {key.capitalize(): value.capitalize() for key, value in words.items()}
    text = PLACEHOLDER.sub(lambda m: words.get(m.group(1), m.group(0)), text)
    return pronouns_for(victim_gender).fit(text)


#: Boys' and girls' names.
GENERIC_CHILDREN = (
    "Oliver Jack Harry Freddie Alfie Archie Leo Oscar Mason Kai Riley Tyler Logan Theo Finley",
    "Isla Poppy Ella Evie Lily Amelia Maisie Ivy Zara Sienna Millie Darcy Rosie Erin Lacey",
)
MUSLIM_CHILDREN = ("Ibrahim Yusuf Hamza Zayn Musa Idris Bilal", "Maryam Aisha Inaya Safiya Hafsa")
NON_BINARY = "Alex Robin Charlie Jamie Rowan"


@dataclass(frozen=True)
class Group:
    """Invented names of one background, and the languages some of its victims speak."""

    ethnicity: Ethnicity
    weight: int
    women: str
    men: str
    families: str
    languages: tuple[str, ...] = ()
    children: tuple[str, str] = GENERIC_CHILDREN


BRITISH = (
    "Claire Joanne Kelly Sarah Emma Lisa Nicola Rachel Stacey Danielle Leanne Kirsty Amy Zoe "
    "Hayley Jade Chloe Megan Shannon Katie Louise Samantha Charlotte Natalie Vicky Carly Tracey "
    "Michelle Donna Julie Karen Amanda Siobhan Ffion Cerys Rhiannon Eilidh Shona Lauren Jodie "
    "Kerry Paige Abbie Courtney Holly Becky Sinead Aoife Kayleigh Bethany Tanya Melissa Gillian",
    "Darren Gareth Liam Kieran Scott Neil Paul Stuart Ryan Callum Dylan Martin Jason Mark Gary "
    "Steven Kyle Carl Shaun Lewis Connor Nathan Danny Adam Karl Aaron Reece",
    "Ashworth Brennan Calloway Dunmore Fairclough Gillespie Hollins Kershaw Lomax Mercer Nuttall "
    "Pickering Renshaw Sutcliffe Thwaite Whitlock Yardley Ainsley Barraclough Cropper Dobson "
    "Earnshaw Fenwick Greaves Haworth Ingham Jowett Kenworthy Lister Mossop Ormerod Pilling "
    "Quarmby Rishworth Stansfield Tattersall Unsworth Varley Wadsworth Holroyd Maguire Doherty "
    "McAllister Prosser Llewellyn Pritchard Rowntree Spedding Tollitt Worsley Blackledge "
    "Catterall Dearden Entwistle Foulds Grimshaw Hargreaves Illingworth",
)
#: About one victim in six from a minoritised background, as in the national figures.
GROUPS = [
    Group(Ethnicity.WHITE, 73, *BRITISH),
    Group(Ethnicity.NOT_KNOWN, 6, *BRITISH),
    Group(
        Ethnicity.WHITE,
        3,
        "Agnieszka Justyna Monika Katarzyna Marta Ewelina Paulina",
        "Tomasz Pawel Marek Krzysztof",
        "Kowalczyk Wisniewska Zielinska Sadowska Lewandowska Kaminska Wojcik",
        ("Polish", "Polish", ""),
    ),
    Group(
        Ethnicity.WHITE,
        2,
        "Ioana Elena Andreea Mihaela Roxana",
        "Andrei Florin Mihai",
        "Dumitru Popescu Munteanu Ionescu Stoica",
        ("Romanian", ""),
    ),
    Group(
        Ethnicity.ASIAN,
        4,
        "Nusrat Shabana Rukhsana Parveen Samina Fatima Sadia Tahmina Nasreen Amina Sana Zainab "
        "Rubina Noreen Humaira Shazia",
        "Imran Adeel Tariq Zubair Kamran Waqas Asif",
        "Begum Akhtar Hussain Rahman Chowdhury Iqbal Mahmood Bashir Rashid Malik Uddin Siddiqui",
        ("Urdu", "Bengali", "Punjabi", "", ""),
        MUSLIM_CHILDREN,
    ),
    Group(
        Ethnicity.ASIAN,
        2,
        "Harpreet Jaspreet Manpreet Simran Kiran Priyanka Sunita Anjali Deepa Nisha",
        "Sandeep Gurdeep Rajesh Amit",
        "Kaur Sandhu Dhillon Chauhan Mistry Parmar Sharma Bains Virdee",
        ("Punjabi", "Gujarati", "", ""),
    ),
    Group(
        Ethnicity.BLACK,
        2,
        "Keisha Shanice Tanisha Nadine Marcia Simone Chantelle Jolene",
        "Jermaine Dwayne Leon Delroy",
        "Campbell Grant Clarke Bailey Francis Spencer McKenzie Henry",
    ),
    Group(
        Ethnicity.BLACK,
        1,
        "Abena Adaeze Chiamaka Folake Blessing Yetunde Efua Ngozi",
        "Kwabena Emeka Tunde Kofi",
        "Mensah Adeyemi Okoro Boateng Owusu Nwosu Balogun Oyelaran",
        ("", "Twi", "Yoruba"),
    ),
    Group(
        Ethnicity.BLACK,
        1,
        "Halima Fadumo Hodan Sahra Ifrah Ubah",
        "Abdirahman Mahad Liban",
        "Warsame Abdi Jama Osman Mohamud Egal",
        ("Somali",),
        MUSLIM_CHILDREN,
    ),
    Group(
        Ethnicity.MIXED,
        2,
        "Jasmine Tia Kayla Mya Skye Keeley Aaliyah Leona",
        "Jordan Tyrese Marley",
        "Campbell Whitlock Grant Ormerod Clarke Dobson Bailey Hollins",
    ),
    Group(
        Ethnicity.ARAB,
        1,
        "Rania Huda Salma Yasmin Noor Dalia Lina Reem Samira",
        "Karim Omar Sami",
        "Khalil Mansour Saleh Nasser Darwish Qasim Hamdan Sabbagh",
        ("Arabic",),
        MUSLIM_CHILDREN,
    ),
    Group(
        Ethnicity.OTHER,
        1,
        "Elif Zeynep Gulsen Ayse Shilan",
        "Murat Emre Baran",
        "Yilmaz Aydin Demir Kaya Celik",
        ("Turkish", "Kurdish"),
    ),
    Group(
        Ethnicity.OTHER,
        1,
        "Mei Xiu Ling Yan Hui",
        "Wei Jun",
        "Chen Wong Liu Zhou Lam",
        ("Cantonese", "Mandarin", ""),
    ),
]


@dataclass(frozen=True)
class Habit:
    """How an agency works with the MARAC: how often it attends, returns research (and how
    much of that arrives after the meeting started), does its actions on time, and fails to."""

    present: float
    returns: float
    late: float
    on_time: float
    not_done: float


#: Some agencies strong, some weak, so the data return has something to show.
HABITS = {
    K.POLICE: Habit(1.0, 0.97, 0.02, 0.86, 0.02),
    K.OTHER: Habit(1.0, 0.25, 0.0, 0.9, 0.0),
    K.IDVA_SERVICE: Habit(1.0, 0.95, 0.04, 0.9, 0.01),
    K.CHILDRENS_SERVICES: Habit(0.95, 0.88, 0.08, 0.74, 0.03),
    K.HEALTH: Habit(0.9, 0.85, 0.12, 0.72, 0.03),
    K.HOUSING: Habit(0.85, 0.75, 0.22, 0.5, 0.1),
    K.PROBATION: Habit(0.75, 0.7, 0.15, 0.75, 0.04),
    K.MENTAL_HEALTH: Habit(0.7, 0.58, 0.25, 0.55, 0.08),
    K.ADULT_SAFEGUARDING: Habit(0.6, 0.62, 0.1, 0.8, 0.03),
    K.EDUCATION: Habit(0.35, 0.14, 0.3, 0.7, 0.05),
    K.SUBSTANCE_USE: Habit(0.3, 0.08, 0.4, 0.6, 0.1),
}
#: Who refers: the police about 60%; schools and the substance use service never do.
REFERRERS = [
    (K.POLICE, 60),
    (K.IDVA_SERVICE, 9),
    (K.HEALTH, 9),
    (K.HOUSING, 7),
    (K.CHILDRENS_SERVICES, 7),
    (K.PROBATION, 4),
    (K.MENTAL_HEALTH, 3),
    (K.ADULT_SAFEGUARDING, 1),
]
#: Practitioners of the agencies with no demo login, who refer, research and attend.
STAFF = [
    (K.MENTAL_HEALTH, "mh.liaison", "Deborah Quinlan", "Mental health liaison nurse"),
    (K.ADULT_SAFEGUARDING, "adult.safeguarding", "Marcus Feeney", "Safeguarding practitioner"),
    (K.EDUCATION, "schools.safeguarding", "Fiona Marsh", "Safeguarding adviser to schools"),
    (K.SUBSTANCE_USE, "pathways.recovery", "Dean Holloway", "Recovery worker"),
]

#: Per owner kind: the actions a meeting agrees, and the weight of choosing that owner.
TASKS: dict[AgencyKind, tuple[int, list[str]]] = {
    K.POLICE: (
        30,
        [
            "Flag the address for an urgent response",
            "Review the bail conditions with the officer in charge",
            "Consider a disclosure under the domestic violence disclosure scheme",
            "Chase the arrest for the reported breach",
        ],
    ),
    K.IDVA_SERVICE: (
        26,
        [
            "Support an application for a non-molestation order",
            "Complete a safety plan with {them} and share it with the police",
            "Refer to the sanctuary scheme for extra locks and an alarm",
        ],
    ),
    K.CHILDRENS_SERVICES: (
        22,
        [
            "Hold a strategy discussion about the children's safety",
            "Visit the children at home and review the child in need plan",
        ],
    ),
    K.HOUSING: (
        12,
        [
            "Assess {them} for a management move",
            "Fit a door chain and window locks",
            "Agree a plan for the rent arrears so {they} {are} not evicted",
        ],
    ),
    K.HEALTH: (
        10,
        [
            "Flag the GP record so {they} {are} seen without {him} present",
            "Share the risk with the health visitor and the midwife",
        ],
    ),
    K.PROBATION: (
        6,
        [
            "Review {his} licence conditions and ask for an exclusion zone",
            "Raise the risk at {his} next supervision",
        ],
    ),
    K.MENTAL_HEALTH: (
        5,
        [
            "Offer an urgent assessment with the crisis team",
            "Share {his} threats of self-harm with {his} care coordinator",
        ],
    ),
    K.ADULT_SAFEGUARDING: (3, ["Complete a care and support assessment"]),
    K.EDUCATION: (4, ["Brief the school's safeguarding lead and agree a safe collection plan"]),
    K.SUBSTANCE_USE: (3, ["Offer {him} a place on the alcohol programme and report attendance"]),
}
CHILDREN_ONLY = {K.CHILDRENS_SERVICES, K.EDUCATION}
NOTES = {
    ActionStatus.IN_PROGRESS: [
        "Started; waiting for a reply from the other agency.",
        "First visit made; a second is booked.",
        "Referral made; waiting for an appointment.",
    ],
    ActionStatus.DONE: [
        "Done; confirmed with {them} by phone.",
        "Completed and recorded on our system.",
        "Done: details shared with the IDVA.",
        "Completed; nothing further needed from us.",
    ],
    ActionStatus.NOT_DONE_CIRCUMSTANCES: [
        "{They} moved out of the area; passed to the MARAC there.",
        "No longer needed: {he} was remanded in custody.",
        "{They} declined the offer after the meeting.",
    ],
    ActionStatus.NOT_DONE_AGENCY: [
        "Not done: no worker was free before the deadline passed.",
        "Not done; the referral was not picked up by the team.",
    ],
}
LATE_NOTES = [
    "Done, later than agreed: the worker was on leave.",
    "Completed after a reminder from the coordinator.",
    "Done once staff were free; apologies for the delay.",
]
SUMMARIES = {
    K.POLICE: [
        "Three call-outs in the last year; the perpetrator has a caution for common assault.",
        "Perpetrator on bail not to contact {them}; one reported breach.",
        "Two previous partners on record as victims; a warning marker is on the address.",
    ],
    K.HEALTH: [
        "Two visits to the emergency department with injuries {they} explained as falls.",
        "Missed antenatal appointments; the midwife has concerns.",
    ],
    K.HOUSING: [
        "Rent arrears since {he} left; reports of noise and a damaged front door.",
        "On the housing register and eligible for a management move.",
    ],
    K.CHILDRENS_SERVICES: [
        "The children are on a child in need plan; the school worries about attendance.",
        "A strategy discussion was held last month; no plan yet.",
    ],
    K.IDVA_SERVICE: [
        "Engaged with an IDVA; a safety plan is in place and a sanctuary referral was made.",
        "Answered once and asked for calls after 10am only.",
    ],
    K.PROBATION: ["Perpetrator on licence until next spring; no contact is a condition."],
    K.MENTAL_HEALTH: ["Known to the community mental health team; a care coordinator is named."],
    K.ADULT_SAFEGUARDING: ["A care and support assessment is open; carers visit twice a day."],
    K.EDUCATION: ["The eldest child is withdrawn at school and often late."],
    K.SUBSTANCE_USE: ["The perpetrator is in treatment for alcohol use; attendance is poor."],
    K.OTHER: ["Referred to a MARAC in another area two years ago."],
}
FLAGS = {
    K.POLICE: [RiskFlag.WEAPONS, RiskFlag.THREATS_TO_KILL, RiskFlag.BREACH_OF_ORDERS],
    K.HEALTH: [RiskFlag.PREGNANCY, RiskFlag.MENTAL_HEALTH],
    K.CHILDRENS_SERVICES: [RiskFlag.CHILD_PROTECTION],
    K.PROBATION: [RiskFlag.RECENT_RELEASE, RiskFlag.BREACH_OF_ORDERS],
    K.SUBSTANCE_USE: [RiskFlag.SUBSTANCE_USE],
}
NARRATIVES = [
    "Punched and kicked after {they} ended the relationship; {he} waits outside {their} work.",
    "Strangled during an argument about money; {they} briefly lost consciousness.",
    "{He} smashed {their} phone and locked {them} in the bedroom overnight.",
    "Threatened with a kitchen knife in front of the children.",
    "{He} controls the money and tracks {their} car; "
    "the abuse has grown since {they} became pregnant.",
    "Repeated breaches of a non-molestation order, including damage to {their} car.",
    "Dozens of threatening messages a day since {they} moved out; "
    "{he} went to {their} mother's house.",
    "Pushed down the stairs; {they} {were} treated in hospital for a broken wrist.",
    "Threats to kill {them} and {himself} if {they} leave{s}; {he} can get a shotgun through work.",
    "Shared intimate images of {them} online and threatens to send more to {their} family.",
]
MALE_NARRATIVES = [
    "His partner attacked him with a bottle; he hides the injuries from his family.",
    "His partner controls his medication and money and threatens to take the children.",
]
FAMILY_NARRATIVES = ["Her adult son has assaulted her twice and takes her pension."]
DISCUSSIONS = [
    (
        "Police: two call-outs since the referral. Housing: a move is being considered.",
        "Stalking at {their} workplace; {he} has breached {his} bail conditions.",
        "Ask housing to assess a management move; police to review bail.",
    ),
    (
        "Health: seen at the surgery with bruising. IDVA: safety plan agreed last week.",
        "Strangulation disclosed; threats to kill if {they} leave{s}.",
        "Sanctuary referral; consider a protection order.",
    ),
    (
        "Probation: released on licence last month. Police: one report of criminal damage.",
        "{He} knows {their} new address; risk rises as {his} licence ends.",
        "Probation to seek an exclusion zone; police marker on the address.",
    ),
    (
        "Police: a history of violence to previous partners. Mental health: known to the team.",
        "Escalating jealousy and control; heavy drinking at weekends.",
        "Share the plan with {their} GP; IDVA to support {them} to report breaches.",
    ),
]
CHILD_RISKS = [
    "The children saw the last assault; the eldest tried to intervene.",
    "{He} uses contact handovers to threaten {them} in front of the children.",
]
VOICES = [
    (
        "Feels the police do not take the breaches seriously.",
        "To stay at home with the locks changed and an alarm fitted.",
        "That {he} will find out where {they} work{s}.",
    ),
    (
        "Wants the abuse to stop but does not want {him} prosecuted.",
        "Support at court and someone to talk to.",
        "That the children will be taken from {them} if {they} speak{s} up.",
    ),
    (
        "Relieved agencies are talking to each other.",
        "A move to another area, close to {their} sister.",
        "That {he} will kill {them} when {he} is released.",
    ),
]
NO_CONTACT = [
    "Three calls and a text unanswered; not safe to visit.",
    "{They} asked not to be contacted before the meeting.",
    "{Their} number is no longer in use; the outreach worker could not reach {them}.",
    "In hospital; staff advised against contact this week.",
]
JUDGEMENTS = [
    "{They} minimise{s} what happens; the injuries seen do not match {their} account.",
    "Fewer answers than the risk shows: {they} {are} too frightened to say more.",
    "New threats since the checklist was done, and {he} has a history of violence.",
]
STREETS = (
    "Mill Lane",
    "Canal Street",
    "Victoria Road",
    "Chapel Row",
    "Beech Grove",
    "Foundry Walk",
    "Albion Terrace",
    "Weavers Court",
    "Station Road",
    "Holly Bank",
)
OPENINGS = [
    "Introductions were made; no observers.",
    "Introductions were made; a student social worker observed with everyone's agreement.",
]
OTHER_BUSINESS = ["None.", "Agencies were reminded to send research by the deadline."]
#: No MARAC meets over Christmas: the coordinator moved such a meeting by a week.
HOLIDAYS = {(12, 24), (12, 25), (12, 26), (12, 31), (1, 1)}
LATE_LISTING = "Risk rose after the cut-off: listed with the chair's agreement."
REASONS = {
    "visible": "Visible high risk.",
    "judgement": "Professional judgement: the reasons given show high risk.",
    "escalation": "Potential escalation: three or more incidents this year.",
    "repeat": "Repeat: referred again within 12 months of {their} last MARAC.",
}
CONTACT = list(ContactMethod)
