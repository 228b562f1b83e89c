"""The person who causes the harm, known across referrals and MARACs.

A perpetrator is named in a referral; when a coordinator confirms that two named perpetrators are
the same man, both belong to one PerpetratorIdentity. Suggestions come from the same fuzzy name
matching the victim has (matching.identity_match): dates of birth that agree, exactly, by one of
the possible dates or within an approximate one's range (births.py), or a name nearly the same
when no date is known of either. Each says how sure it is. A rejected pair is never suggested
again.

A man linked to enough different victims within the MARAC's window is a serial perpetrator. The
flag says only how many other victims and since which year: never who, where or which case.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import defer, lazyload, raiseload

from conference import audit
from conference.accounts.models import Marac, User
from conference.errors import Conflict, ValidationFailed
from conference.extensions import db
from conference.referrals import births
from conference.referrals.births import BirthDate, BirthMatch
from conference.referrals.choices import CaseStatus, ReferralStatus, Relationship
from conference.referrals.matching import (
    MATCHABLE,
    candidate_clauses,
    identity_match,
    victim_birth_columns,
)
from conference.referrals.models import (
    Case,
    Perpetrator,
    PerpetratorIdentity,
    PerpetratorLink,
    PerpetratorLinkDecision,
    Referral,
)


@dataclass(frozen=True)
class Described:
    """What matching needs to know of one named person."""

    names: tuple[str, ...]
    birth: BirthDate


def describe(p: Perpetrator, referred_on: date | None) -> Described:
    aliases = tuple(a.strip() for a in p.aliases.splitlines() if a.strip())
    return Described((p.name, *aliases), p.birth(referred_on))


def may_be_same(a: Described, b: Described) -> BirthMatch | None:
    """How sure it is that a and b are one man, or None (matching.identity_match)."""
    found = identity_match(a.names, a.birth, b.names, b.birth)
    return found[0] if found else None


def ordered(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


@dataclass(frozen=True)
class Suggestion:
    """A perpetrator named elsewhere who may be the same man as one named in this referral."""

    perpetrator_id: int
    other_id: int
    other_name: str
    other_dob: date | None
    #: What is known of his date of birth, in words.
    other_born: str
    referral_id: int
    marac_id: int
    marac_name: str
    referred_on: date | None
    case_id: int | None
    case_reference: str | None
    similarity: int
    #: How sure the match is by the dates of birth.
    certainty: BirthMatch


def _date_clauses(described: Iterable[Described]) -> list[sa.ColumnElement[bool]]:
    """Which earlier perpetrators could match any of these: a bounded search."""
    return candidate_clauses(
        [(d.names, d.birth) for d in described],
        Perpetrator.born_from,
        Perpetrator.born_to,
        Perpetrator.given_name,
        Perpetrator.family_name,
    )


def suggestions_for(referral: Referral) -> list[Suggestion]:
    """Perpetrators named in other referrals, in any MARAC, who may be the ones named in this
    one; neither already linked to him nor decided on before. Three queries, however many."""
    mine = {p.id: describe(p, referral.referred_on) for p in referral.perpetrators}
    clauses = _date_clauses(mine.values())
    if not clauses:
        return []
    rows = db.session.execute(
        sa.select(
            Perpetrator,
            Referral.id.label("referral_id"),
            Referral.marac_id,
            Marac.name.label("marac_name"),
            Referral.referred_on,
            Referral.case_id,
            Case.reference,
        )
        .join(Referral, Referral.id == Perpetrator.referral_id)
        .join(Marac, Marac.id == Referral.marac_id)
        .outerjoin(Case, Case.id == Referral.case_id)
        .where(
            Referral.id != referral.id,
            Referral.status.in_(MATCHABLE),
            sa.or_(*clauses),
        )
        .order_by(Referral.submitted_at.desc(), Perpetrator.position)
    ).all()
    candidates = []
    for row in rows:
        theirs = describe(row.Perpetrator, row.referred_on)
        for mine_id, d in mine.items():
            found = identity_match(d.names, d.birth, theirs.names, theirs.birth)
            if found is not None:
                candidates.append((mine_id, row, found, theirs.birth))
    if not candidates:
        return []
    ids = set(mine) | {row.Perpetrator.id for _, row, _, _ in candidates}
    decided = decided_pairs(ids)
    identity = identities_of(ids)
    suggestions = []
    for mine_id, row, (certainty, similarity), born in candidates:
        other = row.Perpetrator
        if ordered(mine_id, other.id) in decided:
            continue
        if mine_id in identity and identity.get(other.id) == identity[mine_id]:
            continue
        suggestions.append(
            Suggestion(
                perpetrator_id=mine_id,
                other_id=other.id,
                other_name=other.name,
                other_dob=other.dob,
                other_born=births.describe(born),
                referral_id=row.referral_id,
                marac_id=row.marac_id,
                marac_name=row.marac_name,
                referred_on=row.referred_on,
                case_id=row.case_id,
                case_reference=row.reference,
                similarity=similarity,
                certainty=certainty,
            )
        )
    return suggestions


def decided_pairs(ids: Collection[int]) -> set[tuple[int, int]]:
    rows = db.session.execute(
        sa.select(PerpetratorLinkDecision.perpetrator_id, PerpetratorLinkDecision.other_id).where(
            PerpetratorLinkDecision.perpetrator_id.in_(ids),
            PerpetratorLinkDecision.other_id.in_(ids),
        )
    ).all()
    return {(a, b) for a, b in rows}


def identities_of(perpetrator_ids: Collection[int]) -> dict[int, int]:
    """The identity each of these named perpetrators is linked to (those linked only)."""
    if not perpetrator_ids:
        return {}
    rows = db.session.execute(
        sa.select(PerpetratorLink.perpetrator_id, PerpetratorLink.identity_id).where(
            PerpetratorLink.perpetrator_id.in_(perpetrator_ids)
        )
    ).all()
    return {p: i for p, i in rows}


def _pair(referral: Referral, perpetrator_id: int, other_id: int) -> tuple[Perpetrator, int]:
    """The referral's perpetrator and the other one, as long as the pair was suggested."""
    mine = next((p for p in referral.perpetrators if p.id == perpetrator_id), None)
    wanted = {(s.perpetrator_id, s.other_id) for s in suggestions_for(referral)}
    if mine is None or (perpetrator_id, other_id) not in wanted:
        raise Conflict("That link is no longer suggested: it may have been decided already.")
    return mine, other_id


