"""The chair's console: one screen for the whole meeting, each change saved in place."""

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
from conference.actions.queries import overdue_review
from conference.conferences import agenda, planning
from conference.conferences.choices import Section
from conference.conferences.models import AgendaItem, Conference
from conference.db import utcnow
from conference.errors import Conflict, InvalidTransition, ValidationFailed
from conference.extensions import db
from conference.meetings import closing, console, opening, queries
from conference.meetings.choices import RECORD_FIELDS
from conference.meetings.console import RecordConflict
from conference.meetings.forms import (
    RECORD_LABELS,
    ActionForm,
    DeferForm,
    RecordForm,
    ReviewForm,
)
from conference.meetings.models import Discussion
from conference.meetings.permissions import sees_safe_contact
from conference.meetings.routes import bp, item_of, load_driven
from conference.research.choices import RiskFlag
from conference.voice.queries import voices_for
from conference.web.auth import current_actor, require
from conference.web.forms import show_refusal
from conference.web.htmx import go, render, wants_partial


def console_response(
    conference: Conference, *, status: int = 200, **forms: Any
) -> ResponseReturnValue:
    """The whole console: the agenda down the side, the current case in the middle."""
    return render(
        "meetings/console.html",
        "meetings/_console.html",
        status=status,
        **_console_context(conference, **forms),
    )


def _console_context(conference: Conference, **forms: Any) -> dict[str, Any]:
    actor, now = current_actor(), utcnow()
    meeting = queries.meeting_for(conference.id)
    assert meeting is not None
    items = queries.agenda_of(conference)
    current = next((i for i in items if i.id == meeting.current_item_id), None)
    invited = queries.invited_agencies(conference.id)
    context: dict[str, Any] = {
        "conference": conference,
        "label": planning.conference_label(conference),
        "items": items,
        "current": current,
        "previous_item": console.neighbour(items, meeting.current_item_id, -1),
        "next_item": console.neighbour(items, meeting.current_item_id, 1),
        "elapsed": queries.elapsed_minutes(current, now),
        "finish": planning.rules.local(
            queries.predicted_finish(conference, items, current, now), conference.marac.timezone
        ),
        "gaps": opening.core_gaps(
            conference,
            invited,
            queries.attendances(conference.id),
            queries.returned_agency_ids(conference.id),
        ),
        "waiting": closing.still_open(items),
        "now": now,
    }
    if current is not None:
        context.update(_case_context(conference, current, **forms))
        agenda.record_view(actor, "meeting.console_viewed", conference, [current], now=now)
        db.session.commit()
    return context


def _case_context(conference: Conference, item: AgendaItem, **forms: Any) -> dict[str, Any]:
    actor = current_actor()
    record = queries.records_for([item.id]).get(item.id)
    actions = queries.actions_for([item.id]).get(item.id, [])
    overdue = []
    if item.section is Section.OVERDUE_ACTIONS:
        overdue = overdue_review(item, planning.local_day(conference))
    review_forms = forms.get("review_forms") or {}
    for action, _ in overdue:
        review_forms.setdefault(action.id, _review_form(action))
    return {
        "overdue": overdue,
        "review_forms": review_forms,
        "record": record,
        "record_form": forms.get("record_form") or _record_form(record),
        "conflict": forms.get("conflict"),
        **_actions_context(conference, item, actions, forms.get("action_forms") or {}),
        "defer_form": forms.get("defer_form") or DeferForm(),
        "returns": queries.returns_for(item.id),
        "voice": voices_for([item.id]).get(item.id),
        "show_safe_contact": sees_safe_contact(actor, item.case),
        "earlier": queries.earlier_hearings(item),
        "missing": console.missing_for_discussed(
            item, record, len(actions), sum(1 for _, decision in overdue if decision is None)
        ),
        "flag_labels": {flag.value: flag.label for flag in RiskFlag},
        "RECORD_LABELS": RECORD_LABELS,
    }


def _actions_context(
    conference: Conference, item: AgendaItem, actions: list[Action], forms: dict[str, ActionForm]
) -> dict[str, Any]:
    agencies = queries.marac_agencies(conference.marac_id)
    day = planning.local_day(conference)
    new = forms.get("new") or ActionForm(prefix=f"new-{item.id}", data={"priority": "medium"})
    new.set_choices(agencies, day)
    edits = {}
    for action in actions:
        form = forms.get(str(action.id)) or _action_form(action)
        form.set_choices(agencies, day)
        edits[action.id] = form
    return {"item": item, "actions": actions, "new_action": new, "action_forms": edits}


