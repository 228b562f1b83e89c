"""Minutes: the draft, edits, finalising, corrections and the printable copies."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from conference.accounts.models import Agency
from conference.actions.models import Action
from conference.conferences import display, listing
from conference.conferences.models import Conference
from conference.db import utcnow
from conference.errors import Conflict, ValidationFailed
from conference.extensions import db
from conference.meetings import queries as meeting_queries
from conference.meetings.forms import PERPETRATOR_RISK_LABELS
from conference.meetings.models import Discussion
from conference.meetings.opening import statement_for
from conference.meetings.permissions import drives
from conference.minutes import forms, queries, services
from conference.minutes.forms import RECORD_LABELS, ActionForm, NotesForm, RecordForm
from conference.minutes.models import Minutes
from conference.minutes.permissions import has_minutes, reads_agency_copy, writes_minutes
from conference.web.auth import current_actor, require
from conference.web.errors import error_response
from conference.web.forms import Form, show_refusal, version_of
from conference.web.htmx import go, render, wants_partial
from conference.web.loaders import item_of, load_conference, or_404
from conference.web.merging import Merges, Posted, kept_message, read_posted, show_merge, typed
from conference.web.requests import parse_id
from conference.web.unit import Answer, on_refusal, refusal_flashed

bp = Blueprint("minutes", __name__)

NOTES, RECORD, ACTIONS = "minutes/_notes.html", "minutes/_record.html", "minutes/_actions.html"


@dataclass
class Editing:
    """Forms holding the user's own text after a refusal, and what others saved meanwhile."""

    notes: NotesForm | None = None
    records: dict[int, RecordForm] = field(default_factory=dict)
    actions: dict[int, ActionForm] = field(default_factory=dict)
    new_actions: dict[int, ActionForm] = field(default_factory=dict)
    #: "notes", "record-<item id>" or "action-<action id>" -> (message, their saved copy).
    conflicts: dict[str, tuple[str, Any]] = field(default_factory=dict)


# Reading ----------------------------------------------------------------------------------------


@bp.get("/conferences/<int:conference_id>/minutes")
@login_required
def page(conference_id: int) -> ResponseReturnValue:
    """The minutes for whoever writes them; an attending agency's copy once they are final."""
    actor = current_actor()
    conference = load_conference(conference_id)
    if not drives(actor, conference):
        copies = queries.copy_agency_ids(conference.id)
        require(reads_agency_copy(actor, conference, actor.agency_id, copies), hide=True)
        copy = url_for(".print_agency", conference_id=conference.id, agency_id=actor.agency_id)
        return redirect(copy, 303)
    conference, minutes = _readable(conference_id)
    edit = request.args.get("edit", "")
    block = _editable_block(conference, edit) if edit and wants_partial() else None
    if block is not None:
        partial, item = block
        return _respond(conference, minutes, partial=partial, edit=edit, item=item)
    return _respond(conference, minutes, edit=edit)


def _editable_block(conference: Conference, edit: str) -> tuple[str, Any] | None:
    """The block of the page that ``edit`` opens for editing, with its case: "record-<item
    id>", "action-<action id>" or "new-action-<item id>"; None for anything else."""
    kind, _, number = edit.rpartition("-")
    if (found := parse_id(number)) is None:
        return None
    if kind in ("record", "new-action"):
        return (RECORD if kind == "record" else ACTIONS), item_of(conference, found)
    if kind == "action":
        action = db.session.get(Action, found)
        if action is not None and action.agenda_item_id is not None:
            return ACTIONS, item_of(conference, action.agenda_item_id)
    return None


@bp.get("/conferences/<int:conference_id>/minutes/print")
@login_required
def print_full(conference_id: int) -> ResponseReturnValue:
    """The whole minutes, laid out for printing."""
    conference, minutes = _readable(conference_id)
    content = queries.content(conference, minutes)
    listing.record_view(current_actor(), "minutes.printed", conference, content.items, now=utcnow())
    return render_template("minutes/print.html", agency=None, **_heading(content))


