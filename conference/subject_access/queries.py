"""Finding a person by name and date of birth, and gathering what is held about them.

Plain functions, no requests. A person is found by their date of birth and a name like theirs
(the identity matching's similarity, misspellings and aliases allowed) among the referrals of
the MARACs the coordinator runs: as the victim of a referral, as a perpetrator it names, or as
a child it names. A record whose date of birth is uncertain is found when the date given falls
within it (one of its possible dates, its year, or the range its approximate age allows), and
says how sure the match is. A perpetrator linked at screening to another referral's
perpetrator is offered with him, even when that record has no date of birth.

The pack keeps other people out: in each case they are named by their part in it ("the
perpetrator", "child 1"), their own details are left out, and their names and dates of birth
are replaced in free text. When the subject is a perpetrator or a child, nothing that could
lead anyone to the victim is included at all: her details, her account, her voice, her safety
plan and who has looked at her case. What was left out is listed, with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa

from conference.accounts.models import Marac
from conference.actions.models import Action, ActionUpdate
from conference.audit.models import AuditEvent
from conference.case_access import queries as case_access
from conference.conferences.models import AgendaItem, Conference
from conference.extensions import db
from conference.meetings.models import Discussion, PerpetratorRisk
from conference.minutes.models import Minutes
from conference.profiles import profile_for
from conference.pronouns import pronouns_for
from conference.referrals import births
from conference.referrals.choices import DobKind, ReferralStatus
from conference.referrals.matching import NAME_THRESHOLD, name_similarity
from conference.referrals.models import (
    Case,
    Child,
    Perpetrator,
    PerpetratorLink,
    Referral,
)
from conference.research.models import PerpetratorFinding, ResearchReturn
from conference.subject_access.redaction import Redactor
from conference.voice.models import VictimVoice


class Part(StrEnum):
    VICTIM = "victim"
    PERPETRATOR = "perpetrator"
    CHILD = "child"

    @property
    def label(self) -> str:
        return {"victim": "Victim", "perpetrator": "Perpetrator", "child": "Child"}[self.value]


#: A chosen record, as the pages refer to it: its part and its id, nothing personal.
KEY = re.compile(r"^(victim|perpetrator|child)-([1-9][0-9]{0,9})$")
#: The most records one pack may be built from.
MOST_CHOSEN = 50

#: Why things are left out, in our own words (the law lets a controller withhold what would
#: reveal someone else, or what would be likely to cause serious harm to anyone).
ABOUT_OTHERS = "It is about other people, not the person asking."
SERIOUS_HARM = (
    "Giving it could put someone at risk of serious harm: it could help someone find or "
    "reach the victim, or tell them what was planned to keep the victim safe."
)
STAFF_SAFETY = "It is about risks to staff; giving it could put them at risk."


@dataclass(frozen=True)
class Candidate:
    key: str
    part: Part
    name: str
    dob: date | None
    marac_name: str
    reference: str
    referred_on: date | None
    status: ReferralStatus
    linked: bool = False  # found only through a link made at screening
    #: What the record says of the date of birth, in words ("about 34 on 1 March 2026").
    born: str = ""
    #: How sure it is the record's date of birth is the one given (None: found by a link).
    match: births.BirthMatch | None = None


def parse_keys(values: Iterable[str]) -> list[tuple[Part, int]] | None:
    """The chosen records, or None when any value is not one (or too many are given)."""
    found: list[tuple[Part, int]] = []
    for value in values:
        match = KEY.match(value or "")
        if match is None:
            return None
        pair = (Part(match.group(1)), int(match.group(2)))
        if pair not in found:
            found.append(pair)
    if not found or len(found) > MOST_CHOSEN:
        return None
    return found


def _reference(referral: Referral, case: Case | None) -> str:
    return case.reference if case else f"Referral {referral.id} (no case)"


def _searchable(marac_ids: Collection[int]) -> sa.ColumnElement[bool]:
    """Sent referrals whose case the MARACs hold (a case transferred in included), or that
    opened no case and were sent to them. The query joins Case on the referral's case."""
    return sa.and_(
        sa.func.coalesce(Case.marac_id, Referral.marac_id).in_(marac_ids or {-1}),
        Referral.status != ReferralStatus.DRAFT,
    )


def _held_by(referral: Referral) -> Marac:
    """The MARAC that holds what a referral led to: its case's, else the one it was sent to."""
    return referral.case.marac if referral.case else referral.marac


