"""Our actions (each agency's open actions, reported on in place) and the coordinator's tracker."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import login_required
from wtforms.fields.choices import SelectChoice

from conference.accounts.models import Role
from conference.accounts.permissions import marac_ids_with
from conference.actions import queries, services, tracker
from conference.actions.choices import ActionStatus
from conference.actions.forms import FilterForm, StatusForm, TrackerForm
from conference.actions.models import Action
from conference.actions.permissions import action_marac_ids, has_actions, reports_on
from conference.audit import record as audit_record
from conference.conferences import display
from conference.conferences.models import AgendaItem
from conference.conferences.queries import maracs_by_id, victim_names
from conference.db import utcnow
from conference.errors import Conflict, ValidationFailed
from conference.extensions import db
from conference.referrals.choices import CaseStatus
from conference.referrals.models import Case
from conference.referrals.permissions import is_coordinator
from conference.referrals.services import today_in
from conference.web.auth import current_actor, require, requires
from conference.web.forms import show_refusal, version_of
from conference.web.htmx import partial_response, wants_partial
from conference.web.requests import parse_id
from conference.web.unit import Answer, on_refusal

bp = Blueprint("actions", __name__)


@bp.get("/actions/")
@requires(has_actions)
def index() -> ResponseReturnValue:
    """The agency's open actions: overdue, due this week, later; filtered as asked."""
    return _page({})


def _page(forms: dict[int, StatusForm], status: int = 200) -> ResponseReturnValue:
    actor, now = current_actor(), utcnow()
    marac_ids = action_marac_ids(actor)
    conferences = queries.conferences_with_actions(actor.agency_id, marac_ids)
    filters = FilterForm(request.args)
    filters.conference.choices = [SelectChoice("", "Any conference")] + [
        SelectChoice(str(c.id), display.conference_label(c)) for c in conferences
    ]
    today = now.date()
    found = queries.agency_actions(actor.agency_id, marac_ids, **_chosen(filters, today))
    case_ids = sorted({row.action.case_id for row in found})
    audit_record(actor, "actions.listed", None, now=now, detail={"case_ids": case_ids})
    for row in found:
        forms.setdefault(row.action.id, _form(row.action))
    return render_template(
        "actions/index.html",
        groups=_grouped(found, today),
        forms=forms,
        filters=filters,
        count=len(found),
        today=today,
    ), status


def _chosen(filters: FilterForm, today: Any) -> dict[str, Any]:
    """The query's filters from the form; anything unknown is ignored."""
    chosen: dict[str, Any] = {}
    if filters.status.data in ("open", "in_progress"):
        chosen["statuses"] = [ActionStatus(filters.status.data)]
    if (conference_id := parse_id(filters.conference.data)) is not None:
        chosen["conference_id"] = conference_id
    days = {"overdue": -1, "week": 7, "month": 28}.get(filters.due.data or "")
    if days is not None:
        chosen["due_by"] = today + timedelta(days=days)
    return chosen


def _grouped(rows: list[queries.AgencyAction], today: Any) -> list[tuple[str, list[Any]]]:
    week = today + timedelta(days=7)
    groups: dict[str, list[queries.AgencyAction]] = {
        "Overdue": [],
        "Due this week": [],
        "Later": [],
    }
    for row in rows:
        due = row.action.due_on
        key = "Overdue" if due < today else "Due this week" if due <= week else "Later"
        groups[key].append(row)
    return [(name, found) for name, found in groups.items() if found]


def _form(action: Action, data: Any = None) -> StatusForm:
    form = StatusForm(data, prefix=f"action-{action.id}")
    if data is None:
        form.version.data = str(action.version)
    return form


@bp.post("/actions/<int:action_id>/status")
@login_required
def report(action_id: int) -> ResponseReturnValue:
    """Report what happened with one of the agency's actions, with a note."""
    actor, now = current_actor(), utcnow()
    action = db.get_or_404(Action, action_id)
    case = db.get_or_404(Case, action.case_id)
    require(reports_on(actor, action, case.marac_id), hide=True)
    form = _form(action, request.form)
    if not form.validate():
        return _answer(action, case, form, 422, today=today_in(case.marac, now))
    on_refusal(_refused(action, case, form, now))
    services.report_status(
        action,
        version=version_of(form.version),
        status=ActionStatus(form.status.data),
        note=form.note.data or "",
        actor=actor,
        now=now,
    )
    flash(f"Your update on the action for case {case.reference} is saved.", "success")
    if not wants_partial():
        return redirect(url_for(".index"), 303)
    return _answer(action, case, _form(action), 200, today=today_in(case.marac, now))


