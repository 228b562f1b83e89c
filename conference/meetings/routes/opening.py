"""Opening a meeting: attendance, confidentiality, and the start."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from wtforms.fields.choices import SelectChoice

from conference.accounts.models import Agency, User
from conference.conferences import display, rules
from conference.conferences.choices import ConferenceStatus
from conference.db import utcnow
from conference.errors import InvalidTransition, ValidationFailed
from conference.extensions import db
from conference.meetings import opening, queries
from conference.meetings.choices import Presence
from conference.meetings.forms import AttendanceForm, AttendeeForm
from conference.meetings.models import Attendee
from conference.meetings.routes import bp, load_driven
from conference.meetings.routes.console import console_response
from conference.web.auth import current_actor, require
from conference.web.forms import show_refusal
from conference.web.htmx import go, render, wants_partial
from conference.web.requests import parse_id
from conference.web.unit import Answer, on_refusal


@bp.get("/conferences/<int:conference_id>/meeting")
@login_required
def meeting(conference_id: int) -> ResponseReturnValue:
    """The meeting: its opening before the start, the console while it runs."""
    conference = load_driven(conference_id)
    if conference.status is ConferenceStatus.IN_PROGRESS:
        # An action's change form, or a fold of the case, asked for without JavaScript:
        # the console with it open.
        opened = parse_id(request.args.get("change"))
        return console_response(
            conference,
            action_forms={str(opened): None} if opened is not None else {},
            open_fold=request.args.get("open"),
        )
    if conference.status in (ConferenceStatus.CONCLUDED, ConferenceStatus.MINUTES_FINAL):
        return redirect(url_for("minutes.page", conference_id=conference.id), 303)
    return opening_response(conference)


def opening_response(
    conference,
    *,
    status: int = 200,
    attendee_form: AttendeeForm | None = None,
    attendance_forms: dict[int, AttendanceForm] | None = None,
) -> ResponseReturnValue:
    now = utcnow()
    invited = queries.invited_agencies(conference.id)
    attendances = queries.attendances(conference.id)
    attendees = queries.attendees(conference.id)
    attendance_forms = attendance_forms or {}
    for agency in invited:
        attendance_forms.setdefault(agency.id, AttendanceForm(prefix=f"agency-{agency.id}"))
    return render(
        "meetings/opening.html",
        "meetings/_opening.html",
        status=status,
        conference=conference,
        label=display.conference_label(conference),
        statement=opening.statement_for(conference),
        invited=invited,
        by_agency={a.agency_id: a for a in attendances},
        attendees=attendees,
        attendee_form=attendee_form or _attendee_form(conference),
        attendance_forms=attendance_forms,
        readiness=opening.readiness(invited, attendances, attendees),
        gaps=opening.core_gaps(
            conference, invited, attendances, queries.returned_agency_ids(conference.id)
        ),
        not_yet=opening.why_not_open(conference, now),
        attendance_open=opening.attendance_open(conference, now),
        before_time=now < conference.starts_at,
        planned_start=rules.clock(rules.local(conference.starts_at, conference.marac.timezone)),
    )


def _attendee_form(conference, data=None) -> AttendeeForm:
    form = AttendeeForm(data)
    people = queries.people_who_may_attend(conference)
    form.person.choices = [SelectChoice("", "Choose a person")] + [
        SelectChoice(str(p.id), f"{p.name} ({p.agency.name})") for p in people
    ]
    form.agency_id.choices = [SelectChoice("", "Choose an agency")] + [
        SelectChoice(str(agency_id), name)
        for agency_id, name in queries.marac_agencies(conference.marac_id)
    ]
    return form


def _changed(
    conference, change: Callable[[], str], *, navigate: bool = False, **forms
) -> ResponseReturnValue:
    """Run one attendance change; answer with the opening (htmx) or go back to it."""
    on_refusal(_refusal_answer(conference, forms))
    message = change()
    flash(message, "success")
    if wants_partial() and not navigate:
        return opening_response(conference)
    return go(url_for(".meeting", conference_id=conference.id), new_page=navigate)


def _refusal_answer(conference, forms: dict[str, Any]) -> Answer:
    """The opening again: a rule of input broken beside the form's field (or above the page
    when no form was sent), 422; the meeting's state above the page, 409."""

    def answer(refused: Exception) -> ResponseReturnValue:
        if not isinstance(refused, ValidationFailed | InvalidTransition):
            raise refused  # someone else's change: the error message every page gives
        if isinstance(refused, ValidationFailed) and forms:
            form = next(iter(forms.values()))
            show_refusal(form, refused, next(iter(form._fields)))
        else:
            flash(str(refused), "error")
        status = 422 if isinstance(refused, ValidationFailed) else 409
        return opening_response(conference, status=status, **forms)

    return answer