def _review_form(action: Action, data: Any = None) -> ReviewForm:
    form = ReviewForm(data, prefix=f"review-{action.id}")
    if data is None:
        form.version.data = str(action.version)
    return form


def _record_form(record: Discussion | None, data: Any = None) -> RecordForm:
    if data is not None:
        return RecordForm(data)
    form = RecordForm(obj=record) if record else RecordForm()
    form.version.data = str(record.version) if record else ""
    return form


def _action_form(action: Action, data: Any = None) -> ActionForm:
    form = ActionForm(data, prefix=f"action-{action.id}", obj=None if data else action)
    if data is None:
        form.owner_agency_id.data = str(action.owner_agency_id)
        form.priority.data = action.priority.value
        form.due_in.data = "other"
        form.version.data = str(action.version)
    return form


def _step(conference_id: int, change: Callable[[Conference], str | None]) -> ResponseReturnValue:
    """Run a console change that moves or closes a case, and answer with the whole console."""
    conference = load_driven(conference_id)
    try:
        message = change(conference)
    except InvalidTransition as refused:
        db.session.rollback()
        flash(str(refused), "error")
        return console_response(conference, status=409)
    db.session.commit()
    if message:
        flash(message, "success")
    if wants_partial():
        return console_response(conference)
    return go(url_for(".meeting", conference_id=conference.id, _anchor="case"))


def _meeting(conference: Conference):
    meeting = queries.meeting_for(conference.id)
    if meeting is None:
        raise InvalidTransition("The meeting has not started: record attendance first")
    return meeting


@bp.post("/conferences/<int:conference_id>/meeting/items/<int:item_id>/open")
@login_required
def open_item(conference_id: int, item_id: int) -> ResponseReturnValue:
    """Put a case on the console (and everyone's follow view)."""

    def change(conference: Conference) -> None:
        item = item_of(conference, item_id)
        console.open_item(_meeting(conference), item, actor=current_actor(), now=utcnow())

    return _step(conference_id, change)


@bp.post("/conferences/<int:conference_id>/meeting/next")
@login_required
def next_item(conference_id: int) -> ResponseReturnValue:
    """Open the next case on the agenda."""
    return _step(conference_id, lambda conference: _move(conference, 1))


@bp.post("/conferences/<int:conference_id>/meeting/previous")
@login_required
def previous_item(conference_id: int) -> ResponseReturnValue:
    """Go back to the previous case on the agenda."""
    return _step(conference_id, lambda conference: _move(conference, -1))


def _move(conference: Conference, step: int) -> None:
    meeting = _meeting(conference)
    items = queries.agenda_of(conference)
    target = console.neighbour(items, meeting.current_item_id, step)
    if target is None:
        raise InvalidTransition("That was the last case" if step > 0 else "This is the first case")
    console.open_item(meeting, target, actor=current_actor(), now=utcnow())


@bp.post("/conferences/<int:conference_id>/meeting/items/<int:item_id>/discussed")
@login_required
def discussed(conference_id: int, item_id: int) -> ResponseReturnValue:
    """Mark the case discussed, once a risk and an action (or a reason for none) are recorded."""

    def change(conference: Conference) -> str:
        item = item_of(conference, item_id)
        console.mark_discussed(item, actor=current_actor(), now=utcnow())
        return f"Case {item.case.reference} is marked discussed."

    return _step(conference_id, change)


@bp.post("/conferences/<int:conference_id>/meeting/items/<int:item_id>/reopen")
@login_required
def reopen(conference_id: int, item_id: int) -> ResponseReturnValue:
    """Take a discussed or deferred case back into discussion."""

    def change(conference: Conference) -> str:
        item = item_of(conference, item_id)
        console.reopen(item, actor=current_actor(), now=utcnow())
        return f"Case {item.case.reference} is open again."

    return _step(conference_id, change)


@bp.post("/conferences/<int:conference_id>/meeting/items/<int:item_id>/defer")
@login_required
def defer(conference_id: int, item_id: int) -> ResponseReturnValue:
    """Defer the case to the next conference, with the reason."""
    conference = load_driven(conference_id)
    item = item_of(conference, item_id)
    form = DeferForm(request.form)
    if form.validate():
        try:
            console.defer(item, reason=form.reason.data or "", actor=current_actor(), now=utcnow())
        except ValidationFailed as refused:
            db.session.rollback()
            show_refusal(form, refused, "reason")
        except InvalidTransition as refused:
            db.session.rollback()
            flash(str(refused), "error")
            return console_response(conference, status=409, defer_form=form)
        else:
            db.session.commit()
            flash(f"Case {item.case.reference} is deferred to the next conference.", "success")
            if not wants_partial():
                return go(url_for(".meeting", conference_id=conference.id))
            return console_response(conference)
    return console_response(conference, status=422, defer_form=form)


