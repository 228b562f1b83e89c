"""Repeat-incident notices, and each agency's list of flagged cases.

A case stays flagged for repeats for the MARAC's repeat window after her last MARAC referral.
While it is, anyone of an agency that knows the case (it referred her, returned research on
her case, or owns an action on it) can tell the MARAC of a new incident with a short form
instead of a new checklist. The notice is a referral of its own, about that case: it reaches
the coordinator's screening queue as a repeat, and accepting it lists the case for the next
conference with the previous plan in front. Functions flush; the caller commits.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import orm
from sqlalchemy.orm import aliased

from conference import audit
from conference.accounts.models import Marac, User
from conference.accounts.permissions import AGENCY_ROLES, marac_ids_with, roles_in
from conference.actions.models import Action
from conference.closure import queries
from conference.conferences.models import AgendaItem
from conference.conferences.queries import victim_names
from conference.db import one_page
from conference.errors import PermissionDenied, ValidationFailed
from conference.extensions import db
from conference.notifications import services as notifications
from conference.notifications.links import Link
from conference.referrals import repeats, services
from conference.referrals.choices import ReferralStatus
from conference.referrals.lifecycle import REFERRAL
from conference.referrals.models import (
    INCIDENT_LIMITS,
    PERPETRATOR_BIRTH_COLUMNS,
    REFERRAL_LIMITS,
    VICTIM_BIRTH_COLUMNS,
    Case,
    Incident,
    Perpetrator,
    Referral,
    ReferralTransition,
)
from conference.referrals.queries import last_referred
from conference.research.models import ResearchReturn

#: Longest "what happened": a notice is short; the full story belongs in a full referral.
WHAT_HAPPENED_LIMIT = 2000
REPORTED_BY_LIMIT = REFERRAL_LIMITS["reported_by"]

#: How the agency knows a flagged case, as its list says.
REFERRED, RESEARCHED, OWNS_ACTIONS = "Referred the victim", "Returned research", "Owns actions"

#: The victim's details a notice carries over from her last full referral: who she is, for
#: matching and the data return. Never her address, phone or story: the person filing the
#: notice may not be allowed to see them.
CARRIED_OVER = (
    "victim_given_name",
    "victim_family_name",
    "victim_aliases",
    *VICTIM_BIRTH_COLUMNS,
    "victim_gender",
    "victim_is_trans",
    "victim_ethnicity",
    "victim_disability",
    "victim_sexuality",
    "victim_language",
    "needs_interpreter",
    "is_aged_16_17",
)


def agency_knows(agency_id: int, case_id: Any) -> sa.ColumnElement[bool]:
    """Whether the agency knows the case: it referred her, returned research, or owns an
    action. Three index probes a case, so a list narrowed first never reads the agency's
    whole history."""
    research = aliased(AgendaItem)
    return sa.or_(
        sa.exists().where(
            Referral.case_id == case_id,
            Referral.agency_id == agency_id,
            Referral.status == ReferralStatus.ACCEPTED,
        ),
        sa.select(research.id)
        .join(ResearchReturn, ResearchReturn.agenda_item_id == research.id)
        .where(research.case_id == case_id, ResearchReturn.agency_id == agency_id)
        .exists(),
        sa.exists().where(Action.case_id == case_id, Action.owner_agency_id == agency_id),
    )


def _still_flagged(
    referred_on: sa.ColumnElement[date], maracs: Collection[Marac], now: datetime
) -> sa.ColumnElement[bool]:
    """A case of one of these MARACs whose last referral is within its MARAC's repeat window
    (today in its time zone included)."""
    return sa.or_(
        *[
            sa.and_(Case.marac_id == marac.id, referred_on >= _window_start(marac, now))
            for marac in maracs
        ]
    )


def _window_start(marac: Marac, now: datetime) -> date:
    """The first day a referral keeps a case of the MARAC flagged for repeats today."""
    return services.today_in(marac, now) - timedelta(days=queries.repeat_window_days(marac))


@dataclass(frozen=True)
class FlaggedCase:
    """One row of an agency's flagged cases."""

    case: Case
    victim: str
    last_referred_on: date
    flag_ends_on: date
    #: How the agency knows it: REFERRED, RESEARCHED, OWNS_ACTIONS.
    known_by: tuple[str, ...]


def notice_maracs(user: User) -> list[Marac]:
    """The MARACs where the user speaks for an agency: their flagged cases come from these."""
    ids = set().union(*(marac_ids_with(user, role) for role in AGENCY_ROLES))
    return list(db.session.scalars(sa.select(Marac).where(Marac.id.in_(ids)).order_by(Marac.name)))


