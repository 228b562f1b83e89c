"""The chair's console: one screen for the whole meeting, each change saved in place."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask import abort, flash, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_htmx import make_response
from flask_login import login_required

from conference.actions.models import Action
from conference.actions.queries import to_review
from conference.conferences import display, listing, planning
from conference.conferences.choices import ConferenceStatus
from conference.conferences.models import AgendaItem, Conference
from conference.conferences.queries import item_perpetrators
from conference.db import utcnow
from conference.errors import InvalidTransition
from conference.meetings import closing, console, opening, queries, risks
from conference.meetings.choices import Presence
from conference.meetings.forms import (
    PERPETRATOR_RISK_LABELS,
    RECORD_LABELS,
    RISK_LABELS,
    ActionForm,
    DeferForm,
    PerpetratorRiskForm,
    RecordForm,
    ReviewForm,
)
from conference.meetings.models import Attendance, Discussion, Meeting, PerpetratorRisk
from conference.meetings.permissions import sees_safe_contact
from conference.meetings.routes import STOP_POLLING, bp, load_driven
from conference.referrals import perpetrators as perpetrator_flags
from conference.referrals.models import Perpetrator
from conference.research.choices import RiskFlag
from conference.system_issues import queries as issue_queries
from conference.voice.queries import voices_for
from conference.web.auth import current_actor
from conference.web.htmx import go, partial_response, render, wants_partial
from conference.web.loaders import item_of
from conference.web.requests import parse_id
from conference.web.unit import on_refusal, refusal_flashed, refusal_shown


def console_response(
    conference: Conference, *, status: int = 200, shown: AgendaItem | None = None, **forms: Any
) -> ResponseReturnValue:
    """The whole console: the agenda down the side, the current case in the middle.

    ``shown``: a case to show in the middle instead, such as an earlier one whose form is
    shown again with its problems (without JavaScript). A meeting not running (not started
    yet, or concluded) sends the user to its opening or its minutes instead.
    """
    if conference.status is not ConferenceStatus.IN_PROGRESS:
        return go(url_for(".meeting", conference_id=conference.id), new_page=True)
    return render(
        "meetings/console.html",
        "meetings/_console.html",
        status=status,
        **_console_context(conference, shown=shown, **forms),
    )


def _console_context(
    conference: Conference, *, shown: AgendaItem | None = None, **forms: Any
) -> dict[str, Any]:
    actor, now = current_actor(), utcnow()
    items = queries.agenda_of(conference)
    meeting = queries.meeting_for(conference.id)
    assert meeting is not None  # a meeting in progress always has one
    context = _main_context(
        conference,
        items,
        meeting,
        now=now,
        flagged=[i for i in items if not i.section.is_standing],
        shown=shown,
        **forms,
    )
    context["waiting"] = closing.still_open(items)
    # The agenda column names every victim: the view is audited with all of them.
    listing.record_view(actor, "meeting.console_viewed", conference, items, now=now)
    return context


def _main_context(
    conference: Conference,
    items: list[AgendaItem],
    meeting: Meeting,
    *,
    now: datetime,
    flagged: list[AgendaItem],
    shown: AgendaItem | None = None,
    **forms: Any,
) -> dict[str, Any]:
    """What the case column needs (the bar, the gaps, the case), with the person flags of the
    items listed in ``flagged`` (the agenda rows shown beside it) and of the case itself."""
    current = next((i for i in items if i.id == meeting.current_item_id), None)
    middle = shown or current
    flag_cases = {i.case_id: i.case for i in flagged if not i.section.is_standing}
    if middle is not None and not middle.section.is_standing:
        flag_cases[middle.case_id] = middle.case
    invited = queries.invited_agencies(conference.id)
    attendances = queries.attendances(conference.id)
    context: dict[str, Any] = {
        "conference": conference,
        "label": display.conference_label(conference),
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
            attendances,
            queries.returned_agency_ids(conference.id),
        ),
        "now": now,
        "person_flags": perpetrator_flags.case_flags_for(
            list(flag_cases.values()), today=now.date()
        ),
    }
    if middle is not None:
        context.update(case_context_for(conference, middle, attendances=attendances, **forms))
    if current is not None and current is not middle:
        queries.with_people(current)  # the case column's heading and summary are its
    return context


@dataclass(frozen=True)
class Fold:
    """A fold of the case drawn only when it is opened (templates/meetings/_macros.html's
    fold): the chair moves between cases faster than she opens them."""

    #: The part of the case it shows, once drawn.
    template: str
    #: The forms that, showing a problem, draw it at once.
    problem_forms: tuple[str, ...] = ()


FOLDS = {
    "research": Fold("meetings/_research_returns.html"),
    "perpetrators": Fold(
        "meetings/_perpetrator_forms.html", ("perpetrator_forms", "risk_conflict")
    ),
    "issue": Fold("meetings/_issue_form.html", ("issue_form",)),
    "defer": Fold("meetings/_defer_form.html", ("defer_form",)),
}


def folds_drawn(asked: str | None, forms: dict[str, Any]) -> frozenset[str]:
    """The folds drawn now: the one asked for (a link followed without JavaScript) and every
    one whose form shows a problem."""
    drawn = {
        name for name, fold in FOLDS.items() if any(forms.get(key) for key in fold.problem_forms)
    }
    if asked in FOLDS:
        drawn.add(asked)
    return frozenset(drawn)


def case_context_for(
    conference: Conference,
    item: AgendaItem,
    *,
    attendances: list[Attendance] | None = None,
    **forms: Any,
) -> dict[str, Any]:
    """What the case needs on the console. ``attendances``: the meeting's, when already read;
    ``forms``: those showing a problem, and ``open_fold``, a fold asked for without
    JavaScript."""
    actor = current_actor()
    folds = folds_drawn(forms.get("open_fold"), forms)
    perpetrators = queries.with_people(item)
    record = queries.records_for([item.id]).get(item.id)
    actions = queries.actions_for([item.id]).get(item.id, [])
    overdue = to_review(item, display.local_day(conference))
    review_forms = forms.get("review_forms") or {}
    for action, _ in overdue:
        review_forms.setdefault(action.id, review_form_for(action))
    context = {
        "overdue": overdue,
        "review_forms": review_forms,
        "record": record,
        "record_form": forms.get("record_form") or record_form_for(record),
        "conflict": forms.get("conflict"),
        "action_conflict": forms.get("action_conflict"),
        "perpetrators": perpetrators,
        **actions_context_for(
            conference,
            item,
            actions,
            forms.get("action_forms") or {},
            perpetrators,
            attendances=attendances,
        ),
        "voice": voices_for([item.id]).get(item.id),
        "show_safe_contact": sees_safe_contact(actor, item.case),
        "earlier": queries.earlier_hearings(item),
        "missing": console.missing_for_discussed(
            item, record, len(actions), sum(1 for _, decision in overdue if decision is None)
        ),
        "RECORD_LABELS": RECORD_LABELS,
        "case_issues": issue_queries.raised_on_case(conference.id, item.case_id),
        "folds": folds,
    }
    for name in folds:
        context.update(fold_context(conference, item, name, actions, perpetrators, forms))
    if "research" not in folds:
        context["returns_count"] = queries.returns_count(item.id)
    return context


def fold_context(
    conference: Conference,
    item: AgendaItem,
    name: str,
    actions: list[Action] | None = None,
    perpetrators: list[Perpetrator] | None = None,
    forms: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """What one fold of the case shows once drawn. ``actions`` and ``perpetrators``: the
    case's, when already read; ``forms``: those showing a problem."""
    from conference.meetings.routes import issues  # the console's parts import this module

    forms = forms or {}
    if name == "research":
        returns = queries.returns_for(item.id)
        return {
            "returns": returns,
            "returns_count": len(returns),
            "flag_labels": {flag.value: flag.label for flag in RiskFlag},
        }
    if name == "perpetrators":
        if actions is None:
            actions = queries.actions_for([item.id]).get(item.id, [])
        return {
            "risk_conflict": forms.get("risk_conflict"),
            **perpetrators_context_for(
                item, actions, forms.get("perpetrator_forms") or {}, perpetrators
            ),
        }
    if name == "issue":
        return {"issue_form": forms.get("issue_form") or issues.issue_form_for(conference, item)}
    return {"defer_form": forms.get("defer_form") or DeferForm()}