def search(name: str, dob: date, marac_ids: Collection[int]) -> list[Candidate]:
    """Everyone whose date of birth may be this one and whose name is like this, in the
    MARACs given: exact matches first, then possible dates, then approximate ranges."""
    names = [name]
    given = births.BirthDate(DobKind.EXACT, dob)
    found: list[Candidate] = []
    victims = db.session.scalars(
        sa.select(Referral)
        .outerjoin(Case, Case.id == Referral.case_id)
        .where(
            _searchable(marac_ids),
            sa.or_(
                Referral.victim_dob == dob,
                sa.and_(Referral.victim_born_from <= dob, Referral.victim_born_to >= dob),
            ),
        )
        .order_by(Referral.id)
    ).all()
    for r in victims:
        theirs = [f"{r.victim_given_name} {r.victim_family_name}", *r.victim_aliases.split("\n")]
        match = births.agreement(given, r.victim_birth)
        if match is not None and name_similarity(names, theirs) >= NAME_THRESHOLD:
            found.append(
                Candidate(
                    key=f"victim-{r.id}",
                    part=Part.VICTIM,
                    name=f"{r.victim_given_name} {r.victim_family_name}",
                    dob=r.victim_dob,
                    marac_name=_held_by(r).name,
                    reference=_reference(r, r.case),
                    referred_on=r.referred_on,
                    status=r.status,
                    born=births.describe(r.victim_birth, profile_for(_held_by(r)).format_date),
                    match=match,
                )
            )
    matched: list[int] = []
    perpetrators = db.session.execute(
        sa.select(Perpetrator, Referral)
        .join(Referral, Referral.id == Perpetrator.referral_id)
        .outerjoin(Case, Case.id == Referral.case_id)
        .where(
            _searchable(marac_ids),
            sa.or_(
                Perpetrator.dob == dob,
                sa.and_(Perpetrator.born_from <= dob, Perpetrator.born_to >= dob),
            ),
        )
        .order_by(Referral.id, Perpetrator.position, Perpetrator.id)
    ).all()
    for perpetrator, referral in perpetrators:
        full = f"{perpetrator.given_name} {perpetrator.family_name}"
        theirs = [full, *perpetrator.aliases.split("\n")]
        birth = perpetrator.birth(referral.referred_on)
        match = births.agreement(given, birth)
        if match is not None and name_similarity(names, theirs) >= NAME_THRESHOLD:
            matched.append(perpetrator.id)
            found.append(_candidate(Part.PERPETRATOR, perpetrator, referral, match=match))
    # A child's date of birth is recorded exactly, or not at all.
    children = db.session.execute(
        sa.select(Child, Referral)
        .join(Referral, Referral.id == Child.referral_id)
        .outerjoin(Case, Case.id == Referral.case_id)
        .where(_searchable(marac_ids), Child.dob == dob)
        .order_by(Referral.id, Child.position, Child.id)
    ).all()
    for child, referral in children:
        if name_similarity(names, [f"{child.given_name} {child.family_name}"]) >= NAME_THRESHOLD:
            found.append(_candidate(Part.CHILD, child, referral, match=births.BirthMatch.EXACT))
    found.sort(key=lambda c: c.match.rank if c.match is not None else len(births.BirthMatch))
    for person, referral in _linked(matched, marac_ids):
        found.append(_candidate(Part.PERPETRATOR, person, referral, linked=True))
    return found


def _candidate(
    kind: Part,
    person: Perpetrator | Child,
    referral: Referral,
    *,
    linked: bool = False,
    match: births.BirthMatch | None = None,
) -> Candidate:
    born = (
        births.describe(
            person.birth(referral.referred_on), profile_for(_held_by(referral)).format_date
        )
        if isinstance(person, Perpetrator)
        else ""
    )
    return Candidate(
        key=f"{kind.value}-{person.id}",
        part=kind,
        name=f"{person.given_name} {person.family_name}".strip(),
        dob=person.dob,
        marac_name=_held_by(referral).name,
        reference=_reference(referral, referral.case),
        referred_on=referral.referred_on,
        status=referral.status,
        linked=linked,
        born=born,
        match=match,
    )


