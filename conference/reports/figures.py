"""The quarterly MARAC data return, and how the MARAC is working, for one MARAC and period.

What each figure counts is set out in ``record``; the tables of how the MARAC is working are
in ``working``. Everything is read in a fixed number of queries, however big the period.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from conference.accounts.models import Agency, AgencyKind, Marac
from conference.conferences import rules
from conference.conferences.models import Conference
from conference.profiles import Comparison, profile_for
from conference.referrals.choices import (
    WITHOUT_CONSENT,
    Consent,
    Ethnicity,
    Gender,
    Sexuality,
    YesNoNotKnown,
)
from conference.referrals.services import risk_tool_for
from conference.reports import record, working
from conference.reports.periods import DAYS_IN_YEAR, Period
from conference.reports.record import NO_CASES, Discussed
from conference.reports.tables import (
    NOT_SHOWN,
    Chart,
    Column,
    Kind,
    Table,
    fewer_than,
    is_small,
    one_place,
    share,
    share_columns,
    share_row,
)

#: Black, Asian and minoritised victims: every recorded group but White.
MINORITISED = {Ethnicity.MIXED, Ethnicity.ASIAN, Ethnicity.BLACK, Ethnicity.ARAB, Ethnicity.OTHER}
LGB_PLUS = {Sexuality.GAY_LESBIAN, Sexuality.BISEXUAL, Sexuality.ANOTHER}


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
    conferences_held: int
    cases: int
    repeats: int
    #: Cases a year per 10,000 women aged 16 and over; None without a population or before the
    #: period.
    per_10000: float | None
    parts: list[Part]
    #: What the figures were counted from, for a page that counts more from the same record
    #: (the steering page): held conference id -> its local day, the cases discussed at them,
    #: and the agencies that sit on the MARAC.
    days: dict[int, date]
    discussed: list[Discussed]
    agencies: dict[int, Agency]

    @property
    def tables(self) -> list[Table]:
        return [table for part in self.parts for table in part.tables]

    def table(self, key: str) -> Table | None:
        return next((t for t in self.tables if t.key == key), None)

    def headlines(self, minimum: int | None = None) -> list[Headline]:
        """The key figures; with a minimum, as exported (nothing small, nothing derived)."""
        small_cases = minimum is not None and is_small(self.cases, minimum)
        small_repeats = minimum is not None and is_small(self.repeats, minimum)
        repeat_share = share(self.repeats, self.cases)
        if small_cases or small_repeats:
            repeat_text = NOT_SHOWN
        else:
            repeat_text = "–" if repeat_share is None else f"{repeat_share:.1f}%"
        if small_cases:
            rate_text = NOT_SHOWN
        elif self.per_10000 is None:
            rate_text = "not set" if not self.marac.adult_female_population else "–"
        else:
            recommended = profile_for(self.marac).national
            rate_text = f"{self.per_10000:.1f}"
            if recommended is not None and recommended.recommended_per_10000 is not None:
                rate_text += f" (recommended {recommended.recommended_per_10000:g})"
        return [
            Headline("Conferences held", f"{self.conferences_held}"),
            Headline(
                "Cases discussed",
                fewer_than(minimum) if small_cases and minimum else f"{self.cases:,}",
            ),
            Headline("Repeat rate", repeat_text),
            Headline("Cases a year per 10,000 adult women", rate_text),
        ]


def data_return(
    marac: Marac, period: Period, today: date, *, only: Collection[str] | None = None
) -> DataReturn:
    """Every figure of the return and of how the MARAC is working, for marac over period.

    only: the keys of the tables wanted (every table when None); the others are not counted.
    """
    start, after = period.utc_bounds(marac.timezone)
    conferences = record.held(marac, start, after)
    days = {c.id: rules.local(c.starts_at, marac.timezone).date() for c in conferences}
    cases = record.discussed(marac, days)
    agencies = record.agencies_of(marac)
    profile = profile_for(marac)
    national = profile.national
    volume = _volume_table(marac, period, today, len(cases), national)
    # Each table built only when wanted: the steering page needs a few, and some read more.
    builders: dict[str, Callable[[], Table]] = {
        "conferences": lambda: _conferences_table(
            conferences, days, cases, record.observers_at(days)
        ),
        "repeats": lambda: _repeats_table(marac, cases, national),
        "sources": lambda: _sources_table(cases, national),
        "referrers": lambda: _referrers_table(cases, agencies),
        "consent": lambda: _consent_table(cases),
        "criteria": lambda: _criteria_table(cases),
        "children": lambda: _children_table(cases),
        "equality": lambda: _equality_table(cases, profile.equality, national),
        "perpetrators": lambda: _perpetrators_table(cases),
        "volume": lambda: volume,
    }
    return DataReturn(
        marac=marac,
        period=period,
        today=today,
        conferences_held=len(conferences),
        cases=len(cases),
        repeats=sum(case.is_repeat for case in cases),
        per_10000=volume.rows[0]["rate"],
        days=days,
        discussed=cases,
        agencies=agencies,
        parts=[
            Part(
                "return",
                "The quarterly return",
                [build() for key, build in builders.items() if only is None or key in only],
            ),
            Part(
                "working",
                f"How the {profile.words.meeting} is working",
                working.tables(marac, period, today, conferences, days, cases, agencies, only=only),
            ),
        ],
    )


def _conferences_table(
    conferences: list[Conference],
    days: dict[int, date],
    cases: list[Discussed],
    observers: dict[int, int],
) -> Table:
    by_conference: dict[int, list[Discussed]] = defaultdict(list)
    for case in cases:
        by_conference[case.conference_id].append(case)

    def row(label: str, found: list[Discussed], watching: int) -> dict[str, Any]:
        return {
            "label": label,
            "cases": len(found),
            "repeats": sum(case.is_repeat for case in found),
            "children": sum(case.children for case in found),
            "observers": watching,
        }

    rows = [
        row(f"{days[c.id]:%-d %B %Y}", by_conference[c.id], observers.get(c.id, 0))
        for c in conferences
    ]
    if rows:
        total = row("All conferences", cases, sum(observers.values()))
        rows.append({**total, "is_total": True})
    return Table(
        key="conferences",
        title="Conferences held and cases discussed",
        columns=[
            Column("label", "Conference", Kind.TEXT),
            Column("cases", "Cases discussed"),
            Column("repeats", "Repeat cases"),
            Column("children", "Children in the households"),
            Column("observers", "Observers", protected=False),
        ],
        rows=rows,
        chart=Chart("cases"),
        notes=[
            "Observers are those listed at the opening as observing only, not taking part "
            "for an agency."
        ],
        empty="No conference was held in this period.",
        adds_up=True,
    )


def _compared(national: Comparison | None, key: str) -> float | None:
    return national.figure(key) if national is not None else None


def _share_chart(national: Comparison | None) -> Chart:
    """Bars of each row's share, with the comparison's figure as a marker where there is one."""
    if national is None:
        return Chart("share")
    return Chart("share", marker="national", marker_label=national.label)


def _repeats_table(marac: Marac, cases: list[Discussed], national: Comparison | None) -> Table:
    repeats = sum(case.is_repeat for case in cases)
    window = risk_tool_for(marac)[1].repeat_window_days
    meeting = profile_for(marac).words.meeting
    return Table(
        key="repeats",
        title="Repeat cases",
        columns=share_columns(national=national.label if national else None),
        rows=[share_row("Repeat cases", repeats, len(cases), _compared(national, "repeat"))]
        if cases
        else [],
        chart=_share_chart(national),
        notes=[
            "A repeat is a new incident between the same victim and the same perpetrator "
            f"within {window} days of the victim's last {meeting} referral, in any {meeting}. "
            "The repeat rate is repeats as a share of the cases discussed."
        ],
        empty=NO_CASES,
    )


def _sources_table(cases: list[Discussed], national: Comparison | None) -> Table:
    police = sum(case.agency_kind is AgencyKind.POLICE for case in cases)
    unknown = sum(case.agency_kind is None for case in cases)
    whole = len(cases)
    rows = [
        share_row("Police", police, whole, _compared(national, "police")),
        share_row(
            "Partner agencies", whole - police - unknown, whole, _compared(national, "partner")
        ),
    ]
    if unknown:
        rows.append(share_row("Referral not recorded", unknown, whole))
    return Table(
        key="sources",
        title="Referrals from the police and from partner agencies",
        columns=share_columns(national=national.label if national else None),
        rows=rows if cases else [],
        chart=_share_chart(national),
        empty=NO_CASES,
        adds_up=True,
    )


def _referrers_table(cases: list[Discussed], agencies: dict[int, Agency]) -> Table:
    counts = Counter(case.agency_id for case in cases if case.agency_id is not None)
    named = record.with_others(agencies, counts)
    order = sorted(named.values(), key=lambda a: (-counts[a.id], a.name.casefold()))
    rows = [share_row(a.name, counts[a.id], len(cases)) for a in order]
    unknown = sum(case.agency_id is None for case in cases)
    if unknown:
        rows.append(share_row("Referral not recorded", unknown, len(cases)))
    return Table(
        key="referrers",
        title="Referrals by referring agency",
        columns=share_columns(label="Referring agency"),
        rows=rows if cases else [],
        chart=Chart("share"),
        notes=["Every agency that sits on it is listed, so one that never refers shows as 0."],
        empty=NO_CASES,
        adds_up=True,
    )


def _consent_table(cases: list[Discussed]) -> Table:
    whole = len(cases)
    given = sum(case.consent is Consent.GIVEN for case in cases)
    without = sum(case.consent in WITHOUT_CONSENT for case in cases)
    rows = [
        share_row("Shared with their consent", given, whole),
        share_row("Shared without their consent", without, whole),
    ]
    if unknown := whole - given - without:
        rows.append(share_row("Consent not recorded", unknown, whole))
    return Table(
        key="consent",
        title="Referrals shared without consent",
        columns=share_columns(),
        rows=rows if cases else [],
        chart=Chart("share"),
        notes=[
            "A case counts as shared without consent when the referral that listed it says the "
            "victim refused and it was shared anyway, or that their consent was not sought. "
            "Each such referral records why, and who authorised it.",
            "A case listed from a repeat-incident notice, which does not ask about consent, "
            "counts as consent not recorded.",
        ],
        empty=NO_CASES,
        adds_up=True,
    )


def _criteria_table(cases: list[Discussed]) -> Table:
    whole = len(cases)
    rows = [
        share_row(label, sum(met(case) for case in cases), whole)
        for label, met in (
            ("Visible high risk", lambda c: c.visible_high_risk),
            ("Professional judgement", lambda c: c.professional_judgement),
            ("Potential escalation", lambda c: c.escalation),
            ("Repeat", lambda c: c.is_repeat),
        )
    ]
    return Table(
        key="criteria",
        title="Referral criteria met",
        columns=share_columns(),
        rows=rows if cases else [],
        chart=Chart("share"),
        notes=[
            "A referral can meet several criteria, so the shares add up to more than the whole.",
            "Visible high risk is decided by the rule of the risk checklist the referral used "
            "(for example 14 or more 'yes' answers, or any of a set of questions), as it stood "
            "when the referral was sent.",
        ],
        empty=NO_CASES,
    )


def _children_table(cases: list[Discussed]) -> Table:
    with_children = sum(case.children > 0 for case in cases)
    rows = [
        share_row("Cases with children in the household", with_children, len(cases)),
        {"label": "Children in the households", "count": sum(c.children for c in cases)},
    ]
    return Table(
        key="children",
        title="Children in the households",
        columns=share_columns(),
        rows=rows if cases else [],
        chart=Chart("count"),
        notes=["Children are counted as each referral named them."],
        empty=NO_CASES,
    )


def _equality_table(
    cases: list[Discussed], shown: Sequence[str], national: Comparison | None
) -> Table:
    """The equality rows the MARAC's practice profile counts, in its order."""
    whole = len(cases)

    def row(label: str, key: str, counted: int, unknown: int) -> tuple[str, dict[str, Any]]:
        compared = _compared(national, key)
        return key, {**share_row(label, counted, whole, compared), "unknown": unknown}

    every = dict(
        [
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
    )
    rows = [every[key] for key in shown]
    return Table(
        key="equality",
        title="Victims' equality and diversity",
        columns=[
            *share_columns(label="Victims who are"),
            Column("unknown", "Not recorded"),
            *([Column("national", national.label, Kind.PERCENT)] if national else []),
        ],
        rows=rows if cases else [],
        chart=_share_chart(national),
        notes=[
            "As the referral recorded the victim. LGBT+ counts lesbian, gay, bisexual and other "
            "sexual orientations, and trans victims."
        ],
        empty=NO_CASES,
    )


def _perpetrators_table(cases: list[Discussed]) -> Table:
    young = sum(case.perpetrators_17_or_under for case in cases)
    rows = [
        share_row(
            "Cases with a perpetrator aged 17 or under",
            sum(case.perpetrators_17_or_under > 0 for case in cases),
            len(cases),
        ),
        {"label": "Perpetrators aged 17 or under", "count": young},
        {
            "label": "Perpetrators whose age is not recorded",
            "count": sum(case.perpetrators_age_unknown for case in cases),
        },
    ]
    return Table(
        key="perpetrators",
        title="Perpetrators aged 17 or under",
        columns=share_columns(),
        rows=rows if cases else [],
        chart=Chart("count"),
        notes=[
            "Each perpetrator's age on the day the referral was sent: from his date of birth "
            "or, without one, the referrer's estimate of his age."
        ],
        empty=NO_CASES,
    )


def _volume_table(
    marac: Marac, period: Period, today: date, counted: int, national: Comparison | None
) -> Table:
    """The yearly rate over the days of the period that have passed (all of them, once over)."""
    population = marac.adult_female_population
    days = (min(period.end, today) - period.start).days + 1
    rate = None
    if population and days > 0:
        rate = one_place(counted * 10000 * DAYS_IN_YEAR / (population * days))
    notes = [
        "Cases discussed in the period (or in the part of it that has passed), as a yearly "
        "rate per 10,000 women aged 16 and over"
        + (", as the national dataset counts them" if national is not None else "")
        + (f": {marac.name} has {population:,} women aged 16 and over." if population else ".")
    ]
    if not population:
        notes.append(
            "The number of women aged 16 and over is not set: an administrator can enter it "
            f"in the {profile_for(marac).words.meeting}'s settings."
        )
    elif 0 < days < 28:
        notes.append("Over so few days the yearly rate swings widely: read it with care.")
    return Table(
        key="volume",
        title="Cases a year per 10,000 adult women",
        columns=[
            Column("label", "Measure", Kind.TEXT),
            Column("cases", "Cases discussed"),
            Column("rate", "Cases a year per 10,000 adult women", Kind.RATE, share_of="cases"),
        ],
        rows=[
            {"label": marac.name, "cases": counted, "rate": rate},
            *_volume_comparisons(national),
        ],
        chart=Chart("rate"),
        notes=notes,
    )


def _volume_comparisons(national: Comparison | None) -> list[dict[str, Any]]:
    """The recommended and the national yearly rates, where the practice has them."""
    if national is None:
        return []
    rows = []
    if national.recommended_per_10000 is not None:
        rows.append({"label": national.recommended_label, "rate": national.recommended_per_10000})
    if (rate := national.figure("per_10000")) is not None:
        rows.append({"label": national.label, "rate": rate})
    return rows