@bp.get("/conferences/<int:conference_id>/minutes/print/agencies/<int:agency_id>")
@login_required
def print_agency(conference_id: int, agency_id: int) -> ResponseReturnValue:
    """An agency's copy: only the cases where it owns an action the meeting agreed or decided
    on, and only its own actions."""
    actor, conference = current_actor(), load_conference(conference_id)
    copies = queries.copy_agency_ids(conference.id)
    require(reads_agency_copy(actor, conference, agency_id, copies), hide=True)
    minutes = or_404(queries.minutes_of(conference.id))
    content = queries.content(conference, minutes, agency_id=agency_id)
    agency = next(a.agency for a in content.copies if a.agency_id == agency_id)
    verb = "minutes.agency_copy_printed"
    listing.record_view(actor, verb, conference, content.items, now=utcnow())
    return render_template("minutes/print.html", agency=agency, **_heading(content))


# Editing ----------------------------------------------------------------------------------------


@bp.post("/conferences/<int:conference_id>/minutes/notes")
@login_required
def save_notes(conference_id: int) -> ResponseReturnValue:
    """Save the opening notes and any other business (a correction, once final)."""
    conference, minutes = _writable(conference_id)
    form = NotesForm(request.form)
    editing = Editing(notes=form)
    valid = form.validate()
    posted = read_posted(form, request.form)
    if not (valid and posted.settled):
        return _respond(conference, minutes, partial=NOTES, status=422, editing=editing)
    on_refusal(_refused(conference, minutes, form, editing, NOTES, key="notes", posted=posted))
    _, merged = services.save_notes(
        minutes,
        conference,
        values=typed(form),
        version=version_of(form.version),
        reason=form.reason.data or "",
        actor=current_actor(),
        now=utcnow(),
        base=posted.base,
        keep=posted.keep,
    )
    message = f"The notes are saved.{kept_message(merged, services.CHANGE_LABELS)}"
    # Any other business is shown after the cases: the whole page is reloaded to show it.
    return _saved(conference, minutes, message, None, anchor="minutes-notes")


@bp.post("/conferences/<int:conference_id>/minutes/items/<int:item_id>/record")
@login_required
def save_record(conference_id: int, item_id: int) -> ResponseReturnValue:
    """Save what the meeting recorded on a case (a correction, once final)."""
    conference, minutes = _writable(conference_id)
    item = item_of(conference, item_id)
    form = RecordForm(request.form, prefix=f"item-{item.id}")
    editing, key = Editing(records={item.id: form}), f"record-{item.id}"
    valid = form.validate()
    posted = read_posted(form, request.form)
    if not (valid and posted.settled):
        return _respond(conference, minutes, partial=RECORD, status=422, editing=editing, item=item)
    on_refusal(
        _refused(conference, minutes, form, editing, RECORD, key=key, item=item, posted=posted)
    )
    _, _, merged = services.save_record(
        item,
        minutes,
        values=typed(form),
        version=version_of(form.version),
        reason=form.reason.data or "",
        actor=current_actor(),
        now=utcnow(),
        base=posted.base,
        keep=posted.keep,
    )
    kept = kept_message(merged, RECORD_LABELS)
    message = f"The record on case {item.case.reference} is saved.{kept}"
    return _saved(conference, minutes, message, RECORD, anchor=key, item=item)


@bp.post("/conferences/<int:conference_id>/minutes/actions/<int:action_id>")
@login_required
def save_action(conference_id: int, action_id: int) -> ResponseReturnValue:
    """Change an action's task, owner, due date or priority (a correction, once final)."""
    conference, minutes = _writable(conference_id)
    action = db.get_or_404(Action, action_id)
    item = item_of(conference, action.agenda_item_id)
    form = _action_form(conference, f"action-{action.id}")
    editing, key = Editing(actions={action.id: form}), f"action-{action.id}"
    if not form.validate():
        return _respond(
            conference, minutes, partial=ACTIONS, status=422, editing=editing, item=item
        )
    on_refusal(_refused(conference, minutes, form, editing, ACTIONS, key=key, item=item))
    services.change_action(
        action, item, minutes, version=version_of(form.version), **_action_input(form)
    )
    message = f"The action on case {item.case.reference} is saved."
    return _saved(conference, minutes, message, ACTIONS, anchor=f"actions-{item.id}", item=item)


