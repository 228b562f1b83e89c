"""The schedule: each MARAC's conferences, its meeting rule, extra, moved and cancelled ones."""

from __future__ import annotations

from datetime import time
from functools import partial
from typing import Any

from flask import flash, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from conference.accounts.models import Marac
from conference.conferences import display, listing, planning, queries, rules
from conference.conferences.forms import CancelForm, ConferenceForm, MeetingRuleForm
from conference.conferences.models import AgendaItem, Conference
from conference.conferences.permissions import (
    manages,
    may_edit_rule,
    may_view_agenda,
    researches,
    schedule_marac_ids,
    sees_schedule,
)
from conference.conferences.routes import bp
from conference.db import utcnow
from conference.extensions import db
from conference.meetings import queries as meeting_queries
from conference.meetings.permissions import sees_held
from conference.referrals.services import record_list_view, today_in
from conference.web.auth import current_actor, require, requires
from conference.web.forms import version_of
from conference.web.htmx import go
from conference.web.loaders import load_conference
from conference.web.unit import Answer, Page, Refusal, on_refusal, refusal_beside


@bp.get("/conferences/")
@requires(sees_schedule)
def schedule() -> ResponseReturnValue:
    """Every conference of the user's MARACs, with the agendas they may open."""
    actor, now = current_actor(), utcnow()
    marac_ids = schedule_marac_ids(actor)
    conferences = queries.schedule(marac_ids, now)
    ids = [c.id for c in conferences]
    managed = {m for m in marac_ids if manages(actor, m)}
    waiting = listing.waiting_cases(sorted(managed))
    if waiting:
        record_list_view(actor, "conferences.waiting", [c.id for c in waiting], now=now)
    invited = queries.invitations_for(ids)
    present = meeting_queries.present_agencies_for(ids)
    # Once a meeting starts, an agency that was not there (apologies) no longer opens it.
    held_open = {c.id: sees_held(actor, c, present.get(c.id, ())) for c in conferences}
    rule_by_marac = queries.rules_for(marac_ids)
    return render_template(
        "conferences/schedule.html",
        maracs=queries.maracs_by_id(marac_ids),
        conferences=conferences,
        rules=rule_by_marac,
        rule_text={m: display.rule_text(rule) for m, rule in rule_by_marac.items()},
        load=listing.case_load(ids),
        labels={c.id: display.conference_label(c) for c in conferences},
        can_open={
            c.id: held_open[c.id] and may_view_agenda(actor, c, invited.get(c.id, ()))
            for c in conferences
        },
        researching={
            c.id: held_open[c.id] and researches(actor, c, invited.get(c.id, ()))
            for c in conferences
        },
        managed=managed,
        waiting=waiting,
        names=queries.victim_names([c.id for c in waiting]),
        now=now,
    )


@bp.route("/maracs/<int:marac_id>/meeting-rule", methods=["GET", "POST"])
@login_required
def meeting_rule(marac_id: int) -> ResponseReturnValue:
    """Set how often the MARAC meets, where, and its deadlines; preview the next six dates."""
    actor = current_actor()
    marac = db.get_or_404(Marac, marac_id)
    require(may_edit_rule(actor, marac.id), hide=True)
    rule = planning.rule_for(marac.id)
    form = MeetingRuleForm(request.form if request.method == "POST" else None, obj=rule)
    form.set_chairs(queries.chairs_in(marac.id))
    if request.method == "GET":
        _fill_rule_defaults(form, rule)
    previewing = "preview" in request.form
    page = partial(_rule_page, form, marac, rule)
    if request.method != "POST" or not form.validate() or previewing:
        return page(422 if form.errors and not previewing else 200)
    on_refusal(_rule_refused(form, marac, page))
    version = version_of(form.version)
    change = planning.save_rule(marac, actor=actor, now=utcnow(), version=version, **form.values())
    flash(_rule_saved_message(change), "success")
    for kept in change.kept:
        flash(
            f"The conference on {display.conference_label(kept)} no longer fits the "
            "rule but has cases listed, so it stays. Move its cases, then cancel it.",
            "warning",
        )
    return go(url_for(".schedule" if sees_schedule(actor) else "admin.maracs"))


