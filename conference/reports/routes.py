"""The data return: on screen for coordinators, and as CSV and a printable report (audited)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask.typing import ResponseReturnValue

from conference.accounts.models import Marac, Role
from conference.accounts.permissions import marac_ids_with
from conference.audit import record as audit_record
from conference.conferences.queries import maracs_by_id
from conference.db import utcnow
from conference.referrals.permissions import is_coordinator
from conference.referrals.services import today_in
from conference.reports import charts
from conference.reports.figures import DataReturn, data_return
from conference.reports.forms import PeriodForm
from conference.reports.periods import Period
from conference.web.auth import current_actor, requires

bp = Blueprint("reports", __name__, url_prefix="/reports")


@dataclass(frozen=True)
class Asked:
    form: PeriodForm
    marac: Marac
    today: date
    period: Period | None


@bp.get("/return")
@requires(is_coordinator)
def data_return_page() -> ResponseReturnValue:
    """The return for the MARAC and period chosen (the last full quarter unless asked)."""
    asked = _asked()
    found = _figures(asked, "reports.viewed")
    return render_template(
        "reports/return.html",
        form=asked.form,
        marac=asked.marac,
        report=found,
        drawings=_drawings(found, None),
        minimum=_minimum(),
        query=asked.form.query() if found else {},
        choose_marac=len(asked.form.marac.choices) > 1,
    ), (200 if asked.period else 400)


@bp.get("/return/print")
@requires(is_coordinator)
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
@requires(is_coordinator)
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
        table.as_csv(_minimum()),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


def _asked() -> Asked:
    """The MARAC (one the user coordinates) and the period from the query string."""
    actor, now = current_actor(), utcnow()
    maracs = maracs_by_id(marac_ids_with(actor, Role.COORDINATOR))
    form = PeriodForm(request.args)
    marac = next((m for m in maracs if str(m.id) == form.marac.data), None)
    if marac is None:
        if form.marac.data:
            abort(404)  # a MARAC they do not coordinate, or none at all: nothing to say
        marac = maracs[0]
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