@bp.post("/conferences/<int:conference_id>/minutes/items/<int:item_id>/actions")
@login_required
def add_action(conference_id: int, item_id: int) -> ResponseReturnValue:
    """Add an action the meeting agreed but the record missed (a correction, once final)."""
    conference, minutes = _writable(conference_id)
    item = item_of(conference, item_id)
    form = _action_form(conference, f"new-{item.id}")
    editing, key = Editing(new_actions={item.id: form}), f"new-action-{item.id}"
    if not form.validate():
        return _respond(
            conference, minutes, partial=ACTIONS, status=422, editing=editing, item=item
        )
    on_refusal(_refused(conference, minutes, form, editing, ACTIONS, key=key, item=item))
    services.add_action(item, minutes, **_action_input(form))
    message = f"The action is added to case {item.case.reference}."
    return _saved(conference, minutes, message, ACTIONS, anchor=f"actions-{item.id}", item=item)


@bp.post("/conferences/<int:conference_id>/minutes/finalise")
@login_required
def finalise(conference_id: int) -> ResponseReturnValue:
    """Make the minutes final: locked from now on, and the attending agencies told."""
    conference, minutes = _writable(conference_id)
    on_refusal(refusal_flashed(lambda status: _respond(conference, minutes, status=status)))
    told = services.finalise(minutes, conference, actor=current_actor(), now=utcnow())
    flash(
        f"The minutes are final. {told} people were told; any change now needs a reason.",
        "success",
    )
    return go(url_for(".page", conference_id=conference.id))


# Helpers ----------------------------------------------------------------------------------------


def _readable(conference_id: int) -> tuple[Conference, Minutes]:
    """The conference and its minutes, for whoever writes them; else 404."""
    conference = load_conference(conference_id)
    require(writes_minutes(current_actor(), conference), hide=True)
    minutes = or_404(queries.minutes_of(conference.id))
    return conference, minutes


def _writable(conference_id: int) -> tuple[Conference, Minutes]:
    """As _readable, but a meeting not yet concluded is refused with a message (409)."""
    conference = load_conference(conference_id)
    require(drives(current_actor(), conference), hide=True)
    if not has_minutes(conference):
        abort(error_response(409, "The meeting has not concluded: it has no minutes to edit."))
    return _readable(conference_id)


def _action_form(conference: Conference, prefix: str) -> ActionForm:
    form = ActionForm(request.form, prefix=prefix)
    form.set_agencies(meeting_queries.marac_agencies(conference.marac_id))
    return form


def _action_input(form: ActionForm) -> dict[str, Any]:
    owner_id = form.owner_agency_id.data
    return {
        "fields": {
            "description": form.description.data or "",
            "owner": db.session.get(Agency, int(owner_id)) if owner_id else None,
            "owner_name": form.owner_name.data or "",
            "due_on": form.due_on.data,
            "priority": form.priority.data,
        },
        "reason": form.reason.data or "",
        "actor": current_actor(),
        "now": utcnow(),
    }


def _refused(
    conference: Conference,
    minutes: Minutes,
    form: Form,
    editing: Editing,
    partial: str,
    *,
    key: str,
    posted: Posted | None = None,
    **extra: Any,
) -> Answer:
    """The answer to a refusal, with the user's text kept: by the field (422), or beside what
    someone else saved first (409; for a form that merges, the fields both changed side by
    side), or with the reason the minutes cannot change (409)."""

    first = next(f.short_name for f in form if f.short_name != "version")

    def answer(refused: Exception) -> ResponseReturnValue:
        status = 409
        if isinstance(refused, ValidationFailed):
            status = 422
            show_refusal(form, refused, first)
        elif isinstance(refused, Conflict) and hasattr(refused, "current"):
            current = _saved_now(refused.current, extra.get("item"))
            editing.conflicts[key] = (str(refused), current)
            if isinstance(form, Merges) and posted is not None:
                saved = {name: getattr(current, name, "") or "" for name in form.merged_fields}
                show_merge(form, saved, getattr(current, "version", None), posted)
            else:  # saving again, after comparing, is meant to replace what they saved
                form.version.data = str(current.version)
        else:
            flash(str(refused), "error")
        return _respond(
            conference, minutes, partial=partial, status=status, editing=editing, **extra
        )

    return answer


