"""Closing a case, and the coordinator's list of cases reaching 12 months since their last
MARAC referral."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from wtforms.fields.choices import SelectChoice

from conference.accounts.models import Role
from conference.accounts.permissions import marac_ids_with, speaks_for_an_agency
from conference.closure import notices, queries, services
from conference.closure.forms import CloseForm, CloseManyForm, NoticeForm, close_form
from conference.conferences.queries import victim_names
from conference.db import utcnow
from conference.errors import Conflict, InvalidTransition, ValidationFailed
from conference.referrals import births, permissions
from conference.referrals import queries as case_queries
from conference.referrals import services as case_services
from conference.referrals.choices import CaseStatus
from conference.referrals.models import Case, Perpetrator
from conference.web.auth import current_actor, require, requires
from conference.web.forms import show_refusal
from conference.web.requests import parse_id
from conference.web.unit import Answer, on_refusal, refusal_beside

bp = Blueprint("closure", __name__)


@bp.get("/cases/twelve-months")
@requires(permissions.is_coordinator)
def twelve_months() -> ResponseReturnValue:
    """Cases whose repeat flag ends within a month either side of today (about 12 months
    since their last MARAC referral), for the coordinator to review."""
    actor, now = current_actor(), utcnow()
    maracs = [g.marac for g in actor.role_grants if g.role == Role.COORDINATOR and g.marac]
    found = queries.reaching_twelve_months(maracs, now)
    shown = [r.case.id for r in found]
    case_services.record_list_view(actor, "twelve_months", shown, now=now, cases=shown)
    return render_template(
        "closure/twelve_months.html",
        cases=found,
        margin=queries.TWELVE_MONTH_MARGIN,
        windows={m.id: queries.repeat_window_days(m) for m in maracs},
        now=now,
    )


@bp.get("/cases/<int:case_id>/close")
@login_required
def close_page(case_id: int) -> ResponseReturnValue:
    """The case's open actions, and the form to close it."""
    case = _case_to_close(case_id)
    case_services.record_view(current_actor(), case, page="close", now=utcnow())
    return render_template("closure/close.html", **panel_context(case))


@bp.post("/cases/<int:case_id>/close")
@login_required
def close(case_id: int) -> ResponseReturnValue:
    """Close the case: refused while actions are open unless a reason is given."""
    case = _case_to_close(case_id)
    actor = current_actor()
    form = close_form(request.form)
    if not form.validate():
        return _refused_page(case, form)
    on_refusal(_refusal_answer(case, form))
    services.close_case(case, actor=actor, reason=form.reason.data or "", now=utcnow())
    flash(f"Case {case.reference} is closed.", "success")
    return redirect(url_for("referrals.case", case_id=case.id), 303)


def _refusal_answer(case: Case, form: CloseForm) -> Answer:
    """A reason wanting goes beside it; a case that cannot close now at all is said above the
    form, with no field to mark: the form again, 422. A case someone else closed meanwhile is
    shown as they closed it, beside the reason typed (409)."""

    def answer(refused: Exception) -> ResponseReturnValue:
        if isinstance(refused, ValidationFailed):
            show_refusal(form, refused, "reason")
            return _refused_page(case, form)
        if isinstance(refused, InvalidTransition | Conflict):
            # Read after the rollback: closed by someone else meanwhile, it says by whom and why.
            changed = isinstance(refused, Conflict) or case.status is CaseStatus.CLOSED
            status = 409 if changed else 422
            return _refused_page(case, form, problem=str(refused), status=status)
        raise refused

    return answer


def _refused_page(
    case: Case, form: CloseForm, problem: str | None = None, status: int = 422
) -> ResponseReturnValue:
    context = panel_context(case, form)
    return render_template("closure/close.html", problem=problem, **context), status


def _case_to_close(case_id: int) -> Case:
    """The case, if the user may read it (404 otherwise, as the case page does) and close it
    (403 for someone who may read it but not close it)."""
    case = case_queries.get_case(case_id)
    if case is None:
        abort(404)
    actor = current_actor()
    referrer_ids = {r.referrer_id for r in case.referrals}
    require(permissions.can_view_case(actor, case, referrer_ids), hide=True)
    require(permissions.can_manage_case(actor, case))
    return case


def panel_context(case: Case, form: CloseForm | None = None) -> dict[str, Any]:
    standing = queries.standings([case.id])[case.id]
    return {
        "case": case,
        "standing": standing,
        "closing": queries.closing(case, standing),
        "close_form": form or close_form(),
        "flagged_now": standing.is_flagged(case_services.today_in(case.marac, utcnow())),
    }


