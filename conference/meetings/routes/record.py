"""The console's case record and each perpetrator's risk, saved in place; a stale save is
refused with both texts."""

from __future__ import annotations

from typing import Any

from flask import flash, make_response, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from conference.conferences import display, listing
from conference.conferences import queries as conference_queries
from conference.conferences.choices import ConferenceStatus
from conference.conferences.models import AgendaItem, Conference
from conference.db import utcnow
from conference.errors import InvalidTransition, ValidationFailed
from conference.meetings import console, lifecycle, queries, risks
from conference.meetings.choices import PERPETRATOR_RISK_FIELDS, RECORD_FIELDS
from conference.meetings.console import RecordConflict
from conference.meetings.forms import (
    PERPETRATOR_RISK_LABELS,
    RECORD_LABELS,
    PerpetratorRiskForm,
    RecordForm,
)
from conference.meetings.models import Discussion
from conference.meetings.routes import bp, load_driven
from conference.meetings.routes.console import (
    console_response,
    perpetrators_context_for,
    record_form_for,
    risk_form_for,
)
from conference.referrals.models import Perpetrator
from conference.web.auth import current_actor
from conference.web.forms import show_refusal, version_of
from conference.web.htmx import go, partial_response, wants_partial
from conference.web.loaders import item_of
from conference.web.merging import Posted, kept_message, read_posted, show_merge, typed
from conference.web.unit import Answer, on_refusal


@bp.post("/conferences/<int:conference_id>/meeting/items/<int:item_id>/record")
@login_required
def save_record(conference_id: int, item_id: int) -> ResponseReturnValue:
    """Save the case's record; a save made on a stale copy is refused and the text kept."""
    conference = load_driven(conference_id)
    item = item_of(conference, item_id)
    form = RecordForm(request.form)
    valid = form.validate()
    posted = read_posted(form, request.form)
    if not (valid and posted.settled):
        return _record_answer(conference, item, form=form, status=422)
    on_refusal(_record_refusal(conference, item, form, posted))
    record, merged = console.save_record(
        item,
        typed(form),
        version=version_of(form.version),
        actor=current_actor(),
        now=utcnow(),
        base=posted.base,
        keep=posted.keep,
    )
    # The fields on screen hold what was saved, unless someone else's text was merged in or
    # they show problems this save has put right: then the whole record is drawn again.
    in_place = merged is None and wants_partial() and not request.form.get("showing_problems")
    autosaved = bool(request.headers.get("X-Autosave"))
    if in_place and autosaved:
        return _saved_in_place(conference, item, record, autosaved=True)
    kept = kept_message(merged, RECORD_LABELS)
    flash(f"The record of case {item.case.reference} is saved.{kept}", "success")
    if in_place:
        return _saved_in_place(conference, item, record, autosaved=False)
    return _record_answer(conference, item, form=None, status=200, record=record)


def _saved_in_place(
    conference: Conference, item: AgendaItem, record: Discussion, *, autosaved: bool
) -> ResponseReturnValue:
    """A save that leaves the fields as they are (she may still be typing in one): the status
    in place, the new version and saved text out of band. A save by the button brings its
    message too; one made as she types says so in the status alone."""
    context: dict[str, Any] = {
        "conference": conference,
        "item": item,
        "current": item,
        "record": record,
        "record_form": record_form_for(record),
        "missing": lifecycle.missing_now(item, record),
        "autosaved": autosaved,
    }
    template = "meetings/_record_in_place.html"
    response = (
        make_response(render_template(template, **context), 200)
        if autosaved
        else partial_response(template, **context)
    )
    response.headers["HX-Retarget"] = f"#record-{item.id}-status"
    response.headers["HX-Reswap"] = "innerHTML"
    return response


def _record_refusal(
    conference: Conference, item: AgendaItem, form: RecordForm, posted: Posted
) -> Answer:
    """A save on a stale copy where both changed a part shows the two texts side by side
    (409); a rule of input broken (422) or the meeting's state (409) is said beside the
    record, its text kept."""

    def answer(refused: Exception) -> ResponseReturnValue:
        if isinstance(refused, RecordConflict):
            record = queries.records_for([item.id]).get(item.id)
            saved = {name: getattr(record, name) if record else "" for name in RECORD_FIELDS}
            show_merge(form, saved, record.version if record else None, posted)
            return _record_answer(conference, item, form=form, status=409, conflict=refused)
        if not isinstance(refused, ValidationFailed | InvalidTransition):
            raise refused  # someone else's change: the error message every page gives
        show_refusal(form, refused, "information_shared")
        status = 409 if isinstance(refused, InvalidTransition) else 422
        return _record_answer(conference, item, form=form, status=status)

    return answer


def _record_answer(
    conference: Conference,
    item: AgendaItem,
    *,
    form: RecordForm | None,
    status: int,
    conflict: RecordConflict | None = None,
    record: Discussion | None = None,
) -> ResponseReturnValue:
    """The record's region again. ``record``: the one just saved (else read now)."""
    if record is None:
        record = queries.records_for([item.id]).get(item.id)
    if not wants_partial():
        if status == 200:
            return go(url_for(".meeting", conference_id=conference.id, _anchor="record"))
        return console_response(conference, status=status, record_form=form, conflict=conflict)
    return partial_response(
        "meetings/_record_answer.html",
        status=status,
        conference=conference,
        item=item,
        current=item,
        record=record,
        record_form=form or record_form_for(record),
        conflict=conflict,
        missing=lifecycle.missing_now(item, record),
        RECORD_LABELS=RECORD_LABELS,
    )


