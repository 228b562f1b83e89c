"""What a return counts, read from the record in a fixed number of queries.

- A conference was *held* in the period when it started on a day in it (the MARAC's dates).
- A *case discussed* is an agenda item of a held conference, in the children's or adults'
  section, marked discussed: a case heard at two meetings counts twice, as the national return
  counts. Each is described by the referral that listed it.
- A *repeat* is a case discussed whose referral is a repeat by the published rule: a new
  incident between the same victim and the same perpetrator within the repeat window of her
  last MARAC referral, in any MARAC (referrals/repeats.py). The referral's is_repeat holds it,
  worked out when the referral was sent and revised when screening decided a perpetrator link.
- A perpetrator is *aged 17 or under* when his date of birth makes him so on the day the
  referral was sent or, without one, when the referrer's guess at his age does. One with
  neither has an age not recorded.
- A case discussed was *shared without consent* when the referral that listed it records that
  she refused and it was shared anyway, or that her consent was not sought (referrals
  lawful_basis.py); one whose referral records neither (a notice, or none) has consent not
  recorded.
- An *observer* is a person listed at a held conference's opening as observing only.
- An action's status on any day is rebuilt from its updates, so a return for a past quarter
  says what was true then, even if the action was reopened or closed since.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute

from conference.accounts.models import Agency, AgencyKind, Marac, agency_maracs
from conference.actions.choices import OPEN_STATUSES, ActionStatus
from conference.actions.models import Action, ActionUpdate
from conference.conferences import rules
from conference.conferences.choices import HELD, ItemStatus
from conference.conferences.listing import CASE_SECTIONS
from conference.conferences.models import AgendaItem, Conference
from conference.extensions import db
from conference.meetings.models import Attendee
from conference.referrals import births
from conference.referrals.births import BirthDate
from conference.referrals.choices import (
    Consent,
    Ethnicity,
    Gender,
    ReferralStatus,
    Sexuality,
    YesNoNotKnown,
)
from conference.referrals.models import (
    Case,
    CaseClosure,
    Child,
    Perpetrator,
    Referral,
    ReferralTransition,
)
from conference.reports.periods import Period
from conference.voice.choices import OutcomeResult
from conference.voice.models import VictimVoice

#: What a table says when the period discussed no case.
NO_CASES = "No case was discussed in this period."


@dataclass(frozen=True)
class Discussed:
    """One case discussed, with what the return needs from the referral that listed it."""

    conference_id: int
    day: date
    #: The day the referral was first sent (a resubmission after questions does not reset it).
    referred_on: date | None
    agency_id: int | None
    agency_kind: AgencyKind | None
    is_repeat: bool
    children: int
    gender: Gender | None
    ethnicity: Ethnicity | None
    sexuality: Sexuality | None
    is_trans: YesNoNotKnown | None
    disability: YesNoNotKnown | None
    is_aged_16_17: bool
    has_dob: bool
    contact_made: bool | None
    #: What came of telling her the outcome after the meeting; None while not recorded.
    outcome_result: OutcomeResult | None = None
    #: The perpetrators the referral named: those aged 17 or under, and those of no known age.
    perpetrators_17_or_under: int = 0
    perpetrators_age_unknown: int = 0
    #: What the referral says about her consent; None when it says nothing.
    consent: Consent | None = None
    #: The referral criteria the referral met when sent, each decided by the rules of the
    #: risk tool it used (a count, a sum, any of a set, at least so many, or a combination).
    visible_high_risk: bool = False
    professional_judgement: bool = False
    escalation: bool = False


@dataclass
class ActionRecord:
    """An action and the statuses it has had, oldest first."""

    owner_agency_id: int
    due_on: date
    status: ActionStatus
    agreed_at: datetime
    #: Each closing of its case: when, and when a repeat reopened it (None: still closed).
    case_closures: list[tuple[datetime, datetime | None]] = field(default_factory=list)
    changes: list[tuple[datetime, ActionStatus]] = field(default_factory=list)

    def case_closed_at(self, moment: datetime) -> bool:
        """Its case was closed just before moment: a later reopening changes nothing here."""
        return any(
            closed < moment and (reopened is None or reopened >= moment)
            for closed, reopened in self.case_closures
        )

    def status_at(self, moment: datetime) -> ActionStatus:
        """Its status just before moment: open until its first update."""
        status = ActionStatus.OPEN
        for at, changed_to in self.changes:
            if at >= moment:
                break
            status = changed_to
        return status

    def done_at(self) -> datetime | None:
        """When it last became done, if it is done now."""
        if self.status is not ActionStatus.DONE:
            return None
        found, before = None, ActionStatus.OPEN
        for at, changed_to in self.changes:
            if changed_to is ActionStatus.DONE and before is not ActionStatus.DONE:
                found = at
            before = changed_to
        return found


def held(marac: Marac, start: datetime, after: datetime) -> list[Conference]:
    """The MARAC's conferences held from start (UTC) until after, in order."""
    return list(
        db.session.scalars(
            sa.select(Conference)
            .where(
                Conference.marac_id == marac.id,
                Conference.status.in_(HELD),
                Conference.starts_at >= start,
                Conference.starts_at < after,
            )
            .order_by(Conference.starts_at)
        )
    )


