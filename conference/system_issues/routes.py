"""The system issues log: the list, logging an issue from a case, and each issue's page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from wtforms.fields.choices import SelectChoice

from conference.accounts.models import Agency, Marac
from conference.accounts.queries import marac_agencies, maracs_by_id
from conference.db import utcnow
from conference.errors import ValidationFailed
from conference.extensions import db
from conference.referrals import services as case_services
from conference.referrals.models import Case
from conference.system_issues import permissions, queries, services
from conference.system_issues.choices import IssueCategory, IssueStatus
from conference.system_issues.forms import LogIssueForm, UpdateForm, update_form
from conference.system_issues.models import SystemIssue
from conference.web.auth import current_actor, require, requires
from conference.web.forms import show_refusal, version_of
from conference.web.requests import parse_id
from conference.web.unit import Answer, on_refusal, refusal_beside

bp = Blueprint("system_issues", __name__)


@bp.get("/system-issues/")
@requires(permissions.can_read_log)
def index() -> ResponseReturnValue:
    """The log of the reader's MARACs, open issues first by review date."""
    actor = current_actor()
    marac_ids = permissions.marac_ids_with(actor, permissions.READERS)
    chosen = request.args.get("status", "")
    status = IssueStatus(chosen) if chosen in set(IssueStatus) else None
    listing = queries.listing(
        marac_ids,
        status,
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config["ADMIN_PAGE_SIZE"],
    )
    with_references = {m for m in marac_ids if permissions.sees_references(actor, m)}
    shown = [c.case_id for i in listing.items if i.marac_id in with_references for c in i.cases]
    if shown:  # the references name cases: their reading is kept
        case_services.record_list_view(actor, "system_issues", shown, now=utcnow(), cases=shown)
    return render_template(
        "system_issues/index.html",
        listing=listing,
        counts=queries.status_counts(marac_ids),
        status=status,
        with_references=with_references,
        may_log=permissions.can_log(actor),
        today=case_services.today_in(listing.items[0].marac, utcnow()) if listing.items else None,
    )


@bp.route("/system-issues/new", methods=["GET", "POST"])
@requires(permissions.can_log)
def new() -> ResponseReturnValue:
    """Log an issue found on cases, away from a meeting: the coordinator names the cases."""
    actor = current_actor()
    maracs = maracs_by_id(permissions.marac_ids_with(actor, permissions.LOGGERS))
    case = _case_asked() if request.method == "GET" else None
    asked = request.form.get("marac_id") or request.args.get("marac") or (case and case.marac_id)
    marac = _chosen_marac(maracs, str(asked or ""))
    today = case_services.today_in(marac, utcnow())
    form = LogIssueForm(request.form if request.method == "POST" else None, today=today)
    form.marac_id.choices = [SelectChoice(str(m.id), m.name) for m in maracs]
    form.set_agencies(marac_agencies(marac.id))
    if request.method == "GET":
        form.marac_id.data = str(marac.id)
        if case is not None and case.marac_id == marac.id:
            form.cases.data = case.reference
        return _new_page(form, maracs)
    if not form.validate():
        return _new_page(form, maracs, status=422)
    on_refusal(refusal_beside(form, "description", lambda status: _new_page(form, maracs, status)))
    cases = services.cases_by_reference(marac, form.cases.data or "")
    agency_id = form.chosen_agency_id()
    issue = services.log_issue(
        marac,
        category=IssueCategory(form.category.data),
        agency=db.session.get(Agency, agency_id) if agency_id else None,
        description=form.description.data or "",
        owner=form.owner.data or "",
        review_on=form.review_on.data or today,
        cases=cases,
        conference_id=None,
        actor=actor,
        now=utcnow(),
    )
    flash(f"System issue {issue.id} is logged.", "success")
    return redirect(url_for(".issue", issue_id=issue.id), 303)


