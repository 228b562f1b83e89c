"""The steering group's figures: the last four full quarters of one MARAC, counts only.

Built on the data return: its tables for the year are worked out once (``figures.data_return``)
and the agencies' research, actions and referrals, the equality groups and the population are
taken from them, so both pages always agree. What the return does not hold is counted here:
attendance, the repeat rate and the waits quarter by quarter, and the cases with three or more
repeats. Everything is read in a fixed number of queries, however many cases there are.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from conference.accounts.models import Marac
from conference.conferences.models import conference_invitations
from conference.extensions import db
from conference.meetings.choices import Presence
from conference.meetings.models import Attendance
from conference.profiles import Comparison, profile_for
from conference.referrals.choices import ReferralStatus
from conference.referrals.models import Case, Referral
from conference.reports import record
from conference.reports.figures import DataReturn, data_return
from conference.reports.periods import Period, last_full_quarter, quarter_name, quarter_of
from conference.reports.record import NO_CASES, Discussed
from conference.reports.tables import Column, Kind, Table, one_place, share
from conference.system_issues import queries as issue_queries
from conference.system_issues.choices import IssueCategory

#: How many full quarters the steering page looks back over.
QUARTERS = 4
#: A case with at least this many repeat referrals in the period is listed for review.
MANY_REPEATS = 3

#: The data return's tables this page shows, or counts from: the return builds only these.
REUSED = frozenset({"research", "completion", "told", "equality", "volume"})

#: What each figure means, by "table.column": every figure on the page links here.
DEFINITIONS: dict[str, str] = {
    "engagement.meetings": "Conferences held in the period to which the agency was invited.",
    "engagement.present": "Of those, conferences at which the agency was recorded as present.",
    "engagement.apologies_sent": "Conferences for which the agency sent apologies and sent its "
    "information in advance.",
    "engagement.apologies_none": "Conferences for which the agency sent apologies and sent no "
    "information.",
    "engagement.not_recorded": "Conferences the agency was invited to with no attendance "
    "recorded for it.",
    "engagement.expected": "Cases on the agendas of held conferences the agency was invited to "
    "research (deferred cases included), as in the data return's research table.",
    "engagement.returned": "Research returns the agency made on those cases.",
    "engagement.on_time": "Actions the agency owns, due in the period (due date passed), "
    "marked done on or before the due date.",
    "engagement.late": "Such actions marked done after the due date.",
    "engagement.circumstances": "Such actions closed as not done because circumstances changed.",
    "engagement.did_not_act": "Such actions closed as not done because the agency did not act.",
    "engagement.referrals": "Cases discussed in the period whose referral the agency made (a "
    "case heard at two meetings counts twice).",
    "repeats.cases": "Cases discussed at conferences held in the quarter: a case heard at two "
    "meetings counts twice, as the national return counts.",
    "repeats.repeats": "Of those, cases whose referral was a repeat: a new incident between the "
    "same victim and the same perpetrator within the repeat window of the victim's last "
    "referral, in any area of this install.",
    "repeats.share": "Repeats as a percentage of the cases discussed (hidden whenever either "
    "count is).",
    "many_repeats.count": f"Cases here with {MANY_REPEATS} or more accepted repeat "
    "referrals first sent in the last four quarters: cases for the steering group to review. "
    "Only the coordinators see which cases they are.",
    "waits.cases": "Cases discussed in the quarter whose referral date is recorded.",
    "waits.median": "Half those cases waited this many days or fewer from the day the referral "
    "was first sent to the day of the conference.",
    "waits.p90": "Nine in ten of those cases waited this many days or fewer (the 90th "
    "percentile, inclusive method, as a spreadsheet's PERCENTILE.INC).",
    "equality.count": "Cases discussed in the four quarters whose victim the referral recorded "
    "in the group, as in the data return.",
    "equality.share": "That count as a percentage of the cases discussed.",
    "equality.unknown": "Cases whose referral did not record the victim's group.",
    "equality.national": "The same figure published for the practice as a whole (for a MARAC, "
    "England and Wales): the comparison the data return uses.",
    "told.count": "Cases discussed in the four quarters, by what the victim's advocate recorded "
    "after the meeting: they were told the outcome, it was not safe to contact them, their "
    "advocate could not reach them, or nothing recorded yet. As in the data return.",
    "told.share": "That count as a percentage of the cases discussed.",
    "system_issues.raised": "System issues logged in the four quarters (at a meeting or by a "
    "coordinator) of this kind.",
    "system_issues.resolved": "Of those, the issues whose outcome is recorded (resolved).",
    "system_issues.open": "Issues of this kind still open today, whenever they were logged.",
    "volume.cases": "Cases discussed in the four quarters.",
    "volume.rate": "Those cases as a yearly rate per 10,000 women aged 16 and over, from the "
    "number in the settings (set by an administrator).",
}


@dataclass(frozen=True)
class Steering:
    marac: Marac
    today: date
    #: The quarters covered, oldest first, and the whole run of them.
    quarters: list[Period]
    period: Period
    tables: list[Table]
    #: References of the cases with many repeats: for the MARAC's coordinators only, else None.
    references: list[str] | None

    def table(self, key: str) -> Table | None:
        return next((t for t in self.tables if t.key == key), None)


def last_quarters(today: date, count: int = QUARTERS) -> list[Period]:
    """The last ``count`` quarters that have ended by today, oldest first."""
    found = [last_full_quarter(today)]
    while len(found) < count:
        found.insert(0, last_full_quarter(found[0].start))
    return found


def steering_figures(marac: Marac, today: date, *, with_references: bool) -> Steering:
    """The steering group's figures for marac over the last four full quarters.

    with_references: list the cases with many repeats by reference (coordinators only).
    """
    quarters = last_quarters(today)
    period = Period(quarters[0].start, quarters[-1].end)
    found = data_return(marac, period, today, only=REUSED)
    # The return has read the year's conferences and cases already: count from those.
    days, cases = found.days, found.discussed
    start, after = period.utc_bounds(marac.timezone)
    repeated = _many_repeats(marac, start, after)
    return Steering(
        marac=marac,
        today=today,
        quarters=quarters,
        period=period,
        tables=[
            _engagement_table(found, days, cases),
            _repeats_table(quarters, cases, profile_for(marac).national),
            _many_repeats_table(len(repeated)),
            _waits_table(quarters, cases),
            _reused(found, "told"),
            _system_issues_table(marac, start, after),
            _reused(found, "equality"),
            _reused(found, "volume"),
        ],
        references=sorted(repeated) if with_references else None,
    )


def _reused(found: DataReturn, key: str) -> Table:
    table = found.table(key)
    assert table is not None, key
    return table


def _engagement_table(found: DataReturn, days: dict[int, date], cases: list[Discussed]) -> Table:
    """Per agency: attendance and referrals counted here; research and actions taken from the
    data return's tables (agency names are unique)."""
    by_id = _attendance(days)
    for case in cases:
        if case.agency_id is not None:
            by_id[case.agency_id]["referrals"] += 1
    named = record.with_others(found.agencies, by_id)
    tally: dict[str, Counter[str]] = {a.name: by_id[a.id] for a in named.values()}
    for row in _reused(found, "research").rows:
        tally.setdefault(row["label"], Counter()).update(
            expected=row["expected"], returned=row["returned"]
        )
    for row in _reused(found, "completion").rows:
        tally.setdefault(row["label"], Counter()).update(
            {key: row[key] for key in ("on_time", "late", "circumstances", "did_not_act")}
        )
    return Table(
        key="engagement",
        title="Each agency's engagement",
        columns=[
            Column("label", "Agency", Kind.TEXT),
            Column("meetings", "Invited to", protected=False),
            Column("present", "Present", protected=False),
            Column("apologies_sent", "Apologies, information sent", protected=False),
            Column("apologies_none", "Apologies, no information", protected=False),
            Column("not_recorded", "Attendance not recorded", protected=False),
            Column("expected", "Cases to research", protected=False),
            Column("returned", "Research returned", protected=False),
            Column("on_time", "Actions done on time", protected=False),
            Column("late", "Actions done late", protected=False),
            Column("circumstances", "Not done: circumstances changed", protected=False),
            Column("did_not_act", "Not done: agency did not act", protected=False),
            Column("referrals", "Referrals (cases discussed)"),
        ],
        rows=[
            {"label": name, **{key: counts[key] for key in ENGAGEMENT_KEYS}}
            for name, counts in sorted(tally.items(), key=lambda item: item[0].casefold())
        ],
        notes=[
            "Attendance, research and actions count the agency's work and are shown whole; "
            "referrals count cases and are hidden when small, as in the data return."
        ],
        empty="No agency sits on this MARAC.",
        adds_up=True,
    )