def discussed(marac: Marac, days: dict[int, date]) -> list[Discussed]:
    """The cases discussed at the conferences given (id -> local day), in agenda order."""
    if not days:
        return []
    children = (
        sa.select(sa.func.count(Child.id))
        .where(Child.referral_id == Referral.id)
        .correlate(Referral)
        .scalar_subquery()
    )
    first_sent = (
        sa.select(sa.func.min(ReferralTransition.at))
        .where(
            ReferralTransition.referral_id == Referral.id,
            ReferralTransition.to_status == ReferralStatus.SUBMITTED,
        )
        .correlate(Referral)
        .scalar_subquery()
    )
    rows = db.session.execute(
        sa.select(
            AgendaItem.conference_id,
            AgendaItem.case_id,
            Referral.id.label("referral_id"),
            Referral.referred_on,
            first_sent.label("first_sent"),
            Referral.agency_id,
            Agency.kind.label("agency_kind"),
            children.label("children"),
            Referral.victim_gender,
            Referral.victim_ethnicity,
            Referral.victim_sexuality,
            Referral.victim_is_trans,
            Referral.victim_disability,
            Referral.is_aged_16_17,
            Referral.victim_dob,
            Referral.victim_born_from,
            Referral.is_repeat,
            Referral.consent,
            Referral.meets_visible_high_risk,
            Referral.meets_professional_judgement,
            Referral.meets_escalation,
            VictimVoice.contact_made,
            VictimVoice.outcome_result,
        )
        .select_from(AgendaItem)
        .outerjoin(Referral, Referral.id == AgendaItem.referral_id)
        .outerjoin(Agency, Agency.id == Referral.agency_id)
        .outerjoin(VictimVoice, VictimVoice.agenda_item_id == AgendaItem.id)
        .where(
            AgendaItem.conference_id.in_(days),
            AgendaItem.section.in_(CASE_SECTIONS),
            AgendaItem.status == ItemStatus.DISCUSSED,
        )
        .order_by(AgendaItem.conference_id, AgendaItem.position)
    ).all()
    ages = _perpetrator_ages(
        {row.referral_id: row.referred_on for row in rows if row.referral_id is not None}
    )
    found = []
    for row in rows:
        on = row.referred_on or days[row.conference_id]
        young = [birth.may_be_aged(0, 17, on) for birth in ages.get(row.referral_id, [])]
        sent = row.referred_on
        if row.first_sent is not None:
            sent = rules.local(row.first_sent, marac.timezone).date()
        found.append(
            Discussed(
                conference_id=row.conference_id,
                day=days[row.conference_id],
                referred_on=sent,
                agency_id=row.agency_id,
                agency_kind=row.agency_kind,
                is_repeat=bool(row.is_repeat),
                children=row.children or 0,
                gender=row.victim_gender,
                ethnicity=row.victim_ethnicity,
                sexuality=row.victim_sexuality,
                is_trans=row.victim_is_trans,
                disability=row.victim_disability,
                is_aged_16_17=bool(row.is_aged_16_17),
                has_dob=row.victim_dob is not None or row.victim_born_from is not None,
                contact_made=row.contact_made,
                outcome_result=row.outcome_result,
                perpetrators_17_or_under=sum(y is True for y in young),
                perpetrators_age_unknown=sum(y is None for y in young),
                consent=row.consent,
                visible_high_risk=bool(row.meets_visible_high_risk),
                professional_judgement=bool(row.meets_professional_judgement),
                escalation=bool(row.meets_escalation),
            )
        )
    return found


def _perpetrator_ages(referred_on: dict[int, date | None]) -> dict[int, list[BirthDate]]:
    """Referral id -> what is known of each named perpetrator's date of birth (an age given
    without its day counts from his referral's, given here by referral id)."""
    found: dict[int, list[BirthDate]] = defaultdict(list)
    if referred_on:
        # Only the columns a date of birth is made of: not the perpetrators themselves.
        for row in db.session.execute(
            sa.select(
                Perpetrator.referral_id,
                Perpetrator.dob_kind,
                Perpetrator.dob,
                Perpetrator.born_from,
                Perpetrator.approximate_age,
                Perpetrator.age_on,
                Perpetrator.dob_reason,
                Perpetrator.other_dobs,
            )
            .where(Perpetrator.referral_id.in_(referred_on))
            .order_by(Perpetrator.referral_id, Perpetrator.position)
        ):
            found[row.referral_id].append(
                births.stored(
                    row.dob_kind,
                    row.dob,
                    row.born_from,
                    row.approximate_age,
                    row.age_on or referred_on[row.referral_id],
                    row.dob_reason,
                    row.other_dobs,
                )
            )
    return found


