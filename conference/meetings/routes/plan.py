"""The console's action plan and the review of overdue actions, each saved in place."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from conference.accounts.models import Agency
from conference.actions import services as action_services
from conference.actions.choices import ActionStatus, Priority
from conference.actions.models import Action
from conference.conferences import display
from conference.conferences.choices import Section
from conference.conferences.models import AgendaItem, Conference
from conference.db import utcnow
from conference.errors import Conflict, InvalidTransition, ValidationFailed
from conference.extensions import db
from conference.meetings import console, queries
from conference.meetings.console import RecordConflict
from conference.meetings.forms import ActionForm, ReviewForm
from conference.meetings.routes import bp, load_driven
from conference.meetings.routes.console import (
    action_form_for,
    actions_context_for,
    case_context_for,
    console_response,
    review_form_for,
)
from conference.web.auth import current_actor, require
from conference.web.forms import show_refusal, version_of
from conference.web.htmx import go, wants_partial
from conference.web.loaders import item_of


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
            item, actor=current_actor(), now=utcnow(), **_action_values(form, conference)
        )
        return f"Action agreed for {action.owner_agency.name}, due {action.due_on:%-d %B %Y}."

    return _action_change(conference, item, form, "new", change)


@bp.post("/conferences/<int:conference_id>/meeting/actions/<int:action_id>")
@login_required
def change_action(conference_id: int, action_id: int) -> ResponseReturnValue:
    """Change an action agreed earlier in the meeting (refused when someone changed it first)."""
    conference = load_driven(conference_id)
    action = db.session.get(Action, action_id)
    require(action is not None, hide=True)
    assert action is not None
    item = item_of(conference, action.agenda_item_id)
    form = action_form_for(action, request.form)
    form.set_choices(queries.marac_agencies(conference.marac_id), display.local_day(conference))
    version = version_of(form.version)

    def change() -> str:
        console.change_action(
            action,
            item,
            version=version,
            actor=current_actor(),
            now=utcnow(),
            **_action_values(form, conference),
        )
        return "The action is changed."

    return _action_change(conference, item, form, str(action.id), change)


@bp.post("/conferences/<int:conference_id>/meeting/actions/<int:action_id>/withdraw")
@login_required
def withdraw_action(conference_id: int, action_id: int) -> ResponseReturnValue:
    """Take back an action entered by mistake, while this meeting runs."""
    conference = load_driven(conference_id)
    action = db.session.get(Action, action_id)
    require(action is not None, hide=True)
    assert action is not None
    item = item_of(conference, action.agenda_item_id)

    def change() -> str:
        console.withdraw_action(action, item, actor=current_actor(), now=utcnow())
        return "The action is withdrawn."

    return _action_change(conference, item, None, str(action.id), change)


def _action_values(form: ActionForm, conference: Conference) -> dict[str, Any]:
    owner_id = form.owner_agency_id.data
    return {
        "description": form.description.data or "",
        "owner": db.session.get(Agency, int(owner_id)) if (owner_id or "").isdigit() else None,
        "owner_name": form.owner_name.data or "",
        "due_on": form.chosen_due_on(display.local_day(conference)),
        "priority": Priority(form.priority.data or Priority.MEDIUM.value),
    }


def _action_change(
    conference: Conference,
    item: AgendaItem,
    form: ActionForm | None,
    key: str,
    change: Callable[[], str],
) -> ResponseReturnValue:
    """Run an action change; answer with the case's action plan (htmx) or the console."""
    status, forms, conflict = 200, {}, None
    if form is not None and not form.validate():
        status, forms = 422, {key: form}
    else:
        try:
            message = change()
        except RecordConflict as refused:
            db.session.rollback()
            status, forms, conflict = 409, {key: form}, refused
            if form is not None:
                form.version.data = str(refused.current.version)
        except ValidationFailed as refused:
            db.session.rollback()
            show_refusal(form, refused, "description")
            status, forms = 422, {key: form}
        except InvalidTransition as refused:
            db.session.rollback()
            flash(str(refused), "error")
            status = 409
        else:
            db.session.commit()
            flash(message, "success")
    if not wants_partial():
        if status == 200:
            return go(url_for(".meeting", conference_id=conference.id, _anchor="actions"))
        return console_response(conference, status=status, action_forms=forms)
    actions = queries.actions_for([item.id]).get(item.id, [])
    context = actions_context_for(conference, item, actions, forms)
    body = render_template(
        "meetings/_actions.html", conference=conference, conflict=conflict, **context
    )
    return body + render_template("_layout/_flash.html", oob=True), status


@bp.post("/conferences/<int:conference_id>/meeting/items/<int:item_id>/reviews/<int:action_id>")
@login_required
def review(conference_id: int, item_id: int, action_id: int) -> ResponseReturnValue:
    """Record the meeting's decision on one overdue action of a standing item."""
    conference = load_driven(conference_id)
    item = item_of(conference, item_id)
    action = db.session.get(Action, action_id)
    require(action is not None and action.case_id == item.case_id, hide=True)
    assert action is not None
    form = review_form_for(action, request.form)
    status = 422
    if form.validate():
        try:
            _review(conference, item, action, form)
        except (ValidationFailed, Conflict, InvalidTransition) as refused:
            db.session.rollback()
            status = _refusal_status(form, refused)
        else:
            db.session.commit()
            flash("The meeting's decision on the action is recorded.", "success")
            form, status = None, 200
    forms = {action.id: form} if form is not None else {}
    return _overdue_answer(conference, item, forms, status)


def _review(conference: Conference, item: AgendaItem, action: Action, form: ReviewForm) -> None:
    console.check_in_progress(conference)
    if item.section is not Section.OVERDUE_ACTIONS:
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


def _refusal_status(form: ReviewForm, refused: Exception) -> int:
    """Put a refusal by its field (422), or say what stopped it (409)."""
    if isinstance(refused, ValidationFailed):
        show_refusal(form, refused, "note")
        return 422
    flash(str(refused), "error")
    return 409


def _overdue_answer(
    conference: Conference, item: AgendaItem, forms: dict[int, ReviewForm], status: int
) -> ResponseReturnValue:
    if not wants_partial():
        if status == 200:
            return go(url_for(".meeting", conference_id=conference.id, _anchor="overdue"))
        return console_response(conference, status=status, review_forms=forms)
    context = case_context_for(conference, item, review_forms=forms)
    body = render_template("meetings/_overdue.html", conference=conference, **context)
    return body + render_template("_layout/_flash.html", oob=True), status
