"""The quarterly MARAC data return, and how the MARAC is working, for one MARAC and period.

What counts, in the MARAC's own dates:
- a conference was *held* in the period when it started (or finished) on a day in it;
- a *case discussed* is an agenda item of a held conference, children's or adults' section,
  marked discussed: a case heard at two meetings counts twice, as the national return does;
- each discussed case is described by the referral that listed it: who referred, the victim's
  equality details as the referrer gave them, her children, and whether it was a repeat.
Everything is read in a fixed number of queries, however many cases the period holds.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from conference.accounts.models import Agency, AgencyKind, Marac, agency_maracs
from conference.actions.choices import ActionStatus
from conference.actions.models import Action, ActionUpdate
from conference.conferences import rules
from conference.conferences.choices import HELD, ItemStatus, Section
from conference.conferences.models import AgendaItem, Conference, conference_invitations
from conference.extensions import db
from conference.minutes.jobs import WORKING_DAYS_TO_FINALISE
from conference.minutes.models import Minutes
from conference.referrals.choices import Ethnicity, Gender, Sexuality, YesNoNotKnown
from conference.referrals.models import Case, Child, Referral
from conference.reports.periods import DAYS_IN_YEAR, Period
from conference.reports.tables import Chart, Column, Kind, Table, one_place, share
from conference.research.models import ResearchReturn
from conference.voice.models import VictimVoice

#: SafeLives' recommended volume: cases a year per 10,000 adult women.
RECOMMENDED_PER_10000 = 40
#: The national MARAC figures for the 12 months to 30 June 2023 (SafeLives), for comparison.
NATIONAL_LABEL = "National, year to June 2023"
NATIONAL = {
    "repeat": 32.0,
    "police": 64.0,
    "partner": 36.0,
    "minoritised": 16.1,
    "lgbt": 1.6,
    "disabled": 10.0,
    "male": 6.5,
    "aged_16_17": 1.3,
    "per_10000": 45.0,
}

#: Black, Asian and minoritised victims: every recorded group but White.
MINORITISED = {Ethnicity.MIXED, Ethnicity.ASIAN, Ethnicity.BLACK, Ethnicity.ARAB, Ethnicity.OTHER}
LGB_PLUS = {Sexuality.GAY_LESBIAN, Sexuality.BISEXUAL, Sexuality.ANOTHER}
CASE_SECTIONS = (Section.CHILDREN, Section.ADULTS)
CLOSED_ACTION_STATUSES = [s for s in ActionStatus if s.is_closed]
#: Days from referral to conference, in weekly bands.
DAY_BANDS = ((0, 7), (8, 14), (15, 21), (22, 28), (29, None))
#: Actions this many days overdue or more are escalated (as the reminders job does).
ESCALATION_DAYS = 7


@dataclass(frozen=True)
class Part:
    key: str
    title: str
    tables: list[Table]


@dataclass(frozen=True)
class Headline:
    label: str
    text: str


@dataclass(frozen=True)
class DataReturn:
    marac: Marac
    period: Period
    #: The day the figures were worked out (the MARAC's today).
    today: date
    headlines: list[Headline]
    parts: list[Part]

    @property
    def tables(self) -> list[Table]:
        return [table for part in self.parts for table in part.tables]

    def table(self, key: str) -> Table | None:
        return next((t for t in self.tables if t.key == key), None)


@dataclass(frozen=True)
class Discussed:
    """One case discussed, with what the return needs from the referral that listed it."""

    conference_id: int
    day: date
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


def data_return(marac: Marac, period: Period, today: date) -> DataReturn:
    """Every figure of the return and of how the MARAC is working, for marac over period."""
    start, after = period.utc_bounds(marac.timezone)
    conferences = _held(marac, start, after)
    days = {c.id: rules.local(c.starts_at, marac.timezone).date() for c in conferences}
    cases = _discussed(days)
    agencies = _agencies(marac)
    counted = len(cases)
    return_tables = [
        _conferences_table(conferences, days, cases),
        _repeats_table(cases),
        _sources_table(cases),
        _referrers_table(cases, agencies),
        _children_table(cases),
        _equality_table(cases),
        _volume_table(marac, period, counted),
    ]
    working_tables = [
        *_timeliness_tables(cases),
        _research_table(days, agencies),
        _completion_table(marac, period, today, agencies),
        _overdue_table(marac, min(period.end, today), agencies),
        _voice_table(cases),
        _minutes_table(conferences, days, today),
    ]
    return DataReturn(
        marac=marac,
        period=period,
        today=today,
        headlines=_headlines(conferences, cases, return_tables[-1]),
        parts=[
            Part("return", "The quarterly return", return_tables),
            Part("working", "How the MARAC is working", working_tables),
        ],
    )


# Reading the period ------------------------------------------------------------------------


def _held(marac: Marac, start: datetime, after: datetime) -> list[Conference]:
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


def _discussed(days: dict[int, date]) -> list[Discussed]:
    if not days:
        return []
    children = (
        sa.select(sa.func.count(Child.id))
        .where(Child.referral_id == Referral.id)
        .correlate(Referral)
        .scalar_subquery()
    )
    rows = db.session.execute(
        sa.select(
            AgendaItem.conference_id,
            Referral.referred_on,
            Referral.agency_id,
            Agency.kind,
            Referral.is_repeat,
            children,
            Referral.victim_gender,
            Referral.victim_ethnicity,
            Referral.victim_sexuality,
            Referral.victim_is_trans,
            Referral.victim_disability,
            Referral.is_aged_16_17,
            Referral.victim_dob,
            VictimVoice.contact_made,
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
    )
    return [
        Discussed(
            conference_id=row[0],
            day=days[row[0]],
            referred_on=row[1],
            agency_id=row[2],
            agency_kind=row[3],
            is_repeat=bool(row[4]),
            children=row[5] or 0,
            gender=row[6],
            ethnicity=row[7],
            sexuality=row[8],
            is_trans=row[9],
            disability=row[10],
            is_aged_16_17=bool(row[11]),
            has_dob=row[12] is not None,
            contact_made=row[13],
        )
        for row in rows
    ]


def _agencies(marac: Marac) -> dict[int, Agency]:
    """Every agency that sits on the MARAC or did so when it referred or owned an action."""
    found = db.session.scalars(
        sa.select(Agency)
        .join(agency_maracs, agency_maracs.c.agency_id == Agency.id)
        .where(agency_maracs.c.marac_id == marac.id)
        .order_by(Agency.name)
    )
    return {agency.id: agency for agency in found}


def _named(agencies: dict[int, Agency], ids: Iterable[int]) -> dict[int, Agency]:
    """The agencies with these ids, fetching any no longer on the MARAC (one query at most)."""
    missing = set(ids) - set(agencies)
    if missing:
        for agency in db.session.scalars(sa.select(Agency).where(Agency.id.in_(missing))):
            agencies[agency.id] = agency
    return agencies


# The quarterly return ----------------------------------------------------------------------

SHARE = "Percentage of cases discussed"


def _conferences_table(
    conferences: list[Conference], days: dict[int, date], cases: list[Discussed]
) -> Table:
    by_conference: dict[int, list[Discussed]] = defaultdict(list)
    for case in cases:
        by_conference[case.conference_id].append(case)
    rows = [
        {
            "label": f"{days[c.id]:%-d %B %Y}",
            "cases": len(by_conference[c.id]),
            "repeats": sum(case.is_repeat for case in by_conference[c.id]),
            "children": sum(case.children for case in by_conference[c.id]),
        }
        for c in conferences
    ]
    if rows:
        rows.append(
            {
                "label": "All conferences",
                "cases": len(cases),
                "repeats": sum(case.is_repeat for case in cases),
                "children": sum(case.children for case in cases),
                "is_total": True,
            }
        )
    return Table(
        key="conferences",
        title="Conferences held and cases discussed",
        columns=[
            Column("label", "Conference", Kind.TEXT),
            Column("cases", "Cases discussed"),
            Column("repeats", "Repeat cases"),
            Column("children", "Children in the households"),
        ],
        rows=rows,
        chart=Chart("cases"),
        empty="No conference was held in this period.",
    )


def _repeats_table(cases: list[Discussed]) -> Table:
    repeats = sum(case.is_repeat for case in cases)
    rows = [
        _share_row("Repeat cases", repeats, len(cases), national=NATIONAL["repeat"]),
        _share_row("First referrals", len(cases) - repeats, len(cases)),
    ]
    return Table(
        key="repeats",
        title="Repeat cases",
        columns=_share_columns(national=True),
        rows=rows if cases else [],
        chart=Chart("share", marker="national", marker_label=NATIONAL_LABEL),
        notes=[
            "A repeat is a case referred again within 12 months of its last referral: the "
            "repeat rate is repeats as a share of the cases discussed."
        ],
        empty="No case was discussed in this period.",
    )


def _sources_table(cases: list[Discussed]) -> Table:
    police = sum(case.agency_kind is AgencyKind.POLICE for case in cases)
    rows = [
        _share_row("Police", police, len(cases), national=NATIONAL["police"]),
        _share_row("Partner agencies", len(cases) - police, len(cases), NATIONAL["partner"]),
    ]
    return Table(
        key="sources",
        title="Referrals from the police and from partner agencies",
        columns=_share_columns(national=True),
        rows=rows if cases else [],
        chart=Chart("share", marker="national", marker_label=NATIONAL_LABEL),
        empty="No case was discussed in this period.",
    )


def _referrers_table(cases: list[Discussed], agencies: dict[int, Agency]) -> Table:
    counts = Counter(case.agency_id for case in cases if case.agency_id is not None)
    named = _named(dict(agencies), counts)
    order = sorted(named.values(), key=lambda a: (-counts[a.id], a.name.casefold()))
    return Table(
        key="referrers",
        title="Referrals by referring agency",
        columns=_share_columns(label="Referring agency"),
        rows=[_share_row(a.name, counts[a.id], len(cases)) for a in order] if cases else [],
        chart=Chart("share"),
        notes=["Every agency on the MARAC is listed, so one that never refers shows as 0."],
        empty="No case was discussed in this period.",
    )


def _children_table(cases: list[Discussed]) -> Table:
    with_children = sum(case.children > 0 for case in cases)
    rows = [
        _share_row("Cases with children in the household", with_children, len(cases)),
        {"label": "Children in the households", "count": sum(c.children for c in cases)},
    ]
    return Table(
        key="children",
        title="Children in the households",
        columns=_share_columns(),
        rows=rows if cases else [],
        chart=Chart("count"),
        notes=["Children are counted as each referral named them."],
        empty="No case was discussed in this period.",
    )


def _equality_table(cases: list[Discussed]) -> Table:
    whole = len(cases)

    def row(label: str, key: str, counted: int, unknown: int) -> dict[str, Any]:
        return {**_share_row(label, counted, whole, NATIONAL[key]), "unknown": unknown}

    rows = [
        row(
            "Black, Asian or minoritised",
            "minoritised",
            sum(c.ethnicity in MINORITISED for c in cases),
            sum(c.ethnicity in (None, Ethnicity.NOT_KNOWN) for c in cases),
        ),
        row(
            "LGBT+",
            "lgbt",
            sum(c.sexuality in LGB_PLUS or c.is_trans is YesNoNotKnown.YES for c in cases),
            sum(c.sexuality in (None, Sexuality.NOT_KNOWN) for c in cases),
        ),
        row(
            "Disabled",
            "disabled",
            sum(c.disability is YesNoNotKnown.YES for c in cases),
            sum(c.disability in (None, YesNoNotKnown.NOT_KNOWN) for c in cases),
        ),
        row(
            "Male",
            "male",
            sum(c.gender is Gender.MALE for c in cases),
            sum(c.gender in (None, Gender.NOT_KNOWN) for c in cases),
        ),
        row(
            "Aged 16 or 17",
            "aged_16_17",
            sum(c.is_aged_16_17 for c in cases),
            sum(not c.has_dob for c in cases),
        ),
    ]
    return Table(
        key="equality",
        title="Victims' equality and diversity",
        columns=[
            *_share_columns(label="Victims who are"),
            Column("unknown", "Not recorded"),
            Column("national", NATIONAL_LABEL, Kind.PERCENT),
        ],
        rows=rows if cases else [],
        chart=Chart("share", marker="national", marker_label=NATIONAL_LABEL),
        notes=[
            "As the referral recorded her. LGBT+ counts lesbian, gay, bisexual and other "
            "sexual orientations, and trans victims."
        ],
        empty="No case was discussed in this period.",
    )


def _volume_table(marac: Marac, period: Period, counted: int) -> Table:
    population = marac.adult_female_population
    rate = (
        one_place(counted * 10000 * DAYS_IN_YEAR / (population * period.days))
        if population
        else None
    )
    notes = [
        f"{counted:,} cases discussed in {period.days} days, as a yearly rate per 10,000 "
        + (
            f"adult women (the MARAC's adult female population is {population:,})."
            if population
            else "adult women."
        )
    ]
    if not population:
        notes.append(
            "The adult female population is not set: an administrator can enter it in the "
            "MARAC's settings."
        )
    return Table(
        key="volume",
        title="Cases a year per 10,000 adult women",
        columns=[
            Column("label", "Measure", Kind.TEXT),
            Column("rate", "Cases a year per 10,000 adult women", Kind.RATE),
        ],
        rows=[
            {"label": marac.name, "rate": rate},
            {"label": "SafeLives recommendation", "rate": float(RECOMMENDED_PER_10000)},
            {"label": NATIONAL_LABEL, "rate": NATIONAL["per_10000"]},
        ],
        chart=Chart("rate"),
        notes=notes,
    )


def _headlines(
    conferences: list[Conference], cases: list[Discussed], volume: Table
) -> list[Headline]:
    repeats = sum(case.is_repeat for case in cases)
    rate = volume.rows[0]["rate"]
    repeat_share = share(repeats, len(cases))
    return [
        Headline("Conferences held", f"{len(conferences)}"),
        Headline("Cases discussed", f"{len(cases):,}"),
        Headline("Repeat rate", "–" if repeat_share is None else f"{repeat_share:.1f}%"),
        Headline(
            "Cases a year per 10,000 adult women",
            "not set" if rate is None else f"{rate:.1f} (recommended {RECOMMENDED_PER_10000})",
        ),
    ]


def _share_row(label: str, count: int, whole: int, national: float | None = None) -> dict[str, Any]:
    return {"label": label, "count": count, "share": share(count, whole), "national": national}


def _share_columns(*, label: str = "Figure", national: bool = False) -> list[Column]:
    columns = [
        Column("label", label, Kind.TEXT),
        Column("count", "Count"),
        Column("share", SHARE, Kind.PERCENT, share_of="count"),
    ]
    if national:
        columns.append(Column("national", NATIONAL_LABEL, Kind.PERCENT))
    return columns


# How the MARAC is working ------------------------------------------------------------------


def _timeliness_tables(cases: list[Discussed]) -> list[Table]:
    waits = sorted((c.day - c.referred_on).days for c in cases if c.referred_on is not None)
    bands = [
        {
            "label": f"{low} to {high} days" if high is not None else f"{low} days or more",
            "count": sum(low <= wait and (high is None or wait <= high) for wait in waits),
        }
        for low, high in DAY_BANDS
    ]
    for band in bands:
        band["share"] = share(band["count"], len(waits))
    spread: list[dict[str, Any]] = []
    if waits:
        low, middle, high = _quartiles(waits)
        spread = [
            {"label": "Shortest", "days": waits[0]},
            {"label": "Lower quartile", "days": low},
            {"label": "Median", "days": middle},
            {"label": "Upper quartile", "days": high},
            {"label": "Longest", "days": waits[-1]},
        ]
    return [
        Table(
            key="waits",
            title="Days from referral to conference",
            columns=_share_columns(label="Days"),
            rows=bands if waits else [],
            chart=Chart("count"),
            notes=["From the day the referral was sent to the day of the conference."],
            empty="No case was discussed in this period.",
        ),
        Table(
            key="wait_spread",
            title="Days from referral to conference: median and spread",
            columns=[Column("label", "Measure", Kind.TEXT), Column("days", "Days", Kind.DAYS)],
            rows=spread,
            chart=Chart("days", style="box"),
            notes=["Half the cases waited between the lower and the upper quartile."],
            empty="No case was discussed in this period.",
        ),
    ]


def _quartiles(values: list[int]) -> tuple[float, float, float]:
    """Lower quartile, median and upper quartile (the inclusive method: Excel's QUARTILE)."""
    if len(values) == 1:
        return float(values[0]), float(values[0]), float(values[0])
    low, middle, high = statistics.quantiles(values, n=4, method="inclusive")
    return one_place(low), one_place(middle), one_place(high)


def _research_table(days: dict[int, date], agencies: dict[int, Agency]) -> Table:
    """Each invited agency's returns on the cases of the held conferences."""
    items = dict(
        db.session.execute(
            sa.select(AgendaItem.conference_id, sa.func.count(AgendaItem.id))
            .where(AgendaItem.conference_id.in_(days), AgendaItem.section.in_(CASE_SECTIONS))
            .group_by(AgendaItem.conference_id)
        ).all()
    )
    expected: Counter[int] = Counter()
    for conference_id, agency_id in db.session.execute(
        sa.select(conference_invitations.c.conference_id, conference_invitations.c.agency_id).where(
            conference_invitations.c.conference_id.in_(days)
        )
    ):
        expected[agency_id] += items.get(conference_id, 0)
    on_time = sa.case((ResearchReturn.submitted_at <= Conference.starts_at, 1), else_=0)
    returned: dict[int, tuple[int, int]] = {
        row[0]: (row[1], row[2] or 0)
        for row in db.session.execute(
            sa.select(
                ResearchReturn.agency_id,
                sa.func.count(ResearchReturn.id),
                sa.func.sum(on_time),
            )
            .join(AgendaItem, AgendaItem.id == ResearchReturn.agenda_item_id)
            .join(Conference, Conference.id == AgendaItem.conference_id)
            .join(
                conference_invitations,
                sa.and_(
                    conference_invitations.c.conference_id == Conference.id,
                    conference_invitations.c.agency_id == ResearchReturn.agency_id,
                ),
            )
            .where(Conference.id.in_(days), AgendaItem.section.in_(CASE_SECTIONS))
            .group_by(ResearchReturn.agency_id)
        )
    }
    named = _named(agencies, expected)
    rows = []
    for agency in sorted((named[i] for i in expected if expected[i]), key=_by_name):
        made, before = returned.get(agency.id, (0, 0))
        rows.append(
            {
                "label": agency.name,
                "expected": expected[agency.id],
                "returned": made,
                "share": share(made, expected[agency.id]),
                "on_time": before,
                "on_time_share": share(before, expected[agency.id]),
            }
        )
    return Table(
        key="research",
        title="Research returned by agency",
        columns=[
            Column("label", "Agency", Kind.TEXT),
            Column("expected", "Cases to research"),
            Column("returned", "Returns made"),
            Column("share", "Percentage returned", Kind.PERCENT, share_of="returned"),
            Column("on_time", "Returned before the meeting"),
            Column(
                "on_time_share",
                "Percentage returned before the meeting",
                Kind.PERCENT,
                share_of="on_time",
            ),
        ],
        rows=rows,
        chart=Chart("share"),
        notes=[
            "Each agency invited to a conference is asked for a return on every case on its "
            "agenda (deferred cases included)."
        ],
        empty="No agency was invited to research a case in this period.",
    )


def _completion_table(
    marac: Marac, period: Period, today: date, agencies: dict[int, Agency]
) -> Table:
    """Actions whose due date fell in the period (and has passed): done by then, or not."""
    last_due = min(period.end, today - timedelta(days=1))
    closed_at = _closed_at()
    rows_found = db.session.execute(
        sa.select(Action.owner_agency_id, Action.due_on, Action.status, closed_at)
        .join(Case, Case.id == Action.case_id)
        .where(
            Case.marac_id == marac.id,
            Action.due_on >= period.start,
            Action.due_on <= last_due,
        )
    ).all()
    tally: dict[int, Counter[str]] = defaultdict(Counter)
    for agency_id, due_on, status, closed in rows_found:
        counts = tally[agency_id]
        counts["due"] += 1
        if status is ActionStatus.DONE:
            done_on = rules.local(closed, marac.timezone).date() if closed else None
            counts["on_time" if done_on is not None and done_on <= due_on else "late"] += 1
        elif status.is_closed:
            counts["not_done"] += 1
        else:
            counts["open"] += 1
    named = _named(agencies, tally)
    rows = [
        {
            "label": agency.name,
            "due": tally[agency.id]["due"],
            "on_time": tally[agency.id]["on_time"],
            "share": share(tally[agency.id]["on_time"], tally[agency.id]["due"]),
            "late": tally[agency.id]["late"],
            "not_done": tally[agency.id]["not_done"],
            "open": tally[agency.id]["open"],
        }
        for agency in sorted((named[i] for i in tally), key=_by_name)
    ]
    return Table(
        key="completion",
        title="Actions completed on time by agency",
        columns=[
            Column("label", "Owner agency", Kind.TEXT),
            Column("due", "Actions due"),
            Column("on_time", "Done by the due date"),
            Column("share", "Percentage done on time", Kind.PERCENT, share_of="on_time"),
            Column("late", "Done late"),
            Column("not_done", "Closed as not done"),
            Column("open", "Still open"),
        ],
        rows=rows,
        chart=Chart("share"),
        notes=[
            f"Actions due from {period.start:%-d %B %Y} to {last_due:%-d %B %Y}, by the due "
            "date they have now. Done on time means marked done on or before that date."
            if last_due >= period.start
            else "No due date in this period has passed yet."
        ],
        empty="No action fell due in this period.",
    )


def _overdue_table(marac: Marac, day: date, agencies: dict[int, Agency]) -> Table:
    """Actions still open at the end of day with a due date before it, per owner agency."""
    moment = Period(day, day).utc_bounds(marac.timezone)[1]
    closed_at = _closed_at()
    found = db.session.execute(
        sa.select(Action.owner_agency_id, Action.due_on)
        .join(Case, Case.id == Action.case_id)
        .where(
            Case.marac_id == marac.id,
            Action.due_on < day,
            Action.agreed_at < moment,
            sa.or_(closed_at.is_(None), closed_at >= moment),
            # A case closed early takes its open actions off every list.
            sa.or_(Case.closed_at.is_(None), Case.closed_at >= moment),
        )
    ).all()
    tally: dict[int, Counter[str]] = defaultdict(Counter)
    for agency_id, due_on in found:
        tally[agency_id]["overdue"] += 1
        tally[agency_id]["escalated"] += (day - due_on).days >= ESCALATION_DAYS
    named = _named(agencies, tally)
    return Table(
        key="overdue",
        title=f"Actions overdue on {day:%-d %B %Y} by agency",
        columns=[
            Column("label", "Owner agency", Kind.TEXT),
            Column("overdue", "Overdue"),
            Column("escalated", f"Of which {ESCALATION_DAYS} days or more"),
        ],
        rows=[
            {"label": a.name, **tally[a.id]}
            for a in sorted((named[i] for i in tally), key=_by_name)
        ],
        chart=Chart("overdue"),
        notes=["At the end of the period, or today while the period is still running."],
        empty=f"No action was overdue on {day:%-d %B %Y}.",
    )


def _closed_at() -> sa.ScalarSelect[Any]:
    """When an action was first closed: its first closing update, else its last change."""
    first_update = (
        sa.select(sa.func.min(ActionUpdate.at))
        .where(
            ActionUpdate.action_id == Action.id,
            ActionUpdate.status.in_(CLOSED_ACTION_STATUSES),
        )
        .correlate(Action)
        .scalar_subquery()
    )
    return sa.case(
        (
            Action.status.in_(CLOSED_ACTION_STATUSES),
            sa.func.coalesce(first_update, Action.updated_at),
        ),
        else_=None,
    )


def _voice_table(cases: list[Discussed]) -> Table:
    whole = len(cases)
    rows = [
        _share_row("Contact made", sum(c.contact_made is True for c in cases), whole),
        _share_row(
            "No contact, reason recorded", sum(c.contact_made is False for c in cases), whole
        ),
        _share_row("Nothing recorded", sum(c.contact_made is None for c in cases), whole),
    ]
    return Table(
        key="voice",
        title="The victim's voice",
        columns=_share_columns(label="Her advocate recorded"),
        rows=rows if cases else [],
        chart=Chart("share"),
        notes=["Whether her advocate recorded her views before the case was discussed."],
        empty="No case was discussed in this period.",
    )


def _minutes_table(conferences: list[Conference], days: dict[int, date], today: date) -> Table:
    final = {
        row[0]: row[1]
        for row in db.session.execute(
            sa.select(Minutes.conference_id, Minutes.finalised_at).where(
                Minutes.conference_id.in_(days), Minutes.finalised_at.is_not(None)
            )
        )
    }
    tally: Counter[str] = Counter()
    for conference in conferences:
        due = rules.add_working_days(days[conference.id], WORKING_DAYS_TO_FINALISE)
        finalised = final.get(conference.id)
        if finalised is None:
            tally["late_open" if today > due else "waiting"] += 1
        elif rules.local(finalised, conference.marac.timezone).date() <= due:
            tally["on_time"] += 1
        else:
            tally["late"] += 1
    whole = len(conferences)
    rows = [
        _share_row(
            f"Final within {WORKING_DAYS_TO_FINALISE} working days", tally["on_time"], whole
        ),
        _share_row("Final, but later", tally["late"], whole),
        _share_row("Not final and late", tally["late_open"], whole),
        _share_row("Not final, still in time", tally["waiting"], whole),
    ]
    return Table(
        key="minutes",
        title="Minutes finalised on time",
        columns=[
            Column("label", "Minutes", Kind.TEXT),
            Column("count", "Conferences", protected=False),
            Column("share", "Percentage of conferences held", Kind.PERCENT, share_of="count"),
        ],
        rows=rows if conferences else [],
        chart=Chart("share"),
        notes=[
            f"Minutes are due {WORKING_DAYS_TO_FINALISE} working days after the meeting "
            "(bank holidays count as working days)."
        ],
        empty="No conference was held in this period.",
    )


def _by_name(agency: Agency) -> str:
    return agency.name.casefold()