def _saved_now(current: Any, item: Any) -> Any:
    """What is saved now, read afresh: a case's record that this request began and that was
    rolled back (two first saves at once) is the one the other person saved."""
    if isinstance(current, Discussion) and item is not None:
        return meeting_queries.records_for([item.id]).get(item.id) or current
    return current


def _saved(
    conference: Conference,
    minutes: Minutes,
    message: str,
    partial: str | None,
    *,
    anchor: str,
    **extra: Any,
) -> ResponseReturnValue:
    """Swap the block in place for htmx, else back to the page (303).

    A correction to final minutes reloads the page, whose revision list has grown.
    """
    flash(message, "success")
    if partial and wants_partial() and minutes.finalised_at is None:
        return _respond(conference, minutes, partial=partial, **extra)
    return go(url_for(".page", conference_id=conference.id, _anchor=anchor))


def _respond(
    conference: Conference,
    minutes: Minutes,
    *,
    partial: str | None = None,
    status: int = 200,
    editing: Editing | None = None,
    edit: str = "",
    **extra: Any,
) -> ResponseReturnValue:
    """One block of the page for an htmx swap; else the whole page, its view audited.

    The whole page also answers htmx when no block is named (HX-Location after a correction).
    ``edit`` names the one block shown with its form (see _editable_block); every other case
    shows its record and actions as text, each with a link that opens its form.
    """
    context = _context(conference, minutes, editing or Editing(), edit)
    if partial and wants_partial():
        return render("minutes/page.html", partial, status=status, **context, **extra)
    actor, items = current_actor(), context["content"].items
    listing.record_view(actor, "minutes.viewed", conference, items, now=utcnow())
    return render_template("minutes/page.html", **context, **extra), status


def _context(
    conference: Conference, minutes: Minutes, editing: Editing, edit: str = ""
) -> dict[str, Any]:
    """The page's content, with forms only for the block being edited (``edit``) and those
    refused with the user's text (``editing``): a form for every row made the page slow."""
    content = queries.content(conference, minutes)
    notes = editing.notes or forms.notes_form(minutes)
    records, actions = dict(editing.records), dict(editing.actions)
    new_actions = dict(editing.new_actions)
    kind, _, number = edit.rpartition("-")
    chosen = parse_id(number)
    on_agenda = {item.id for item in content.items}
    if kind == "record" and chosen in on_agenda:
        records.setdefault(chosen, forms.record_form(chosen, content.records))
    elif kind == "new-action" and chosen in on_agenda:
        new_actions.setdefault(chosen, forms.new_action_form(chosen))
    elif kind == "action":
        for action in (a for listed in content.actions.values() for a in listed):
            if action.id == chosen:
                actions.setdefault(action.id, forms.action_form(action))
    if actions or new_actions:
        agencies = meeting_queries.marac_agencies(conference.marac_id)
        for form in [*actions.values(), *new_actions.values()]:
            form.set_agencies(agencies)
    return {
        **_heading(content),
        "notes_form": notes,
        "record_forms": records,
        "action_forms": actions,
        "new_action_forms": new_actions,
        "conflicts": editing.conflicts,
    }


def _heading(content: queries.MinutesContent) -> dict[str, Any]:
    conference = content.conference
    return {
        "content": content,
        "conference": conference,
        "minutes": content.minutes,
        "final": content.minutes.finalised_at is not None,
        "label": display.conference_label(conference),
        "statement": statement_for(conference),
        "record_labels": RECORD_LABELS,
        "perpetrator_risk_labels": PERPETRATOR_RISK_LABELS,
        "summary": services.revision_summary,
        "change_labels": services.CHANGE_LABELS,
    }