def flagged_cases(
    agency_id: int, maracs: Collection[Marac], now: datetime, *, page: int, per_page: int
) -> tuple[Pagination, list[FlaggedCase]]:
    """The agency's flagged cases in these MARACs, the flag ending soonest first, a page at a
    time. Five queries a page, however many cases."""
    # Only referrals inside the widest window can keep a case flagged: a case whose last
    # referral is older drops out either way, so the years before need not be grouped.
    since = min((_window_start(m, now) for m in maracs), default=None)
    # By the case's MARAC now, not the one each referral went to: a case transferred in keeps
    # the referrals its first MARAC took.
    cases_here = sa.select(Case.id).where(Case.marac_id.in_([m.id for m in maracs]))
    referred = last_referred(
        Referral.case_id.in_(cases_here),
        *([Referral.referred_on >= since] if since is not None else []),
    )
    listing = one_page(
        sa.select(Case)
        .join(referred, referred.c.case_id == Case.id)
        .where(
            _still_flagged(referred.c.referred_on, maracs, now) if maracs else sa.false(),
            agency_knows(agency_id, Case.id),
        )
        # The list names a case by its reference and MARAC alone: each eager join it never
        # shows costs the planner more than the page's rows cost to read.
        .options(orm.lazyload(Case.advocate), orm.lazyload(Case.transferred_from))
        .order_by(referred.c.referred_on, Case.id),
        page=page,
        per_page=per_page,
        # Ordered by each case's last referral day: the first page reads every flagged case.
        counted_with_rows=True,
    )
    cases: list[Case] = list(listing.items)
    ids = [c.id for c in cases]
    # Their last referral days alone: the cases are read already, and when each was last
    # heard (the rest of a case's standing) is not shown here.
    last = last_referred(Referral.case_id.in_(ids))
    referred_on: dict[int, date] = {i: day for i, day in db.session.execute(sa.select(last))}
    names = victim_names(ids)
    known = _known_by(agency_id, ids)
    rows = []
    for case in cases:
        day = referred_on[case.id]
        rows.append(
            FlaggedCase(
                case,
                names.get(case.id, ""),
                day,
                queries.flag_ends_on(case.marac, day),
                tuple(k for k in (REFERRED, RESEARCHED, OWNS_ACTIONS) if k in known[case.id]),
            )
        )
    return listing, rows


def _known_by(agency_id: int, case_ids: Collection[int]) -> dict[int, set[str]]:
    """Case id -> how the agency knows it. One query."""
    kinds: sa.CompoundSelect[Any] = sa.union_all(
        sa.select(Referral.case_id, sa.literal(REFERRED).label("kind")).where(
            Referral.agency_id == agency_id,
            Referral.status == ReferralStatus.ACCEPTED,
            Referral.case_id.in_(case_ids),
        ),
        sa.select(AgendaItem.case_id, sa.literal(RESEARCHED))
        .join(ResearchReturn, ResearchReturn.agenda_item_id == AgendaItem.id)
        .where(ResearchReturn.agency_id == agency_id, AgendaItem.case_id.in_(case_ids)),
        sa.select(Action.case_id, sa.literal(OWNS_ACTIONS)).where(
            Action.owner_agency_id == agency_id, Action.case_id.in_(case_ids)
        ),
    )
    found: dict[int, set[str]] = {i: set() for i in case_ids}
    for row in db.session.execute(kinds):
        found[row[0]].add(row[1])
    return found


def may_file_notice(user: User, case: Case, now: datetime) -> bool:
    """Someone who speaks for an agency in the case's MARAC, whose agency knows the case,
    while the case is flagged for repeats."""
    if user.agency_id is None or not roles_in(user, case.marac_id) & set(AGENCY_ROLES):
        return False
    knows = db.session.scalar(sa.select(agency_knows(user.agency_id, sa.literal(case.id))))
    standing = queries.standings([case.id])[case.id]
    return bool(knows) and standing.is_flagged(services.today_in(case.marac, now))


def perpetrators_of(case: Case) -> list[Perpetrator]:
    """The men named in the case's accepted referrals, each once (by name and date of birth
    or age), as the latest referral names him."""
    named = db.session.scalars(
        sa.select(Perpetrator)
        .join(Referral, Referral.id == Perpetrator.referral_id)
        .where(Referral.case_id == case.id, Referral.status == ReferralStatus.ACCEPTED)
        .order_by(Referral.referred_on.desc(), Referral.id.desc(), Perpetrator.position)
    )
    seen: dict[tuple[str, date | None, date | None], Perpetrator] = {}
    for p in named:
        seen.setdefault((p.name.casefold(), p.born_from, p.born_to), p)
    return list(seen.values())


@dataclass(frozen=True)
class NoticeFacts:
    """What the person filing a notice says happened."""

    occurred_on: date | None
    what_happened: str
    perpetrator_id: int | None
    reported_by: str


