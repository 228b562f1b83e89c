"""Transferring a case to another MARAC of the install, deciding a transfer, and the transfer
pack printed for a MARAC outside it."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from conference.accounts.models import Role
from conference.closure import queries as closure
from conference.db import utcnow
from conference.errors import ValidationFailed
from conference.referrals import permissions as case_permissions
from conference.referrals import queries as case_queries
from conference.referrals import services as case_services
from conference.referrals.models import Case
from conference.referrals.permissions import coordinates
from conference.transfers import permissions, queries, services
from conference.transfers.choices import ActionFate, TransferStatus
from conference.transfers.forms import DeclineForm, TransferForm, fates_from, transfer_form
from conference.transfers.models import CaseTransfer
from conference.voice import queries as voice_queries
from conference.web.auth import current_actor, require, requires
from conference.web.unit import Answer, on_refusal, refusal_flashed, refusal_shown

bp = Blueprint("transfers", __name__)


@bp.get("/transfers/")
@requires(permissions.sees_transfers)
def index() -> ResponseReturnValue:
    """The transfers into and out of the coordinator's MARACs."""
    actor = current_actor()
    mine = {g.marac_id for g in actor.role_grants if g.role == Role.COORDINATOR and g.marac_id}
    incoming, outgoing = queries.for_maracs(mine)
    ids = [t.case_id for t in incoming + outgoing]
    case_services.record_list_view(actor, "transfers", ids, now=utcnow())
    return render_template("transfers/index.html", incoming=incoming, outgoing=outgoing)


@bp.get("/cases/<int:case_id>/transfer")
@login_required
def new(case_id: int) -> ResponseReturnValue:
    """The form to transfer the case: where to, why, and what becomes of each open action."""
    case = _case_to_send(case_id)
    case_services.record_view(current_actor(), case, page="transfer", now=utcnow())
    return _form_page(case, transfer_form(_maracs(case)))


@bp.post("/cases/<int:case_id>/transfer")
@login_required
def send(case_id: int) -> ResponseReturnValue:
    """Ask the receiving MARAC to take the case."""
    case = _case_to_send(case_id)
    form = transfer_form(_maracs(case), request.form)
    open_ids = [a.id for a in closure.open_actions(case.id)]
    if not form.validate():
        return _form_page(case, form, status=422)
    on_refusal(_send_refused(case, form))
    to_marac = next(m for m in _maracs(case) if str(m.id) == form.to_marac_id.data)
    transfer = services.request_transfer(
        case,
        to_marac,
        reason=form.reason.data or "",
        fates=fates_from(request.form, open_ids),
        actor=current_actor(),
        now=utcnow(),
    )
    flash(f"{to_marac.name} is asked to take case {case.reference}.", "success")
    return redirect(url_for(".detail", transfer_id=transfer.id), 303)


@bp.get("/transfers/<int:transfer_id>")
@login_required
def detail(transfer_id: int) -> ResponseReturnValue:
    """The transfer: for the receiving coordinators to decide, for the sending ones to read
    (their record of the case as it stood when it left)."""
    transfer = _transfer(transfer_id)
    services.record_view(current_actor(), transfer, now=utcnow())
    return _detail_page(transfer)


@bp.post("/transfers/<int:transfer_id>/accept")
@login_required
def accept(transfer_id: int) -> ResponseReturnValue:
    """Take the case into the receiving MARAC."""
    transfer = _transfer(transfer_id)
    on_refusal(refusal_flashed(lambda status: _detail_page(transfer, status=status)))
    placement = services.accept(transfer, actor=current_actor(), now=utcnow())
    where = placement.conference
    listed = f" It is listed for the conference on {where.starts_at:%d %B %Y}." if where else ""
    flash(
        f"Case {transfer.case.reference} is now with {transfer.to_marac.name}.{listed}", "success"
    )
    return redirect(url_for("referrals.case", case_id=transfer.case_id), 303)


@bp.post("/transfers/<int:transfer_id>/decline")
@login_required
def decline(transfer_id: int) -> ResponseReturnValue:
    """Refuse the case, with the reason."""
    transfer = _transfer(transfer_id)
    form = DeclineForm(request.form)
    if not form.validate():
        return _detail_page(transfer, decline_form=form, status=422)
    on_refusal(
        refusal_shown(
            form, "reason", lambda status: _detail_page(transfer, decline_form=form, status=status)
        )
    )
    services.decline(transfer, reason=form.reason.data or "", actor=current_actor(), now=utcnow())
    flash(f"The transfer of case {transfer.from_reference} is declined.", "success")
    return redirect(url_for(".detail", transfer_id=transfer.id), 303)


