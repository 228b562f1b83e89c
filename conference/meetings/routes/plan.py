"""The console's action plan and the review of overdue actions, each saved in place."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from conference.accounts.models import Agency
from conference.actions import services as action_services
from conference.actions.choices import ActionStatus, OnwardReferral, Priority
from conference.actions.models import Action
from conference.conferences import display
from conference.conferences.choices import Section
from conference.conferences.models import AgendaItem, Conference
from conference.db import utcnow
from conference.errors import Conflict, InvalidTransition, ValidationFailed
from conference.extensions import db
from conference.meetings import console, lifecycle, queries, risks
from conference.meetings.console import RecordConflict
from conference.meetings.forms import ACTION_LABELS, ActionForm, ReviewForm
from conference.meetings.routes import bp, load_driven
from conference.meetings.routes.console import (
    action_form_for,
    actions_context_for,
    case_context_for,
    console_response,
    review_form_for,
    usual_due_on,
)
from conference.merging import Merge
from conference.web.auth import current_actor, require
from conference.web.forms import show_refusal, version_of
from conference.web.htmx import go, partial_response, wants_partial
from conference.web.loaders import item_of
from conference.web.merging import Posted, kept_message, read_posted, show_merge
from conference.web.requests import parse_id
from conference.web.unit import Answer, on_refusal, refusal_shown


@bp.post("/conferences/<int:conference_id>/meeting/items/<int:item_id>/actions")
@login_required
def add_action(conference_id: int, item_id: int) -> ResponseReturnValue:
    """Agree a new action on the case: task, owner agency, due date and priority."""
    conference = load_driven(conference_id)
    item = item_of(conference, item_id)
    form = ActionForm(request.form, prefix=f"new-{item.id}")
    form.set_choices(queries.marac_agencies(conference.marac_id), display.local_day(conference))

    def change() -> str:
        action = console.add_action(
            item,
            actor=current_actor(),
            now=utcnow(),
            **_action_values(form, conference),
            **_perpetrator_values(form, item),
            risks=form.risks.data or [],
        )
        return f"Action agreed for {action.owner_agency.name}, due {action.due_on:%-d %B %Y}."

    return _action_change(conference, item, form, "new", change)


@bp.post("/conferences/<int:conference_id>/meeting/items/<int:item_id>/carry/<int:action_id>")
@login_required
def carry_forward(conference_id: int, item_id: int, action_id: int) -> ResponseReturnValue:
    """Carry an unfinished action of the case's earlier plan into this one, in one step."""
    conference = load_driven(conference_id)
    item = item_of(conference, item_id)
    earlier = db.get_or_404(Action, action_id)
    require(earlier.case_id == item.case_id, hide=True)

    def change() -> str:
        action = console.carry_forward(
            earlier,
            item,
            version=request.form.get("version", type=int),
            due_on=usual_due_on(conference),
            actor=current_actor(),
            now=utcnow(),
        )
        return (
            f"Carried forward: {action.owner_agency.name}'s action, now due "
            f"{action.due_on:%-d %B %Y}. Change it below if the meeting agreed otherwise."
        )

    return _action_change(conference, item, None, "carry", change, earlier_too=True)


@bp.get("/conferences/<int:conference_id>/meeting/actions/<int:action_id>/change")
@login_required
def open_action_change(conference_id: int, action_id: int) -> ResponseReturnValue:
    """One agreed action with its change form open: in place with htmx, else on the console."""
    conference = load_driven(conference_id)
    action = db.get_or_404(Action, action_id)
    item = item_of(conference, action.agenda_item_id)
    if not wants_partial():
        return go(
            url_for(
                ".meeting",
                conference_id=conference.id,
                change=action.id,
                _anchor=f"action-{action.id}",
            )
        )
    context = actions_context_for(conference, item, [action], {str(action.id): None})
    return partial_response(
        "meetings/_plan_action.html", conference=conference, action=action, **context
    )


@bp.post("/conferences/<int:conference_id>/meeting/actions/<int:action_id>")
@login_required
def change_action(conference_id: int, action_id: int) -> ResponseReturnValue:
    """Change an action agreed earlier in the meeting (refused when someone changed it first)."""
    conference = load_driven(conference_id)
    action = db.get_or_404(Action, action_id)
    item = item_of(conference, action.agenda_item_id)
    form = action_form_for(action, request.form)
    form.set_choices(queries.marac_agencies(conference.marac_id), display.local_day(conference))
    key = str(action.id)
    valid = form.validate()
    posted = read_posted(form, request.form)
    base = _action_base(form, posted)
    if not (valid and posted.settled):
        return _actions_answer(conference, item, {key: form}, 422)
    on_refusal(_action_refusal(conference, item, form, key, posted))
    _, merged = console.change_action(
        action,
        item,
        version=version_of(form.version),
        actor=current_actor(),
        now=utcnow(),
        base=base if any(value is not None for value in base.values()) else None,
        keep=posted.keep,
        **_action_values(form, conference),
    )
    flash(f"The action is changed.{kept_message(merged, ACTION_LABELS)}", "success")
    return _actions_answer(conference, item, {}, 200)


