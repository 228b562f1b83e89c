"""The data return and the steering page: on screen for coordinators and the steering group,
and as CSV and a printable report (audited). Counts only: the steering group sees small counts
hidden everywhere, as in every export, and no case reference."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask.typing import ResponseReturnValue

from conference.accounts.models import Marac, Role
from conference.accounts.permissions import figures_marac_ids, roles_in, sees_figures
from conference.audit import record as audit_record
from conference.conferences.queries import maracs_by_id
from conference.db import utcnow
from conference.referrals.services import today_in
from conference.reports import charts
from conference.reports.figures import DataReturn, data_return
from conference.reports.forms import PeriodForm
from conference.reports.periods import Period
from conference.reports.steering import DEFINITIONS, steering_figures
from conference.web.auth import current_actor, requires

bp = Blueprint("reports", __name__, url_prefix="/reports")


@dataclass(frozen=True)
class Asked:
    form: PeriodForm
    marac: Marac
    today: date
    period: Period | None


@bp.get("/return")
@requires(sees_figures)
def data_return_page() -> ResponseReturnValue:
    """The return for the MARAC and period chosen (the last full quarter unless asked)."""
    asked = _asked()
    found = _figures(asked, "reports.viewed")
    hidden = None if _exact(asked.marac) else _minimum()
    return render_template(
        "reports/return.html",
        form=asked.form,
        marac=asked.marac,
        report=found,
        drawings=_drawings(found, hidden),
        minimum=_minimum(),
        hidden=hidden,
        query=asked.form.query() if found else {},
        choose_marac=len(asked.form.marac.choices) > 1,
    ), (200 if asked.period else 400)


@bp.get("/return/print")
@requires(sees_figures)
def print_page() -> ResponseReturnValue:
    """The whole return on one page to print, small counts hidden as in every export."""
    asked = _asked()
    found = _figures(asked, "reports.printed")
    if found is None:
        abort(404)
    minimum = _minimum()
    return render_template(
        "reports/print.html",
        report=found,
        drawings=_drawings(found, minimum),
        minimum=minimum,
    )


@bp.get("/return/<key>.csv")
@requires(sees_figures)
def table_csv(key: str) -> ResponseReturnValue:
    """One table of the return as a spreadsheet, small counts hidden."""
    asked = _asked()
    if asked.period is None:
        abort(404)
    found = data_return(asked.marac, asked.period, asked.today)
    table = found.table(key)
    if table is None:
        abort(404)
    _audit("reports.exported", asked.marac, asked.period, table=key)
    name = f"{asked.marac.code.lower()}-{_period_slug(asked.period)}-{key}.csv"
    return Response(
        table.as_csv(_minimum(), current_app.config["PROTECTIVE_MARKING"]),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


@bp.get("/steering")
@requires(sees_figures)
def steering() -> ResponseReturnValue:
    """The steering group's figures for the last four full quarters of one MARAC."""
    maracs = maracs_by_id(figures_marac_ids(current_actor()))
    marac = _chosen(maracs, request.args.get("marac"))
    exact = _exact(marac)
    found = steering_figures(marac, today_in(marac, utcnow()), with_references=exact)
    _audit("reports.steering_viewed", marac, found.period)
    return render_template(
        "reports/steering.html",
        report=found,
        maracs=maracs,
        definitions=DEFINITIONS,
        hidden=None if exact else _minimum(),
        minimum=_minimum(),
    )


def _exact(marac: Marac) -> bool:
    """Small counts and case references on screen: the MARAC's coordinators only."""
    return Role.COORDINATOR in roles_in(current_actor(), marac.id)


def _chosen(maracs: list[Marac], asked: str | None) -> Marac:
    """The MARAC asked for, if the user may see its figures; the first of theirs if none."""
    marac = next((m for m in maracs if str(m.id) == asked), None)
    if marac is None:
        if asked:
            abort(404)  # a MARAC whose figures they may not see, or none at all
        marac = maracs[0]
    return marac


def _asked() -> Asked:
    """The MARAC (one whose figures the user sees) and the period from the query string."""
    actor, now = current_actor(), utcnow()
    maracs = maracs_by_id(figures_marac_ids(actor))
    form = PeriodForm(request.args)
    marac = _chosen(maracs, form.marac.data)
    form.marac.data = str(marac.id)
    today = today_in(marac, now)
    form.offer(maracs, today)
    return Asked(form=form, marac=marac, today=today, period=form.period(today))


def _figures(asked: Asked, verb: str) -> DataReturn | None:
    """The return asked for, its reading recorded in the audit log (kept when the view
    answers)."""
    if asked.period is None:
        return None
    _audit(verb, asked.marac, asked.period)
    return data_return(asked.marac, asked.period, asked.today)


def _audit(verb: str, marac: Marac, period: Period, **detail: str) -> None:
    audit_record(
        current_actor(),
        verb,
        marac,
        marac_id=marac.id,
        detail={"start": period.start.isoformat(), "end": period.end.isoformat(), **detail},
    )


def _drawings(found: DataReturn | None, minimum: int | None) -> dict[str, charts.Drawing]:
    if found is None:
        return {}
    drawn = {table.key: charts.draw(table, minimum) for table in found.tables}
    return {key: drawing for key, drawing in drawn.items() if drawing is not None}


def _minimum() -> int:
    return int(current_app.config["DATA_RETURN_MINIMUM"])


def _period_slug(period: Period) -> str:
    return period.quarter or f"{period.start.isoformat()}-to-{period.end.isoformat()}"