def confirm_link(
    referral: Referral, perpetrator_id: int, other_id: int, *, actor: User, now: datetime
) -> PerpetratorIdentity:
    """The coordinator says both are the same man: one identity holds both (merging two)."""
    mine, other_id = _pair(referral, perpetrator_id, other_id)
    _decide(mine.id, other_id, True, actor, now)
    known = identities_of({mine.id, other_id})
    identity_ids = {known[i] for i in (mine.id, other_id) if i in known}
    if identity_ids:
        keep = min(identity_ids)
        identity = db.session.get(PerpetratorIdentity, keep)
        assert identity is not None
        for merged in identity_ids - {keep}:
            db.session.execute(
                sa.update(PerpetratorLink)
                .where(PerpetratorLink.identity_id == merged)
                .values(identity_id=keep)
            )
    else:
        identity = PerpetratorIdentity(created_at=now)
        db.session.add(identity)
        db.session.flush()
    for pid in (mine.id, other_id):
        if pid not in known:
            db.session.add(
                PerpetratorLink(
                    perpetrator_id=pid,
                    identity_id=identity.id,
                    linked_by_id=actor.id,
                    linked_at=now,
                )
            )
    db.session.flush()
    audit.record(
        actor,
        "perpetrator.linked",
        identity,
        marac_id=referral.marac_id,
        now=now,
        detail={"referral": referral.id, "perpetrators": sorted((mine.id, other_id))},
    )
    return identity


def reject_link(
    referral: Referral, perpetrator_id: int, other_id: int, *, actor: User, now: datetime
) -> None:
    """The coordinator says they are different men: the pair is never suggested again."""
    mine, other_id = _pair(referral, perpetrator_id, other_id)
    _decide(mine.id, other_id, False, actor, now)
    audit.record(
        actor,
        "perpetrator.link_rejected",
        referral,
        now=now,
        detail={"perpetrators": sorted((mine.id, other_id))},
    )