ENGAGEMENT_KEYS = (
    "meetings",
    "present",
    "apologies_sent",
    "apologies_none",
    "not_recorded",
    "expected",
    "returned",
    "on_time",
    "late",
    "circumstances",
    "did_not_act",
    "referrals",
)


def _attendance(days: dict[int, date]) -> dict[int, Counter[str]]:
    """Per agency: conferences held it was invited to, and how it attended them (two queries)."""
    tally: dict[int, Counter[str]] = defaultdict(Counter)
    if not days:
        return tally
    invited = db.session.execute(
        sa.select(conference_invitations.c.conference_id, conference_invitations.c.agency_id).where(
            conference_invitations.c.conference_id.in_(days)
        )
    ).all()
    recorded = {
        (row.conference_id, row.agency_id): row
        for row in db.session.execute(
            sa.select(
                Attendance.conference_id,
                Attendance.agency_id,
                Attendance.presence,
                Attendance.information_sent,
            ).where(Attendance.conference_id.in_(days))
        )
    }
    for conference_id, agency_id in invited:
        counts = tally[agency_id]
        counts["meetings"] += 1
        row = recorded.get((conference_id, agency_id))
        if row is None:
            counts["not_recorded"] += 1
        elif row.presence is Presence.PRESENT:
            counts["present"] += 1
        else:
            counts["apologies_sent" if row.information_sent else "apologies_none"] += 1
    return tally