def _linked(
    perpetrator_ids: Collection[int], marac_ids: Collection[int]
) -> list[tuple[Perpetrator, Referral]]:
    """Perpetrators of other referrals linked at screening to these ones (in the MARACs)."""
    if not perpetrator_ids:
        return []
    identities = sa.select(PerpetratorLink.identity_id).where(
        PerpetratorLink.perpetrator_id.in_(perpetrator_ids)
    )
    rows = db.session.execute(
        sa.select(Perpetrator, Referral)
        .join(PerpetratorLink, PerpetratorLink.perpetrator_id == Perpetrator.id)
        .join(Referral, Referral.id == Perpetrator.referral_id)
        .outerjoin(Case, Case.id == Referral.case_id)
        .where(
            PerpetratorLink.identity_id.in_(identities),
            Perpetrator.id.not_in(perpetrator_ids),
            _searchable(marac_ids),
        )
        .order_by(Referral.id, Perpetrator.id)
    ).all()
    return [(p, r) for p, r in rows]


# The pack ---------------------------------------------------------------------------------------


@dataclass
class Entry:
    """One record in the pack: a heading and its fields, each already redacted."""

    title: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)


@dataclass
class Withheld:
    what: str
    why: str


@dataclass
class Section:
    title: str
    entries: list[Entry] = field(default_factory=list)
    empty: str = "Nothing held."


@dataclass
class CasePack:
    """What is held about the subject in one case (or one referral that opened none)."""

    part: Part
    reference: str
    marac_name: str
    case: Case | None
    referral: Referral
    sections: list[Section] = field(default_factory=list)
    withheld: list[Withheld] = field(default_factory=list)
    others: list[str] = field(default_factory=list)  # the other people, by role only


@dataclass
class Pack:
    name: str
    dobs: list[date]
    parts: list[Part]
    cases: list[CasePack]
    keys: list[str]


@dataclass
class _Chosen:
    victims: dict[int, Referral] = field(default_factory=dict)
    perpetrators: dict[int, Perpetrator] = field(default_factory=dict)
    children: dict[int, Child] = field(default_factory=dict)


def chosen(pairs: list[tuple[Part, int]], marac_ids: Collection[int]) -> _Chosen | None:
    """The records chosen, each checked to be in one of the MARACs; None if any is not."""
    found = _Chosen()
    for kind, record_id in pairs:
        if kind is Part.VICTIM:
            referral = db.session.get(Referral, record_id)
            if referral is None:
                return None
            found.victims[record_id] = referral
        else:
            person: Perpetrator | Child | None = (
                db.session.get(Perpetrator, record_id)
                if kind is Part.PERPETRATOR
                else db.session.get(Child, record_id)
            )
            if person is None:
                return None
            found_referral = db.session.get(Referral, person.referral_id)
            assert found_referral is not None
            referral = found_referral
            if isinstance(person, Perpetrator):
                found.perpetrators[record_id] = person
            elif isinstance(person, Child):
                found.children[record_id] = person
        if _held_by(referral).id not in marac_ids or referral.status is ReferralStatus.DRAFT:
            return None
    return found


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    label = getattr(value, "label", None)
    if isinstance(label, str):
        return label
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M} UTC"
    if isinstance(value, date):
        return f"{value.day} {value:%B %Y}"
    return str(value)


def _fields(pairs: Iterable[tuple[str, Any]]) -> list[tuple[str, str]]:
    return [(label, _text(value)) for label, value in pairs if _text(value).strip()]


def _by_age(p: Perpetrator) -> bool:
    """Only his approximate age is known (with any other possible dates)."""
    return p.birth(None).kind is DobKind.AGE


def _full(given: str, family: str) -> str:
    return f"{given} {family}".strip()


def _aliases(text: str) -> list[str]:
    return [a.strip() for a in text.split("\n") if a.strip()]


def _victim_names(r: Referral) -> list[str]:
    return [_full(r.victim_given_name, r.victim_family_name), *_aliases(r.victim_aliases)]


def _perpetrator_names(p: Perpetrator) -> list[str]:
    return [_full(p.given_name, p.family_name), *_aliases(p.aliases)]


@dataclass
class _People:
    """Everyone a case's referrals name, with their role label, in a stable order."""

    referrals: list[Referral]
    perpetrator_labels: dict[int, str]
    child_labels: dict[int, str]