def _decide(a: int, b: int, confirmed: bool, actor: User, now: datetime) -> None:
    if a == b:
        raise ValidationFailed("A perpetrator cannot be linked to himself")
    low, high = ordered(a, b)
    db.session.add(
        PerpetratorLinkDecision(
            perpetrator_id=low,
            other_id=high,
            confirmed=confirmed,
            decided_by_id=actor.id,
            decided_at=now,
        )
    )
    try:
        db.session.flush()
    except sa.exc.IntegrityError as clash:  # the pair's decision is unique: someone got in first
        raise Conflict(
            "Someone else decided this link at the same moment: see what they decided below."
        ) from clash


# The serial perpetrator flag.


@dataclass(frozen=True)
class LinkedReferral:
    """One referral naming a linked man: enough to count victims, nothing about her."""

    identity_id: int
    perpetrator_id: int
    referral_id: int
    marac_id: int
    case_id: int | None
    referred_on: date | None
    relationship: Relationship
    status: ReferralStatus

    @property
    def victim_key(self) -> tuple[str, int]:
        """One victim: her case, or the referral while it has none."""
        return ("case", self.case_id) if self.case_id else ("referral", self.referral_id)


@dataclass(frozen=True)
class SerialFlag:
    """'Linked to N other victims since YEAR': all a flag may say."""

    label = "Serial perpetrator"
    other_victims: int
    since_year: int

    @property
    def text(self) -> str:
        victims = "victim" if self.other_victims == 1 else "victims"
        return f"Linked to {self.other_victims} other {victims} since {self.since_year}"


def linked_referrals(identity_ids: Collection[int]) -> list[LinkedReferral]:
    """Every referral that names a man of these identities, in any MARAC. One query."""
    if not identity_ids:
        return []
    rows = db.session.execute(
        sa.select(
            PerpetratorLink.identity_id,
            Perpetrator.id,
            Referral.id,
            Referral.marac_id,
            Referral.case_id,
            Referral.referred_on,
            Perpetrator.relationship,
            Referral.status,
        )
        .join(Perpetrator, Perpetrator.id == PerpetratorLink.perpetrator_id)
        .join(Referral, Referral.id == Perpetrator.referral_id)
        .where(PerpetratorLink.identity_id.in_(identity_ids))
        .order_by(Referral.referred_on, Referral.id)
    ).all()
    return [LinkedReferral(*row) for row in rows]


def _window_start(marac: Marac, today: date) -> date:
    try:
        return today.replace(year=today.year - marac.serial_window_years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - marac.serial_window_years, day=28)


#: What a flag is worked out for: its own victim, its MARAC, the identities it names.
Owner = tuple[tuple[str, int], Marac, set[int]]


def serial_flags(referrals: Collection[Referral], *, today: date) -> dict[int, SerialFlag]:
    """For each referral whose perpetrator is a serial perpetrator by its MARAC's settings, the
    flag to show beside it. Counts victims in every MARAC; says nothing of who they are.
    Two queries, however many referrals and links."""
    by_id = {r.id: r for r in referrals}
    if not by_id:
        return {}
    rows = db.session.execute(
        sa.select(Perpetrator.referral_id, PerpetratorLink.identity_id)
        .join(PerpetratorLink, PerpetratorLink.perpetrator_id == Perpetrator.id)
        .where(Perpetrator.referral_id.in_(by_id))
    ).all()
    owners: dict[int, Owner] = {}
    for rid, iid in rows:
        r = by_id[rid]
        own = ("case", r.case_id) if r.case_id else ("referral", r.id)
        owners.setdefault(rid, (own, r.marac, set()))[2].add(iid)
    return _flags(owners, today)


def case_flags(cases: Collection[Case], *, today: date) -> dict[int, SerialFlag]:
    """serial_flags for cases: a man named in any of the case's referrals. Two queries."""
    by_id = {c.id: c for c in cases}
    if not by_id:
        return {}
    rows = db.session.execute(
        sa.select(Referral.case_id, PerpetratorLink.identity_id)
        .join(Perpetrator, Perpetrator.referral_id == Referral.id)
        .join(PerpetratorLink, PerpetratorLink.perpetrator_id == Perpetrator.id)
        .where(Referral.case_id.in_(by_id))
    ).all()
    owners: dict[int, Owner] = {}
    for cid, iid in rows:
        if cid is not None:
            owners.setdefault(cid, (("case", cid), by_id[cid].marac, set()))[2].add(iid)
    return _flags(owners, today)


