"""Has she been referred before? Looks across every MARAC of the install.

A possible match needs dates of birth that agree and a name like hers: her full name or any
alias against the earlier referral's name and aliases, allowing for misspellings and names in
another order. Dates agree as births.agreement says: the same date, one of the possible dates,
or within an approximate date's range; each match says which (its certainty). When her date of
birth is not known, or the earlier one's is not, only a name spelt nearly the same matches
("name only"). The coordinator decides whether it is her; the referrer is told only that a
match exists.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from rapidfuzz import fuzz, utils
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from conference.accounts.models import Marac
from conference.extensions import db
from conference.referrals import births
from conference.referrals.births import BirthDate, BirthMatch
from conference.referrals.choices import ReferralStatus
from conference.referrals.models import Case, Referral

#: Similarity (0-100) at or above which two names may be the same person's. The dates of birth
#: must agree as well, so this can be generous: 'Jane Smith' and 'Jayne Smyth' score 86.
NAME_THRESHOLD = 75
#: The similarity a match by name only needs, with no date of birth to compare: 'Jane Smith'
#: and 'Jane Smyth' (90), not 'Jayne Smyth'. The database is searched for it by a first or
#: last name spelt the same.
NAME_ONLY_THRESHOLD = 90

#: Referrals that reached the coordinator and were not turned away or withdrawn.
MATCHABLE = (
    ReferralStatus.SUBMITTED,
    ReferralStatus.MORE_INFO_REQUESTED,
    ReferralStatus.ACCEPTED,
)


@dataclass(frozen=True)
class PossibleMatch:
    referral_id: int
    marac_id: int
    marac_name: str
    status: ReferralStatus
    referred_on: date | None
    case_id: int | None
    case_reference: str | None
    similarity: int
    #: How sure the match is by the dates of birth.
    certainty: BirthMatch


def identity_match(
    names: Iterable[str], birth: BirthDate, their_names: Iterable[str], their_birth: BirthDate
) -> tuple[BirthMatch, int] | None:
    """How sure it is that two people are one (by dates of birth) and how alike their names
    are; None when the dates disagree or the names are not alike enough."""
    certainty = births.agreement(birth, their_birth)
    if certainty is None:
        return None
    similarity = name_similarity(names, their_names)
    needed = NAME_ONLY_THRESHOLD if certainty is BirthMatch.NAME_ONLY else NAME_THRESHOLD
    return (certainty, similarity) if similarity >= needed else None


def name_tokens(names: Iterable[str]) -> set[str]:
    """Each word of the names, in lower case: what a name-only search looks for."""
    return {word.casefold() for name in names for word in name.split() if word.strip()}


class born_meeting(FunctionElement[bool]):
    """Stored days of birth (born_from, born_to) that meet the days earliest to latest:
    born_meeting(born_from, born_to, earliest, latest)."""

    type = sa.Boolean()
    inherit_cache = True
    name = "born_meeting"


@compiles(born_meeting)
def _born_meeting(element: born_meeting, compiler: SQLCompiler, **kw: Any) -> str:
    born_from, born_to, earliest, latest = element.clauses
    return compiler.process(sa.and_(born_from <= latest, born_to >= earliest), **kw)


@compiles(born_meeting, "postgresql")
def _born_meeting_postgresql(element: born_meeting, compiler: SQLCompiler, **kw: Any) -> str:
    """The same test, and again as ranges that overlap: a range index answers that one (the
    two comparisons alone scan every earlier birth), and its statistics tell the planner how
    few rows come back, so it joins them by key instead of reading the cases whole."""
    born_from, born_to, earliest, latest = element.clauses
    closed: sa.ColumnElement[str] = sa.literal_column("'[]'")
    overlap = sa.func.daterange(born_from, born_to, closed).op("&&")(
        sa.func.daterange(earliest, latest, closed)
    )
    return compiler.process(sa.and_(born_from <= latest, born_to >= earliest, overlap), **kw)


def candidate_clauses(
    people: Iterable[tuple[Sequence[str], BirthDate]],
    born_from: Any,
    born_to: Any,
    given_name: Any,
    family_name: Any,
    *,
    by_name_alone: bool = True,
) -> list[sa.ColumnElement[bool]]:
    """Which stored people may match any of these: a bounded search. A date of birth known:
    those whose days of birth meet it and, by_name_alone, those with none known who share a
    first or last name. None known: those who share a name, by_name_alone, and for a date of
    birth said to be unknown (rather than not yet given)."""
    clauses: list[sa.ColumnElement[bool]] = []
    asked: set[tuple[Any, ...]] = set()
    for names, birth in people:
        # Without by_name_alone no clause uses the names: none is built for each person.
        tokens = sorted(name_tokens(names)) if by_name_alone else []
        # The same man named on each of a case's referrals is searched for once: every
        # clause is one more index scan in the statement.
        if (birth.envelope, *tokens) in asked:
            continue
        asked.add((birth.envelope, *tokens))
        same_name = (
            sa.or_(sa.func.lower(given_name).in_(tokens), sa.func.lower(family_name).in_(tokens))
            if tokens
            else None
        )
        envelope = birth.envelope
        if envelope is not None:
            clauses.append(born_meeting(born_from, born_to, *envelope))
            if same_name is not None and by_name_alone:
                clauses.append(sa.and_(born_from.is_(None), same_name))
        elif same_name is not None and by_name_alone:
            clauses.append(same_name)
    return clauses


def victim_birth_columns() -> tuple[Any, ...]:
    """The columns births.stored needs of a referral's victim, in its order."""
    return (
        Referral.victim_dob_kind,
        Referral.victim_dob,
        Referral.victim_born_from,
        Referral.victim_age,
        sa.func.coalesce(Referral.victim_age_on, Referral.referred_on),
        Referral.victim_dob_reason,
        Referral.victim_other_dobs,
    )