def _people(
    referrals: list[Referral], own_perpetrators: set[int], own_children: set[int]
) -> _People:
    perpetrators: dict[str, str] = {}
    children: dict[str, str] = {}
    p_labels: dict[int, str] = {}
    c_labels: dict[int, str] = {}
    others_p = [
        p for r in referrals for p in sorted(r.perpetrators, key=lambda x: (x.position, x.id))
    ]
    # Numbered over everyone the case names, the subject too, so labels stay the same in
    # every pack made from the case.
    for p in others_p:
        perpetrators.setdefault(_full(p.given_name, p.family_name).lower(), "")
    numbered = len(perpetrators) > 1
    for n, name in enumerate(perpetrators, start=1):
        perpetrators[name] = f"perpetrator {n}" if numbered else "the perpetrator"
    for p in others_p:
        if p.id not in own_perpetrators:
            p_labels[p.id] = perpetrators[_full(p.given_name, p.family_name).lower()]
    all_c = [c for r in referrals for c in sorted(r.children, key=lambda x: (x.position, x.id))]
    for c in all_c:
        children.setdefault(_full(c.given_name, c.family_name).lower(), "")
    for n, name in enumerate(children, start=1):
        children[name] = f"child {n}"
    for c in all_c:
        if c.id not in own_children:
            c_labels[c.id] = children[_full(c.given_name, c.family_name).lower()]
    return _People(referrals, p_labels, c_labels)


def _redactor(people: _People, *, victim_is_subject: bool, own_names: list[str]) -> Redactor:
    redactor = Redactor()
    redactor.subject(own_names)
    for r in people.referrals:
        if victim_is_subject:
            redactor.subject(_victim_names(r))
        else:
            redactor.other("the victim", _victim_names(r), r.victim_dob, r.victim_birth.others)
        for p in r.perpetrators:
            if p.id in people.perpetrator_labels:
                redactor.other(
                    people.perpetrator_labels[p.id],
                    _perpetrator_names(p),
                    p.dob,
                    p.birth(r.referred_on).others,
                )
        for c in r.children:
            if c.id in people.child_labels:
                redactor.other(
                    people.child_labels[c.id], [_full(c.given_name, c.family_name)], c.dob
                )
    return redactor


def _case_referrals(case: Case | None, referral: Referral) -> list[Referral]:
    if case is None:
        return [referral]
    return list(
        db.session.scalars(
            sa.select(Referral)
            .where(Referral.case_id == case.id, Referral.status != ReferralStatus.DRAFT)
            .order_by(Referral.submitted_at, Referral.id)
        )
    )


def _items(case: Case | None) -> list[tuple[AgendaItem, Conference, Minutes | None]]:
    if case is None:
        return []
    rows = db.session.execute(
        sa.select(AgendaItem, Conference, Minutes)
        .join(Conference, Conference.id == AgendaItem.conference_id)
        .outerjoin(Minutes, Minutes.conference_id == Conference.id)
        .where(AgendaItem.case_id == case.id)
        .order_by(Conference.starts_at, AgendaItem.id)
    ).all()
    return [(i, c, m) for i, c, m in rows]


def _hearing_title(item: AgendaItem, conference: Conference, minutes: Minutes | None) -> str:
    if minutes is None:
        state = "no minutes yet"
    elif minutes.finalised_at is None:
        state = "minutes in draft, not yet final"
    else:
        state = "final minutes"
    return f"Conference of {_text(conference.starts_at.date())} ({item.status.label}; {state})"


def _discussions(item_ids: list[int]) -> dict[int, Discussion]:
    if not item_ids:
        return {}
    return {
        d.agenda_item_id: d
        for d in db.session.scalars(
            sa.select(Discussion).where(Discussion.agenda_item_id.in_(item_ids))
        )
    }


def _actions(case: Case | None) -> list[Action]:
    if case is None:
        return []
    return list(
        db.session.scalars(
            sa.select(Action).where(Action.case_id == case.id).order_by(Action.due_on, Action.id)
        )
    )


def _action_entry(action: Action, redact: Redactor, perpetrator_label: str = "") -> Entry:
    updates = db.session.scalars(
        sa.select(ActionUpdate)
        .where(ActionUpdate.action_id == action.id)
        .order_by(ActionUpdate.at, ActionUpdate.id)
    ).all()
    title = redact(action.description)
    return Entry(
        title=title,
        fields=_fields(
            [
                ("Agency", action.owner_agency.name),
                ("Due", action.due_on),
                ("Status", action.status),
                ("Onward referral", action.onward_to),
                ("About", perpetrator_label),
            ]
        ),
        lines=[
            f"{_text(u.at.date())}: {u.status.label}. {redact(u.note)}".strip() for u in updates
        ],
    )


def _research(item_ids: list[int]) -> list[ResearchReturn]:
    if not item_ids:
        return []
    return list(
        db.session.scalars(
            sa.select(ResearchReturn)
            .where(ResearchReturn.agenda_item_id.in_(item_ids))
            .order_by(ResearchReturn.submitted_at, ResearchReturn.id)
        )
    )