def _flags(owners: dict[int, Owner], today: date) -> dict[int, SerialFlag]:
    """For each owner (its own victim, its MARAC, the identities named), the largest flag."""
    identity_ids = {i for _, _, ids in owners.values() for i in ids}
    by_identity: dict[int, list[LinkedReferral]] = defaultdict(list)
    for link in linked_referrals(identity_ids):
        if link.status in MATCHABLE:
            by_identity[link.identity_id].append(link)
    flags: dict[int, SerialFlag] = {}
    for key, (own, marac, ids) in owners.items():
        start = _window_start(marac, today)
        for identity_id in ids:
            others: dict[tuple[str, int], date] = {}
            for link in by_identity[identity_id]:
                if link.victim_key == own or link.referred_on is None or link.referred_on < start:
                    continue
                first = others.get(link.victim_key)
                others[link.victim_key] = (
                    min(first, link.referred_on) if first else link.referred_on
                )
            if len(others) + 1 < marac.serial_victims:
                continue
            flag = SerialFlag(len(others), min(others.values()).year)
            current = flags.get(key)
            if current is None or flag.other_victims > current.other_victims:
                flags[key] = flag
    return flags


# Counter-allegations.


@dataclass(frozen=True)
class CounterFlag:
    """Another referral names the two the other way round: only how many and since when."""

    label = "Counter-allegation"
    referrals: int
    since_year: int

    @property
    def text(self) -> str:
        named = "referral names" if self.referrals == 1 else "referrals name"
        return f"{self.referrals} other {named} them the other way round, since {self.since_year}"


def counter_allegations(referrals: Collection[Referral], *, today: date) -> dict[int, CounterFlag]:
    """Referrals whose victim is named as the perpetrator, and whose perpetrator as the victim,
    in another referral of any MARAC (the same fuzzy names and dates as a link suggestion).
    Three queries, however many referrals."""
    by_id = {r.id: r for r in referrals if r.victim_birth.is_known}
    if not by_id:
        return {}
    theirs: dict[int, list[Described]] = defaultdict(list)
    for p in _named_in(by_id.values()):
        theirs[p.referral_id].append(describe(p, by_id[p.referral_id].referred_on))
    clauses = candidate_clauses(
        [(d.names, d.birth) for described in theirs.values() for d in described],
        Referral.victim_born_from,
        Referral.victim_born_to,
        Referral.victim_given_name,
        Referral.victim_family_name,
        by_name_alone=False,
    )
    if not clauses:
        return {}
    others = db.session.execute(
        sa.select(
            Referral.id,
            Referral.case_id,
            Referral.referred_on,
            Referral.victim_given_name,
            Referral.victim_family_name,
            Referral.victim_aliases,
            *victim_birth_columns(),
        ).where(
            Referral.status.in_(MATCHABLE),
            # Older referrals are never counted (below): the database skips them before it
            # weighs every name and date clause.
            Referral.referred_on >= min(_window_start(r.marac, today) for r in by_id.values()),
            sa.or_(*clauses),
        )
    ).all()
    # First the cheap half: the other referral's victim is one of this referral's
    # perpetrators. Only the pairs that pass need the other's perpetrators loaded.
    pairs: list[tuple[Referral, Any]] = []
    for referral in by_id.values():
        start = _window_start(referral.marac, today)
        for other in others:
            if other.id == referral.id or (other.case_id and other.case_id == referral.case_id):
                continue
            if other.referred_on is None or other.referred_on < start:
                continue
            other_victim = Described(
                (
                    f"{other.victim_given_name} {other.victim_family_name}",
                    *[a.strip() for a in other.victim_aliases.splitlines() if a.strip()],
                ),
                births.from_row(other[-7:]),
            )
            if _same(theirs[referral.id], other_victim):
                pairs.append((referral, other))
    their_perpetrators: dict[int, list[Described]] = defaultdict(list)
    sent_on = {other.id: other.referred_on for _, other in pairs}
    for p in _perpetrators_of(set(sent_on)):
        their_perpetrators[p.referral_id].append(describe(p, sent_on[p.referral_id]))
    found: dict[int, list[date]] = defaultdict(list)
    for referral, other in pairs:
        victim = Described((referral.victim_name, *referral.alias_list), referral.victim_birth)
        if _same(their_perpetrators[other.id], victim):
            found[referral.id].append(other.referred_on)
    return {rid: CounterFlag(len(days), min(days).year) for rid, days in found.items()}