def file_notice(case: Case, facts: NoticeFacts, *, actor: User, now: datetime) -> Referral:
    """Send a repeat-incident notice about case to its coordinators.

    Raises PermissionDenied unless the actor may file one (may_file_notice), and
    ValidationFailed by the field when a fact is missing or out of range.
    """
    if not may_file_notice(actor, case, now):
        raise PermissionDenied("You cannot report an incident on this case")
    today = services.today_in(case.marac, now)
    man = _check(case, facts, today)
    last = _last_full_referral(case)
    tool, _ = services.risk_tool_for(case.marac)
    notice = Referral(
        marac=case.marac,
        referrer=actor,
        agency_id=actor.agency_id,
        about_case_id=case.id,
        risk_tool_id=tool.id,
        draft=None,
        reported_by=facts.reported_by.strip(),
        narrative=facts.what_happened.strip(),
        has_children=None,
        created_at=now,
        updated_at=now,
        **{name: getattr(last, name) for name in CARRIED_OVER},
    )
    notice.perpetrators = [
        Perpetrator(
            position=0,
            given_name=man.given_name,
            family_name=man.family_name,
            aliases=man.aliases,
            **{name: getattr(man, name) for name in PERPETRATOR_BIRTH_COLUMNS},
            relationship=man.relationship,
        )
    ]
    assert facts.occurred_on is not None
    notice.incidents = [
        Incident(occurred_on=facts.occurred_on, summary=_summary(facts.what_happened))
    ]
    db.session.add(notice)
    db.session.flush()
    notice.submitted_at, notice.referred_on = now, today
    previous = REFERRAL.transition(notice, ReferralStatus.SUBMITTED, actor=actor, now=now)
    transition = ReferralTransition(
        from_status=previous, to_status=ReferralStatus.SUBMITTED, actor=actor, at=now
    )
    notice.transitions.append(transition)
    db.session.flush()
    # Worked out from the records like any referral's, never typed: his name as the case
    # knows him makes the link a suggestion the coordinator confirms at screening.
    notice.is_repeat = repeats.repeat_of(notice) is not None
    notice.has_possible_match = True  # she is the case's victim by construction
    audit.record(
        actor,
        "referral.repeat_notice_filed",
        notice,
        now=now,
        detail={"case_id": case.id, "repeat": notice.is_repeat},
    )
    notifications.notify(
        services.coordinator_ids(case.marac_id),
        "referral.repeat_notice",
        key=f"referral.repeat_notice:{notice.id}",
        reference=notice.reference,
        link=Link("referrals.detail", {"referral_id": notice.id}),
        now=now,
    )
    db.session.flush()
    return notice


def _check(case: Case, facts: NoticeFacts, today: date) -> Perpetrator:
    """The man chosen, once every fact is there and in range; the first problem otherwise."""
    standing = queries.standings([case.id])[case.id]
    if facts.occurred_on is None:
        raise ValidationFailed("Enter the date of the incident", "occurred_on")
    if facts.occurred_on > today:
        raise ValidationFailed(
            "The date of the incident must be today or in the past", "occurred_on"
        )
    if standing.last_referred_on and facts.occurred_on < standing.last_referred_on:
        raise ValidationFailed(
            "The incident must be on or after the victim's last referral, on "
            f"{standing.last_referred_on:%-d %B %Y}: an earlier one belongs to that referral",
            "occurred_on",
        )
    if not facts.what_happened.strip():
        raise ValidationFailed("Say what happened", "what_happened")
    if len(facts.what_happened) > WHAT_HAPPENED_LIMIT:
        raise ValidationFailed(
            f"What happened must be {WHAT_HAPPENED_LIMIT} characters or fewer", "what_happened"
        )
    men = {p.id: p for p in perpetrators_of(case)}
    if facts.perpetrator_id not in men:
        raise ValidationFailed("Choose the person who caused the harm", "perpetrator_id")
    if not facts.reported_by.strip():
        raise ValidationFailed("Say who reported the incident", "reported_by")
    if len(facts.reported_by) > REPORTED_BY_LIMIT:
        raise ValidationFailed(
            f"Who reported it must be {REPORTED_BY_LIMIT} characters or fewer", "reported_by"
        )
    return men[facts.perpetrator_id]


def _summary(what_happened: str) -> str:
    """The incident's one-line summary: the start of what happened."""
    line = " ".join(what_happened.split())
    limit = INCIDENT_LIMITS["summary"]
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def _last_full_referral(case: Case) -> Referral:
    """Her last accepted full referral in the case: who she is, as the referrer knew her."""
    last = db.session.scalar(
        sa.select(Referral)
        .where(
            Referral.case_id == case.id,
            Referral.status == ReferralStatus.ACCEPTED,
            Referral.about_case_id.is_(None),
        )
        .order_by(Referral.referred_on.desc(), Referral.id.desc())
        .limit(1)
    )
    if last is None:
        raise ValidationFailed("This case has no accepted referral to add a notice to")
    return last
