"""The victim's voice: the advocate's pages before and after the meeting."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from conference.conferences import display, listing
from conference.conferences.models import AgendaItem
from conference.conferences.queries import victim_names
from conference.db import utcnow
from conference.errors import Conflict, InvalidTransition, ValidationFailed
from conference.extensions import db
from conference.meetings.permissions import advocates_for, sees_safe_contact
from conference.pronouns import Pronouns
from conference.referrals.queries import victim_pronouns
from conference.referrals.services import record_list_view, today_in
from conference.voice import queries, services
from conference.voice.forms import OutcomeForm, VoiceForm
from conference.voice.models import VictimVoice
from conference.voice.permissions import voices_any
from conference.web import unsaved
from conference.web.auth import current_actor, require, requires
from conference.web.forms import show_refusal, version_of
from conference.web.htmx import partial_response, wants_partial
from conference.web.merging import Posted, kept_message, read_posted, show_merge
from conference.web.unit import Answer, on_refusal

bp = Blueprint("voice", __name__)

Form = VoiceForm | OutcomeForm


@bp.get("/voice/")
@requires(voices_any)
def index() -> ResponseReturnValue:
    """The advocate's cases on conferences ahead and recently held, and what is left to do."""
    actor, now = current_actor(), utcnow()
    items = queries.advocate_items(actor, now)
    voices = queries.voices_for([i.id for i in items])
    groups = queries.by_conference(items)
    shown = sorted({i.case_id for i in items})
    record_list_view(actor, "voice", shown, now=now, cases=shown)
    return render_template(
        "voice/index.html",
        groups=groups,
        labels={c.id: display.conference_label(c) for c, _ in groups},
        names=victim_names({i.case_id for i in items}),
        states={i.id: queries.state_of(i, voices.get(i.id)) for i in items},
    )


def _load(item_id: int) -> AgendaItem:
    """The item, if its case is assigned to the user as advocate; 404 otherwise."""
    item = db.get_or_404(AgendaItem, item_id)
    require(advocates_for(current_actor(), item.case), hide=True)
    return item


@bp.get("/voice/items/<int:item_id>")
@login_required
def item(item_id: int) -> ResponseReturnValue:
    """Her voice on one case: the form before the meeting, the outcome after it."""
    found = _load(item_id)
    kept = unsaved.take(request.path)  # typing kept when the session ran out mid-form
    sees = sees_safe_contact(current_actor(), found.case)
    form = (
        VoiceForm(kept, today=_today(found)).for_victim(_words(found)).for_viewer(sees)
        if kept is not None
        else None
    )
    return _page(found, form=form, kept=kept is not None)


@bp.post("/voice/items/<int:item_id>")
@login_required
@unsaved.keeps_typing
def save(item_id: int) -> ResponseReturnValue:
    """Save what she told her advocate before the meeting; htmx swaps just the form."""
    found = _load(item_id)
    actor, now = current_actor(), utcnow()
    words = _words(found)
    form = (
        VoiceForm(request.form, today=_today(found))
        .for_victim(words)
        .for_viewer(sees_safe_contact(actor, found.case))
    )
    existing = queries.voices_for([found.id]).get(found.id)
    valid = form.validate()
    posted = read_posted(form, request.form)
    if not (valid and posted.settled) and services.is_open(found.conference):  # closed: 409
        return _answer(found, "before", form, status=422)
    on_refusal(_refused(found, "before", form, default="contact_made", posted=posted))
    _, merged = services.save_voice(
        found,
        form.entry(),
        actor=actor,
        now=now,
        version=version_of(form.version),
        existing=existing,
        base=posted.base,
        keep=posted.keep,
        fields=form.merged_fields,
    )
    kept = words.fit(kept_message(merged, VOICE_LABELS))
    message = words.fit("{Their} voice on case {} is saved.")
    if kept and wants_partial():
        flash(message.format(found.case.reference) + kept, "success")
    return _saved(found, "before", message + kept)