def _rule_refused(form: MeetingRuleForm, marac: Marac, page: Page) -> Answer:
    """A rule saved on a stale copy shows the rule as saved now beside the form, which keeps
    what was typed (409); any other refusal goes beside its field (422)."""
    beside = refusal_beside(form, "frequency", page)

    def answer(refused: Refusal) -> ResponseReturnValue:
        if not isinstance(refused, planning.RuleConflict):
            return beside(refused)
        theirs = planning.rule_for(marac.id)  # read after the rollback: as they saved it
        form.version.data = str(theirs.version) if theirs else ""
        return _rule_page(form, marac, theirs, 409, conflict=True)

    return answer


def _rule_page(
    form: MeetingRuleForm, marac: Marac, rule: Any, status: int, *, conflict: bool = False
) -> ResponseReturnValue:
    return render_template(
        "conferences/rule.html",
        form=form,
        marac=marac,
        rule=rule,
        preview=_preview(form, marac),
        conflict=conflict,
        rule_text=display.rule_text(rule) if conflict and rule else "",
    ), status


@bp.post("/maracs/<int:marac_id>/meeting-rule/preview")
@login_required
def rule_preview(marac_id: int) -> ResponseReturnValue:
    """The next six meeting dates for what is in the form now (htmx, as the user types)."""
    marac = db.get_or_404(Marac, marac_id)
    require(may_edit_rule(current_actor(), marac.id), hide=True)
    form = MeetingRuleForm(request.form)
    form.set_chairs(queries.chairs_in(marac.id))
    form.validate()
    return render_template(
        "conferences/_rule_preview.html", preview=_preview(form, marac), marac=marac
    )


def _preview(form: MeetingRuleForm, marac: Marac) -> dict[str, Any]:
    """The next six dates and times, or why they cannot be worked out yet."""
    names = (*rules.RHYTHM_FIELDS, "start_time")
    if any(getattr(form, name).errors for name in names) or not form.frequency.data:
        return {"problem": "Fill in how often and when it meets to see the dates."}
    values = form.values()
    if values["start_time"] is None:  # a page not yet sent has no errors, and maybe no time
        return {"problem": "Enter the start time to see the dates."}
    if values["frequency"].value == "every_n_weeks" and not (
        values["interval_weeks"] and values["first_date"]
    ):
        return {"problem": "Enter every how many weeks, and the first date, to see the dates."}
    rhythm = rules.Rhythm(**{name: values[name] for name in rules.RHYTHM_FIELDS})
    days = rules.next_meeting_days(rhythm, today_in(marac, utcnow()))
    return {
        "description": rhythm.describe(),
        "dates": [
            rules.local(rules.starts_at(day, values["start_time"], marac.timezone), marac.timezone)
            for day in days
        ],
    }


def _fill_rule_defaults(form: MeetingRuleForm, rule: Any) -> None:
    if rule is None:
        form.frequency.data = "monthly"
        form.week_of_month.data = "2"
        form.weekday.data = "1"
        form.start_time.data = time(10, 0)
        for name, value in planning.DEFAULTS.items():
            getattr(form, name).data = value
    else:
        form.frequency.data = rule.frequency.value
        form.weekday.data = str(rule.weekday)
        form.week_of_month.data = str(rule.week_of_month or 1)
        form.chair_id.data = str(rule.chair_id or "")


def _rule_saved_message(change: planning.RuleChange) -> str:
    parts = ["Meeting rule saved."]
    if change.added:
        parts.append(f"{change.added} conference(s) added.")
    if change.updated:
        parts.append(f"{change.updated} planned conference(s) updated.")
    if change.removed:
        parts.append(f"{change.removed} planned conference(s) no longer on the rule removed.")
    return " ".join(parts)


@bp.route("/maracs/<int:marac_id>/conferences/new", methods=["GET", "POST"])
@login_required
def new_conference(marac_id: int) -> ResponseReturnValue:
    """Add an extra conference, for example when the agendas are full."""
    actor = current_actor()
    marac = db.get_or_404(Marac, marac_id)
    require(manages(actor, marac.id), hide=True)
    rule = planning.rule_for(marac.id)
    form = ConferenceForm(request.form if request.method == "POST" else None, obj=rule)
    form.set_chairs(queries.chairs_in(marac.id))
    if request.method == "GET" and rule is None:
        for name in ("duration_minutes", "capacity", "minutes_per_case"):
            getattr(form, name).data = planning.DEFAULTS[name]
    page = partial(_conference_form_page, form, marac, None)
    if request.method != "POST" or not form.validate():
        return page(422 if form.errors else 200)
    on_refusal(refusal_beside(form, "day", page))
    conference = planning.add_extra(marac, actor=actor, now=utcnow(), **form.values())
    flash(
        f"Extra conference added on {display.conference_label(conference)}: cases accepted "
        f"until {conference.cutoff_on:%-d %B} can be listed on it, and its agenda is published "
        f"on {conference.publish_on:%-d %B}.",
        "success",
    )
    return go(url_for(".agenda_page", conference_id=conference.id))


