"""Research pages: an agency's returns on each case of a published agenda."""

from __future__ import annotations

from datetime import datetime
from typing import Any

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
from conference.errors import ValidationFailed
from conference.extensions import db
from conference.meetings import queries as meeting_queries
from conference.meetings.permissions import sees_held
from conference.referrals import perpetrators
from conference.research import queries, services
from conference.research.choices import Outcome, RiskFlag
from conference.research.forms import ReturnForm
from conference.research.models import ResearchReturn
from conference.web.auth import current_actor, require, requires
from conference.web.forms import show_refusal, version_of
from conference.web.htmx import partial_response, wants_partial
from conference.web.merging import Posted, kept_message, read_posted, show_merge
from conference.web.requests import parse_id
from conference.web.unit import Answer, Refusal, on_refusal

bp = Blueprint("research", __name__)


@bp.get("/research/")
@requires(does_research)
def index() -> ResponseReturnValue:
    """The conferences the user's agency is invited to research."""
    actor, now = current_actor(), utcnow()
    listed = queries.conferences_to_research(actor, now)
    present = meeting_queries.present_agencies_for([c.id for c in listed])
    # A meeting its agency sent apologies to is no longer open to it once it starts.
    conferences = [c for c in listed if sees_held(actor, c, present.get(c.id, ()))]
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
    conference = db.get_or_404(Conference, conference_id)
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
    conference: Conference,
    forms: dict[int, ReturnForm] | None = None,
    status: int = 200,
    typed: dict[int, dict[int, str]] | None = None,
    conflict_item_id: int | None = None,
) -> ResponseReturnValue:
    actor, now = current_actor(), utcnow()
    items = [
        i
        for i in conference_queries.agenda_items(conference.id, with_people=True)
        if i.section in CASE_SECTIONS
    ]
    returns = queries.agency_returns(conference.id, actor.agency_id)
    forms = forms or {}
    typed = typed or {}
    for item in items:
        forms.setdefault(item.id, _form_for(item, returns.get(item.id)))
        typed.setdefault(item.id, _saved_findings(returns.get(item.id)))
    listing.record_view(actor, "research.viewed", conference, items, now=now)
    return render_template(
        "research/conference.html",
        conference=conference,
        items=items,
        returns=returns,
        forms=forms,
        perpetrators={i.id: list(i.referral.perpetrators) if i.referral else [] for i in items},
        findings=typed,
        label=display.conference_label(conference),
        is_open=services.is_open(conference, now),
        agency=actor.agency,
        # Counted from what the page already holds: the agenda's cases and this agency's
        # returns (queries.returned_count asks the database the same, for a saved case alone).
        returned=(len(returns.keys() & {i.id for i in items}), len(items)),
        person_flags=perpetrators.case_flags_for([i.case for i in items], today=now.date()),
        conflict_item_id=conflict_item_id,
    ), status


def _saved_findings(saved: ResearchReturn | None) -> dict[int, str]:
    """Perpetrator id -> what the saved return says on him."""
    return {f.perpetrator_id: f.summary for f in saved.findings} if saved else {}


def _typed_findings(item: AgendaItem) -> dict[int, str]:
    """Perpetrator id -> what was typed on him, from the posted form."""
    prefix = f"item-{item.id}-perpetrator-"
    typed = {
        parse_id(key.removeprefix(prefix)): value
        for key, value in request.form.items()
        if key.startswith(prefix)
    }
    return {perpetrator_id: v for perpetrator_id, v in typed.items() if perpetrator_id is not None}


def _posted_base(item: AgendaItem, form: ReturnForm, summary: str | None) -> dict[str, str | None]:
    """Each merged part of the return as the posted copy started from it (None for a part it
    did not carry); kept on the form, so a page shown again sends it back."""
    base: dict[str, str | None] = {"summary": summary}
    for name in ("outcome", "risk_flags"):
        base[name] = request.form.get(f"{form[name].name}.base")
    prefix = f"item-{item.id}-perpetrator-"
    for key, value in request.form.items():
        perpetrator_id = parse_id(key.removeprefix(prefix).removesuffix(".base"))
        if key.startswith(prefix) and key.endswith(".base") and perpetrator_id is not None:
            base[services.finding_field(perpetrator_id)] = value
    form.other_base = {k: v for k, v in base.items() if v is not None and k != "summary"}
    return base


def _form_for(item: AgendaItem, saved: ResearchReturn | None) -> ReturnForm:
    form = ReturnForm(prefix=f"item-{item.id}")
    form.version.data = str(saved.version) if saved else ""
    if saved is not None:
        form.outcome.data = saved.outcome.value
        form.summary.data = saved.summary
        form.risk_flags.data = list(saved.risk_flags)
    form.other_base = services.return_values(saved)
    return form