def perpetrators_context_for(
    item: AgendaItem,
    actions: list[Action],
    forms: dict[int, PerpetratorRiskForm],
    perpetrators: list[Perpetrator] | None = None,
) -> dict[str, Any]:
    """Each perpetrator of the case with the meeting's view of his risk, its form, and the
    onward referrals agreed for him. ``perpetrators``: the case's, when already read."""
    if perpetrators is None:
        perpetrators = item_perpetrators(item)
    saved = risks.risks_for([item.id]).get(item.id, {})
    return {
        "perpetrators": perpetrators,
        "perpetrator_risks": saved,
        "perpetrator_forms": {
            p.id: forms.get(p.id) or risk_form_for(p.id, saved.get(p.id)) for p in perpetrators
        },
        "perpetrator_actions": {
            p.id: [a for a in actions if a.perpetrator_id == p.id] for p in perpetrators
        },
        "PERPETRATOR_RISK_LABELS": PERPETRATOR_RISK_LABELS,
    }


def risk_form_for(
    perpetrator_id: int, risk: PerpetratorRisk | None, data: Any = None
) -> PerpetratorRiskForm:
    prefix = f"perpetrator-{perpetrator_id}"
    if data is not None:
        return PerpetratorRiskForm(data, prefix=prefix)
    form = PerpetratorRiskForm(obj=risk, prefix=prefix)
    form.version.data = str(risk.version) if risk else ""
    return form