@bp.get("/flagged-cases")
@requires(speaks_for_an_agency)
def flagged() -> ResponseReturnValue:
    """The cases the user's agency knows that are still flagged for repeats: to flag and tag
    in its own files, and to tell the MARAC of a new incident on one."""
    actor, now = current_actor(), utcnow()
    assert actor.agency_id is not None
    maracs = notices.notice_maracs(actor)
    listing, rows = notices.flagged_cases(
        actor.agency_id,
        maracs,
        now,
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config["ADMIN_PAGE_SIZE"],
    )
    shown = [r.case.id for r in rows]
    case_services.record_list_view(actor, "flagged_cases", shown, now=now, cases=shown)
    return render_template(
        "closure/flagged.html",
        listing=listing,
        rows=rows,
        maracs=maracs,
        windows={m.id: queries.repeat_window_days(m) for m in maracs},
    )


@bp.route("/cases/<int:case_id>/repeat-incident", methods=["GET", "POST"])
@login_required
def notice(case_id: int) -> ResponseReturnValue:
    """The short form telling the MARAC of a new incident on a flagged case."""
    actor, now = current_actor(), utcnow()
    case = case_queries.get_case(case_id)
    # Anyone who may not file one learns nothing of the case: the same 404 as no case at all.
    if case is None or not notices.may_file_notice(actor, case, now):
        abort(404)
    form = NoticeForm(request.form if request.method == "POST" else None)
    men = notices.perpetrators_of(case)
    form.perpetrator_id.choices = [SelectChoice(str(p.id), _described(p)) for p in men]
    page = partial(_notice_page, case, form)
    if request.method == "GET":
        case_services.record_view(actor, case, page="repeat_notice", now=now)
        return page(200)
    if not form.validate():
        return page(422)
    on_refusal(refusal_beside(form, "what_happened", page))
    filed = notices.file_notice(
        case,
        notices.NoticeFacts(
            occurred_on=form.occurred_on.data,
            what_happened=form.what_happened.data or "",
            perpetrator_id=parse_id(form.perpetrator_id.data or ""),
            reported_by=form.reported_by.data or "",
        ),
        actor=actor,
        now=now,
    )
    flash(
        f"Notice {filed.reference} is sent to the coordinator as a repeat on case "
        f"{case.reference}. Once accepted, the case is listed for the next conference.",
        "success",
    )
    return redirect(url_for("referrals.detail", referral_id=filed.id), 303)


def _notice_page(case: Case, form: NoticeForm, status: int) -> ResponseReturnValue:
    actor, now = current_actor(), utcnow()
    case_services.record_view(actor, case, page="repeat_notice", now=now)
    standing = queries.standings([case.id])[case.id]
    names = victim_names([case.id])
    return render_template(
        "closure/notice.html", case=case, form=form, standing=standing, victim=names.get(case.id)
    ), status


def _described(p: Perpetrator) -> str:
    """A man as the choice shows him: name, and what is known of his date of birth."""
    birth = p.birth(None)
    born = f", born {births.describe(birth)}" if birth.is_known else ""
    return f"{p.name}{born} ({p.relationship.label.lower()})"


@bp.route("/cases/ready-to-close", methods=["GET", "POST"])
@requires(permissions.is_coordinator)
def ready() -> ResponseReturnValue:
    """Cases whose plan is complete, oldest first; the coordinator closes one or many."""
    actor, now = current_actor(), utcnow()
    marac_ids = sorted(marac_ids_with(actor, Role.COORDINATOR))
    form = CloseManyForm(request.form if request.method == "POST" else None)
    chosen = [i for i in (parse_id(v) for v in form.case_ids.data or []) if i]
    page = partial(_ready_page, marac_ids, form, chosen)
    if request.method == "GET":
        return page(200)
    if not form.validate():
        return page(422)
    on_refusal(refusal_beside(form, "case_ids", page))
    cases = [c for c in case_queries.cases_by_id(set(chosen)).values() if c.marac_id in marac_ids]
    services.close_many(cases, actor=actor, reason=form.chosen_reason, now=now)
    closed = ", ".join(sorted(c.reference for c in cases))
    flash(f"Closed {len(cases)} case{'' if len(cases) == 1 else 's'}: {closed}.", "success")
    return redirect(url_for(".ready"), 303)


def _ready_page(
    marac_ids: list[int], form: CloseManyForm, chosen: list[int], status: int
) -> ResponseReturnValue:
    actor, now = current_actor(), utcnow()
    listing, rows = queries.ready_to_close(
        marac_ids,
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config["ADMIN_PAGE_SIZE"],
    )
    shown = [r.case.id for r in rows]
    case_services.record_list_view(actor, "ready_to_close", shown, now=now, cases=shown)
    return render_template(
        "closure/ready.html",
        listing=listing,
        rows=rows,
        form=form,
        chosen=set(chosen),
        case_error=form.errors.get("case_ids"),
    ), status