def _action_base(form: ActionForm, posted: Posted) -> dict[str, str | None]:
    """Each merged part of the action as the posted copy started from it (None for a part it
    did not carry); kept on the form, so a page shown again sends it back."""
    base: dict[str, str | None] = dict(posted.base or dict.fromkeys(form.merged_fields))
    others = {name: request.form.get(f"{form[name].name}.base") for name in OTHER_PARTS}
    form.other_base = {name: value for name, value in others.items() if value is not None}
    return base | others


#: The parts of an action that merge by their value, their base carried beside the texts'.
OTHER_PARTS = ("owner_agency_id", "due_on", "priority")


def _show_action_merge(
    form: ActionForm, action: Action, posted: Posted, merged: Merge | None
) -> None:
    """Set a change form on the action saved now after a refused stale change: the next save
    is made at its version; texts both changed are set side by side, and each other part only
    they changed holds theirs."""
    saved = console.action_values(action)
    show_merge(form, saved, action.version, posted)
    if merged is not None:
        if "owner_agency_id" in merged.theirs:
            form.owner_agency_id.data = saved["owner_agency_id"]
        if "priority" in merged.theirs:
            form.priority.data = saved["priority"]
        if "due_on" in merged.theirs:
            form.due_in.data, form.due_on.data = "other", action.due_on
    form.other_base = {name: saved[name] for name in OTHER_PARTS}


@bp.post("/conferences/<int:conference_id>/meeting/actions/<int:action_id>/withdraw")
@login_required
def withdraw_action(conference_id: int, action_id: int) -> ResponseReturnValue:
    """Take back an action entered by mistake, while this meeting runs."""
    conference = load_driven(conference_id)
    action = db.get_or_404(Action, action_id)
    item = item_of(conference, action.agenda_item_id)

    def change() -> str:
        version = request.form.get("version", type=int)
        console.withdraw_action(action, item, version=version, actor=current_actor(), now=utcnow())
        return "The action is withdrawn."

    return _action_change(conference, item, None, str(action.id), change)


def _action_values(form: ActionForm, conference: Conference) -> dict[str, Any]:
    owner = form.owner_agency_id.data
    return {
        "description": form.description.data or "",
        "owner": db.session.get(Agency, owner_id) if (owner_id := parse_id(owner)) else None,
        "owner_name": form.owner_name.data or "",
        "due_on": form.chosen_due_on(display.local_day(conference)),
        "priority": Priority(form.priority.data or Priority.MEDIUM.value),
    }


def _perpetrator_values(form: ActionForm, item: AgendaItem) -> dict[str, Any]:
    """The perpetrator the action is about and where he is referred on, if anywhere."""
    chosen = form.perpetrator_id.data or ""
    onward = form.onward_to.data or ""
    if onward and onward not in {o.value for o in OnwardReferral}:
        raise ValidationFailed("Choose where he is referred on", "onward_to")
    return {
        "perpetrator": risks.perpetrator_of(item, pid) if (pid := parse_id(chosen)) else None,
        "onward_to": OnwardReferral(onward) if onward else None,
    }


def _action_change(
    conference: Conference,
    item: AgendaItem,
    form: ActionForm | None,
    key: str,
    change: Callable[[], str],
    *,
    earlier_too: bool = False,
) -> ResponseReturnValue:
    """Run an action change; answer with the case's action plan (htmx) or the console (and
    the earlier plans too, when the change was to one of them)."""
    if form is not None and not form.validate():
        return _actions_answer(conference, item, {key: form}, 422)
    on_refusal(_action_refusal(conference, item, form, key, earlier_too=earlier_too))
    message = change()
    flash(message, "success")
    return _actions_answer(conference, item, {}, 200, earlier_too=earlier_too)


