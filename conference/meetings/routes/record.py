"""The console's case record, saved in place; a stale save is refused with both texts."""

from __future__ import annotations

from flask import flash, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from conference.conferences.models import AgendaItem, Conference
from conference.db import utcnow
from conference.errors import InvalidTransition, ValidationFailed
from conference.extensions import db
from conference.meetings import console, queries
from conference.meetings.choices import RECORD_FIELDS
from conference.meetings.console import RecordConflict
from conference.meetings.forms import RECORD_LABELS, RecordForm
from conference.meetings.routes import bp, load_driven
from conference.meetings.routes.console import (
    console_response,
    record_form_for,
)
from conference.web.auth import current_actor
from conference.web.forms import show_refusal, version_of
from conference.web.htmx import go, wants_partial
from conference.web.loaders import item_of


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
        version = version_of(form.version)
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
        record_form=form or record_form_for(record),
        conflict=conflict,
        RECORD_LABELS=RECORD_LABELS,
    )
    return body + render_template("_layout/_flash.html", oob=True), status
