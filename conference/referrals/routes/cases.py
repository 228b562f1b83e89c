"""The case record: who she is, her referrals and their decisions, her advocate."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from conference.accounts.models import Role, User
from conference.accounts.permissions import marac_ids_with
from conference.actions import queries as action_queries
from conference.closure import queries as closure
from conference.closure.forms import close_form
from conference.db import utcnow
from conference.errors import ValidationFailed
from conference.extensions import db
from conference.referrals import permissions, perpetrators, queries, services
from conference.referrals.choices import CaseStatus
from conference.referrals.forms import AddressReasonForm
from conference.referrals.models import Case
from conference.referrals.routes import bp
from conference.web.auth import current_actor, require, requires
from conference.web.forms import query_text
from conference.web.requests import parse_id
from conference.web.unit import on_refusal


def load_case(case_id: int) -> Case:
    """The case if the user may read it; 404 otherwise, so its existence stays hidden."""
    case = queries.get_case(case_id)
    if case is None:
        abort(404)
    referrer_ids = {r.referrer_id for r in case.referrals}
    require(permissions.can_view_case(current_actor(), case, referrer_ids), hide=True)
    return case


@bp.get("/cases/")
@requires(permissions.is_coordinator)
def cases() -> ResponseReturnValue:
    """The open cases of the coordinator's MARACs (closed ones on request)."""
    include_closed = request.args.get("closed") == "1"
    actor = current_actor()
    text, problem = query_text(request.args, "q", CASE_SEARCH_LIMIT)
    listing = queries.cases_in(
        marac_ids_with(actor, Role.COORDINATOR),
        include_closed=include_closed,
        search="" if problem else text,
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config["ADMIN_PAGE_SIZE"],
    )
    shown = [c.id for c in listing.items]
    services.record_list_view(actor, "cases", shown, now=utcnow(), cases=shown)
    return render_template(
        "referrals/cases.html",
        listing=listing,
        include_closed=include_closed,
        q=text.strip(),
        problem=problem,
    ), (422 if problem else 200)


#: Longest search for a case: a name or a reference.
CASE_SEARCH_LIMIT = 80


@bp.get("/cases/<int:case_id>")
@login_required
def case(case_id: int) -> ResponseReturnValue:
    """The case record. Every view is written to the audit trail."""
    found = load_case(case_id)
    services.record_view(current_actor(), found, page="case", now=utcnow())
    return render_template("referrals/case.html", **case_context(found))


def case_context(case: Case, **extra: Any) -> dict[str, Any]:
    actor = current_actor()
    manage = permissions.can_manage_case(actor, case)
    accepted = [r for r in case.referrals if r.submitted_at is not None]
    latest = accepted[-1] if accepted else None
    tool, rules = services.risk_tool_for(case.marac)
    standing = closure.standings([case.id])[case.id]
    today = services.today_in(case.marac, utcnow())
    return {
        "person_flags": perpetrators.case_flags_for([case], today=today).get(case.id, []),
        "known_perpetrators": perpetrators.known_in(accepted) if manage else [],
        "standing": standing,
        "hearings": closure.hearings(case.id),
        "interim": action_queries.interim_actions(case.id) if manage else [],
        "today": services.today_in(case.marac, utcnow()),
        # The close panel: for the MARAC's coordinators, while the case is not closed.
        "closing": closure.closing(case, standing)
        if manage and case.status is not CaseStatus.CLOSED
        else None,
        "close_form": close_form(),
        "flagged_now": standing.is_flagged(today),
        "case": case,
        "latest": latest,
        "referrals": list(reversed(accepted)),
        "can_manage": manage,
        "advocates": queries.advocates_in(case.marac_id) if manage else [],
        "contact_allowed": {
            r.id: permissions.may_see_contact_details(actor, r, case) for r in accepted
        },
        "tool": tool,
        "rules": rules,
        "checklists": {r.id: services.stored_checklist(r) for r in accepted},
        "address_form": extra.pop("address_form", None) or AddressReasonForm(),
        "lift_form": extra.pop("lift_form", None) or AddressReasonForm(),
        "revealed": False,
        **extra,
    }


@bp.post("/cases/<int:case_id>/address")
@login_required
def reveal_address(case_id: int) -> ResponseReturnValue:
    """Show a confidential address to someone allowed to see it, once they give a reason."""
    found = load_case(case_id)
    actor, now = current_actor(), utcnow()
    context = case_context(found, address_form=AddressReasonForm(request.form))
    if not found.is_address_confidential or not any(context["contact_allowed"].values()):
        abort(403)
    form = context["address_form"]
    if not form.validate():
        return render_template("referrals/case.html", **context), 422
    services.disclose_address(found, actor=actor, reason=form.reason.data, now=now)
    services.record_view(actor, found, page="case-address", now=now)
    context["revealed"] = True
    return render_template("referrals/case.html", **context)


@bp.post("/cases/<int:case_id>/advocate")
@login_required
def assign_advocate(case_id: int) -> ResponseReturnValue:
    """Make one of the MARAC's advocates the case's advocate."""
    found = load_case(case_id)
    actor = current_actor()
    require(permissions.can_manage_case(actor, found))
    wanted = parse_id(request.form.get("advocate_id"))
    advocate = db.session.get(User, wanted) if wanted else None
    on_refusal(lambda refused: _advocate_refused(found, refused))
    if advocate is None:
        raise ValidationFailed("Choose an advocate from the list", "advocate_id")
    services.assign_advocate(found, advocate, actor=actor, now=utcnow())
    flash(f"{advocate.name} is now the advocate for case {found.reference}.", "success")
    return redirect(url_for(".case", case_id=found.id), 303)


def _advocate_refused(case: Case, refused: Exception) -> ResponseReturnValue:
    """The case page again, with why the advocate was not assigned beside the list."""
    context = case_context(case, advocate_error=str(refused))
    return render_template("referrals/case.html", **context), 422


@bp.post("/cases/<int:case_id>/confidential")
@login_required
def set_confidential(case_id: int) -> ResponseReturnValue:
    """Mark the address confidential (refuge), or lift the mark, which needs a reason."""
    found = load_case(case_id)
    actor, now = current_actor(), utcnow()
    require(permissions.can_manage_case(actor, found))
    wanted = request.form.get("confidential")
    if wanted not in ("yes", "no"):
        abort(400)
    if wanted == "no":
        form = AddressReasonForm(request.form)
        if not form.validate():
            form.reason.errors = [
                "Give the reason for lifting the mark: it is kept in the audit trail"
            ]
            context = case_context(found, lift_form=form)
            return render_template("referrals/case.html", **context), 422
        services.lift_address_confidential(found, actor=actor, reason=form.reason.data, now=now)
    else:
        services.set_address_confidential(found, True, actor=actor, now=now)
    flash(
        "The address is now confidential: it is shown only with a recorded reason."
        if wanted == "yes"
        else "The address is no longer marked confidential.",
        "success",
    )
    return redirect(url_for(".case", case_id=found.id), 303)
