"""Our actions (each agency's open actions, reported on in place) and the coordinator's tracker."""

from __future__ import annotations

from dataclasses import dataclass
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
    stream_with_context,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import login_required
from wtforms.fields.choices import SelectChoice

from conference.accounts.models import Role, User
from conference.accounts.permissions import marac_ids_with
from conference.actions import queries, services, tracker
from conference.actions.choices import ActionStatus
from conference.actions.forms import FilterForm, StatusForm, TrackerForm
from conference.actions.models import Action, ActionUpdate
from conference.actions.permissions import action_marac_ids, has_actions, reports_on
from conference.audit import record as audit_record
from conference.conferences import display
from conference.conferences.queries import maracs_by_id
from conference.db import utcnow
from conference.errors import Conflict, ValidationFailed
from conference.extensions import db
from conference.referrals.models import Case
from conference.referrals.permissions import is_coordinator
from conference.referrals.services import today_in
from conference.spreadsheets import stream_csv
from conference.web.auth import current_actor, require, requires
from conference.web.forms import show_refusal, version_of
from conference.web.htmx import partial_response, wants_partial
from conference.web.requests import parse_id
from conference.web.unit import Answer, on_refusal

bp = Blueprint("actions", __name__)


@bp.get("/actions/")
@requires(has_actions)
def index() -> ResponseReturnValue:
    """The agency's open actions, a page at a time: overdue, due this week, later; filtered
    as asked. ``report`` opens one action's report form (htmx: that action's block alone)."""
    report_id = parse_id(request.args.get("report"))
    if report_id is not None and wants_partial():
        return _report_form(report_id)
    forms = {}
    if report_id is not None and (opened := db.session.get(Action, report_id)) is not None:
        forms[report_id] = _form(opened)
    return _page(forms)


#: Actions on a page of Our actions.
PER_PAGE = 25


def _page(
    forms: dict[int, StatusForm], status: int = 200, conflict: ReportConflict | None = None
) -> ResponseReturnValue:
    """The page; each action's report form only when it is open (``forms``): the others have a
    link that opens theirs."""
    actor, now = current_actor(), utcnow()
    marac_ids = action_marac_ids(actor)
    conferences = queries.conferences_with_actions(actor.agency_id, marac_ids)
    filters = FilterForm(request.args)
    filters.conference.choices = [SelectChoice("", "Any conference")] + [
        SelectChoice(str(c.id), display.label_at(c.starts_at, c.timezone)) for c in conferences
    ]
    today = now.date()
    listing, found = queries.agency_actions_page(
        actor.agency_id,
        marac_ids,
        page=request.args.get("page", 1, type=int),
        per_page=PER_PAGE,
        **_chosen(filters, today),
    )
    shown = [conflict.row] if conflict else []
    case_ids = sorted({row.action.case_id for row in found + shown})
    audit_record(actor, "actions.listed", None, now=now, detail={"case_ids": case_ids})
    # A refused update is shown first, above the groups, so it is not repeated in them.
    listed = [row for row in found if not conflict or row.action != conflict.row.action]
    return render_template(
        "actions/index.html",
        groups=_grouped(listed, today),
        forms=forms,
        history=queries.histories([row.action.id for row in found + shown]),
        filters=filters,
        listing=listing,
        count=listing.total,
        kept={k: v for k, v in request.args.items() if k in ("status", "conference", "due")},
        today=today,
        conflict=conflict,
    ), status


def _report_form(action_id: int) -> ResponseReturnValue:
    """One action's block with its report form open, swapped in where its link was."""
    actor, now = current_actor(), utcnow()
    action = db.get_or_404(Action, action_id)
    case = db.get_or_404(Case, action.case_id)
    require(reports_on(actor, action, case.marac_id), hide=True)
    return _answer(action, case, _form(action), 200, today=today_in(case.marac, now))


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
    update = services.report_status(
        action,
        version=version_of(form.version),
        status=ActionStatus(form.status.data),
        note=form.note.data or "",
        actor=actor,
        now=now,
    )
    flash(f"Your update on the action for case {case.reference} is saved.", "success")
    if not wants_partial():
        return redirect(url_for(".index", _anchor=f"action-{action.id}"), 303)
    today = today_in(case.marac, now)
    return _answer(action, case, None, 200, today=today, just_saved=update.id)