def actions_context_for(
    conference: Conference,
    item: AgendaItem,
    actions: list[Action],
    forms: dict[str, ActionForm | None],
    perpetrators: list[Perpetrator] | None = None,
    *,
    attendances: list[Attendance] | None = None,
) -> dict[str, Any]:
    """The case's action plan: the agreed actions, the form to agree another, and the change
    forms asked for. ``perpetrators`` and ``attendances``: the case's and the meeting's, when
    already read."""
    if attendances is None:
        attendances = queries.attendances(conference.id)
    present = {a.agency_id for a in attendances if a.presence is Presence.PRESENT}
    agencies = console.present_first(queries.marac_agencies(conference.marac_id), present)
    day = display.local_day(conference)
    due_in = _usual_due_in(conference)
    new = forms.get("new") or ActionForm(
        prefix=f"new-{item.id}", data={"priority": "medium", "due_in": str(due_in)}
    )
    new.set_choices(agencies, day)
    if perpetrators is None:
        perpetrators = item_perpetrators(item)
    new.set_perpetrators([(p.id, p.name) for p in perpetrators])
    # Only the change forms asked for (opened from an action's link, or shown again with a
    # problem): a form for every agreed action cost more than the rest of the plan.
    edits = {}
    for action in actions:
        if str(action.id) not in forms:
            continue
        form = forms[str(action.id)] or action_form_for(action)
        form.set_choices(agencies, day)
        edits[action.id] = form
    return {
        "item": item,
        "actions": actions,
        "new_action": new,
        "action_forms": edits,
        "risk_labels": RISK_LABELS,
    }


def _usual_due_in(conference: Conference) -> int:
    frequency, interval_weeks = planning.rule_interval(conference.marac_id)
    return console.usual_due_in(frequency.value if frequency else None, interval_weeks)


def usual_due_on(conference: Conference) -> date:
    """The due date an action gets unless the chair picks another: the MARAC's usual
    interval after the meeting's day."""
    return display.local_day(conference) + timedelta(days=_usual_due_in(conference))


def review_form_for(action: Action, data: Any = None) -> ReviewForm:
    form = ReviewForm(data, prefix=f"review-{action.id}")
    if data is None:
        form.version.data = str(action.version)
        form.other_base = console.action_values(action)
    return form


