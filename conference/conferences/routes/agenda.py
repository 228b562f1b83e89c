"""A conference's agenda: reading it, ordering it, moving cases, publishing, the research grid."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypedDict

from flask import flash, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from wtforms.fields.choices import SelectChoice

from conference.conferences import display, listing, publishing, queries
from conference.conferences.choices import HELD, ConferenceStatus
from conference.conferences.forms import PlaceForm, RemoveForm
from conference.conferences.models import AgendaItem, Conference
from conference.conferences.permissions import manages, may_view_agenda, researches
from conference.conferences.routes import bp
from conference.db import utcnow
from conference.errors import InvalidTransition
from conference.extensions import db
from conference.meetings import queries as meeting_queries
from conference.meetings.permissions import drives, sees_held
from conference.referrals import perpetrators
from conference.referrals import services as case_services
from conference.referrals.choices import CaseStatus
from conference.referrals.models import Case
from conference.research import services as research
from conference.research.choices import RiskFlag
from conference.research.queries import returns_grid
from conference.web.auth import current_actor, require
from conference.web.htmx import go, render, wants_partial
from conference.web.loaders import load_conference, or_404
from conference.web.unit import on_refusal, refusal_beside, refusal_flashed


@bp.get("/conferences/<int:conference_id>")
@login_required
def agenda_page(conference_id: int) -> ResponseReturnValue:
    return _agenda_response(conference_id)


def _agenda_response(conference_id: int, status: int = 200) -> ResponseReturnValue:
    actor, now = current_actor(), utcnow()
    conference = load_conference(conference_id)
    invited = queries.invited_agency_ids(conference.id)
    require(may_view_agenda(actor, conference, invited), hide=True)
    running = drives(actor, conference)
    if conference.status in HELD:
        present = meeting_queries.present_agency_ids(conference.id)
        require(sees_held(actor, conference, present), hide=True)
    items = queries.agenda_items(conference.id)
    listing.record_view(actor, "agenda.viewed", conference, items, now=now)
    cases = [i for i in items if not i.section.is_standing]
    standing = len(items) - len(cases)
    return render(
        "conferences/agenda.html",
        "conferences/_agenda.html",
        status=status,
        conference=conference,
        items=items,
        sections=_sections(items),
        case_count=len(cases),
        standing_count=standing,
        standing_minutes=listing.STANDING_ITEM_MINUTES,
        person_flags=perpetrators.case_flags_for([i.case for i in cases], today=now.date()),
        predicted=listing.predicted_minutes(conference, len(cases), standing),
        returns=queries.return_counts(conference.id),
        invited_count=len(invited),
        managing=manages(actor, conference.marac_id) and conference.is_upcoming,
        coordinator=manages(actor, conference.marac_id),
        researching=researches(actor, conference, invited),
        research_open=research.is_open(conference, now),
        changes=queries.changes(conference.id) if conference.is_published else [],
        label=display.conference_label(conference),
        now=now,
        running=running,
        following=actor.id in meeting_queries.following_user_ids(conference.id)
        if conference.status is ConferenceStatus.IN_PROGRESS
        else False,
    )


def _sections(items: list[AgendaItem]) -> list[tuple[Any, list[AgendaItem]]]:
    """The agenda's parts in meeting order: each section, and overdue actions on cases with
    children apart, heard after the children's cases."""
    grouped: dict[Any, list[AgendaItem]] = {}
    for item in items:
        key = (
            HeardWithChildren() if listing.hearing_rank(item) != item.section.rank else item.section
        )
        grouped.setdefault(key, []).append(item)
    return list(grouped.items())


@dataclass(frozen=True)
class HeardWithChildren:
    """The agenda part of overdue actions on cases with children, named as a section is."""

    label: str = "Overdue actions on cases with children (heard with the children's cases)"
    is_standing: bool = True
    value: str = "overdue_actions_children"


def _managed_item(conference_id: int, item_id: int) -> tuple[Conference, AgendaItem]:
    conference = load_conference(conference_id)
    require(manages(current_actor(), conference.marac_id), hide=True)
    item = db.get_or_404(AgendaItem, item_id)
    require(item.conference_id == conference.id, hide=True)
    return conference, item


@bp.post("/conferences/<int:conference_id>/items/<int:item_id>/up")
@login_required
def move_up(conference_id: int, item_id: int) -> ResponseReturnValue:
    """Move an item up one place in its section (htmx swaps the agenda; else the page)."""
    return _shift(conference_id, item_id, -1)


@bp.post("/conferences/<int:conference_id>/items/<int:item_id>/down")
@login_required
def move_down(conference_id: int, item_id: int) -> ResponseReturnValue:
    """Move an item down one place in its section."""
    return _shift(conference_id, item_id, 1)


def _shift(conference_id: int, item_id: int, step: int) -> ResponseReturnValue:
    _, item = _managed_item(conference_id, item_id)
    on_refusal(refusal_flashed(lambda status: _agenda_response(conference_id, status=status)))
    listing.shift(item, step, actor=current_actor(), now=utcnow())
    if wants_partial():
        return _agenda_response(conference_id)
    # Without JavaScript: back to the page, so reloading it cannot move the case again.
    return go(url_for(".agenda_page", conference_id=conference_id, _anchor=f"item-{item_id}"))


@bp.post("/conferences/<int:conference_id>/publish")
@login_required
def publish(conference_id: int) -> ResponseReturnValue:
    """Publish the agenda: invite the agencies and open research."""
    actor = current_actor()
    conference = load_conference(conference_id)
    require(manages(actor, conference.marac_id), hide=True)
    back = url_for(".agenda_page", conference_id=conference_id)
    # Refused or not, the user goes back to the agenda, where the message is shown.
    on_refusal(refusal_flashed(lambda _status: go(back)))
    invited = publishing.publish(conference, actor=actor, now=utcnow())
    flash(
        f"Agenda published. {invited} agencies are invited and their representatives told; "
        "research is open.",
        "success",
    )
    return go(back)


