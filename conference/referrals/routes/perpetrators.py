"""Perpetrator links at screening, and the perpetrator page for coordinators."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from conference.accounts.models import Role
from conference.accounts.permissions import marac_ids_with
from conference.db import utcnow
from conference.referrals import permissions, perpetrators, repeats
from conference.referrals.routes import bp, load_referral
from conference.web.auth import current_actor, require, requires
from conference.web.requests import parse_id
from conference.web.unit import on_refusal

ANSWERS = ("confirm", "reject")


@bp.post("/referrals/<int:referral_id>/perpetrator-links")
@login_required
def decide_link(referral_id: int) -> ResponseReturnValue:
    """The coordinator confirms or rejects one suggested link between two named perpetrators."""
    referral = load_referral(referral_id)
    actor, now = current_actor(), utcnow()
    require(permissions.coordinates(actor, referral.marac_id), hide=True)
    mine = parse_id(request.form.get("perpetrator_id"))
    other = parse_id(request.form.get("other_id"))
    answer = request.form.get("answer")
    if mine is None or other is None or answer not in ANSWERS:
        abort(400)
    back = redirect(url_for(".detail", referral_id=referral.id, _anchor="perpetrator-links"), 303)

    def refused(error: Exception) -> ResponseReturnValue:
        flash(str(error), "error")
        return back

    on_refusal(refused)
    same = answer == "confirm"
    repeat = repeats.decide_link(referral, mine, other, same=same, actor=actor, now=now)
    decided = (
        "The link is confirmed: both are now the same person."
        if same
        else "The link is rejected: it will not be suggested again."
    )
    flash(f"{decided} {_repeat_note(repeat)}", "success")
    return back


def _repeat_note(repeat: repeats.Repeat | None) -> str:
    if repeat is None:
        return "The referral is not a repeat."
    if repeat.confirmed:
        return "The referral is a repeat."
    return "The referral may be a repeat: another suggested link decides it."


@bp.get("/perpetrators/<int:identity_id>")
@requires(permissions.is_coordinator)
def perpetrator(identity_id: int) -> ResponseReturnValue:
    """Every case of the coordinator's MARACs naming him; elsewhere only counts and dates."""
    actor = current_actor()
    page = perpetrators.perpetrator_page(identity_id, marac_ids_with(actor, Role.COORDINATOR))
    if page is None:
        abort(404)
    perpetrators.record_page_view(actor, page, now=utcnow())
    return render_template("referrals/perpetrator.html", page=page)