def _refused(action: Action, case: Case, form: StatusForm, now: datetime) -> Answer:
    """The report again, with the refusal beside its field: a rule broken (422), or the action
    changed by someone else meanwhile (409)."""

    def answer(refused: Exception) -> ResponseReturnValue:
        if not isinstance(refused, ValidationFailed | Conflict):
            raise refused  # the action's state: the error message every page gives
        show_refusal(form, refused, "note")
        status = 409 if isinstance(refused, Conflict) else 422
        return _answer(action, case, form, status, today=today_in(case.marac, now))

    return answer


def _answer(action: Action, case: Case, form: StatusForm, status: int, *, today: Any):
    """The action's block for htmx (its form, or its new state), else the page."""
    if not wants_partial():
        return _page({action.id: form}, status)
    item = db.session.get(AgendaItem, action.agenda_item_id) if action.agenda_item_id else None
    name = victim_names([case.id]).get(case.id, "")
    closed = case.status is CaseStatus.CLOSED
    conference = item.conference if item else None
    row = queries.AgencyAction(action, case.reference, name, conference, closed)
    return partial_response("actions/_action.html", status=status, row=row, form=form, today=today)


# The coordinator's tracker


@bp.get("/actions/tracker")
@requires(is_coordinator)
def tracker_page() -> ResponseReturnValue:
    """Every action of the coordinator's MARACs, filtered, with open and overdue per agency."""
    actor, now = current_actor(), utcnow()
    filters, form = _tracker_filters(now)
    found = tracker.tracked(
        filters,
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config["ADMIN_PAGE_SIZE"],
    )
    case_ids = sorted({row.action.case_id for row in found.rows})
    audit_record(actor, "actions.tracked", None, now=now, detail={"case_ids": case_ids})
    return render_template(
        "actions/tracker.html",
        found=found,
        form=form,
        counts=tracker.agency_counts(filters.marac_ids, filters.today),
        today=filters.today,
        query=_query_of(form),
    )


@bp.get("/actions/tracker.csv")
@requires(is_coordinator)
def tracker_csv() -> ResponseReturnValue:
    """The filtered actions as a spreadsheet, case references only. Each export is audited."""
    actor, now = current_actor(), utcnow()
    filters, form = _tracker_filters(now)
    found = tracker.tracked(filters)
    audit_record(
        actor,
        "actions.exported",
        None,
        now=now,
        detail={
            "rows": found.total,
            "case_ids": sorted({row.action.case_id for row in found.rows}),
            "filters": _query_of(form),
        },
    )
    name = f"marac-actions-{filters.today.isoformat()}.csv"
    return Response(
        tracker.as_csv(found.rows, filters.today),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


def _tracker_filters(now: datetime) -> tuple[tracker.Filters, TrackerForm]:
    """The filters from the query string: only choices offered count, anything else is "any"."""
    marac_ids = marac_ids_with(current_actor(), Role.COORDINATOR)
    maracs = maracs_by_id(marac_ids)
    agencies = tracker.agencies_with_actions(marac_ids)
    conferences = tracker.conferences_with_actions(marac_ids)
    form = TrackerForm(request.args)
    form.agency.choices = [SelectChoice("", "Any agency")] + [
        SelectChoice(str(a.id), a.name) for a in agencies
    ]
    form.conference.choices = [SelectChoice("", "Any conference")] + [
        SelectChoice(str(c.id), display.conference_label(c)) for c in conferences
    ]
    filters = tracker.Filters(
        marac_ids=marac_ids,
        today=today_in(maracs[0], now) if maracs else now.date(),
        agency_id=tracker.chosen_id(form.agency.data, [a.id for a in agencies]),
        conference_id=tracker.chosen_id(form.conference.data, [c.id for c in conferences]),
        statuses=tracker.chosen_statuses(form.status.data),
        overdue_by=tracker.chosen_id(form.overdue.data, [1, 7]),
    )
    return filters, form


def _query_of(form: TrackerForm) -> dict[str, str]:
    """The filters as chosen, for the page and download links (never any other parameter)."""
    return {name: value for name, value in form.data.items() if isinstance(value, str) and value}
