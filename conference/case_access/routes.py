"""Who has seen this case: the coordinator's access report, on screen and as CSV."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, current_app, render_template, request, stream_with_context
from flask.typing import ResponseReturnValue
from flask_login import login_required

from conference import audit
from conference.case_access import queries
from conference.case_access.forms import AccessFilterForm
from conference.db import utcnow
from conference.extensions import db
from conference.referrals.models import Case
from conference.referrals.permissions import coordinates
from conference.spreadsheets import stream_csv
from conference.web.auth import current_actor, require

bp = Blueprint("case_access", __name__)


def _case(case_id: int) -> Case:
    """The case, for one of its MARAC's coordinators; anyone else is told it is not there."""
    case = db.get_or_404(Case, case_id)
    require(coordinates(current_actor(), case.marac_id), hide=True)
    return case


def _dates(form: AccessFilterForm) -> tuple[date | None, date | None, bool]:
    valid = form.validate() if request.args else True
    if not valid:
        return None, None, False
    return form.on_or_after.data, form.on_or_before.data, True


@bp.get("/cases/<int:case_id>/access")
@login_required
def report(case_id: int) -> ResponseReturnValue:
    """Every view and change of the case and its records, newest first, a page at a time."""
    case = _case(case_id)
    form = AccessFilterForm(request.args)
    on_or_after, on_or_before, valid = _dates(form)
    listing = queries.report(
        case,
        on_or_after=on_or_after,
        on_or_before=on_or_before,
        page=max(request.args.get("page", 1, type=int) or 1, 1),
        per_page=current_app.config["AUDIT_PAGE_SIZE"],
    )
    audit.record(
        current_actor(),
        "case.access_report_viewed",
        case,
        now=utcnow(),
        detail={"page": "access", "list_page": listing.page},
    )
    dates = form.links() if valid else {}
    return render_template(
        "case_access/report.html",
        case=case,
        form=form,
        listing=listing,
        rows=queries.rows(case, listing.items),
        dates=dates,
    ), (200 if valid else 422)


@bp.get("/cases/<int:case_id>/access.csv")
@login_required
def export(case_id: int) -> ResponseReturnValue:
    """The report (within the dates chosen) as CSV. Each export is in the audit trail."""
    case = _case(case_id)
    form = AccessFilterForm(request.args)
    on_or_after, on_or_before, valid = _dates(form)
    if not valid:
        return report(case_id)
    dates = {"on_or_after": on_or_after, "on_or_before": on_or_before}
    audit.record(
        current_actor(),
        "case.access_report_exported",
        case,
        now=utcnow(),
        detail={
            "page": "access_csv",
            "rows": queries.count(case, **dates),
            "from": on_or_after.isoformat() if on_or_after else None,
            "to": on_or_before.isoformat() if on_or_before else None,
        },
    )
    # Written as it is read, a batch of events at a time: flat memory for any history.
    rows = queries.csv_rows(queries.export(case, **dates))
    return Response(
        stream_with_context(
            stream_csv(queries.CSV_HEADER, rows, marking=current_app.config["PROTECTIVE_MARKING"])
        ),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="case-{case.id}-access.csv"',
            "Cache-Control": "no-store",
        },
    )