@dataclass(frozen=True)
class ReportConflict:
    """An update refused because someone changed the action first: what they saved (the
    action as it is now, its latest update) beside what the agency typed, unsaved."""

    row: queries.AgencyAction
    theirs: ActionUpdate | None
    changed_by: User | None
    your_status: str
    your_note: str


def _refused(action: Action, case: Case, form: StatusForm, now: datetime) -> Answer:
    """The report again, with the refusal beside its field: a rule broken (422), or the action
    changed by someone else meanwhile (409, both versions shown, the typing kept)."""

    def answer(refused: Exception) -> ResponseReturnValue:
        if not isinstance(refused, ValidationFailed | Conflict):
            raise refused  # the action's state: the error message every page gives
        today = today_in(case.marac, now)
        if isinstance(refused, ValidationFailed):
            show_refusal(form, refused, "note")
            return _answer(action, case, form, 422, today=today)
        conflict = _conflict(action, form)
        form.version.data = str(action.version)  # saving again applies the typing to theirs
        if not wants_partial():
            return _page({action.id: form}, 409, conflict=conflict)
        return partial_response(
            "actions/_action.html",
            status=409,
            row=conflict.row,
            form=form,
            today=today,
            conflict=conflict,
            history=queries.histories([action.id]),
        )

    return answer


def _conflict(action: Action, form: StatusForm) -> ReportConflict:
    """Both versions, read after the refused change was rolled back."""
    labels = {status.value: status.label for status in services.REPORTABLE}
    changed_by = db.session.get(User, action.updated_by_id) if action.updated_by_id else None
    return ReportConflict(
        row=queries.agency_action(action),
        theirs=queries.latest_update(action.id),
        changed_by=changed_by,
        your_status=labels.get(form.status.data or "", ""),
        your_note=form.note.data or "",
    )


def _answer(
    action: Action,
    case: Case,
    form: StatusForm | None,
    status: int,
    *,
    today: Any,
    just_saved: int | None = None,
) -> ResponseReturnValue:
    """The action's block for htmx (its form, or its new state, with its updates so far),
    else the page."""
    if not wants_partial():
        return _page({action.id: form} if form else {}, status)
    return partial_response(
        "actions/_action.html",
        status=status,
        row=queries.agency_action(action),
        form=form,
        today=today,
        history=queries.histories([action.id]),
        just_saved=just_saved,
    )


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
    total, case_ids = tracker.count_and_cases(filters)
    audit_record(
        actor,
        "actions.exported",
        None,
        now=now,
        detail={"rows": total, "case_ids": case_ids, "filters": _query_of(form)},
    )
    name = f"marac-actions-{filters.today.isoformat()}.csv"
    # Written as it is read, a batch of actions at a time: flat memory for any number.
    rows = tracker.csv_rows(tracker.every_tracked(filters), filters.today)
    return Response(
        stream_with_context(
            stream_csv(tracker.CSV_HEADER, rows, marking=current_app.config["PROTECTIVE_MARKING"])
        ),
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
    agencies = tracker.agencies_with_actions(marac_ids, parse_id(request.args.get("agency")))
    conferences = tracker.conferences_with_actions(marac_ids)
    form = TrackerForm(request.args)
    form.agency.choices = [SelectChoice("", "Any agency")] + [
        SelectChoice(str(a.id), a.name) for a in agencies
    ]
    form.conference.choices = [SelectChoice("", "Any conference")] + [
        SelectChoice(str(c.id), display.label_at(c.starts_at, c.timezone)) for c in conferences
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