def name_similarity(names: Iterable[str], other_names: Iterable[str]) -> int:
    """The best similarity between any of names and any of other_names (0-100)."""
    others = [n for n in other_names if n.strip()]
    return int(
        max(
            (
                fuzz.token_sort_ratio(a, b, processor=utils.default_process)
                for a in names
                if a.strip()
                for b in others
            ),
            default=0,
        )
    )


def find_possible_matches(
    names: Sequence[str], birth: BirthDate, *, excluding: int | None = None
) -> list[PossibleMatch]:
    """Earlier referrals, in any MARAC, that may be the same victim; newest first. One query.
    Nothing is looked for until a name is given and her date of birth is known or said not
    to be (a name alone, as typed so far, asks nothing)."""
    if not any(n.strip() for n in names) or birth.kind is None:
        return []
    clauses = candidate_clauses(
        [(names, birth)],
        Referral.victim_born_from,
        Referral.victim_born_to,
        Referral.victim_given_name,
        Referral.victim_family_name,
    )
    if not clauses:
        return []
    rows = db.session.execute(
        sa.select(
            Referral.id,
            Referral.marac_id,
            Marac.name,
            Referral.status,
            Referral.referred_on,
            Referral.case_id,
            Case.reference,
            Referral.victim_given_name,
            Referral.victim_family_name,
            Referral.victim_aliases,
            *victim_birth_columns(),
        )
        .join(Marac, Marac.id == Referral.marac_id)
        .outerjoin(Case, Case.id == Referral.case_id)
        .where(
            sa.or_(*clauses),
            Referral.status.in_(MATCHABLE),
            Referral.id != (excluding or 0),
        )
        .order_by(Referral.submitted_at.desc(), Referral.id.desc())
    ).all()
    matches = []
    for row in rows:
        theirs = [
            f"{row.victim_given_name} {row.victim_family_name}",
            *row.victim_aliases.split("\n"),
        ]
        found = identity_match(names, birth, theirs, births.from_row(row[-7:]))
        if found is not None:
            certainty, similarity = found
            matches.append(
                PossibleMatch(
                    referral_id=row.id,
                    marac_id=row.marac_id,
                    marac_name=row.name,
                    status=row.status,
                    referred_on=row.referred_on,
                    case_id=row.case_id,
                    case_reference=row.reference,
                    similarity=similarity,
                    certainty=certainty,
                )
            )
    return matches


def last_marac_referral_on(matches: Iterable[PossibleMatch]) -> date | None:
    """The day of her most recent accepted (MARAC) referral among the matches."""
    days = [
        m.referred_on
        for m in matches
        if m.status is ReferralStatus.ACCEPTED and m.referred_on is not None
    ]
    return max(days, default=None)