@bp.route("/conferences/<int:conference_id>/items/<int:item_id>/move", methods=["GET", "POST"])
@login_required
def move_item(conference_id: int, item_id: int) -> ResponseReturnValue:
    """Move a case to another conference."""
    conference, item = _managed_item(conference_id, item_id)

    def move(target: Conference, form: PlaceForm) -> str:
        listing.move(item, target, actor=current_actor(), now=utcnow(), **_reasons(form))
        return f"Case {item.case.reference} moved to {display.conference_label(target)}."

    return _place_page(item.case, conference, move, back_to=conference)


@bp.route("/conferences/<int:conference_id>/items/<int:item_id>/remove", methods=["GET", "POST"])
@login_required
def remove_item(conference_id: int, item_id: int) -> ResponseReturnValue:
    """Take a case off the agenda and back to the cases waiting for a conference."""
    conference, item = _managed_item(conference_id, item_id)
    form = RemoveForm(request.form if request.method == "POST" else None)

    def page(status: int) -> ResponseReturnValue:
        case_services.record_view(current_actor(), item.case, page="agenda-remove", now=utcnow())
        return render_template(
            "conferences/remove.html",
            form=form,
            item=item,
            returns=queries.return_counts(conference.id).get(item.id, 0),
            name=queries.victim_names([item.case_id]).get(item.case_id, ""),
            conference=conference,
        ), status

    if request.method != "POST" or not form.validate():
        return page(422 if form.errors else 200)
    on_refusal(refusal_beside(form, "reason", page))
    case = listing.remove(item, actor=current_actor(), reason=form.reason.data or "", now=utcnow())
    where = "" if item.section.is_standing else " It is waiting to be listed."
    flash(f"Case {case.reference} is off this agenda.{where}", "success")
    return go(url_for(".agenda_page", conference_id=conference.id))


@bp.route("/cases/<int:case_id>/list", methods=["GET", "POST"])
@login_required
def list_case(case_id: int) -> ResponseReturnValue:
    """List a waiting case on a conference the coordinator chooses."""
    case = db.get_or_404(Case, case_id)
    require(manages(current_actor(), case.marac_id), hide=True)

    def list_it(target: Conference, form: PlaceForm) -> str:
        if case.status is not CaseStatus.OPEN:
            raise InvalidTransition(f"Case {case.reference} is already listed")
        listing.add_case(target, case, actor=current_actor(), now=utcnow(), **_reasons(form))
        return f"Case {case.reference} is listed on {display.conference_label(target)}."

    return _place_page(case, None, list_it, back_to=None)


class _Reasons(TypedDict):
    reason: str
    over_capacity_reason: str


def _reasons(form: PlaceForm) -> _Reasons:
    return {
        "reason": form.reason.data or "",
        "over_capacity_reason": form.over_capacity_reason.data or "",
    }


def _place_page(
    case: Case,
    conference: Conference | None,
    place: Callable[[Conference, PlaceForm], str],
    *,
    back_to: Conference | None,
) -> ResponseReturnValue:
    """The form choosing a conference for a case; on success, place() says what it did."""
    form = _place_form(case.marac_id, exclude=conference.id if conference else None)

    def page(status: int) -> ResponseReturnValue:
        where = "agenda-move" if conference else "agenda-list"
        case_services.record_view(current_actor(), case, page=where, now=utcnow())
        return render_template(
            "conferences/place.html",
            form=form,
            case=case,
            name=queries.victim_names([case.id]).get(case.id, ""),
            conference=conference,
        ), status

    if request.method != "POST" or not form.validate():
        return page(422 if form.errors else 200)
    wanted = int(form.conference_id.data)
    target = or_404(queries.conferences_by_id({wanted}).get(wanted))
    on_refusal(refusal_beside(form, "conference_id", page))
    message = place(target, form)
    flash(message, "success")
    return go(url_for(".agenda_page", conference_id=(back_to or target).id))


def _place_form(marac_id: int, exclude: int | None = None) -> PlaceForm:
    form = PlaceForm(request.form if request.method == "POST" else None)
    now = utcnow()
    upcoming = [c for c in queries.upcoming_in(marac_id, now) if c.id != exclude]
    load = listing.case_load([c.id for c in upcoming])
    form.conference_id.choices = [
        SelectChoice(
            str(c.id),
            f"{display.conference_label(c)}: {load.get(c.id, 0)} of {c.capacity} cases"
            + (", agenda published" if c.is_published else "")
            + (", full" if load.get(c.id, 0) >= c.capacity else ""),
        )
        for c in upcoming
    ]
    return form


@bp.get("/conferences/<int:conference_id>/research")
@login_required
def research_grid(conference_id: int) -> ResponseReturnValue:
    """Which agency has returned research on which case; missing returns stand out."""
    actor, now = current_actor(), utcnow()
    conference = load_conference(conference_id)
    require(manages(actor, conference.marac_id), hide=True)
    items = [i for i in queries.agenda_items(conference.id) if not i.section.is_standing]
    grid = returns_grid(conference.id)
    listing.record_view(actor, "research.grid_viewed", conference, items, now=now)
    return render_template(
        "conferences/research_grid.html",
        conference=conference,
        items=items,
        agencies=grid.agencies,
        returns=grid.returns,
        sent_with_apologies=meeting_queries.sent_with_apologies(conference.id),
        label=display.conference_label(conference),
        research_open=research.is_open(conference, now),
        flag_labels={flag.value: flag.label for flag in RiskFlag},
    )