def _same(people: Iterable[Described], person: Described) -> bool:
    """Any of people may be person: dates of birth that agree (a name alone is not enough
    for a flag that agencies see) and names alike."""
    return any(
        (found := may_be_same(p, person)) is not None and found is not BirthMatch.NAME_ONLY
        for p in people
    )


def _named_in(referrals: Collection[Referral]) -> list[Perpetrator]:
    """The perpetrators these referrals name: the ones a page loaded with them already (the
    referral or case shown), else from the database."""
    if all(_loaded(r, "perpetrators") for r in referrals):
        return [p for r in referrals for p in r.perpetrators]
    return _perpetrators_of({r.id for r in referrals})


def _loaded(instance: Any, relation: str) -> bool:
    return relation not in sa.inspect(instance).unloaded


def _perpetrators_of(referral_ids: Collection[int]) -> list[Perpetrator]:
    if not referral_ids:
        return []
    return list(
        db.session.scalars(sa.select(Perpetrator).where(Perpetrator.referral_id.in_(referral_ids)))
    )


# Every flag a page shows beside a referral or a case.

Flag = SerialFlag | CounterFlag


def flags_for(referrals: Collection[Referral], *, today: date) -> dict[int, list[Flag]]:
    """The serial perpetrator and counter-allegation flags of each referral that has any."""
    found: dict[int, list[Flag]] = defaultdict(list)
    for rid, serial in serial_flags(referrals, today=today).items():
        found[rid].append(serial)
    for rid, counter in counter_allegations(referrals, today=today).items():
        found[rid].append(counter)
    return dict(found)


def case_flags_for(cases: Collection[Case], *, today: date) -> dict[int, list[Flag]]:
    """The same for cases: the serial flag counted per case, a counter-allegation found from
    any of the case's referrals."""
    found: dict[int, list[Flag]] = defaultdict(list)
    for cid, serial in case_flags(cases, today=today).items():
        found[cid].append(serial)
    by_id = {c.id: c for c in cases}
    if not by_id:
        return dict(found)
    referrals: Sequence[Referral]
    if all(_loaded(c, "referrals") for c in by_id.values()):
        # The case page loaded them, each with its perpetrators: no need to ask again.
        referrals = [r for c in by_id.values() for r in c.referrals if r.status in MATCHABLE]
    else:
        referrals = db.session.scalars(_cases_referrals(), {"case_ids": list(by_id)}).all()
    case_of: dict[int, int | None] = {r.id: r.case_id for r in referrals}
    per_case: dict[int, CounterFlag] = {}
    for rid, counter in counter_allegations(referrals, today=today).items():
        case_id = case_of[rid]
        if case_id is None:
            continue
        current = per_case.get(case_id)
        if current is None or counter.referrals > current.referrals:
            per_case[case_id] = counter
    for case_id, counter in per_case.items():
        found[case_id].append(counter)
    return dict(found)


@functools.cache
def _cases_referrals() -> sa.Select[Referral]:
    """The matchable referrals of some cases, built once per process: every list of cases
    asks, and building its loader options cost nearly as much as running it."""
    return (
        sa.select(Referral)
        .where(
            Referral.case_id.in_(sa.bindparam("case_ids", expanding=True)),
            Referral.status.in_(MATCHABLE),
        )
        .options(
            raiseload(Referral.perpetrators),
            raiseload(Referral.children),
            raiseload(Referral.incidents),
            raiseload(Referral.answers),
            raiseload(Referral.transitions),
            raiseload(Referral.case),
            # Only her names, dates and MARAC are compared: not who referred her.
            lazyload(Referral.agency),
            lazyload(Referral.referrer),
            lazyload(Referral.about_case),
            defer(Referral.draft),
        )
    )


# The perpetrator page.


@dataclass(frozen=True)
class OwnCase:
    """A case of the viewer's MARAC that names him."""

    referral_id: int
    referral_reference: str
    case_id: int | None
    case_reference: str | None
    relationship: Relationship
    referred_on: date | None
    referral_status: ReferralStatus
    case_status: CaseStatus | None
    opened_on: datetime | None
    closed_on: datetime | None


@dataclass(frozen=True)
class ElsewhereCount:
    """Another MARAC's cases that name him: only how many and the latest date."""

    marac_name: str
    cases: int
    latest: date | None