def _views(case: Case) -> Entry:
    rows = case_access.export(case, on_or_after=None, on_or_before=None)
    return Entry(
        title="Who has seen or changed the case",
        lines=[
            f"{r.event.at:%Y-%m-%d %H:%M} UTC: {r.person}"
            f"{', ' + r.agency if r.agency else ''}"
            f"{' (' + r.roles + ')' if r.roles else ''}: {r.event.verb} ({r.record.lower()})"
            for r in rows
        ],
    )


# Each part ------------------------------------------------------------------------------------


def _victim_pack(case: Case | None, referrals: list[Referral]) -> CasePack:
    first = referrals[0]
    # The pack speaks of her or him as the referrals recorded ("they" where none did).
    recorded = [r.victim_gender for r in referrals if r.victim_gender]
    they = pronouns_for(recorded[-1] if recorded else None)
    people = _people(_case_referrals(case, first), set(), set())
    redact = _redactor(people, victim_is_subject=True, own_names=[])
    pack = CasePack(Part.VICTIM, _reference(first, case), _held_by(first).name, case, first)
    entries = []
    for r in people.referrals:
        incidents = [f"{_text(i.occurred_on)}: {redact(i.summary)}" for i in r.incidents]
        entries.append(
            Entry(
                title=f"Referral of {_text(r.referred_on or r.submitted_at)} by {r.agency.name}",
                fields=_fields(
                    [
                        ("Status", r.status),
                        ("Name", _full(r.victim_given_name, r.victim_family_name)),
                        ("Other names", ", ".join(_aliases(r.victim_aliases))),
                        ("Date of birth", r.victim_dob_text),
                        ("Gender", r.victim_gender),
                        ("Ethnicity", r.victim_ethnicity),
                        ("Disability", r.victim_disability),
                        ("Sexuality", r.victim_sexuality),
                        ("Language", r.victim_language),
                        ("Needs an interpreter", r.needs_interpreter),
                        ("Address", r.victim_address),
                        ("Phone", r.victim_phone),
                        ("Safe to call", r.safe_to_call),
                        ("Contact notes", redact(r.contact_notes)),
                        (they.fit("Who {they} fear{s}"), redact(r.who_she_fears)),
                        ("Safe to talk to", redact(r.safe_contacts)),
                        ("Not safe to talk to", redact(r.unsafe_contacts)),
                        ("Risk checklist: yes answers", r.score),
                        ("Checklist completed on", r.checklist_completed_on),
                        ("Visible high risk", r.meets_visible_high_risk or None),
                        ("Professional judgement", r.meets_professional_judgement or None),
                        ("Potential escalation", r.meets_escalation or None),
                        ("Repeat", r.is_repeat or None),
                        ("Reasons for professional judgement", redact(r.judgement_reasons)),
                        ("Aware of the referral", r.victim_aware),
                        ("Consent", r.consent),
                        ("Shared without consent because", r.without_consent_reason),
                        ("About consent", redact(r.consent_reason)),
                        ("Account of what happened", redact(r.narrative)),
                        ("Key worker", r.key_worker),
                    ]
                ),
                lines=incidents,
            )
        )
        for p in r.perpetrators:
            pack.others.append(
                f"{people.perpetrator_labels[p.id].capitalize()}: {p.relationship.label.lower()}"
            )
        for c in r.children:
            relation = f": {c.relation_to_victim.lower()}" if c.relation_to_victim else ""
            pack.others.append(f"{people.child_labels[c.id].capitalize()}{relation}")
    pack.others = list(dict.fromkeys(pack.others))
    pack.sections.append(Section("Referrals", entries))
    items = _items(case)
    ids = [i.id for i, _, _ in items]
    discussions = _discussions(ids)
    hearings = []
    for item, conference, minutes in items:
        d = discussions.get(item.id)
        hearings.append(
            Entry(
                title=_hearing_title(item, conference, minutes),
                fields=_fields(
                    [
                        ("Information shared", redact(d.information_shared) if d else ""),
                        (they.fit("Risk to {them}"), redact(d.risk_to_victim) if d else ""),
                        ("Risk to the children", redact(d.risk_to_children) if d else ""),
                        ("Risk to others", redact(d.risk_to_others) if d else ""),
                        ("Decisions", redact(d.decisions) if d else ""),
                        ("Why no actions", redact(d.no_action_reason) if d else ""),
                        ("Deferred because", redact(item.defer_reason)),
                    ]
                ),
            )
        )
    pack.sections.append(Section("Conferences: the case record and minutes", hearings))
    actions = _actions(case)
    own = [a for a in actions if a.perpetrator_id is None]
    pack.sections.append(Section("Actions", [_action_entry(a, redact) for a in own]))
    voices = db.session.scalars(
        sa.select(VictimVoice).where(VictimVoice.agenda_item_id.in_(ids or [-1]))
    ).all()
    dates = {i.id: c.starts_at.date() for i, c, _ in items}
    pack.sections.append(
        Section(
            they.fit("{Their} voice (what {their} advocate recorded)"),
            [
                Entry(
                    title=f"For the conference of {_text(dates[v.agenda_item_id])}",
                    fields=_fields(
                        [
                            ("Contact made", v.contact_made),
                            ("Contacted on", v.contacted_on),
                            ("How", v.contact_method),
                            ("Why no contact", redact(v.no_contact_reason)),
                            (they.fit("{Their} views"), redact(v.views)),
                            (they.fit("{Their} wishes"), redact(v.wishes)),
                            (they.fit("{Their} fears"), redact(v.fears)),
                            (
                                they.fit("What {they} agreed may be shared"),
                                redact(v.consent_to_share),
                            ),
                            (they.fit("Safe way to reach {them}"), redact(v.safe_contact)),
                            ("Told the outcome", v.outcome_result),
                            ("Told on", v.outcome_told_on),
                            ("Why not told", redact(v.outcome_not_told_reason)),
                            ("Feels safer", redact(v.feels_safer)),
                            ("Notes on the outcome", redact(v.outcome_notes)),
                        ]
                    ),
                )
                for v in sorted(voices, key=lambda v: (dates[v.agenda_item_id], v.id))
            ],
        )
    )
    returns = _research(ids)
    pack.sections.append(
        Section(
            "Research by agencies",
            [
                Entry(
                    title=f"{r.agency.name}, for the conference of "
                    f"{_text(dates[r.agenda_item_id])}",
                    fields=_fields(
                        [
                            ("Outcome", r.outcome),
                            ("Summary", redact(r.summary)),
                            ("Risks flagged", ", ".join(r.risk_flags)),
                        ]
                    ),
                )
                for r in returns
            ],
        )
    )
    if case is not None:
        pack.sections.append(Section("Who has seen the case", [_views(case)]))
    about_him = len(actions) - len(own)
    findings = sum(len(r.findings) for r in returns)
    risks = _count(PerpetratorRisk, ids)
    pack.withheld.append(
        Withheld(
            "The names, dates of birth, addresses and other details of the perpetrator(s) and "
            "the children; in free text their names are replaced by their role.",
            ABOUT_OTHERS,
        )
    )
    if (
        about_him
        or findings
        or risks
        or any(d.perpetrator_risk_factors for d in discussions.values())
    ):
        pack.withheld.append(
            Withheld(
                f"What the conferences and agencies recorded about the perpetrator: his risk "
                f"factors and risks to others ({risks} record(s)), research findings about him "
                f"({findings}) and actions about him ({about_him}).",
                ABOUT_OTHERS,
            )
        )
    if any(d.risk_to_staff for d in discussions.values()):
        pack.withheld.append(Withheld("Risks to staff recorded at the conferences.", STAFF_SAFETY))
    return pack