def _label(quarter: Period) -> str:
    return f"{quarter_name(quarter.start)} ({quarter.label})"


def _quarterly(
    quarters: list[Period],
    cases: list[Discussed],
    row: Callable[[str, list[Discussed]], dict[str, Any]],
) -> list[dict[str, Any]]:
    """A row per quarter, oldest first, of the cases discussed in it, then one for them all."""
    found: dict[Period, list[Discussed]] = {q: [] for q in quarters}
    for case in cases:
        found[quarter_of(case.day)].append(case)
    rows = [row(_label(quarter), in_it) for quarter, in_it in found.items()]
    return [*rows, {**row("The four quarters", cases), "is_total": True}]


def _repeats_table(
    quarters: list[Period], cases: list[Discussed], national: Comparison | None
) -> Table:
    def row(label: str, found: list[Discussed]) -> dict[str, Any]:
        repeats = sum(case.is_repeat for case in found)
        return {
            "label": label,
            "cases": len(found),
            "repeats": repeats,
            "share": share(repeats, len(found)),
        }

    return Table(
        key="repeats",
        title="Repeat rate",
        columns=[
            Column("label", "Quarter", Kind.TEXT),
            Column("cases", "Cases discussed"),
            Column("repeats", "Repeat cases"),
            Column("share", "Repeat rate", Kind.PERCENT, share_of=("cases", "repeats")),
        ],
        rows=_quarterly(quarters, cases, row),
        notes=_national_repeats(national),
        empty=NO_CASES,
        adds_up=True,
    )


def _national_repeats(national: Comparison | None) -> list[str]:
    """The published repeat rate to read the quarters against, where the practice has one."""
    rate = national.figure("repeat") if national is not None else None
    if national is None or rate is None:
        return []
    return [f"{national.label}: {rate:g}% of cases discussed were repeats."]


def _many_repeats(marac: Marac, start: datetime, after: datetime) -> set[str]:
    """References of the MARAC's cases with MANY_REPEATS or more repeat referrals in the
    period (by when each was first sent): one query."""
    return set(
        db.session.scalars(
            sa.select(Case.reference)
            .join(Referral, Referral.case_id == Case.id)
            .where(
                Case.marac_id == marac.id,
                Referral.is_repeat.is_(True),
                Referral.status == ReferralStatus.ACCEPTED,
                Referral.submitted_at >= start,
                Referral.submitted_at < after,
            )
            .group_by(Case.id, Case.reference)
            .having(sa.func.count(Referral.id) >= MANY_REPEATS)
        )
    )


def _system_issues_table(marac: Marac, start: datetime, after: datetime) -> Table:
    """The gaps the meetings found, by kind: counts of issues, not of people."""
    counts = issue_queries.by_category(marac.id, start, after)
    rows = [{"label": category.label, **counts[category]} for category in IssueCategory]
    rows.append(
        {
            "label": "All kinds",
            **{k: sum(c[k] for c in counts.values()) for k in counts[IssueCategory.POLICY]},
        }
    )
    return Table(
        key="system_issues",
        title="System issues",
        columns=[
            Column("label", "Kind of issue", Kind.TEXT),
            Column("raised", "Logged", protected=False),
            Column("resolved", "Of those, resolved", protected=False),
            Column("open", "Open now", protected=False),
        ],
        rows=rows,
        notes=["Each issue is a gap in the system found on cases; the log has the details."],
    )


def _many_repeats_table(count: int) -> Table:
    return Table(
        key="many_repeats",
        title=f"Cases with {MANY_REPEATS} or more repeats",
        columns=[Column("label", "Measure", Kind.TEXT), Column("count", "Cases")],
        rows=[{"label": f"Cases with {MANY_REPEATS} or more repeats", "count": count}],
    )


def _waits_table(quarters: list[Period], cases: list[Discussed]) -> Table:
    def row(label: str, found: list[Discussed]) -> dict[str, Any]:
        waits = sorted((c.day - c.referred_on).days for c in found if c.referred_on is not None)
        return {
            "label": label,
            "cases": len(waits),
            "median": one_place(statistics.median(waits)) if waits else None,
            "p90": percentile(waits, 90),
        }

    return Table(
        key="waits",
        title="Days from referral to conference",
        columns=[
            Column("label", "Quarter", Kind.TEXT),
            Column("cases", "Cases with a referral date"),
            Column("median", "Median", Kind.DAYS, share_of="cases"),
            Column("p90", "90th percentile", Kind.DAYS, share_of="cases"),
        ],
        rows=_quarterly(quarters, cases, row),
        notes=["From the day the referral was first sent to the day of the conference."],
        empty=NO_CASES,
        adds_up=True,
    )


def percentile(values: list[int], percent: int) -> float | None:
    """The inclusive percentile of sorted values (a spreadsheet's PERCENTILE.INC); None if
    there are none."""
    if not values:
        return None
    if len(values) == 1:
        return float(values[0])
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return one_place(cuts[percent - 1])