def record_form_for(record: Discussion | None, data: Any = None) -> RecordForm:
    if data is not None:
        return RecordForm(data)
    form = RecordForm(obj=record) if record else RecordForm()
    form.version.data = str(record.version) if record else ""
    return form


def action_form_for(action: Action, data: Any = None) -> ActionForm:
    form = ActionForm(data, prefix=f"action-{action.id}", obj=None if data else action)
    if data is None:
        form.owner_agency_id.data = str(action.owner_agency_id)
        form.priority.data = action.priority.value
        form.due_in.data = "other"
        form.version.data = str(action.version)
        form.other_base = console.action_values(action)
    return form


def _step(conference_id: int, change: Callable[[Conference], str | None]) -> ResponseReturnValue:
    """Run a console change that moves or closes a case, and answer with the whole console."""
    conference = load_driven(conference_id)
    on_refusal(refusal_flashed(lambda status: console_response(conference, status=status)))
    message = change(conference)
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


def _open(
    conference_id: int, choose: Callable[[Conference, Meeting, list[AgendaItem]], AgendaItem]
) -> ResponseReturnValue:
    """Put another case on screen (the next, the previous, or one chosen).

    An htmx request from a screen that showed the case on screen for everyone (its ``shown``)
    is answered with the case column and, out of band, the agenda rows the move changed: the
    rest of its agenda is as it was, and a move must be quick. A screen another driver had
    moved on from gets the whole console again, as does a request without JavaScript."""
    conference = load_driven(conference_id)
    partial = wants_partial()
    shown = parse_id(request.form.get("shown", "")) if "shown" in request.form else -1
    items = queries.agenda_of(conference)
    before = {item.id: item.status for item in items}
    start: dict[str, Any] = {}  # the meeting, once read, and the case it had on screen

    def answer(status: int) -> ResponseReturnValue:
        if not partial or conference.status is not ConferenceStatus.IN_PROGRESS:
            return console_response(conference, status=status)
        if "meeting" not in start or start["on_screen"] != shown:
            return _whole_console(conference, status)
        meeting: Meeting = start["meeting"]
        # A refusal rolled the request back: the agenda is read again in one query, not
        # item by item.
        agenda = items if status == 200 else queries.agenda_of(conference)
        on_screen = {start["on_screen"], meeting.current_item_id}
        changed = [i for i in agenda if i.status != before[i.id] or i.id in on_screen]
        actor, now = current_actor(), utcnow()
        context = _main_context(conference, agenda, meeting, now=now, flagged=changed)
        listing.record_view(actor, "meeting.console_viewed", conference, changed, now=now)
        return partial_response(
            "meetings/_console_moved.html", status=status, changed=changed, **context
        )

    on_refusal(refusal_flashed(answer))
    meeting = start["meeting"] = _meeting(conference)
    start["on_screen"] = meeting.current_item_id
    console.open_item(
        meeting, choose(conference, meeting, items), actor=current_actor(), now=utcnow()
    )
    if partial:
        return answer(200)
    return go(url_for(".meeting", conference_id=conference.id, _anchor="case"))


def _whole_console(conference: Conference, status: int) -> ResponseReturnValue:
    """The whole console, in place of the region the request asked to swap."""
    whole = console_response(conference, status=status)
    return make_response(whole, retarget="#console", reswap="outerHTML")


@bp.get("/conferences/<int:conference_id>/meeting/items/<int:item_id>/folds/<name>")
@login_required
def fold(conference_id: int, item_id: int, name: str) -> ResponseReturnValue:
    """One fold of a case, drawn the first time it is opened: in place with htmx, else the
    console with it open."""
    if name not in FOLDS:
        abort(404)
    conference = load_driven(conference_id)
    item = item_of(conference, item_id)
    if not wants_partial() or conference.status is not ConferenceStatus.IN_PROGRESS:
        return go(url_for(".meeting", conference_id=conference.id, open=name))
    # Without the message area: opening a fold changes nothing, so a banner on screen stays.
    page = render_template(
        FOLDS[name].template,
        conference=conference,
        item=item,
        current=item,
        **fold_context(conference, item, name),
    )
    return make_response(page)