@bp.post("/conferences/<int:conference_id>/meeting/attendance/<int:agency_id>")
@login_required
def attendance(conference_id: int, agency_id: int) -> ResponseReturnValue:
    """Record an agency's apologies (or presence), saying whether it sent its information."""
    conference = load_driven(conference_id)
    agency = db.get_or_404(Agency, agency_id)
    form = AttendanceForm(request.form, prefix=f"agency-{agency.id}")
    if not form.validate():
        return opening_response(conference, status=422, attendance_forms={agency.id: form})
    sent = {"yes": True, "no": False}.get(form.information_sent.data or "")

    def change() -> str:
        opening.set_attendance(
            conference,
            agency,
            presence=Presence(form.presence.data),
            information_sent=sent,
            actor=current_actor(),
            now=utcnow(),
        )
        return f"{agency.name}: {Presence(form.presence.data).label.lower()} recorded."

    return _changed(conference, change, attendance_forms={agency.id: form})


@bp.post("/conferences/<int:conference_id>/meeting/attendees")
@login_required
def add_attendee(conference_id: int) -> ResponseReturnValue:
    """Add a person present, with an account (from the list) or by name for their agency."""
    conference = load_driven(conference_id)
    form = _attendee_form(conference, request.form)
    form.validate()
    person = _get(User, form.person.data)
    agency = _get(Agency, person.agency_id if person else form.agency_id.data)

    def change() -> str:
        if form.errors:
            raise ValidationFailed(next(iter(form.errors.values()))[0], next(iter(form.errors)))
        if agency is None:
            raise ValidationFailed("Choose a person, or an agency and a name", "person")
        added = opening.add_attendee(
            conference,
            agency,
            name=form.name.data or "",
            job_title=form.job_title.data or "",
            user=person,
            is_observer=bool(form.observer.data),
            actor=current_actor(),
            now=utcnow(),
        )
        if added.is_observer:
            return f"{added.name} ({agency.name}) is listed as an observer."
        return f"{added.name} ({agency.name}) is listed as present."

    return _changed(conference, change, attendee_form=form)


def _get(model: type, value: object) -> Any:
    """The row a form's chosen id names, or None for nothing (or nonsense) chosen."""
    text = str(value or "")
    chosen = parse_id(text)
    return db.session.get(model, chosen) if chosen is not None else None


def _attendee(conference, attendee_id: int) -> Attendee:
    attendee = db.get_or_404(Attendee, attendee_id)
    require(attendee.conference_id == conference.id, hide=True)
    return attendee


@bp.post("/conferences/<int:conference_id>/meeting/attendees/<int:attendee_id>/accept")
@login_required
def accept(conference_id: int, attendee_id: int) -> ResponseReturnValue:
    """Record that one attendee accepted the confidentiality statement."""
    conference = load_driven(conference_id)
    attendee = _attendee(conference, attendee_id)

    def change() -> str:
        opening.accept_confidentiality(attendee, actor=current_actor(), now=utcnow())
        return f"{attendee.name} accepted the confidentiality statement."

    return _changed(conference, change)


@bp.post("/conferences/<int:conference_id>/meeting/attendees/accept-all")
@login_required
def accept_all(conference_id: int) -> ResponseReturnValue:
    """Record that everyone listed accepted the statement, as they confirm it aloud."""
    conference = load_driven(conference_id)

    def change() -> str:
        waiting = [
            a for a in queries.attendees(conference.id) if a.accepted_confidentiality_at is None
        ]
        for attendee in waiting:
            opening.accept_confidentiality(attendee, actor=current_actor(), now=utcnow())
        return f"Confidentiality accepted by {len(waiting)} more people."

    return _changed(conference, change)


@bp.post("/conferences/<int:conference_id>/meeting/attendees/<int:attendee_id>/remove")
@login_required
def remove_attendee(conference_id: int, attendee_id: int) -> ResponseReturnValue:
    """Take off someone listed by mistake (before the start only)."""
    conference = load_driven(conference_id)
    attendee = _attendee(conference, attendee_id)

    def change() -> str:
        opening.remove_attendee(attendee, actor=current_actor(), now=utcnow())
        return f"{attendee.name} is no longer listed."

    return _changed(conference, change)


@bp.post("/conferences/<int:conference_id>/meeting/start")
@login_required
def start(conference_id: int) -> ResponseReturnValue:
    """Start the meeting: attendance and confidentiality are done; open the first case."""
    conference = load_driven(conference_id)

    def change() -> str:
        opening.start(
            conference,
            invited=queries.invited_agencies(conference.id),
            actor=current_actor(),
            now=utcnow(),
            early=request.form.get("early") == "y",
        )
        return "The meeting has started. Open the first case."

    return _changed(conference, change, navigate=True)