#: How the message after a merged save names each of her voice's texts.
VOICE_LABELS = {
    "views": "{their} views",
    "wishes": "{their} wishes",
    "fears": "{their} fears",
    "consent_to_share": "what {they} agree{s} may be shared",
    "no_contact_reason": "why contact was not made",
    "safe_contact": "how {they} can safely be contacted",
}


@bp.post("/voice/items/<int:item_id>/outcome")
@login_required
def outcome(item_id: int) -> ResponseReturnValue:
    """Save when and how she was told what the meeting agreed; htmx swaps just that part."""
    found = _load(item_id)
    actor, now = current_actor(), utcnow()
    form = _outcome_form(found, request.form)
    existing = queries.voices_for([found.id]).get(found.id)
    valid = form.validate()
    posted = read_posted(form, request.form)
    if not (valid and posted.settled) and services.outcome_open(found):  # not open: 409
        return _answer(found, "outcome", form, status=422)
    on_refusal(_refused(found, "outcome", form, default="result", posted=posted))
    _, merged = services.save_outcome(
        found,
        form.entry(),
        actor=actor,
        now=now,
        version=version_of(form.version),
        existing=existing,
        base=posted.base,
        keep=posted.keep,
    )
    words = _words(found)
    message = words.fit("What came of telling {them} the outcome on case {} is saved.")
    kept = words.fit(kept_message(merged, OUTCOME_LABELS))
    if kept and wants_partial():
        flash(message.format(found.case.reference) + kept, "success")
    return _saved(found, "outcome", message + kept)


#: How the message after a merged save names each text of the outcome.
OUTCOME_LABELS = {
    "feels_safer": "whether {they} feel{s} safer",
    "not_told_reason": "why it is not safe to contact {them}",
    "notes": "the notes",
}


def _words(item: AgendaItem) -> Pronouns:
    """The pronouns for the item's victim: the forms and messages speak of them by these."""
    return victim_pronouns(item.case_id)


def _today(item: AgendaItem) -> date:
    return today_in(item.conference.marac, utcnow())


def _refused(
    item: AgendaItem, part: str, form: Form, *, default: str, posted: Posted | None = None
) -> Answer:
    """The part again with what was typed, once nothing is saved: a rule broken beside its
    field (422); the meeting's stage, or someone's save meanwhile, above it (409). A save of
    her voice merged with someone else's, where both changed a text, sets the form on the
    record saved now with the two texts side by side."""

    def answer(refused: Exception) -> ResponseReturnValue:
        carried = posted is not None and posted.base is not None
        if isinstance(refused, Conflict) and carried:
            assert posted is not None
            voice = queries.voices_for([item.id]).get(item.id)
            if isinstance(form, VoiceForm):
                saved = services.voice_texts(voice)
            else:
                saved = services.outcome_texts(voice)
            show_merge(form, saved, voice.version if voice else None, posted)
        if isinstance(refused, ValidationFailed):
            show_refusal(form, refused, default)
            return _answer(item, part, form, status=422)
        if isinstance(refused, InvalidTransition):
            flash(f"{refused}: nothing was saved.", "error")
        else:  # a Conflict: the record changed since the page was shown
            flash(f"{services.CHANGED_MEANWHILE}. {KEPT}", "error")
        return _answer(item, part, form, status=409)

    return answer


KEPT = "What you typed is below and is not saved yet: check it against the record, then save again."


def _saved(item: AgendaItem, part: str, message: str) -> ResponseReturnValue:
    """After a save: back to the page without JavaScript, else the part, fresh and marked saved."""
    if not wants_partial():
        flash(message.format(item.case.reference), "success")
        return redirect(url_for(".item", item_id=item.id, _anchor=f"voice-{part}-{item.id}"), 303)
    return _answer(item, part, None, status=200, just_saved=True)