@bp.get("/system-issues/<int:issue_id>")
@login_required
def issue(issue_id: int) -> ResponseReturnValue:
    """One issue: what went wrong, its owner and review date, its history and (for the
    coordinators and the steering group) the form to work it."""
    found = _issue(issue_id)
    return _page(found, _form_for(found))


@bp.post("/system-issues/<int:issue_id>")
@login_required
def update(issue_id: int) -> ResponseReturnValue:
    """Change the owner or review date, record the outcome, or reopen the issue."""
    found = _issue(issue_id)
    require(permissions.manages(current_actor(), found.marac_id))
    form = update_form(found, _today(found), request.form)
    if not form.validate():
        return _page(found, form, status=422)
    on_refusal(_refused(issue_id, form))
    services.update_issue(
        found,
        status=IssueStatus(form.status.data),
        owner=form.owner.data or "",
        review_on=form.review_on.data or found.review_on,
        note=form.note.data or "",
        version=version_of(form.version),
        actor=current_actor(),
        now=utcnow(),
    )
    flash(f"System issue {found.id} is saved: {found.status.label.lower()}.", "success")
    return redirect(url_for(".issue", issue_id=found.id), 303)


def _issue(issue_id: int) -> SystemIssue:
    """The issue, for a reader of its MARAC's log; 404 for anyone else."""
    found = db.get_or_404(SystemIssue, issue_id)
    require(permissions.reads(current_actor(), found.marac_id), hide=True)
    return found


def _today(issue: SystemIssue) -> Any:
    return case_services.today_in(issue.marac, utcnow())


def _form_for(issue: SystemIssue) -> UpdateForm | None:
    if not permissions.manages(current_actor(), issue.marac_id):
        return None
    return update_form(issue, _today(issue))


def _refused(issue_id: int, form: UpdateForm) -> Answer:
    """A save on a stale copy shows both versions (409); a problem with what was typed goes
    beside its field (422); a move the table refuses is said above the page (409)."""

    def answer(refused: Exception) -> ResponseReturnValue:
        current = db.get_or_404(SystemIssue, issue_id)
        if isinstance(refused, services.IssueConflict):
            yours = {
                "status": form.status.data,
                "owner": form.owner.data,
                "review_on": form.review_on.data,
                "note": form.note.data,
            }
            fresh = update_form(current, _today(current), request.form)
            fresh.version.data = str(current.version)
            fresh.validate()
            return _page(current, fresh, status=409, conflict=yours)
        if isinstance(refused, ValidationFailed):
            show_refusal(form, refused, "note")
            return _page(current, form, status=422)
        flash(str(refused), "error")
        return _page(current, update_form(current, _today(current)), status=409)

    return answer


def _page(
    issue: SystemIssue, form: UpdateForm | None, *, status: int = 200, **context: Any
) -> ResponseReturnValue:
    actor = current_actor()
    references = permissions.sees_references(actor, issue.marac_id)
    if references and issue.cases:
        case_services.record_list_view(
            actor,
            "system_issue",
            [c.case_id for c in issue.cases],
            now=utcnow(),
            cases=[c.case_id for c in issue.cases],
        )
    body = render_template(
        "system_issues/issue.html",
        issue=issue,
        form=form,
        references=references,
        history=queries.history(issue),
        statuses={s.value: s.label for s in IssueStatus},
        **context,
    )
    return body, status


def _new_page(form: LogIssueForm, maracs: list[Marac], status: int = 200) -> ResponseReturnValue:
    return render_template("system_issues/new.html", form=form, maracs=maracs), status


def _chosen_marac(maracs: list[Marac], asked: str) -> Marac:
    """The MARAC asked for among the user's, else their first."""
    return next((m for m in maracs if str(m.id) == asked), maracs[0])


def _case_asked() -> Case | None:
    """The case named by ?case=, to start the form from (used only if it is of the MARAC)."""
    case_id = parse_id(request.args.get("case", ""))
    return db.session.get(Case, case_id) if case_id else None