@bp.post("/transfers/<int:transfer_id>/withdraw")
@login_required
def withdraw(transfer_id: int) -> ResponseReturnValue:
    """The sending MARAC takes its request back."""
    transfer = _transfer(transfer_id)
    on_refusal(refusal_flashed(lambda status: _detail_page(transfer, status=status)))
    services.withdraw(transfer, actor=current_actor(), now=utcnow())
    flash(f"The transfer of case {transfer.from_reference} is withdrawn.", "success")
    return redirect(url_for(".detail", transfer_id=transfer.id), 303)


@bp.get("/cases/<int:case_id>/transfer-pack")
@login_required
def pack(case_id: int) -> ResponseReturnValue:
    """The transfer pack for a MARAC outside the install, laid out for printing; audited."""
    case = _readable_case(case_id)
    require(permissions.can_print_pack(current_actor(), case))
    services.record_pack_printed(current_actor(), case, now=utcnow())
    return render_template("transfers/pack.html", pack=queries.pack(case), now=utcnow())


def _readable_case(case_id: int) -> Case:
    case = case_queries.get_case(case_id)
    if case is None:
        abort(404)
    referrer_ids = {r.referrer_id for r in case.referrals}
    require(case_permissions.can_view_case(current_actor(), case, referrer_ids), hide=True)
    return case


def _case_to_send(case_id: int) -> Case:
    """The case, if the user may read it (404 otherwise) and send it (403)."""
    case = _readable_case(case_id)
    require(permissions.can_send(current_actor(), case))
    return case


def _transfer(transfer_id: int) -> CaseTransfer:
    """The transfer, for the coordinators of either MARAC; 404 for anyone else."""
    transfer = queries.get_transfer(transfer_id)
    if transfer is None:
        abort(404)
    require(permissions.can_view_transfer(current_actor(), transfer), hide=True)
    return transfer


def _maracs(case: Case) -> list[Any]:
    return permissions.receiving_maracs(queries.maracs(), case)


def _send_refused(case: Case, form: TransferForm) -> Answer:
    """A decision wanting on an action goes beside that action; any other refusal as usual."""
    usual = refusal_shown(form, "reason", lambda status: _form_page(case, form, status=status))

    def answer(refused: Exception) -> ResponseReturnValue:
        field = getattr(refused, "field", None) or ""
        if isinstance(refused, ValidationFailed) and field.startswith("action-"):
            return _form_page(case, form, status=422, action_errors={field: str(refused)})
        return usual(refused)

    return answer


def _form_page(
    case: Case,
    form: TransferForm,
    *,
    status: int = 200,
    action_errors: dict[str, str] | None = None,
) -> ResponseReturnValue:
    maracs = _maracs(case)
    context = {
        "case": case,
        "form": form,
        "open_actions": closure.open_actions(case.id),
        "agencies": [(m, sorted(m.agencies, key=lambda a: a.name)) for m in maracs],
        "fates": ActionFate,
        "chosen": request.form,
        "action_errors": action_errors or {},
        "pending": queries.pending_for(case.id),
    }
    return render_template("transfers/new.html", **context), status


def _detail_page(
    transfer: CaseTransfer, *, decline_form: DeclineForm | None = None, status: int = 200
) -> ResponseReturnValue:
    actor = current_actor()
    waiting = transfer.status is TransferStatus.REQUESTED
    sending = coordinates(actor, transfer.from_marac_id)
    hearings = closure.hearings(transfer.case_id)
    as_it_stood = None
    if sending and transfer.status is TransferStatus.ACCEPTED:
        as_it_stood = queries.as_it_stood(transfer)
    # Her voice comes with the case: shown once it is accepted (up to the transfer for the
    # sending MARAC, which no longer needs how to reach her).
    labels = {h.item.id: h.label for h in hearings}
    if as_it_stood is not None:
        labels = {h.item_id: h.label for h in as_it_stood}
    accepted = transfer.status is TransferStatus.ACCEPTED
    voices = voice_queries.voices_for(list(labels)) if accepted else {}
    context = {
        "transfer": transfer,
        "actions": {a.id: a for a in queries.decided_actions(transfer)},
        "hearings": hearings,
        "as_it_stood": as_it_stood,
        "voices": voices,
        "labels": labels,
        "can_decide": waiting and permissions.can_decide(actor, transfer),
        "can_withdraw": waiting and permissions.can_withdraw(actor, transfer),
        "decline_form": decline_form or DeclineForm(),
        "sending": transfer.from_marac_id
        in {g.marac_id for g in actor.role_grants if g.role == Role.COORDINATOR},
    }
    return render_template("transfers/detail.html", **context), status