def _count(model: Any, item_ids: list[int]) -> int:
    if not item_ids:
        return 0
    return int(
        db.session.scalar(
            sa.select(sa.func.count()).select_from(model).where(model.agenda_item_id.in_(item_ids))
        )
        or 0
    )


def _perpetrator_pack(case: Case | None, mine: list[Perpetrator], first: Referral) -> CasePack:
    own_ids = {p.id for p in mine}
    people = _people(_case_referrals(case, first), own_ids, set())
    own_names = [n for p in mine for n in _perpetrator_names(p)]
    redact = _redactor(people, victim_is_subject=False, own_names=own_names)
    pack = CasePack(Part.PERPETRATOR, _reference(first, case), _held_by(first).name, case, first)
    entries = []
    for r in people.referrals:
        for p in sorted(r.perpetrators, key=lambda x: (x.position, x.id)):
            if p.id not in own_ids:
                continue
            entries.append(
                Entry(
                    title=f"Named in a referral of {_text(r.referred_on or r.submitted_at)}",
                    fields=_fields(
                        [
                            ("Status of the referral", r.status),
                            ("Name", _full(p.given_name, p.family_name)),
                            ("Other names", ", ".join(_aliases(p.aliases))),
                            ("Date of birth", None if _by_age(p) else p.dob_text),
                            (
                                "Approximate age",
                                births.describe(p.birth(None)) if _by_age(p) else None,
                            ),
                            ("Relationship to the victim", p.relationship),
                            ("Address", p.address),
                            ("Gender", p.gender),
                            ("Ethnicity", p.ethnicity),
                        ]
                    ),
                )
            )
        for c in r.children:
            relation = (
                f": {c.relation_to_perpetrator.lower()} (to him)"
                if c.relation_to_perpetrator
                else ""
            )
            pack.others.append(f"{people.child_labels[c.id].capitalize()}{relation}")
        for p in r.perpetrators:
            if p.id not in own_ids:
                pack.others.append(people.perpetrator_labels[p.id].capitalize())
    pack.others = ["The victim", *dict.fromkeys(pack.others)]
    pack.sections.append(Section("Referrals naming him", entries))
    items = _items(case)
    ids = [i.id for i, _, _ in items]
    discussions = _discussions(ids)
    risks = {
        (r.agenda_item_id, r.perpetrator_id): r
        for r in db.session.scalars(
            sa.select(PerpetratorRisk).where(
                PerpetratorRisk.agenda_item_id.in_(ids or [-1]),
                PerpetratorRisk.perpetrator_id.in_(own_ids),
            )
        )
    }
    hearings = []
    for item, conference, minutes in items:
        d = discussions.get(item.id)
        mine_risks = [r for (i, _), r in sorted(risks.items()) if i == item.id]
        hearings.append(
            Entry(
                title=_hearing_title(item, conference, minutes),
                fields=_fields(
                    [("His risk factors", redact(d.perpetrator_risk_factors) if d else "")]
                    + [
                        (label, redact(getattr(r, column)))
                        for r in mine_risks
                        for label, column in (
                            ("Risk to a new partner", "risk_to_new_partner"),
                            ("Risk to children", "risk_to_children"),
                            ("Risk to family", "risk_to_family"),
                            ("Risk to the public", "risk_to_public"),
                        )
                    ]
                ),
            )
        )
    pack.sections.append(Section("Conferences: what was recorded about him", hearings))
    actions = _actions(case)
    about_him = [a for a in actions if a.perpetrator_id in own_ids]
    pack.sections.append(
        Section("Actions about him", [_action_entry(a, redact) for a in about_him])
    )
    findings = db.session.scalars(
        sa.select(PerpetratorFinding)
        .where(PerpetratorFinding.perpetrator_id.in_(own_ids))
        .order_by(PerpetratorFinding.id)
    ).all()
    agencies = {r.id: r.agency.name for r in _research(ids)}
    pack.sections.append(
        Section(
            "Research about him",
            [
                Entry(
                    title=agencies.get(f.return_id, "An agency"),
                    fields=[("Summary", redact(f.summary))],
                )
                for f in findings
                if f.return_id in agencies
            ],
        )
    )
    pack.sections.append(
        Section(
            "Who has seen what is recorded about him", [_perpetrator_views(own_ids, first.marac_id)]
        )
    )
    pack.withheld += [
        Withheld(
            "Everything about the victim: their name, date of birth, address, phone, who they "
            "trust, their own account, their answers to the risk checklist, their voice and the "
            "agency that referred them; in free text their name is replaced by 'the victim'.",
            SERIOUS_HARM,
        ),
        Withheld(
            f"The rest of the case record and minutes, and the safety plan's other "
            f"{len(actions) - len(about_him)} action(s), the agencies' research on the "
            "case and who has looked at it.",
            SERIOUS_HARM,
        ),
        Withheld("The names, dates of birth and details of the children.", ABOUT_OTHERS),
    ]
    if any(d.risk_to_staff for d in discussions.values()):
        pack.withheld.append(Withheld("Risks to staff recorded at the conferences.", STAFF_SAFETY))
    return pack