def _action_refusal(
    conference: Conference,
    item: AgendaItem,
    form: ActionForm | None,
    key: str,
    posted: Posted | None = None,
    *,
    earlier_too: bool = False,
) -> Answer:
    """A change made on a stale copy shows both versions (409); a rule of input broken goes
    beside its field (422); the meeting's state is said above the plan (409)."""

    def answer(refused: Exception) -> ResponseReturnValue:
        if isinstance(refused, RecordConflict):
            if form is not None and posted is not None:
                _show_action_merge(form, refused.current, posted, refused.merge)
            elif form is not None:
                form.version.data = str(refused.current.version)
            return _actions_answer(
                conference, item, {key: form}, 409, conflict=refused, earlier_too=earlier_too
            )
        if isinstance(refused, ValidationFailed):
            show_refusal(form, refused, "description")
            return _actions_answer(conference, item, {key: form}, 422)
        if isinstance(refused, InvalidTransition):
            flash(str(refused), "error")
            return _actions_answer(conference, item, {}, 409, earlier_too=earlier_too)
        raise refused  # someone else's change: the error message every page gives

    return answer


def _actions_answer(
    conference: Conference,
    item: AgendaItem,
    forms: dict[str, ActionForm | None],
    status: int,
    *,
    conflict: RecordConflict | None = None,
    earlier_too: bool = False,
) -> ResponseReturnValue:
    """The case's action plan (htmx), or the console (back to it when the change is saved)."""
    if not wants_partial():
        if status == 200:
            return go(url_for(".meeting", conference_id=conference.id, _anchor="actions"))
        return console_response(
            conference, status=status, shown=item, action_forms=forms, action_conflict=conflict
        )
    actions = queries.actions_for([item.id]).get(item.id, [])
    context = actions_context_for(conference, item, actions, forms)
    return partial_response(
        "meetings/_actions_answer.html",
        status=status,
        conference=conference,
        action_conflict=conflict,
        current=item,
        missing=lifecycle.missing_now(item),
        earlier=queries.earlier_hearings(item) if earlier_too else None,
        **context,
    )


@bp.post("/conferences/<int:conference_id>/meeting/items/<int:item_id>/reviews/<int:action_id>")
@login_required
def review(conference_id: int, item_id: int, action_id: int) -> ResponseReturnValue:
    """Record the meeting's decision on one overdue action of a standing item."""
    conference = load_driven(conference_id)
    item = item_of(conference, item_id)
    action = db.get_or_404(Action, action_id)
    require(action.case_id == item.case_id, hide=True)
    form = review_form_for(action, request.form)
    if not form.validate():
        return _overdue_answer(conference, item, {action.id: form}, 422)
    on_refusal(_review_refusal(conference, item, action, form))
    _review(conference, item, action, form)
    flash("The meeting's decision on the action is recorded.", "success")
    return _overdue_answer(conference, item, {}, 200)


def _review_refusal(
    conference: Conference, item: AgendaItem, action: Action, form: ReviewForm
) -> Answer:
    """A decision made on a stale copy shows the action as it is now, and any decision
    recorded meanwhile, beside the form that keeps the typing (409); other refusals as usual."""
    usual = refusal_shown(
        form, "note", lambda status: _overdue_answer(conference, item, {action.id: form}, status)
    )

    def answer(refused: Exception) -> ResponseReturnValue:
        if not isinstance(refused, Conflict):
            return usual(refused)
        show_refusal(form, refused, "note")
        form.version.data = str(action.version)  # read after the rollback: theirs
        return _overdue_answer(conference, item, {action.id: form}, 409)

    return answer


def _review(conference: Conference, item: AgendaItem, action: Action, form: ReviewForm) -> None:
    console.check_in_progress(conference)
    if item.section is not Section.OVERDUE_ACTIONS and not (
        action.is_interim and not item.section.is_standing
    ):
        raise InvalidTransition("Overdue actions are reviewed under their standing item")
    decision = form.decision.data or "open"
    action_services.review_at_meeting(
        action,
        item,
        version=version_of(form.version),
        status=ActionStatus.OPEN if decision == "open" else ActionStatus(decision),
        due_on=form.due_on.data,
        note=form.note.data or "",
        actor=current_actor(),
        now=utcnow(),
    )


def _overdue_answer(
    conference: Conference, item: AgendaItem, forms: dict[int, ReviewForm], status: int
) -> ResponseReturnValue:
    if not wants_partial():
        if status == 200:
            return go(url_for(".meeting", conference_id=conference.id, _anchor="overdue"))
        return console_response(conference, status=status, review_forms=forms)
    context = case_context_for(conference, item, review_forms=forms)
    return partial_response(
        "meetings/_overdue_answer.html",
        status=status,
        conference=conference,
        current=item,
        **context,
    )
