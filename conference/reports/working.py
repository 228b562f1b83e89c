"""How the MARAC is working: waits, research, actions, the victim's voice and the minutes.

Counts of research returns, actions and conferences are about the agencies' work, not about
people, so exports show them whole; the waits and the victim's voice count cases and are
hidden when small.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Collection
from datetime import date, timedelta
from functools import cache
from typing import Any

import sqlalchemy as sa

from conference.accounts.models import Agency, Marac
from conference.actions.choices import ActionStatus
from conference.actions.tracker import ESCALATION_DAYS
from conference.conferences import rules
from conference.conferences.models import AgendaItem, Conference, conference_invitations
from conference.extensions import db
from conference.minutes.jobs import WORKING_DAYS_TO_FINALISE
from conference.minutes.models import Minutes
from conference.pronouns import fit
from conference.reports import record
from conference.reports.periods import Period
from conference.reports.record import CASE_SECTIONS, NO_CASES, ActionRecord, Discussed
from conference.reports.tables import (
    Chart,
    Column,
    Kind,
    Table,
    one_place,
    share,
    share_columns,
    share_row,
)
from conference.research.models import ResearchReturn
from conference.voice.choices import OutcomeResult

#: Days from referral to conference, in weekly bands.
DAY_BANDS = ((0, 7), (8, 14), (15, 21), (22, 28), (29, None))


def tables(
    marac: Marac,
    period: Period,
    today: date,
    conferences: list[Conference],
    days: dict[int, date],
    cases: list[Discussed],
    agencies: dict[int, Agency],
    *,
    only: Collection[str] | None = None,
) -> list[Table]:
    """The tables of how the MARAC is working; only: the keys wanted (every table when None)."""
    overdue_on = min(period.end, today)

    @cache
    def actions() -> list[ActionRecord]:
        return record.actions_due_by(marac, period)

    waits, spread = _wait_tables(cases)
    builders: dict[str, Callable[[], Table]] = {
        "waits": lambda: waits,
        "wait_spread": lambda: spread,
        "research": lambda: _research_table(days, agencies),
        "completion": lambda: _completion_table(marac, period, today, actions(), agencies),
        "overdue": lambda: _overdue_table(marac, overdue_on, actions(), agencies),
        "voice": lambda: _voice_table(cases),
        "told": lambda: _told_table(cases),
        "minutes": lambda: _minutes_table(marac, conferences, days, today),
    }
    return [build() for key, build in builders.items() if only is None or key in only]


def _wait_tables(cases: list[Discussed]) -> tuple[Table, Table]:
    waits = sorted((c.day - c.referred_on).days for c in cases if c.referred_on is not None)
    whole = len(cases)
    bands = [
        share_row(
            f"{low} to {high} days" if high is not None else f"{low} days or more",
            sum(low <= wait and (high is None or wait <= high) for wait in waits),
            whole,
        )
        for low, high in DAY_BANDS
    ]
    if len(waits) < whole:
        bands.append(share_row("Referral date not recorded", whole - len(waits), whole))
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
    return (
        Table(
            key="waits",
            title="Days from referral to conference",
            columns=share_columns(label="Days"),
            rows=bands if cases else [],
            chart=Chart("count"),
            notes=["From the day the referral was first sent to the day of the conference."],
            empty=NO_CASES,
            adds_up=True,
        ),
        Table(
            key="wait_spread",
            title="Days from referral to conference: median and spread",
            columns=[Column("label", "Measure", Kind.TEXT), Column("days", "Days", Kind.DAYS)],
            rows=spread,
            chart=Chart("days", style="box"),
            notes=["Half the cases waited between the lower and the upper quartile."],
            empty=NO_CASES,
            basis=len(waits),
        ),
    )


def _quartiles(values: list[int]) -> tuple[float, float, float]:
    """Lower quartile, median and upper quartile (the inclusive method: Excel's QUARTILE)."""
    if len(values) == 1:
        return float(values[0]), float(values[0]), float(values[0])
    low, middle, high = statistics.quantiles(values, n=4, method="inclusive")
    return one_place(low), one_place(middle), one_place(high)


def _research_table(days: dict[int, date], agencies: dict[int, Agency]) -> Table:
    """Each invited agency's returns on the cases of the held conferences' agendas."""
    if not days:
        items: dict[int, int] = {}
        invited: list[tuple[int, int]] = []
        returned: Counter[int] = Counter()
    else:
        items = {
            row[0]: row[1]
            for row in db.session.execute(
                sa.select(AgendaItem.conference_id, sa.func.count(AgendaItem.id))
                .where(AgendaItem.conference_id.in_(days), AgendaItem.section.in_(CASE_SECTIONS))
                .group_by(AgendaItem.conference_id)
            )
        }
        invited = [
            (row[0], row[1])
            for row in db.session.execute(
                sa.select(
                    conference_invitations.c.conference_id, conference_invitations.c.agency_id
                ).where(conference_invitations.c.conference_id.in_(days))
            )
        ]
        # Counted per conference and agency, and only an invited agency's kept: cheaper than
        # joining the invitations in the database.
        pairs = set(invited)
        returned = Counter()
        for conference_id, agency_id, count in db.session.execute(
            sa.select(
                AgendaItem.conference_id, ResearchReturn.agency_id, sa.func.count(ResearchReturn.id)
            )
            .join(AgendaItem, AgendaItem.id == ResearchReturn.agenda_item_id)
            .where(AgendaItem.conference_id.in_(days), AgendaItem.section.in_(CASE_SECTIONS))
            .group_by(AgendaItem.conference_id, ResearchReturn.agency_id)
        ):
            if (conference_id, agency_id) in pairs:
                returned[agency_id] += count
    expected: Counter[int] = Counter()
    for conference_id, agency_id in invited:
        expected[agency_id] += items.get(conference_id, 0)
    named = record.with_others(agencies, expected)
    rows = [
        {
            "label": agency.name,
            "expected": expected[agency.id],
            "returned": returned.get(agency.id, 0),
            "share": share(returned.get(agency.id, 0), expected[agency.id]),
        }
        for agency in sorted((named[i] for i in expected if expected[i]), key=_by_name)
    ]
    return Table(
        key="research",
        title="Research returned by agency",
        columns=[
            Column("label", "Agency", Kind.TEXT),
            Column("expected", "Cases to research", protected=False),
            Column("returned", "Returns made", protected=False),
            Column("share", "Percentage returned", Kind.PERCENT, share_of="returned"),
        ],
        rows=rows,
        chart=Chart("share"),
        notes=[
            "Each agency invited to a conference is asked for a return on every case on its "
            "agenda (deferred cases included). Returns close when the meeting starts."
        ],
        empty="No agency was invited to research a case in this period.",
    )


COMPLETION_COLUMNS = (
    ("on_time", "Done by the due date"),
    ("late", "Done late"),
    ("circumstances", "Not done: circumstances changed"),
    ("did_not_act", "Not done: agency did not act"),
    ("case_closed", "Open when the case closed"),
    ("open", "Still open"),
)


def _completion_table(
    marac: Marac,
    period: Period,
    today: date,
    actions: list[ActionRecord],
    agencies: dict[int, Agency],
) -> Table:
    """Actions whose due date fell in the period and has passed: done by then, or not."""
    last_due = min(period.end, today - timedelta(days=1))
    # Whether a case was closed is read as it stood at the period's end: reopening it later
    # leaves this period's figures as they were.
    end = period.utc_bounds(marac.timezone)[1]
    tally: dict[int, Counter[str]] = defaultdict(Counter)
    for action in actions:
        if not period.start <= action.due_on <= last_due:
            continue
        counts = tally[action.owner_agency_id]
        counts["due"] += 1
        done = action.done_at()
        if done is not None:
            on_time = rules.local(done, marac.timezone).date() <= action.due_on
            counts["on_time" if on_time else "late"] += 1
        elif action.status is ActionStatus.NOT_DONE_CIRCUMSTANCES:
            counts["circumstances"] += 1
        elif action.status is ActionStatus.NOT_DONE_AGENCY:
            counts["did_not_act"] += 1
        elif action.case_closed_at(end):
            counts["case_closed"] += 1
        else:
            counts["open"] += 1
    named = record.with_others(agencies, tally)
    rows = [
        {
            "label": agency.name,
            "due": tally[agency.id]["due"],
            "share": share(tally[agency.id]["on_time"], tally[agency.id]["due"]),
            **{key: tally[agency.id][key] for key, _ in COMPLETION_COLUMNS},
        }
        for agency in sorted((named[i] for i in tally), key=_by_name)
    ]
    count_columns = [Column(key, heading, protected=False) for key, heading in COMPLETION_COLUMNS]
    return Table(
        key="completion",
        title="Actions completed on time by agency",
        columns=[
            Column("label", "Owner agency", Kind.TEXT),
            Column("due", "Actions due", protected=False),
            Column("share", "Percentage done on time", Kind.PERCENT, share_of="on_time"),
            *count_columns,
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


def _overdue_table(
    marac: Marac, day: date, actions: list[ActionRecord], agencies: dict[int, Agency]
) -> Table:
    """Actions open at the end of day with a due date before it, per owner agency."""
    moment = Period(day, day).utc_bounds(marac.timezone)[1]
    tally: dict[int, Counter[str]] = defaultdict(Counter)
    for action in actions:
        closed_case = action.case_closed_at(moment)
        if (
            action.due_on < day
            and action.agreed_at < moment
            and not action.status_at(moment).is_closed
            # A case closed early takes its open actions off every list.
            and not closed_case
        ):
            tally[action.owner_agency_id]["overdue"] += 1
            tally[action.owner_agency_id]["escalated"] += (
                day - action.due_on
            ).days >= ESCALATION_DAYS
    named = record.with_others(agencies, tally)
    return Table(
        key="overdue",
        title=f"Actions overdue on {day:%-d %B %Y} by agency",
        columns=[
            Column("label", "Owner agency", Kind.TEXT),
            Column("overdue", "Overdue", protected=False),
            Column("escalated", f"Of which {ESCALATION_DAYS} days or more", protected=False),
        ],
        rows=[
            {
                "label": a.name,
                "overdue": tally[a.id]["overdue"],
                "escalated": tally[a.id]["escalated"],
            }
            for a in sorted((named[i] for i in tally), key=_by_name)
        ],
        chart=Chart("overdue"),
        notes=[
            "At the end of the period, or today while the period is still running. A case "
            "reopened since counts as it stands now."
        ],
        empty=f"No action was overdue on {day:%-d %B %Y}.",
    )


def _voice_table(cases: list[Discussed]) -> Table:
    whole = len(cases)
    rows = [
        share_row("Contact made", sum(c.contact_made is True for c in cases), whole),
        share_row(
            "No contact, reason recorded", sum(c.contact_made is False for c in cases), whole
        ),
        share_row("Nothing recorded", sum(c.contact_made is None for c in cases), whole),
    ]
    return Table(
        key="voice",
        title="The victim's voice",
        columns=share_columns(label="Their advocate recorded"),
        rows=rows if cases else [],
        chart=Chart("share"),
        notes=[
            "Whether the victim's advocate recorded their views for the meeting that "
            "discussed them."
        ],
        empty=NO_CASES,
        adds_up=True,
    )


def _told_table(cases: list[Discussed]) -> Table:
    """What came of telling each victim the outcome of the meeting that discussed her."""
    whole = len(cases)
    rows = [
        *[
            share_row(fit(result.label), sum(c.outcome_result is result for c in cases), whole)
            for result in OutcomeResult
        ],
        share_row("Not recorded yet", sum(c.outcome_result is None for c in cases), whole),
    ]
    return Table(
        key="told",
        title="Telling them the outcome",
        columns=share_columns(label="After the meeting"),
        rows=rows if cases else [],
        chart=Chart("share"),
        notes=[
            "What their advocate recorded after the meeting that discussed them: told them (when "
            "and how), not safe to contact them (why), or could not reach them (how many tries)."
        ],
        empty=NO_CASES,
        adds_up=True,
    )


def _minutes_table(
    marac: Marac, conferences: list[Conference], days: dict[int, date], today: date
) -> Table:
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
        elif rules.local(finalised, marac.timezone).date() <= due:
            tally["on_time"] += 1
        else:
            tally["late"] += 1
    whole = len(conferences)
    on_time = f"Final within {WORKING_DAYS_TO_FINALISE} working days"
    rows = [
        share_row(on_time, tally["on_time"], whole),
        share_row("Final, but later", tally["late"], whole),
        share_row("Not final and late", tally["late_open"], whole),
        share_row("Not final, still in time", tally["waiting"], whole),
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
