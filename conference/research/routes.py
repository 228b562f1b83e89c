"""Research pages: an agency's returns on each case of a published agenda."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from conference.conferences import display, listing
from conference.conferences import queries as conference_queries
from conference.conferences.choices import HELD
from conference.conferences.listing import CASE_SECTIONS, case_load
from conference.conferences.models import AgendaItem, Conference
from conference.conferences.permissions import does_research, researches
from conference.db import utcnow
from conference.errors import InvalidTransition, ValidationFailed
from conference.extensions import db
from conference.meetings import queries as meeting_queries
from conference.meetings.permissions import sees_held
from conference.research import queries, services
from conference.research.choices import Outcome, RiskFlag
from conference.research.forms import ReturnForm
from conference.research.models import ResearchReturn
from conference.web.auth import current_actor, require, requires
from conference.web.forms import show_refusal
from conference.web.htmx import wants_partial

bp = Blueprint("research", __name__)


@bp.get("/research/")
@requires(does_research)
def index() -> ResponseReturnValue:
    """The conferences the user's agency is invited to research."""
    actor, now = current_actor(), utcnow()
    conferences = queries.conferences_to_research(actor, now)
    ids = [c.id for c in conferences]
    return render_template(
        "research/index.html",
        conferences=conferences,
        done=queries.returned_counts(ids, actor.agency_id),
        cases=case_load(ids),
        labels={c.id: display.conference_label(c) for c in conferences},
        open={c.id: services.is_open(c, now) for c in conferences},
    )


def _load(conference_id: int) -> Conference:
    """The conference, if the user's agency is invited and its agenda published; else 404."""
    conference = db.session.get(Conference, conference_id)
    require(conference is not None, hide=True)
    assert conference is not None
    invited = conference_queries.invited_agency_ids(conference.id)
    actor = current_actor()
    require(researches(actor, conference, invited), hide=True)
    if conference.status in HELD:
        present = meeting_queries.present_agency_ids(conference.id)
        require(sees_held(actor, conference, present), hide=True)
    return conference


@bp.get("/research/<int:conference_id>")
@login_required
def conference(conference_id: int) -> ResponseReturnValue:
    """Every case on the agenda with the details needed to search records, and the returns."""
    return _page(_load(conference_id))


def _page(
    conference: Conference, forms: dict[int, ReturnForm] | None = None, status: int = 200
) -> ResponseReturnValue:
    actor, now = current_actor(), utcnow()
    items = [
        i
        for i in conference_queries.agenda_items(conference.id, with_people=True)
        if i.section in CASE_SECTIONS
    ]
    returns = queries.agency_returns(conference.id, actor.agency_id)
    forms = forms or {}
    for item in items:
        forms.setdefault(item.id, _form_for(item, returns.get(item.id)))
    listing.record_view(actor, "research.viewed", conference, items, now=now)
    db.session.commit()
    return render_template(
        "research/conference.html",
        conference=conference,
        items=items,
        returns=returns,
        forms=forms,
        label=display.conference_label(conference),
        is_open=services.is_open(conference, now),
        agency=actor.agency,
    ), status


def _form_for(item: AgendaItem, saved: ResearchReturn | None) -> ReturnForm:
    form = ReturnForm(prefix=f"item-{item.id}")
    if saved is not None:
        form.outcome.data = saved.outcome.value
        form.summary.data = saved.summary
        form.risk_flags.data = list(saved.risk_flags)
    return form


@bp.post("/research/<int:conference_id>/items/<int:item_id>")
@login_required
def save(conference_id: int, item_id: int) -> ResponseReturnValue:
    """Save the agency's return on one case; htmx swaps just that case."""
    conference = _load(conference_id)
    item = db.session.get(AgendaItem, item_id)
    require(item is not None and item.conference_id == conference.id, hide=True)
    assert item is not None
    actor, now = current_actor(), utcnow()
    form = ReturnForm(request.form, prefix=f"item-{item.id}")
    saved = queries.agency_returns(conference.id, actor.agency_id).get(item.id)
    if form.validate():
        try:
            saved = services.save_return(
                item,
                actor.agency,
                actor=actor,
                now=now,
                outcome=Outcome(form.outcome.data),
                summary=form.summary.data or "",
                risk_flags=[RiskFlag(flag) for flag in form.risk_flags.data or []],
                existing=saved,
            )
        except ValidationFailed as refused:
            db.session.rollback()
            show_refusal(form, refused, "outcome")
        except InvalidTransition as refused:
            db.session.rollback()
            flash(f"{refused}: your return on case {item.case.reference} was not saved.", "error")
            return _answer(conference, item, form, saved, now, status=409)
        else:
            db.session.commit()
            if not wants_partial():
                flash(f"Your return on case {item.case.reference} is saved.", "success")
                return redirect(
                    url_for(".conference", conference_id=conference.id, _anchor=f"case-{item.id}"),
                    303,
                )
    return _answer(conference, item, form, saved, now, status=422 if form.errors else 200)


def _answer(
    conference: Conference,
    item: AgendaItem,
    form: ReturnForm,
    saved: ResearchReturn | None,
    now: datetime,
    *,
    status: int,
) -> ResponseReturnValue:
    """The case's block for htmx (with any message out of band), else the whole page."""
    if not wants_partial():
        return _page(conference, forms={item.id: form}, status=status)
    block = render_template(
        "research/_return.html",
        item=item,
        form=form,
        saved=saved,
        conference=conference,
        is_open=services.is_open(conference, now),
        just_saved=status == 200,
    )
    return block + render_template("_layout/_flash.html", oob=True), status
