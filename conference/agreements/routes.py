"""The information-sharing agreement: accepting it, editing it, and who has accepted it."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from conference import audit
from conference.accounts.models import Marac
from conference.accounts.queries import maracs_by_id
from conference.agreements import permissions, queries, services
from conference.agreements.forms import AcceptForm, AgreementForm
from conference.agreements.models import SharingAgreement
from conference.db import utcnow
from conference.errors import InvalidTransition
from conference.extensions import db
from conference.web.auth import current_actor, require, requires
from conference.web.forms import version_of
from conference.web.htmx import go
from conference.web.redirects import same_site_path
from conference.web.unit import on_refusal, refusal_flashed, refusal_shown

bp = Blueprint("agreements", __name__, url_prefix="/agreements")


@bp.get("/")
@login_required
def pending() -> ResponseReturnValue:
    """The agreements the user is still to accept, each in full, and the ones they manage."""
    actor = current_actor()
    waiting = services.pending_for(actor)
    managed = permissions.managed_marac_ids(actor)
    if managed is None:
        managed_maracs = list(db.session.scalars(db.select(Marac).order_by(Marac.name)))
    else:
        managed_maracs = maracs_by_id(managed)
    names = {m.id: m.name for m in maracs_by_id({a.marac_id for a in waiting})}
    return render_template(
        "agreements/pending.html",
        waiting=waiting,
        names=names,
        form=AcceptForm(),
        next_url=same_site_path(request.args.get("next")),
        managed_maracs=managed_maracs,
    )


@bp.post("/<int:agreement_id>/accept")
@login_required
def accept(agreement_id: int) -> ResponseReturnValue:
    """Accept one version; back to the page the user was going to once nothing is left."""
    actor = current_actor()
    agreement = db.get_or_404(SharingAgreement, agreement_id)
    require(agreement.marac_id in permissions.marac_ids_to_accept(actor), hide=True)
    form = AcceptForm()
    next_url = same_site_path(request.form.get("next"))
    back = url_for(".pending", next=next_url) if next_url else url_for(".pending")
    if not form.validate_on_submit():
        flash("The page had expired: read the agreement again, then accept it.", "error")
        return go(back)
    on_refusal(refusal_flashed(lambda status: go(back)), only=InvalidTransition)
    services.accept(actor, agreement, now=utcnow())
    flash(f"You accepted version {agreement.version} of the agreement.", "success")
    db.session.flush()
    if services.pending_for(actor):
        return go(back)
    return go(next_url or url_for("dashboard.index"))


def _seen(form: AgreementForm) -> int:
    """The version the editor started from; -1 (never current) when the form lost it."""
    seen = version_of(form.version)
    return -1 if seen is None else seen


def _managed(marac_id: int) -> Marac:
    marac = db.get_or_404(Marac, marac_id)
    require(permissions.can_manage(current_actor(), marac.id))
    return marac


@bp.route("/maracs/<int:marac_id>/edit", methods=["GET", "POST"])
@requires(permissions.manages_any)
def edit(marac_id: int) -> ResponseReturnValue:
    """Write a new version of the MARAC's agreement (the current one to start from)."""
    marac = _managed(marac_id)
    current = services.current_agreement(marac.id)
    form = AgreementForm()
    if request.method == "GET":
        form.version.data = str(current.version if current else 0)
        form.text.data = current.text if current else ""

    def page(status: int, theirs: SharingAgreement | None = None, conflict: bool = False) -> Any:
        return render_template(
            "agreements/edit.html",
            marac=marac,
            form=form,
            current=current,
            theirs=theirs,
            conflict=conflict,
        ), status

    if not form.validate_on_submit():
        return page(422 if form.is_submitted() else 200)

    def conflicted(refused: Exception) -> Any:
        if not isinstance(refused, services.AgreementConflict):
            return refusal_shown(form, "text", page)(refused)
        theirs = refused.current
        form.version.data = str(theirs.version if theirs else 0)
        flash(str(refused), "error")
        return page(409, theirs=theirs, conflict=True)

    on_refusal(conflicted)
    saved = services.save_text(
        current_actor(),
        marac,
        form.text.data or "",
        seen_version=_seen(form),
        now=utcnow(),
    )
    flash(
        f"Version {saved.version} saved. Everyone with a role in {marac.name} accepts it before "
        "they see a case again.",
        "success",
    )
    return go(url_for(".acceptances", marac_id=marac.id))


@bp.get("/maracs/<int:marac_id>")
@requires(permissions.manages_any)
def acceptances(marac_id: int) -> ResponseReturnValue:
    """The current version, who has accepted it and who has not, and every acceptance."""
    marac = _managed(marac_id)
    all_versions = queries.versions(marac.id)
    current = all_versions[0] if all_versions else None
    members = queries.members(marac.id)
    history = queries.acceptances(
        marac.id,
        page=max(request.args.get("page", 1, type=int) or 1, 1),
        per_page=current_app.config["AUDIT_PAGE_SIZE"],
    )
    audit.record(
        current_actor(),
        "agreement.acceptances_viewed",
        marac_id=marac.id,
        now=utcnow(),
        detail={"page": history.page},
    )
    return render_template(
        "agreements/acceptances.html",
        marac=marac,
        current=current,
        versions=all_versions,
        members=members,
        waiting=[m for m in members if not m.accepted(current.version if current else None)],
        history=history,
    )
