"""The referral form: start, fill in step by step (saved as typed), check and submit."""

from __future__ import annotations

import re
from datetime import datetime
from functools import partial
from typing import Any

from flask import (
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import login_required
from sqlalchemy.orm.exc import StaleDataError

from conference.accounts.models import Marac
from conference.db import utcnow
from conference.errors import Conflict, ValidationFailed
from conference.extensions import db, htmx
from conference.referrals import drafts, permissions, perpetrators, queries, services
from conference.referrals.choices import ReferralStatus
from conference.referrals.forms import AnswerForm, WithdrawForm, as_kept
from conference.referrals.models import Referral
from conference.referrals.routes import bp, load_referral
from conference.referrals.routes.screening import screening_context
from conference.web import unsaved
from conference.web.auth import current_actor, require, requires
from conference.web.forms import query_text
from conference.web.htmx import wants_partial
from conference.web.unit import discard, on_refusal, refusal_beside


def _editable(referral_id: int, step_name: str | None = None) -> tuple[Referral, Any]:
    referral = load_referral(referral_id)
    require(permissions.is_referrer(current_actor(), referral), hide=True)
    step = drafts.STEP_BY_NAME.get(step_name) if step_name else None
    if step_name and step is None:
        abort(404)
    if not permissions.can_edit_referral(current_actor(), referral):
        message = (
            f"This referral is {referral.status.label.lower()}, so it can no longer be changed."
        )
        if htmx:  # a background save: say so where the page shows messages, keep the page
            raise Conflict(message)
        if request.method == "POST" and step is not None:
            abort(_no_longer_editable(referral, step, message))
        flash(message)
        abort(redirect(url_for(".detail", referral_id=referral.id), 303))
    return referral, step


#: The button that removes entry N of a list (a perpetrator, a child, an incident).
REMOVE = re.compile(r"remove-([0-9]{1,2})")
#: Sent by the checklist page for each module it shows open (not kept in the draft).
MODULE_SHOWN = "module_shown"
#: Longest search for a reference: a little over the longest reference kept.
SEARCH_LIMIT = 60


@bp.get("/referrals/")
@requires(permissions.can_refer)
def index() -> ResponseReturnValue:
    """The user's own referrals, a page at a time and searchable by reference: drafts to
    finish, and the decision on each one sent."""
    text, problem = query_text(request.args, "q", SEARCH_LIMIT)
    listing = queries.referrals_by(
        current_actor(),
        search="" if problem else text,
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config["ADMIN_PAGE_SIZE"],
    )
    if listing.items:  # the list names victims and cases: its reading is kept
        services.record_list_view(
            current_actor(),
            "referrals",
            [r.id for r in listing.items],
            now=utcnow(),
            cases=[r.case_id for r in listing.items if r.case_id],
        )
    return render_template(
        "referrals/index.html", listing=listing, q=text.strip(), problem=problem
    ), (422 if problem else 200)


@bp.route("/referrals/new", methods=["GET", "POST"])
@requires(permissions.can_refer)
def new() -> ResponseReturnValue:
    """Start a referral: to the user's MARAC, or the one they choose when they have several."""
    actor = current_actor()
    maracs = [
        m
        for m in db.session.scalars(db.select(Marac).order_by(Marac.name))
        if m.is_active and permissions.can_refer(actor, m.id)
    ]
    if request.method == "GET" or not maracs:
        return render_template("referrals/new.html", maracs=maracs, problem=False)
    chosen = request.form.get("marac_id", type=int)
    marac = maracs[0] if len(maracs) == 1 else next((m for m in maracs if m.id == chosen), None)
    if marac is None:
        return render_template("referrals/new.html", maracs=maracs, problem=True), 422
    referral = services.start_referral(marac, actor=actor, now=utcnow())
    return redirect(url_for(".step", referral_id=referral.id, step_name=drafts.STEPS[0].name), 303)


@bp.route("/referrals/<int:referral_id>/steps/<step_name>", methods=["GET", "POST"])
@login_required
@unsaved.keeps_typing
def step(referral_id: int, step_name: str) -> ResponseReturnValue:
    """One step of the form. Every post saves what was typed, valid or not, before anything."""
    referral, step = _editable(referral_id, step_name)
    actor, now = current_actor(), utcnow()
    today = services.today_in(referral.marac, now)
    tool, _ = services.referral_tool(referral, today)
    if request.method == "GET":
        kept = unsaved.take(request.path)
        source = (
            drafts.with_step({}, step, tool, as_kept(kept)) if kept is not None else referral.draft
        )
        values = drafts.step_values(source or {}, step_name)
        form = drafts.form_for(step, tool, values, today, drafts.pronouns_of(referral.draft))
        services.record_view(actor, referral, page=f"step:{step.name}", now=now)
        return _step_page(referral, step, form, today, kept=kept is not None)

    action = request.form.get("action", "continue")
    if action == "autosave" and _is_older_copy(referral, step, tool):
        return _autosaved(referral, today, stale=True)
    try:
        draft = _save_typed(referral, step, tool, action, actor, now)
    except StaleDataError:
        # Her own autosave, still in flight when she pressed the button, saved first. The
        # post holds the whole step, so it is applied again to the draft as now saved.
        discard()
        referral, step = _editable(referral_id, step_name)
        if action == "autosave" and _is_older_copy(referral, step, tool):
            return _autosaved(referral, today, stale=True)
        draft = _save_typed(referral, step, tool, action, actor, now)
    if action == "autosave":
        return _autosaved(referral, today, step=step)
    if action == "add" or action.startswith("remove-"):
        return redirect(url_for(".step", referral_id=referral.id, step_name=step.name), 303)
    if action == "later":
        flash("Your draft is saved. You can come back to it from 'Your referrals'.", "success")
        return redirect(url_for(".index"), 303)
    form = drafts.form_from_draft(drafts.drop_blank_entries(draft, step), step, tool, today)
    if not form.validate():
        return _step_page(referral, step, form, today, status=422)
    return redirect(_next_url(referral, step, today), 303)


def _is_older_copy(referral: Referral, step: Any, tool: Any) -> bool:
    """Whether the post would overwrite a newer draft: it comes from a copy of the form older
    than the draft as stored (another window saved since; a page's own autosaves carry the
    version each save gives back), and holds something other than what is stored. An autosave
    arriving just after its own page's "Save and continue" holds the same and is no conflict."""
    sent = request.form.get("draft_version", type=int)
    if sent is None or sent == referral.version:
        return False
    draft = referral.draft or {}
    return drafts.with_step(draft, step, tool, as_kept(request.form)) != draft


def _autosaved(
    referral: Referral, today: Any, *, stale: bool = False, step: Any = None
) -> ResponseReturnValue:
    """The answer to an autosave: when it was saved (or why not), and the score panel and the
    form's draft version out of band, both as the draft is stored now, whatever the post held.
    On the checklist, a module whose question was answered differently since the page showed
    it comes too: its questions when it opens, an empty place when it closes."""
    modules, form = [], None
    if step is not None and step.name == "checklist" and not stale:
        tool, _ = services.referral_tool(referral, today)
        form = drafts.form_from_draft(referral.draft or {}, step, tool, today)
        shown = set(request.form.getlist(MODULE_SHOWN))
        opened = {
            m.id for m in tool.open_modules(drafts.checklist_answers(referral.draft or {}, tool))
        }
        modules = [m for m in tool.modules if (m.id in opened) != (m.id in shown)]
    body = render_template(
        "referrals/_autosaved.html",
        referral=referral,
        live=services.live_assessment(referral, today, asked_by=current_actor(), now=utcnow()),
        stale=stale,
        modules=modules,
        form=form,
    )
    return body, 409 if stale else 200, {"HX-Trigger": "draft-saved"} if not stale else {}


def _save_typed(
    referral: Referral, step: Any, tool: Any, action: str, actor: Any, now: Any
) -> dict[str, Any]:
    """Save what the step's post holds into the draft (kept when the view answers, whether
    the step is complete or not). Returns the draft."""
    draft = drafts.with_step(referral.draft or {}, step, tool, as_kept(request.form))
    if action == "add" and step.repeating:
        draft = drafts.add_entry(draft, step)
    elif (removed := REMOVE.fullmatch(action)) and step.repeating:
        draft = drafts.remove_entry(draft, step, int(removed.group(1)))
    services.save_draft(referral, draft, actor=actor, now=now)
    return draft


def _next_url(referral: Referral, step: Any, today: Any) -> str:
    steps = drafts.steps_for(referral.draft or {}, today)
    names = [s.name for s in steps]
    position = names.index(step.name) if step.name in names else len(names) - 1
    if position + 1 < len(names):
        return url_for(".step", referral_id=referral.id, step_name=names[position + 1])
    return url_for(".check", referral_id=referral.id)


def _no_longer_editable(referral: Referral, step: Any, message: str) -> Response:
    """A step posted after the referral was sent or withdrawn elsewhere (another window): 409,
    the step as it stands beside what was typed, which is kept in the form, unsaved."""
    today = services.today_in(referral.marac, utcnow())
    tool, _ = services.referral_tool(referral, today)
    typed = drafts.with_step({}, step, tool, as_kept(request.form))
    saved = drafts.form_from_draft(referral.draft or {}, step, tool, today)
    body, status = _step_page(
        referral,
        step,
        drafts.form_from_draft(typed, step, tool, today),
        today,
        status=409,
        closed=message,
        saved=drafts.answers(saved),
    )
    return make_response(body, status)


def _step_page(
    referral: Referral,
    step: Any,
    form: Any,
    today: Any,
    *,
    status: int = 200,
    kept: bool = False,
    closed: str = "",
    saved: list[tuple[str, str]] | None = None,
) -> tuple[str, int]:
    steps = drafts.steps_for(referral.draft or {}, today)
    form.fit_errors()
    if step.name == "children" and form.has_children.data == "yes" and not form.children.entries:
        form.children.append_entry()
    context = {
        "referral": referral,
        "step": step,
        "steps": steps,
        "form": form,
        "kept": kept,
        "closed": closed,
        "saved": saved or [],
        "live": services.live_assessment(referral, today, asked_by=current_actor(), now=utcnow()),
        "young": drafts.is_aged_16_17(referral.draft or {}, today),
        "tool": services.referral_tool(referral, today)[0],
    }
    return render_template(f"referrals/steps/{step.name}.html", **context), status


@bp.get("/referrals/<int:referral_id>/assessment")
@login_required
def assessment(referral_id: int) -> ResponseReturnValue:
    """The score and criteria as the draft stands (the panel beside the form)."""
    referral, _ = _editable(referral_id)
    if not wants_partial():
        return redirect(url_for(".check", referral_id=referral.id), 303)
    today = services.today_in(referral.marac, utcnow())
    live = services.live_assessment(referral, today, asked_by=current_actor(), now=utcnow())
    return render_template("referrals/_assessment.html", referral=referral, live=live)


@bp.route("/referrals/<int:referral_id>/check", methods=["GET", "POST"])
@login_required
def check(referral_id: int) -> ResponseReturnValue:
    """Every answer on one page, what is still missing, and the button that sends it."""
    referral, _ = _editable(referral_id)
    actor, now = current_actor(), utcnow()
    answer_form = AnswerForm(request.form if request.method == "POST" else None)
    page = partial(_check_page, referral, answer_form, now)
    if request.method != "POST":
        return page(200)
    needs_answer = referral.status is ReferralStatus.MORE_INFO_REQUESTED
    if needs_answer and not answer_form.validate():
        return page(422)
    # Why it cannot be sent yet is shown on the page, by the button; any other refusal (it was
    # sent meanwhile) gets the error page.
    on_refusal(lambda refused: page(422, problem=refused), only=ValidationFailed)
    services.submit(referral, actor=actor, now=now, answer=answer_form.answer.data or "")
    flash(
        f"Referral {referral.reference} is sent. The coordinator will screen it; "
        "you will see the decision here.",
        "success",
    )
    return redirect(url_for(".detail", referral_id=referral.id), 303)


def _check_page(
    referral: Referral,
    answer_form: AnswerForm,
    now: datetime,
    status: int,
    problem: ValidationFailed | None = None,
) -> ResponseReturnValue:
    """The check page, its reading audited; problem says why it could not be sent."""
    today = services.today_in(referral.marac, now)
    services.record_view(current_actor(), referral, page="check", now=now)
    context = _check_context(referral, today)
    return render_template(
        "referrals/check.html",
        referral=referral,
        live=services.live_assessment(referral, today, asked_by=current_actor(), now=utcnow()),
        answer_form=answer_form,
        problem=problem,
        **context,
    ), status


def _check_context(referral: Referral, today: Any) -> dict[str, Any]:
    tool, _ = services.referral_tool(referral, today)
    return {
        "tool": tool,
        "steps": drafts.steps_for(referral.draft or {}, today),
        "checked": services.check_steps(referral, today),
    }


@bp.get("/referrals/<int:referral_id>")
@login_required
def detail(referral_id: int) -> ResponseReturnValue:
    """A referral: the draft's sections to the referrer, or what was sent and what became of it."""
    referral = load_referral(referral_id)
    actor, now = current_actor(), utcnow()
    services.record_view(actor, referral, page="detail", now=now)
    if referral.status is ReferralStatus.DRAFT:
        today = services.today_in(referral.marac, now)
        return render_template(
            "referrals/overview.html", referral=referral, **_check_context(referral, today)
        )
    context = screening_context(referral, actor)
    perpetrators.record_suggestions_view(actor, referral, context["link_suggestions"], now=now)
    return render_template("referrals/detail.html", referral=referral, **context)


@bp.route("/referrals/<int:referral_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(referral_id: int) -> ResponseReturnValue:
    """Withdraw a referral, with a reason (a draft can be discarded the same way)."""
    referral = load_referral(referral_id)
    require(permissions.can_withdraw(current_actor(), referral), hide=True)
    form = WithdrawForm(request.form if request.method == "POST" else None)

    def page(status: int) -> ResponseReturnValue:
        return render_template("referrals/withdraw.html", referral=referral, form=form), status

    if request.method != "POST":
        return page(200)
    if not form.validate():
        return page(422)
    on_refusal(refusal_beside(form, "reason", page))
    services.withdraw(referral, actor=current_actor(), reason=form.reason.data, now=utcnow())
    flash(f"Referral {referral.reference} is withdrawn.", "success")
    return redirect(url_for(".index"), 303)