@bp.post(
    "/conferences/<int:conference_id>/meeting/items/<int:item_id>"
    "/perpetrators/<int:perpetrator_id>/risk"
)
@login_required
def save_perpetrator_risk(
    conference_id: int, item_id: int, perpetrator_id: int
) -> ResponseReturnValue:
    """Save the meeting's view of one perpetrator's risk to others; a stale save is refused."""
    conference = load_driven(conference_id)
    item = item_of(conference, item_id)
    perpetrator = risks.perpetrator_of(item, perpetrator_id)
    form = risk_form_for(perpetrator.id, None, request.form)
    valid = form.validate()
    posted = read_posted(form, request.form)
    if not (valid and posted.settled):
        return _risk_answer(conference, item, perpetrator, form=form, status=422)
    on_refusal(_risk_refusal(conference, item, perpetrator, form, posted))
    _, merged = risks.save_risk(
        item,
        perpetrator,
        typed(form),
        version=version_of(form.version),
        actor=current_actor(),
        now=utcnow(),
        base=posted.base,
        keep=posted.keep,
    )
    kept = kept_message(merged, PERPETRATOR_RISK_LABELS)
    flash(f"The meeting's view of {perpetrator.name}'s risk is saved.{kept}", "success")
    return _risk_answer(conference, item, perpetrator, form=None, status=200)


def _risk_refusal(
    conference: Conference,
    item: AgendaItem,
    perpetrator: Perpetrator,
    form: PerpetratorRiskForm,
    posted: Posted,
) -> Answer:
    """As for the record: a stale save where both changed a part shows the two texts side by
    side (409), the typed text kept."""

    def answer(refused: Exception) -> ResponseReturnValue:
        if isinstance(refused, RecordConflict):
            risk = risks.risks_for([item.id]).get(item.id, {}).get(perpetrator.id)
            saved = {name: getattr(risk, name) if risk else "" for name in PERPETRATOR_RISK_FIELDS}
            show_merge(form, saved, risk.version if risk else None, posted)
            return _risk_answer(
                conference, item, perpetrator, form=form, status=409, conflict=refused
            )
        if not isinstance(refused, ValidationFailed | InvalidTransition):
            raise refused  # someone else's change: the error message every page gives
        show_refusal(form, refused, "risk_to_new_partner")
        status = 409 if isinstance(refused, InvalidTransition) else 422
        return _risk_answer(conference, item, perpetrator, form=form, status=status)

    return answer


def _risk_answer(
    conference: Conference,
    item: AgendaItem,
    perpetrator: Perpetrator,
    *,
    form: PerpetratorRiskForm | None,
    status: int,
    conflict: RecordConflict | None = None,
) -> ResponseReturnValue:
    forms = {perpetrator.id: form} if form is not None else {}
    if not wants_partial():
        if status == 200:
            anchor = f"perpetrator-risk-{item.id}-{perpetrator.id}"
            return go(
                url_for(
                    ".meeting", conference_id=conference.id, open="perpetrators", _anchor=anchor
                )
            )
        return console_response(
            conference, status=status, perpetrator_forms=forms, risk_conflict=conflict
        )
    actions = queries.actions_for([item.id]).get(item.id, [])
    context = perpetrators_context_for(item, actions, forms)
    return partial_response(
        "meetings/_perpetrator_risk.html",
        status=status,
        conference=conference,
        item=item,
        perpetrator=perpetrator,
        risk_conflict=conflict,
        **context,
    )


#: How the revisions page names each field it lists.
REVISION_LABELS = {
    **RECORD_LABELS,
    "opening_notes": "Opening notes",
    "other_business": "Any other business",
}


@bp.get("/conferences/<int:conference_id>/revisions")
@login_required
def revisions(conference_id: int) -> ResponseReturnValue:
    """Every save of the conference's case records and minutes' notes: who, when, where from,
    and each field before and after, so text someone else replaced can be read and copied.
    For whoever runs the meeting and writes its minutes; the cases shown are audited."""
    conference = load_driven(conference_id)
    kept = queries.revisions_of(conference.id)
    items = conference_queries.agenda_items(conference.id)
    shown = {revision.agenda_item_id for revision in kept}
    listing.record_view(
        current_actor(),
        "meeting.revisions_viewed",
        conference,
        [item for item in items if item.id in shown],
        now=utcnow(),
    )
    return render_template(
        "meetings/revisions.html",
        conference=conference,
        label=display.conference_label(conference),
        notes=[revision for revision in kept if revision.agenda_item_id is None],
        cases=[
            (item, [revision for revision in kept if revision.agenda_item_id == item.id])
            for item in items
            if item.id in shown
        ],
        labels=REVISION_LABELS,
        back=_back(conference),
    )


def _back(conference: Conference) -> tuple[str, str] | None:
    """Where the revisions page leads back to: the console while the meeting runs, then the
    minutes."""
    if conference.status is ConferenceStatus.IN_PROGRESS:
        return "The console", url_for(".meeting", conference_id=conference.id)
    if conference.status in (ConferenceStatus.CONCLUDED, ConferenceStatus.MINUTES_FINAL):
        return "The minutes", url_for("minutes.page", conference_id=conference.id)
    return None
