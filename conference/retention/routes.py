"""The coordinator's due-for-review list, and placing or lifting a legal hold."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from conference.accounts.models import Role
from conference.accounts.permissions import marac_ids_with
from conference.db import utcnow
from conference.extensions import db
from conference.referrals import permissions
from conference.referrals import services as case_services
from conference.referrals.models import Case
from conference.retention import queries, services
from conference.retention.forms import LiftHoldForm, PlaceHoldForm
from conference.retention.models import LegalHold
from conference.web.auth import current_actor, require, requires
from conference.web.forms import version_of
from conference.web.htmx import go
from conference.web.unit import on_refusal, refusal_beside

bp = Blueprint("retention", __name__, url_prefix="/retention")


@bp.get("/")
@requires(permissions.is_coordinator)
def review() -> ResponseReturnValue:
    """The closed cases the nightly job anonymises or deletes within 30 days, held or not."""
    actor, now = current_actor(), utcnow()
    marac_ids = marac_ids_with(actor, Role.COORDINATOR)
    listing = queries.review_page(
        marac_ids,
        now,
        page=max(request.args.get("page", 1, type=int) or 1, 1),
        per_page=current_app.config["AUDIT_PAGE_SIZE"],
    )
    case_services.record_list_view(
        actor,
        "retention_review",
        [row.due.case.id for row in listing.rows],
        now=now,
        cases=[row.due.case.id for row in listing.rows],
    )
    return render_template(
        "retention/review.html", listing=listing, now=now, days=services.REVIEW_DAYS
    )


def _case(case_id: int) -> Case:
    """A closed case of one of the user's MARACs, for its coordinators only."""
    case = db.get_or_404(Case, case_id)
    require(permissions.coordinates(current_actor(), case.marac_id), hide=True)
    return case


@bp.route("/cases/<int:case_id>/hold", methods=["GET", "POST"])
@login_required
def place(case_id: int) -> ResponseReturnValue:
    """Keep the case past its retention period, with a reason."""
    case = _case(case_id)
    actor = current_actor()
    form = PlaceHoldForm()

    def page(status: int, theirs: LegalHold | None = None) -> Any:
        return render_template("retention/place.html", case=case, form=form, theirs=theirs), status

    if not form.validate_on_submit():
        if not form.is_submitted():
            case_services.record_view(actor, case, page="legal_hold", now=utcnow())
        return page(422 if form.is_submitted() else 200)

    def refused(error: Exception) -> Any:
        if isinstance(error, services.HoldConflict):
            flash(str(error), "error")
            return page(409, theirs=services.standing_hold(case.id))
        return refusal_beside(form, "reason", page)(error)

    on_refusal(refused)
    services.place_hold(actor, case, form.reason.data or "", now=utcnow())
    flash(f"Case {case.reference} is on legal hold: the nightly job leaves it.", "success")
    return go(url_for(".review"))


@bp.route("/holds/<int:hold_id>/lift", methods=["GET", "POST"])
@login_required
def lift(hold_id: int) -> ResponseReturnValue:
    """End a hold, with a reason."""
    hold = db.get_or_404(LegalHold, hold_id)
    case = _case(hold.case_id)
    actor = current_actor()
    form = LiftHoldForm()
    if request.method == "GET":
        form.version.data = str(hold.version)

    def page(status: int, theirs: LegalHold | None = None) -> Any:
        return render_template(
            "retention/lift.html", case=case, hold=hold, form=form, theirs=theirs
        ), status

    if not form.validate_on_submit():
        if not form.is_submitted():
            case_services.record_view(actor, case, page="legal_hold", now=utcnow())
        return page(422 if form.is_submitted() else 200)

    def refused(error: Exception) -> Any:
        if isinstance(error, services.HoldConflict):
            theirs = db.session.get(LegalHold, hold_id)
            if theirs is not None:
                form.version.data = str(theirs.version)
            flash(str(error), "error")
            return page(409, theirs=theirs)
        return refusal_beside(form, "reason", page)(error)

    on_refusal(refused)
    services.lift_hold(
        actor, hold, form.reason.data or "", seen_version=version_of(form.version), now=utcnow()
    )
    flash(f"The legal hold on case {case.reference} is lifted.", "success")
    return go(url_for(".review"))