def _perpetrator_views(perpetrator_ids: set[int], marac_id: int) -> Entry:
    """Who opened the perpetrator page of a man linked to these records."""
    identities = set(
        db.session.scalars(
            sa.select(PerpetratorLink.identity_id).where(
                PerpetratorLink.perpetrator_id.in_(perpetrator_ids)
            )
        )
    )
    lines = []
    if identities:
        events = db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.verb == "perpetrator.viewed", AuditEvent.marac_id == marac_id)
            .order_by(AuditEvent.at, AuditEvent.id)
        ).all()
        for event in events:
            if (event.detail or {}).get("identity") in identities:
                who = event.user.name if event.user else "The system"
                lines.append(f"{event.at:%Y-%m-%d %H:%M} UTC: {who}: read the perpetrator page")
    return Entry(title="Views of his perpetrator page", lines=lines)


def _child_pack(case: Case | None, mine: list[Child], first: Referral) -> CasePack:
    own_ids = {c.id for c in mine}
    people = _people(_case_referrals(case, first), set(), own_ids)
    own_names = [_full(c.given_name, c.family_name) for c in mine]
    redact = _redactor(people, victim_is_subject=False, own_names=own_names)
    pack = CasePack(Part.CHILD, _reference(first, case), _held_by(first).name, case, first)
    entries = []
    for r in people.referrals:
        for c in r.children:
            if c.id not in own_ids:
                continue
            entries.append(
                Entry(
                    title=f"Named in a referral of {_text(r.referred_on or r.submitted_at)}",
                    fields=_fields(
                        [
                            ("Status of the referral", r.status),
                            ("Name", _full(c.given_name, c.family_name)),
                            ("Date of birth", c.dob),
                            ("Relation to the victim", c.relation_to_victim),
                            ("Relation to the perpetrator", c.relation_to_perpetrator),
                        ]
                    ),
                )
            )
        for p in r.perpetrators:
            pack.others.append(people.perpetrator_labels[p.id].capitalize())
        for c in r.children:
            if c.id not in own_ids:
                pack.others.append(people.child_labels[c.id].capitalize())
    pack.others = ["The victim", *dict.fromkeys(pack.others)]
    pack.sections.append(Section("Referrals naming the child", entries))
    items = _items(case)
    discussions = _discussions([i.id for i, _, _ in items])
    hearings = []
    for item, conference, minutes in items:
        d = discussions.get(item.id)
        hearings.append(
            Entry(
                title=_hearing_title(item, conference, minutes),
                fields=_fields([("Risk to the children", redact(d.risk_to_children) if d else "")]),
            )
        )
    pack.sections.append(Section("Conferences: what was recorded about the children", hearings))
    pack.withheld += [
        Withheld(
            "The child's school, and everything about the victim: their details, their account, "
            "their voice, the safety plan's actions, the agencies' research and who has looked "
            "at the case. Before giving this pack to someone acting for the child, check that "
            "they are not the perpetrator.",
            SERIOUS_HARM,
        ),
        Withheld(
            "The details of the perpetrator(s) and of any other children; in free text their "
            "names are replaced by their role.",
            ABOUT_OTHERS,
        ),
    ]
    return pack