@bp.route("/conferences/<int:conference_id>/edit", methods=["GET", "POST"])
@login_required
def edit_conference(conference_id: int) -> ResponseReturnValue:
    """Move a conference or change its place, length, capacity or chair."""
    actor = current_actor()
    conference = load_conference(conference_id)
    require(manages(actor, conference.marac_id), hide=True)
    form = ConferenceForm(request.form if request.method == "POST" else None, obj=conference)
    form.set_chairs(queries.chairs_in(conference.marac_id))
    if request.method == "GET":
        starts = rules.local(conference.starts_at, conference.marac.timezone)
        form.day.data, form.start_time.data = starts.date(), starts.time()
        form.chair_id.data = str(conference.chair_id or "")
    page = partial(_conference_form_page, form, conference.marac, conference)
    if request.method != "POST" or not form.validate():
        return page(422 if form.errors else 200)
    on_refusal(_conference_refused(form, conference, page))
    version = version_of(form.version)
    changed = planning.change_conference(
        conference, actor=actor, now=utcnow(), version=version, **form.values()
    )
    if changed:
        told = " The invited agencies are told." if conference.is_published else ""
        flash(f"Conference changed: {display.conference_label(conference)}.{told}", "success")
    return go(url_for(".agenda_page", conference_id=conference.id))


def _conference_refused(form: ConferenceForm, conference: Conference, page: Page) -> Answer:
    """A change made on a stale copy shows the conference as saved now beside the form, which
    keeps what was typed (409); any other refusal goes beside its field (422)."""
    beside = refusal_beside(form, "day", page)

    def answer(refused: Refusal) -> ResponseReturnValue:
        if not isinstance(refused, planning.ConferenceConflict):
            return beside(refused)
        # Read after the rollback: the conference as the other person saved it.
        form.version.data = str(conference.version)
        return _conference_form_page(form, conference.marac, conference, 409, conflict=True)

    return answer


def _conference_form_page(
    form: ConferenceForm,
    marac: Marac,
    conference: Conference | None,
    status: int,
    *,
    conflict: bool = False,
) -> ResponseReturnValue:
    rule = planning.rule_for(marac.id)
    return render_template(
        "conferences/conference_form.html",
        form=form,
        marac=marac,
        conference=conference,
        cutoff_days=rule.cutoff_days if rule else planning.DEFAULTS["cutoff_days"],
        research_days=rule.research_days if rule else planning.DEFAULTS["research_days"],
        conflict=conflict,
        label=display.conference_label(conference) if conference else "",
    ), status


@bp.route("/conferences/<int:conference_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel_conference(conference_id: int) -> ResponseReturnValue:
    """Cancel a conference with a reason; its cases go on the next conferences with room."""
    actor = current_actor()
    conference = load_conference(conference_id)
    require(manages(actor, conference.marac_id), hide=True)
    items = queries.agenda_items(conference.id)
    form = CancelForm(request.form if request.method == "POST" else None)
    page = partial(_cancel_page, form, conference, items)
    if request.method != "POST" or not form.validate():
        return page(422 if form.errors else 200)
    on_refusal(refusal_beside(form, "reason", page))
    placements = listing.cancel_and_relist(
        conference, actor=actor, reason=form.reason.data, now=utcnow()
    )
    flash(f"The conference on {display.conference_label(conference)} is cancelled.", "success")
    waiting = [p.case.reference for p in placements if p.conference is None]
    if waiting:
        flash(f"No conference had room for {', '.join(waiting)}: waiting to be listed.", "warning")
    return go(url_for(".schedule"))


def _cancel_page(
    form: CancelForm, conference: Conference, items: list[AgendaItem], status: int
) -> ResponseReturnValue:
    return render_template(
        "conferences/cancel.html",
        form=form,
        conference=conference,
        label=display.conference_label(conference),
        cases=[i for i in items if not i.section.is_standing],
    ), status
