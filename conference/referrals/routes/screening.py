"""The coordinator's screening queue and decisions."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from markupsafe import Markup
from wtforms.fields.choices import SelectChoice

from conference.accounts.models import Role, User
from conference.accounts.permissions import marac_ids_with
from conference.actions import services as action_services
from conference.actions.models import Action
from conference.closure import queries as closure
from conference.conferences import listing
from conference.conferences.display import conference_label, local_day
from conference.db import utcnow
from conference.errors import ValidationFailed
from conference.extensions import db
from conference.profiles import profile_for
from conference.referrals import matching, permissions, perpetrators, queries, repeats, services
from conference.referrals.choices import CaseStatus, Decision
from conference.referrals.forms import DecisionForm
from conference.referrals.models import Case, Referral
from conference.referrals.routes import bp, load_referral
from conference.web.auth import current_actor, requires
from conference.web.requests import parse_id
from conference.web.unit import on_refusal, refusal_beside

NEW_CASE = "new"


@bp.get("/screening/")
@requires(permissions.is_coordinator)
def queue() -> ResponseReturnValue:
    """Submitted referrals waiting for a decision, oldest first."""
    actor, now = current_actor(), utcnow()
    referrals = queries.screening_queue(marac_ids_with(actor, Role.COORDINATOR))
    services.record_list_view(
        actor,
        "screening",
        [r.id for r in referrals],
        now=now,
        cases=[r.case_id for r in referrals if r.case_id],
    )
    found = perpetrators.flags_for(referrals, today=now.date())
    red_flags = {r.id: services.stored_checklist(r).scored.red_flags for r in referrals}
    return render_template(
        "referrals/queue.html",
        referrals=referrals,
        now=now,
        person_flags=found,
        red_flags=red_flags,
    )


def screening_context(
    referral: Referral, actor: User, form: DecisionForm | None = None
) -> dict[str, Any]:
    """What the referral page shows beside the referral: matches, the decision form."""
    coordinator = permissions.coordinates(actor, referral.marac_id)
    matches = (
        matching.find_possible_matches(
            [referral.victim_name, *referral.alias_list],
            referral.victim_birth,
            excluding=referral.id,
        )
        if coordinator
        else []
    )
    # Her earlier cases in this MARAC: a closed one may still be flagged for repeats.
    standings = closure.standings(
        {m.case_id for m in matches if m.case_id and m.marac_id == referral.marac_id}
    )
    can_screen = permissions.can_screen(actor, referral)
    outlook = _outlook(referral) if can_screen else None
    if can_screen and form is None:
        today = services.today_in(referral.marac, utcnow())
        closed = {i for i, s in standings.items() if s.case.status is CaseStatus.CLOSED}
        lapsed = {i for i in closed if not standings[i].is_flagged(today)}
        form = decision_form(referral, matches, closed, lapsed, outlook)
    today = services.today_in(referral.marac, utcnow())
    tool, rules = services.referral_tool(referral, today)
    return {
        # A notice's case: its previous plan and how each action ended, for the screening.
        "hearings": closure.hearings(referral.about_case_id)
        if coordinator and referral.about_case_id
        else [],
        "person_flags": perpetrators.flags_for([referral], today=today).get(referral.id, []),
        "link_suggestions": perpetrators.suggestions_for(referral)
        if coordinator and referral.status in matching.MATCHABLE
        else [],
        "perpetrator_identities": perpetrators.linked_identities(referral) if coordinator else {},
        # Her matches are the same search the repeat needs: asked once.
        "repeat": repeats.repeat_of(referral, matches) if coordinator else None,
        "coordinator": coordinator,
        "matches": matches,
        "standings": standings,
        "today": today,
        "can_screen": can_screen,
        "outlook": outlook,
        "heard_on": conference_label(outlook.conference) if outlook and outlook.conference else "",
        "form": form,
        "tool": tool,
        "rules": rules,
        "checklists": {referral.id: services.stored_checklist(referral)},
        "show_contact": permissions.may_see_contact_details(actor, referral, referral.case),
        "can_withdraw": permissions.can_withdraw(actor, referral),
        "can_edit": permissions.can_edit_referral(actor, referral),
        "young_steps": services.young_steps_done(referral) if referral.is_aged_16_17 else {},
    }


def decision_form(
    referral: Referral,
    matches: list[matching.PossibleMatch],
    closed: Collection[int] = (),
    lapsed: Collection[int] = (),
    outlook: listing.Outlook | None = None,
) -> DecisionForm:
    """The decision form; an earlier case of hers is offered first, unless it is closed and its
    repeat flag has ended: then a new case is the default and joining it is a choice."""
    form = DecisionForm(request.form if request.method == "POST" else None)
    if referral.is_notice and referral.about_case is not None:
        # A notice joins its own case, and has no form to send back for more.
        form.decision.choices = [
            c for c in form.decision.choices if c.value != Decision.MORE_INFO.value
        ]
        form.case_id.choices = [
            SelectChoice(str(referral.about_case.id), referral.about_case.reference)
        ]
        form.case_id.data = str(referral.about_case.id)
        return _with_plan(_with_advocates(form, referral), referral, outlook)
    same_marac = {
        m.case_id: m.case_reference
        for m in matches
        if m.marac_id == referral.marac_id and m.case_id is not None
    }
    form.case_id.choices = [
        SelectChoice(NEW_CASE, "Open a new case"),
        *[
            SelectChoice(
                str(i),
                f"{ref} (possible earlier case, closed"
                + (", its repeat flag ended" if i in lapsed else "")
                + ": accepting reopens it)"
                if i in closed
                else f"{ref} (possible earlier case)",
            )
            for i, ref in same_marac.items()
        ],
    ]
    # The likeliest earlier case first: the closest name, then the newest referral.
    likeliest = sorted((m for m in matches if m.case_id in same_marac), key=lambda m: -m.similarity)
    current = [m.case_id for m in likeliest if m.case_id not in lapsed]
    if request.method == "GET" and current:
        form.case_id.data = str(current[0])
    return _with_plan(_with_advocates(form, referral), referral, outlook)


def _outlook(referral: Referral) -> listing.Outlook | None:
    """Where accepting would list the case; None when a notice's case is already listed."""
    if referral.about_case is not None and listing.listed_on(referral.about_case) is not None:
        return None
    return listing.outlook(referral.marac, utcnow())


