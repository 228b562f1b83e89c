"""The escalation register: the entries of the reader's MARACs, and each entry's page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from conference.db import utcnow
from conference.errors import ValidationFailed
from conference.escalation import permissions, queries, services
from conference.escalation.choices import EntryStatus
from conference.escalation.forms import StatusForm, status_form
from conference.escalation.models import EscalationEntry
from conference.extensions import db
from conference.referrals import services as case_services
from conference.web.auth import current_actor, require, requires
from conference.web.forms import show_refusal, version_of
from conference.web.unit import Answer, on_refusal

bp = Blueprint("escalation", __name__)


@bp.get("/escalations/")
@requires(permissions.can_read_register)
def index() -> ResponseReturnValue:
    """The register of the reader's MARACs, filtered by status."""
    actor = current_actor()
    marac_ids = permissions.register_marac_ids(actor)
    chosen = request.args.get("status", "")
    status = EntryStatus(chosen) if chosen in set(EntryStatus) else None
    found = queries.entries(marac_ids, status)
    with_references = {m for m in marac_ids if permissions.sees_references(actor, m)}
    # Where the register names cases by reference its reading is kept, by the actions listed.
    shown = [a.action_id for e in found if e.marac_id in with_references for a in e.actions]
    if shown:
        case_services.record_list_view(actor, "escalations", shown, now=utcnow())
    return render_template(
        "escalation/index.html",
        entries=found,
        with_references=with_references,
        counts=queries.status_counts(marac_ids),
        status=status,
    )


@bp.get("/escalations/<int:entry_id>")
@login_required
def entry(entry_id: int) -> ResponseReturnValue:
    """One entry: the agency, its late actions, its history, and (for a coordinator) the
    form to move it on. The steering group reads it without the case references."""
    found = _entry(entry_id)
    return _page(found, status_form(found) if _manages(found) else None)


@bp.post("/escalations/<int:entry_id>")
@login_required
def change(entry_id: int) -> ResponseReturnValue:
    """Move the entry to a new status, with a note of what was done."""
    found = _entry(entry_id)
    require(_manages(found))
    form = status_form(found, request.form)
    if not form.validate():
        return _page(found, form, status=422)
    on_refusal(_refused(entry_id, form))
    services.change_status(
        found,
        EntryStatus(form.status.data),
        note=form.note.data or "",
        version=version_of(form.version),
        actor=current_actor(),
        now=utcnow(),
    )
    flash(f"Entry {found.id} is now: {found.status.label.lower()}.", "success")
    return redirect(url_for(".entry", entry_id=found.id), 303)


def _entry(entry_id: int) -> EscalationEntry:
    """The entry, for a reader of its MARAC's register; 404 for anyone else."""
    found = db.get_or_404(EscalationEntry, entry_id)
    require(permissions.reads(current_actor(), found.marac_id), hide=True)
    return found


def _manages(entry: EscalationEntry) -> bool:
    return permissions.manages(current_actor(), entry.marac_id)


def _refused(entry_id: int, form: StatusForm) -> Answer:
    """A save on a stale copy shows both versions (409); a missing note goes beside it (422);
    a move the table refuses is said above the page (409)."""

    def answer(refused: Exception) -> ResponseReturnValue:
        current = db.get_or_404(EscalationEntry, entry_id)
        if isinstance(refused, services.EntryConflict):
            yours = {"status": form.status.data, "note": form.note.data}
            form.version.data = str(current.version)
            return _page(current, form, status=409, conflict=yours)
        if isinstance(refused, ValidationFailed):
            show_refusal(form, refused, "note")
            return _page(current, form, status=422)
        flash(str(refused), "error")
        return _page(current, status_form(current), status=409)

    return answer


def _page(
    entry: EscalationEntry, form: StatusForm | None, *, status: int = 200, **context: Any
) -> ResponseReturnValue:
    references = permissions.sees_references(current_actor(), entry.marac_id)
    if references:
        case_services.record_list_view(
            current_actor(), "escalation_entry", [a.action_id for a in entry.actions], now=utcnow()
        )
    body = render_template(
        "escalation/entry.html",
        entry=entry,
        references=references,
        form=form,
        history=queries.history(entry),
        now_standing=queries.actions_now(entry),
        statuses={s.value: s.label for s in EntryStatus},
        **context,
    )
    return body, status