@dataclass
class PerpetratorPage:
    identity_id: int
    names: list[str] = field(default_factory=list)
    own: list[OwnCase] = field(default_factory=list)
    elsewhere: list[ElsewhereCount] = field(default_factory=list)
    marac_ids: set[int] = field(default_factory=set)


def perpetrator_page(identity_id: int, marac_ids: Collection[int]) -> PerpetratorPage | None:
    """What a coordinator of these MARACs may know of the man: every case of theirs naming him,
    and for every other MARAC only a count and a date. None if no case of theirs names him.
    Three queries, however many referrals."""
    links = linked_referrals({identity_id})
    own_links = [link for link in links if link.marac_id in marac_ids]
    if not own_links:
        return None
    page = PerpetratorPage(identity_id, marac_ids={link.marac_id for link in own_links})
    rows = db.session.execute(
        sa.select(
            Perpetrator,
            Referral.id,
            Referral.status,
            Referral.referred_on,
            Case.id,
            Case.reference,
            Case.status,
            Case.opened_at,
            Case.closed_at,
        )
        .join(Referral, Referral.id == Perpetrator.referral_id)
        .outerjoin(Case, Case.id == Referral.case_id)
        .where(Perpetrator.id.in_({link.perpetrator_id for link in own_links}))
        .order_by(Referral.referred_on.desc(), Referral.id.desc())
    ).all()
    names: list[str] = []
    for perp, rid, rstatus, on, cid, cref, cstatus, opened, closed in rows:
        for name in (perp.name, *[a.strip() for a in perp.aliases.splitlines() if a.strip()]):
            if name not in names:
                names.append(name)
        page.own.append(
            OwnCase(
                referral_id=rid,
                referral_reference=f"R-{rid:05d}",
                case_id=cid,
                case_reference=cref,
                relationship=perp.relationship,
                referred_on=on,
                referral_status=rstatus,
                case_status=cstatus,
                opened_on=opened,
                closed_on=closed,
            )
        )
    page.names = names
    other_ids = {link.marac_id for link in links if link.marac_id not in marac_ids}
    maracs = (
        {m.id: m.name for m in db.session.scalars(sa.select(Marac).where(Marac.id.in_(other_ids)))}
        if other_ids
        else {}
    )
    grouped: dict[int, list[LinkedReferral]] = defaultdict(list)
    for link in links:
        if link.marac_id in other_ids and link.status in MATCHABLE:
            grouped[link.marac_id].append(link)
    page.elsewhere = sorted(
        (
            ElsewhereCount(
                marac_name=maracs[mid],
                cases=len({link.victim_key for link in group}),
                latest=max((link.referred_on for link in group if link.referred_on), default=None),
            )
            for mid, group in grouped.items()
        ),
        key=lambda e: e.marac_name,
    )
    return page


def known_in(referrals: Iterable[Referral]) -> list[tuple[str, int]]:
    """The linked men named in these referrals: (a name given, his identity), each man once."""
    named = {p.id: p.name for r in referrals for p in r.perpetrators}
    known: dict[int, str] = {}
    for pid, identity_id in identities_of(set(named)).items():
        known.setdefault(identity_id, named[pid])
    return [(name, identity_id) for identity_id, name in sorted(known.items())]


def linked_identities(referral: Referral) -> dict[int, int]:
    """The identity of each of this referral's perpetrators that is linked: for the page link."""
    return identities_of({p.id for p in referral.perpetrators})


def record_suggestions_view(
    actor: User, referral: Referral, suggestions: Collection[Suggestion], *, now: datetime
) -> None:
    """Note that the coordinator saw perpetrators named in other referrals, and which."""
    if suggestions:
        audit.record(
            actor,
            "perpetrator.suggestions_viewed",
            referral,
            now=now,
            detail={"referrals": sorted({s.referral_id for s in suggestions})[:1000]},
        )


def record_page_view(actor: User, page: PerpetratorPage, *, now: datetime) -> None:
    """Note in the audit trail that a coordinator read a perpetrator page, and which referrals."""
    for marac_id in sorted(page.marac_ids):
        audit.record(
            actor,
            "perpetrator.viewed",
            marac_id=marac_id,
            now=now,
            detail={
                "identity": page.identity_id,
                "referrals": [c.referral_id for c in page.own][:1000],
            },
        )