def _with_plan(
    form: DecisionForm, referral: Referral, outlook: listing.Outlook | None
) -> DecisionForm:
    """The listing choices (the next conference with room, or a nearer full one) and the
    agencies that may own an interim action."""
    default = (
        f"The next conference with room: {conference_label(outlook.conference)}"
        if outlook and outlook.conference
        else "The next conference with room"
    )
    form.listing.choices = [SelectChoice("", default)] + [
        SelectChoice(str(c.id), f"{conference_label(c)}: full ({c.capacity} cases), over capacity")
        for c in (outlook.nearer if outlook else [])
    ]
    agencies = [SelectChoice("", "Choose an agency")] + [
        SelectChoice(str(a.id), a.name) for a in referral.marac.agencies if a.is_active
    ]
    for row in form.interim_rows():
        row["agency_id"].choices = agencies
    return form


def _with_advocates(form: DecisionForm, referral: Referral) -> DecisionForm:
    """The MARAC's advocates to choose from, named in its practice's words."""
    words = profile_for(referral.marac).words
    form.advocate_id.label.text = words.advocate_role
    form.decision.choices = [
        replace(c, label=f"Accept for {words.meeting}") if c.value == Decision.ACCEPT.value else c
        for c in form.decision.choices
    ]
    form.advocate_id.choices = [
        ("", "Assign later"),
        *[
            (str(u.id), f"{u.name}, {u.agency.name}")
            for u in queries.advocates_in(referral.marac_id)
        ],
    ]
    return form


@bp.post("/referrals/<int:referral_id>/decision")
@login_required
def decide(referral_id: int) -> ResponseReturnValue:
    """Accept (into a new or existing case), decline, or ask the referrer for more."""
    referral = load_referral(referral_id)
    actor = current_actor()
    if not permissions.can_screen(actor, referral):
        if permissions.coordinates(actor, referral.marac_id):
            flash(f"Referral {referral.reference} is {referral.status.label.lower()} already.")
            return redirect(url_for(".detail", referral_id=referral.id), 303)
        abort(404)
    context = screening_context(referral, actor)
    form: DecisionForm = context["form"]
    page = partial(_decision_page, referral, context)
    if not form.validate():
        return page(422)
    on_refusal(refusal_beside(form, "decision", page))
    case, now = _decide(referral, form, actor), utcnow()
    placement = _place(case, form, context["outlook"], actor, now) if case else None
    interim = _agree_interim(case, referral, form, placement, actor, now) if case else []
    decided = _decided_message(referral, case, len(interim))
    listed, category = listing_message(placement) if placement else ("", "success")
    if category == "success":
        flash(Markup("{} {}").format(decided, listed) if listed else decided, "success")
    else:
        flash(decided, "success")
        flash(listed, category)
    return redirect(url_for(".queue"), 303)