@bp.post("/conferences/<int:conference_id>/meeting/items/<int:item_id>/open")
@login_required
def open_item(conference_id: int, item_id: int) -> ResponseReturnValue:
    """Put a case on the console (and everyone's follow view)."""
    return _open(conference_id, lambda conference, _meeting, _items: item_of(conference, item_id))


@bp.post("/conferences/<int:conference_id>/meeting/next")
@login_required
def next_item(conference_id: int) -> ResponseReturnValue:
    """Open the next case on the agenda."""
    return _open(conference_id, lambda _conference, meeting, items: _neighbour(meeting, items, 1))


@bp.post("/conferences/<int:conference_id>/meeting/previous")
@login_required
def previous_item(conference_id: int) -> ResponseReturnValue:
    """Go back to the previous case on the agenda."""
    return _open(conference_id, lambda _conference, meeting, items: _neighbour(meeting, items, -1))


def _neighbour(meeting: Meeting, items: list[AgendaItem], step: int) -> AgendaItem:
    """The case after (or before) the one on the user's screen, which another driver may
    have left."""
    start = parse_id(request.form.get("shown", "")) or meeting.current_item_id
    target = console.neighbour(items, start, step)
    if target is None:
        raise InvalidTransition("That was the last case" if step > 0 else "This is the first case")
    return target


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
    if not form.validate():
        return console_response(conference, status=422, defer_form=form)

    on_refusal(
        refusal_shown(
            form,
            "reason",
            lambda status: console_response(conference, status=status, defer_form=form),
        )
    )
    console.defer(item, reason=form.reason.data or "", actor=current_actor(), now=utcnow())
    flash(f"Case {item.case.reference} is deferred to the next conference.", "success")
    if not wants_partial():
        return go(url_for(".meeting", conference_id=conference.id))
    return console_response(conference)


@bp.post("/conferences/<int:conference_id>/meeting/conclude")
@login_required
def conclude(conference_id: int) -> ResponseReturnValue:
    """End the meeting: every case discussed or deferred; deferred ones go on the next agenda."""
    conference = load_driven(conference_id)
    on_refusal(refusal_flashed(lambda status: console_response(conference, status=status)))
    result = closing.conclude(_meeting(conference), actor=current_actor(), now=utcnow())
    flash(_concluded_message(result), "success")
    return go(url_for("minutes.page", conference_id=conference.id), new_page=True)


def _concluded_message(result: closing.Conclusion) -> str:
    parts = ["The meeting has concluded. The minutes are drafted from what was recorded."]
    for item, target in result.carried:
        label = display.conference_label(target)
        parts.append(f"Case {item.case.reference} is on the agenda of {label}.")
    for item in result.waiting:
        parts.append(
            f"Case {item.case.reference} is waiting for a conference: none is planned yet."
        )
    return " ".join(parts)


@bp.get("/conferences/<int:conference_id>/meeting/state")
@login_required
def console_state(conference_id: int) -> ResponseReturnValue:
    """Polled by each console: says when the other driver has moved to another case.

    The poll says which case its console shows (``shown``) and which case its notice last
    said was on screen for everyone (``seen``; the console's own case at first). While the
    meeting runs and that case is still on screen, nothing it shows has changed: the answer
    is an empty 204 from one lookup of the meeting, and htmx keeps the notice as it is.
    """
    conference = load_driven(conference_id)
    running = conference.status is ConferenceStatus.IN_PROGRESS
    shown = request.args.get("shown", "")
    current_id = queries.current_item_id(conference.id) if running else None
    on_screen = "" if current_id is None else str(current_id)
    if running and request.args.get("seen", shown) == on_screen:
        return "", 204
    moved_to = None
    if current_id is not None and on_screen != shown:
        moved_to = item_of(conference, current_id)
    body = render_template(
        "meetings/_sync.html",
        conference=conference,
        running=running,
        moved_to=moved_to,
        shown=shown,
        seen=on_screen,
    )
    return make_response(body, 200 if running else STOP_POLLING)