@bp.post("/conferences/<int:conference_id>/meeting/conclude")
@login_required
def conclude(conference_id: int) -> ResponseReturnValue:
    """End the meeting: every case discussed or deferred; deferred ones go on the next agenda."""
    conference = load_driven(conference_id)
    try:
        result = closing.conclude(_meeting(conference), actor=current_actor(), now=utcnow())
    except InvalidTransition as refused:
        db.session.rollback()
        flash(str(refused), "error")
        return console_response(conference, status=409)
    db.session.commit()
    flash(_concluded_message(result), "success")
    return go(url_for("minutes.page", conference_id=conference.id), new_page=True)


def _concluded_message(result: closing.Conclusion) -> str:
    parts = ["The meeting has concluded. The minutes are drafted from what was recorded."]
    for item, target in result.carried:
        label = planning.conference_label(target)
        parts.append(f"Case {item.case.reference} is on the agenda of {label}.")
    for item in result.waiting:
        parts.append(
            f"Case {item.case.reference} is waiting for a conference: none is planned yet."
        )
    return " ".join(parts)


@bp.post("/conferences/<int:conference_id>/meeting/items/<int:item_id>/record")
@login_required
def save_record(conference_id: int, item_id: int) -> ResponseReturnValue:
    """Save the case's record; a save made on a stale copy is refused and the text kept."""
    conference = load_driven(conference_id)
    item = item_of(conference, item_id)
    form = RecordForm(request.form)
    conflict = None
    status = 422
    if form.validate():
        values = {name: form[name].data or "" for name in RECORD_FIELDS}
        version = int(form.version.data) if (form.version.data or "").isdigit() else None
        try:
            console.save_record(item, values, version=version, actor=current_actor(), now=utcnow())
        except RecordConflict as refused:
            db.session.rollback()
            conflict, status = refused, 409
        except (ValidationFailed, InvalidTransition) as refused:
            db.session.rollback()
            show_refusal(form, refused, "information_shared")
            status = 409 if isinstance(refused, InvalidTransition) else 422
        else:
            db.session.commit()
            flash(f"The record of case {item.case.reference} is saved.", "success")
            return _record_answer(conference, item, form=None, status=200)
    return _record_answer(conference, item, form=form, status=status, conflict=conflict)


def _record_answer(
    conference: Conference,
    item: AgendaItem,
    *,
    form: RecordForm | None,
    status: int,
    conflict: RecordConflict | None = None,
) -> ResponseReturnValue:
    if not wants_partial():
        if status == 200:
            return go(url_for(".meeting", conference_id=conference.id, _anchor="record"))
        return console_response(conference, status=status, record_form=form, conflict=conflict)
    record = queries.records_for([item.id]).get(item.id)
    if conflict is not None and form is not None:
        form.version.data = str(record.version) if record else ""
    body = render_template(
        "meetings/_record.html",
        conference=conference,
        item=item,
        record=record,
        record_form=form or _record_form(record),
        conflict=conflict,
        RECORD_LABELS=RECORD_LABELS,
    )
    return body + render_template("_layout/_flash.html", oob=True), status


@bp.post("/conferences/<int:conference_id>/meeting/items/<int:item_id>/actions")
@login_required
def add_action(conference_id: int, item_id: int) -> ResponseReturnValue:
    """Agree a new action on the case: task, owner agency, due date and priority."""
    conference = load_driven(conference_id)
    item = item_of(conference, item_id)
    form = ActionForm(request.form, prefix=f"new-{item.id}")
    form.set_choices(queries.marac_agencies(conference.marac_id), planning.local_day(conference))

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
    form = _action_form(action, request.form)
    form.set_choices(queries.marac_agencies(conference.marac_id), planning.local_day(conference))
    version = int(form.version.data) if (form.version.data or "").isdigit() else -1

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
        "due_on": form.chosen_due_on(planning.local_day(conference)),
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
    context = _actions_context(conference, item, actions, forms)
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
    form = _review_form(action, request.form)
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
        version=int(form.version.data) if (form.version.data or "").isdigit() else -1,
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
    context = _case_context(conference, item, review_forms=forms)
    body = render_template("meetings/_overdue.html", conference=conference, **context)
    return body + render_template("_layout/_flash.html", oob=True), status