def observers_at(conference_ids: Collection[int]) -> dict[int, int]:
    """Conference id -> how many observers its opening listed."""
    if not conference_ids:
        return {}
    return {
        conference_id: count
        for conference_id, count in db.session.execute(
            sa.select(Attendee.conference_id, sa.func.count(Attendee.id))
            .where(Attendee.conference_id.in_(set(conference_ids)), Attendee.is_observer)
            .group_by(Attendee.conference_id)
        )
    }


def agencies_of(marac: Marac) -> dict[int, Agency]:
    """Every agency that sits on the MARAC, by id."""
    found = db.session.scalars(
        sa.select(Agency)
        .join(agency_maracs, agency_maracs.c.agency_id == Agency.id)
        .where(agency_maracs.c.marac_id == marac.id)
    )
    return {agency.id: agency for agency in found}


def with_others(agencies: dict[int, Agency], ids: Collection[int]) -> dict[int, Agency]:
    """agencies and any of ids no longer on the MARAC (one query at most), as a new dict."""
    found = dict(agencies)
    missing = set(ids) - set(found)
    if missing:
        for agency in db.session.scalars(sa.select(Agency).where(Agency.id.in_(missing))):
            found[agency.id] = agency
    return found


def actions_due_by(marac: Marac, period: Period) -> list[ActionRecord]:
    """The MARAC's actions due by the period's end, each with its history of statuses.

    One due earlier and closed, unchanged, since before the period began stayed closed all
    through it: it is left out, so the years before a period cost nothing to read.
    """
    since = period.utc_bounds(marac.timezone)[0]
    # Each action with its updates in one read (an action never updated comes once, with no
    # update). Its case is one of the MARAC's, asked for as a list: joined to the cases
    # instead, the planner may read every MARAC's actions, or start parallel workers, to
    # find a year's few hundred.
    rows = db.session.execute(
        sa.select(
            Action.id,
            Action.owner_agency_id,
            Action.due_on,
            Action.status,
            Action.agreed_at,
            Action.updated_at,
            Action.case_id,
            ActionUpdate.status.label("changed_to"),
            ActionUpdate.at.label("changed_at"),
        )
        .outerjoin(ActionUpdate, ActionUpdate.action_id == Action.id)
        .where(
            _among(Action.case_id, sa.select(Case.id).where(Case.marac_id == marac.id)),
            Action.due_on <= period.end,
            sa.or_(
                Action.due_on >= period.start,
                Action.status.in_(OPEN_STATUSES),
                Action.updated_at >= since,
            ),
        )
        .order_by(Action.id, ActionUpdate.at, ActionUpdate.id)
    ).all()
    # Ordered by action, so an action's first row is the one after another action's.
    actions = [row for n, row in enumerate(rows) if n == 0 or rows[n - 1].id != row.id]
    changes: dict[int, list[tuple[datetime, ActionStatus]]] = defaultdict(list)
    for row in rows:
        if row.changed_at is not None:
            changes[row.id].append((row.changed_at, row.changed_to))
    closures: dict[int, list[tuple[datetime, datetime | None]]] = defaultdict(list)
    # Only the closings of these actions' cases, not of every case the MARAC has had.
    for case_id, closed_at, reopened_at in db.session.execute(
        sa.select(CaseClosure.case_id, CaseClosure.closed_at, CaseClosure.reopened_at).where(
            CaseClosure.case_id.in_({row.case_id for row in actions})
        )
    ):
        closures[case_id].append((closed_at, reopened_at))
    found = []
    for row in actions:
        history = changes.get(row.id, [])
        if not history and row.status is not ActionStatus.OPEN:
            # Closed before its updates were kept: its last change is when it closed.
            history = [(row.updated_at, row.status)]
        found.append(
            ActionRecord(
                owner_agency_id=row.owner_agency_id,
                due_on=row.due_on,
                status=row.status,
                agreed_at=row.agreed_at,
                case_closures=closures.get(row.case_id, []),
                changes=history,
            )
        )
    return found


def _among(column: InstrumentedAttribute[int], ids: sa.Select[int]) -> sa.ColumnElement[bool]:
    """column is one of the ids the query gives. On PostgreSQL they are gathered into an array
    first, so the planner reads the rows by those ids through an index however many there are.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        return column == sa.any_(sa.func.array(ids.scalar_subquery()))
    return column.in_(ids)