@bp.post("/research/<int:conference_id>/items/<int:item_id>")
@login_required
def save(conference_id: int, item_id: int) -> ResponseReturnValue:
    """Save the agency's return on one case; htmx swaps just that case."""
    conference = _load(conference_id)
    item = db.get_or_404(AgendaItem, item_id)
    require(item.conference_id == conference.id, hide=True)
    actor, now = current_actor(), utcnow()
    form = ReturnForm(request.form, prefix=f"item-{item.id}")
    existing = queries.agency_returns(conference.id, actor.agency_id).get(item.id)
    valid = form.validate()
    posted = read_posted(form, request.form)
    base = _posted_base(item, form, posted.base.get("summary") if posted.base else None)
    if not (valid and posted.settled):
        return _answer(conference, item, form, existing, now, status=422)
    on_refusal(_refused(conference, item, form, existing, now, posted))
    saved, merged = services.save_return(
        item,
        actor.agency,
        actor=actor,
        now=now,
        existing=existing,
        version=version_of(form.version),
        findings=_typed_findings(item),
        base=base if any(value is not None for value in base.values()) else None,
        keep=posted.keep,
        **_return_values(form),
    )
    kept = kept_message(merged, RETURN_LABELS)
    if wants_partial():
        if kept:
            flash(f"Your return on case {item.case.reference} is saved.{kept}", "success")
        return _answer(conference, item, _form_for(item, saved), saved, now, status=200)
    flash(f"Your return on case {item.case.reference} is saved.{kept}", "success")
    anchor = f"case-{item.id}"
    return redirect(url_for(".conference", conference_id=conference.id, _anchor=anchor), 303)


#: How the message after a merged save names each part of a return.
RETURN_LABELS = {
    "outcome": "what your records show",
    "summary": "what your agency will share",
    "risk_flags": "the risks",
}


def _return_values(form: ReturnForm) -> dict[str, Any]:
    return {
        "outcome": Outcome(form.outcome.data),
        "summary": form.summary.data or "",
        "risk_flags": [RiskFlag(flag) for flag in form.risk_flags.data or []],
    }


def _refused(
    conference: Conference,
    item: AgendaItem,
    form: ReturnForm,
    existing: ResearchReturn | None,
    now: datetime,
    posted: Posted,
) -> Answer:
    """How a refused return is answered: a rule of input broken beside its field (422); a
    return saved by someone else meanwhile, theirs beside the typing (409); a return that
    cannot be made (research closed, a standing item) as a message (409)."""

    def answer(refused: Refusal) -> ResponseReturnValue:
        if isinstance(refused, ValidationFailed):
            show_refusal(form, refused, "outcome")
            return _answer(conference, item, form, existing, now, status=422)
        if isinstance(refused, services.ReturnConflict):
            theirs = queries.agency_returns(conference.id, current_actor().agency_id).get(item.id)
            typed = _merge_shown(item, form, theirs, refused, posted)
            flash(
                f"Your return on case {item.case.reference} was not saved: someone else at your "
                "agency saved it first. Both versions are shown with the case.",
                "error",
            )
            return _answer(
                conference, item, form, theirs, now, status=409, conflict=True, typed=typed
            )
        flash(f"{refused}: your return on case {item.case.reference} was not saved.", "error")
        return _answer(conference, item, form, existing, now, status=409)

    return answer


def _merge_shown(
    item: AgendaItem,
    form: ReturnForm,
    theirs: ResearchReturn | None,
    refused: services.ReturnConflict,
    posted: Posted,
) -> dict[int, str]:
    """Set the form on the return saved now after a refused stale save: the next save is made
    at their version, from their values. A merged save keeps each part only they changed as
    theirs and sets the summary side by side when both changed it; a part both changed
    otherwise, or a copy that carried no base, keeps the typing beside their whole return.
    Returns the findings to show, perpetrator id -> text."""
    saved = services.return_values(theirs)
    typed = _typed_findings(item)
    version = theirs.version if theirs else None
    merged = refused.merge
    if merged is None:
        form.version.data = "" if version is None else str(version)
        form.base = {"summary": saved.get("summary", "")}
        form.other_base = {k: v for k, v in saved.items() if k != "summary"}
        return typed
    show_merge(form, saved, version, posted)
    values = merged.values
    if "outcome" in merged.theirs:
        form.outcome.data = values["outcome"]
    if "risk_flags" in merged.theirs:
        form.risk_flags.data = [flag for flag in values["risk_flags"].split(",") if flag]
    for name in merged.theirs:
        perpetrator_id = parse_id(name.removeprefix("finding-"))
        if name.startswith("finding-") and perpetrator_id is not None:
            typed[perpetrator_id] = values[name]
    form.other_base = {k: v for k, v in saved.items() if k != "summary"}
    return typed


def _answer(
    conference: Conference,
    item: AgendaItem,
    form: ReturnForm,
    saved: ResearchReturn | None,
    now: datetime,
    *,
    status: int,
    conflict: bool = False,
    typed: dict[int, str] | None = None,
) -> ResponseReturnValue:
    """The case's block for htmx (with any message out of band), else the whole page.
    ``conflict``: someone else saved first; ``saved`` is theirs, the form holds the typing."""
    if typed is None:
        typed = _saved_findings(saved) if status == 200 else _typed_findings(item)
    if not wants_partial():
        return _page(
            conference,
            forms={item.id: form},
            status=status,
            typed={item.id: typed},
            conflict_item_id=item.id if conflict else None,
        )
    return partial_response(
        "research/_saved.html",
        status=status,
        returned=queries.returned_count(conference.id, current_actor().agency_id),
        item=item,
        form=form,
        saved=saved,
        conference=conference,
        is_open=services.is_open(conference, now),
        just_saved=status == 200,
        conflict_item_id=item.id if conflict else None,
        perpetrators={item.id: conference_queries.item_perpetrators(item)},
        findings={item.id: typed},
    )