def build(found: _Chosen) -> Pack:
    """The pack: per case, what is held about the subject in the part they play there."""
    cases: list[CasePack] = []
    victim_groups: dict[object, list[Referral]] = {}
    for r in found.victims.values():
        victim_groups.setdefault(r.case_id or ("referral", r.id), []).append(r)
    for referrals in victim_groups.values():
        cases.append(_victim_pack(referrals[0].case, referrals))
    for kind, records in ((Part.PERPETRATOR, found.perpetrators), (Part.CHILD, found.children)):
        groups: dict[object, tuple[Referral, list[Any]]] = {}
        for person in records.values():
            referral = db.session.get(Referral, person.referral_id)
            assert referral is not None
            key = referral.case_id or ("referral", referral.id)
            groups.setdefault(key, (referral, []))[1].append(person)
        for referral, people in groups.values():
            if kind is Part.PERPETRATOR:
                cases.append(_perpetrator_pack(referral.case, people, referral))
            else:
                cases.append(_child_pack(referral.case, people, referral))
    names: list[str] = []
    dobs: list[date] = []
    for r in found.victims.values():
        names.append(_full(r.victim_given_name, r.victim_family_name))
        if r.victim_dob:
            dobs.append(r.victim_dob)
    others: list[Perpetrator | Child] = [*found.perpetrators.values(), *found.children.values()]
    for p in others:
        names.append(_full(p.given_name, p.family_name))
        if p.dob:
            dobs.append(p.dob)
    parts = [p for p in Part if any(c.part is p for c in cases)]
    keys = (
        [f"victim-{i}" for i in found.victims]
        + [f"perpetrator-{i}" for i in found.perpetrators]
        + [f"child-{i}" for i in found.children]
    )
    cases.sort(key=lambda c: (list(Part).index(c.part), c.reference))
    return Pack(
        name=" / ".join(dict.fromkeys(names)),
        dobs=sorted(set(dobs)),
        parts=parts,
        cases=cases,
        keys=keys,
    )


def marac_names(marac_ids: Collection[int]) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(Marac.name).where(Marac.id.in_(marac_ids)).order_by(Marac.name)
        )
    )