def _place(
    case: Case, form: DecisionForm, outlook: listing.Outlook | None, actor: User, now: datetime
) -> listing.Placement:
    """List the case where the coordinator chose: a nearer, full conference over capacity
    with a reason, or else the next one with room."""
    chosen = parse_id(form.listing.data or "")
    if chosen is None or listing.listed_on(case) is not None:
        return listing.place_case(case, actor=actor, now=now)
    nearer = {c.id: c for c in (outlook.nearer if outlook else [])}
    if chosen not in nearer:
        raise ValidationFailed("Choose a conference from the list", "listing")
    reason = form.over_capacity_reason.data or ""
    listing.add_case(nearer[chosen], case, actor=actor, now=now, over_capacity_reason=reason)
    return listing.Placement(case, nearer[chosen], over_capacity=True)


def _agree_interim(
    case: Case,
    referral: Referral,
    form: DecisionForm,
    placement: listing.Placement | None,
    actor: User,
    now: datetime,
) -> list[Action]:
    """An urgent case's interim actions, due before the meeting it is listed on."""
    if not form.urgent.data:
        return []
    planned = [
        action_services.Interim(
            row["description"].data or "",
            parse_id(row["agency_id"].data or ""),
            row["owner_name"].data or "",
            row["due_on"].data,
        )
        for row in form.interim_rows()
    ]
    conference = placement.conference if placement else None
    before = local_day(conference) if conference else None
    return action_services.agree_interim(
        case, referral, planned, before=before, actor=actor, now=now
    )


def _decision_page(referral: Referral, context: dict[str, Any], status: int) -> ResponseReturnValue:
    """The referral again with the decision form as sent, its reading audited."""
    actor, now = current_actor(), utcnow()
    services.record_view(actor, referral, page="decision", now=now)
    perpetrators.record_suggestions_view(actor, referral, context["link_suggestions"], now=now)
    return render_template("referrals/detail.html", referral=referral, **context), status


def _decide(referral: Referral, form: DecisionForm, actor: User) -> Any:
    decision = Decision(form.decision.data)
    case = advocate = None
    if decision is Decision.ACCEPT:
        if form.case_reference.data:
            case = queries.case_by_reference(referral.marac_id, form.case_reference.data)
            if case is None:
                raise ValidationFailed("No case you can join has that reference", "case_reference")
        elif form.case_id.data and form.case_id.data != NEW_CASE:
            wanted = parse_id(form.case_id.data) or -1
            case = queries.cases_by_id({wanted}).get(wanted)
            if case is None:
                raise ValidationFailed("Choose a case from the list", "case_id")
        if form.advocate_id.data:
            advocate_id = parse_id(form.advocate_id.data)
            advocate = db.session.get(User, advocate_id) if advocate_id else None
            if advocate is None:
                raise ValidationFailed("Choose an advocate from the list", "advocate_id")
    return services.decide(
        referral,
        decision,
        actor=actor,
        reason=form.reason.data,
        now=utcnow(),
        case=case,
        advocate=advocate,
    )


def listing_message(placement: listing.Placement) -> tuple[str, str]:
    """Where an accepted case was listed, with a warning when it could not go where expected."""
    case = placement.case.reference
    if placement.already_listed and placement.conference is not None:
        when = conference_label(placement.conference)
        return f"Case {case} is already on the agenda for {when}.", "info"
    if placement.conference is None:
        if placement.full is not None:
            return (
                f"Every conference open for listing is full, so case {case} is waiting to be "
                "listed. List it over capacity, or add an extra conference.",
                "warning",
            )
        return (
            f"No conference is open for listing, so case {case} is waiting to be listed.",
            "warning",
        )
    when = conference_label(placement.conference)
    if placement.over_capacity:
        return f"Case {case} is listed over capacity on the conference on {when}.", "success"
    if placement.full is not None:
        return (
            f"The conference on {conference_label(placement.full)} is full "
            f"({placement.full.capacity} cases), so case {case} is listed on {when}. You can "
            "move it over capacity with a reason.",
            "warning",
        )
    return f"Case {case} is listed on the conference on {when}.", "success"


def _decided_message(referral: Referral, case: Any, interim: int = 0) -> str:
    if case is not None:
        link = url_for(".case", case_id=case.id)
        agreed = (
            f" {interim} interim action{'s' if interim != 1 else ''} agreed before the meeting."
            if interim
            else ""
        )
        return Markup(
            'Referral {} is accepted into case <a class="govuk-notification-banner__link" '
            'href="{}">{}</a>.{}'
        ).format(referral.reference, link, case.reference, agreed)
    return f"Referral {referral.reference} is {referral.status.label.lower()}."