def _answer(
    item: AgendaItem, part: str, form: Form | None, *, status: int, just_saved: bool = False
) -> ResponseReturnValue:
    """The part posted to for htmx (with any message out of band), else the whole page."""
    forms: dict[str, Any] = {"outcome_form" if part == "outcome" else "form": form}
    if not wants_partial():
        return _page(item, status=status, **forms)
    context = _context(item, status=status, just_saved=just_saved, **forms)
    return partial_response(f"voice/_{part}.html", status=status, **context)


def _page(
    item: AgendaItem,
    *,
    form: VoiceForm | None = None,
    outcome_form: OutcomeForm | None = None,
    status: int = 200,
    kept: bool = False,
) -> ResponseReturnValue:
    """The whole page; each view is written to the audit trail with the case shown."""
    actor, now = current_actor(), utcnow()
    context = _context(item, form=form, outcome_form=outcome_form, status=status)
    listing.record_view(actor, "voice.viewed", item.conference, [item], now=now)
    return render_template(
        "voice/item.html",
        **context,
        label=display.conference_label(item.conference),
        victim=victim_names([item.case_id]).get(item.case_id, ""),
        kept=kept,
    ), status


def _context(
    item: AgendaItem,
    *,
    form: VoiceForm | None = None,
    outcome_form: OutcomeForm | None = None,
    status: int,
    just_saved: bool = False,
) -> dict[str, Any]:
    """What both parts need. After a conflict the forms take the record's current version,
    so saving again (having checked) goes through."""
    voice = queries.voices_for([item.id]).get(item.id)
    for posted in (form, outcome_form):
        if posted is not None and status == 409:
            posted.version.data = str(voice.version) if voice else ""
        if posted is not None:
            posted.fit_errors()  # a service's message put beside its field
    return {
        "item": item,
        "voice": voice,
        "form": form or _voice_form(item, voice),
        "outcome_form": outcome_form or _outcome_form(item, None, voice),
        "editable": services.is_open(item.conference),
        "outcome_open": services.outcome_open(item),
        "meeting_day": display.local_day(item.conference),
        "show_safe_contact": sees_safe_contact(current_actor(), item.case),
        "state": queries.state_of(item, voice),
        "conflict": status == 409,
        "just_saved": just_saved,
    }


def _voice_form(item: AgendaItem, voice: VictimVoice | None) -> VoiceForm:
    """The form filled from the saved record (empty when there is none), merging only the
    texts the viewer may read."""
    sees = sees_safe_contact(current_actor(), item.case)
    if voice is None:
        return VoiceForm(today=_today(item)).for_victim(_words(item)).for_viewer(sees)
    data: dict[str, Any] = {
        name: getattr(voice, name)
        for name in ("contacted_on", "no_contact_reason", "views", "wishes", "fears")
    }
    data.update(
        version=str(voice.version),
        contact_made="yes" if voice.contact_made else "no",
        contact_method=voice.contact_method.value if voice.contact_method else None,
        consent_to_share=voice.consent_to_share,
        safe_contact=voice.safe_contact,
    )
    return VoiceForm(today=_today(item), data=data).for_victim(_words(item)).for_viewer(sees)


def _outcome_form(item: AgendaItem, formdata: Any, voice: VictimVoice | None = None) -> OutcomeForm:
    """The outcome form, from what was posted, else from the saved record."""
    bounds = services.outcome_bounds(item, utcnow())
    if formdata is not None or voice is None:
        return OutcomeForm(formdata, prefix="outcome", **bounds).for_victim(_words(item))
    data = {
        "version": str(voice.version),
        "result": voice.outcome_result.value if voice.outcome_result else None,
        "told_on": voice.outcome_told_on,
        "told_how": voice.outcome_told_how.value if voice.outcome_told_how else None,
        "not_told_reason": voice.outcome_not_told_reason,
        "attempts": voice.outcome_attempts,
        "feels_safer": voice.feels_safer,
        "notes": voice.outcome_notes,
    }
    return OutcomeForm(prefix="outcome", data=data, **bounds).for_victim(_words(item))
