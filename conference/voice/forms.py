"""The advocate's two forms: her voice before the meeting, and telling her the outcome after.

Plain WTForms forms (CSRF is checked for every post by the app). Rules that join fields come
from the services, so the form shows every problem at once and the service still enforces them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from govuk_frontend_wtf.wtforms_widgets import GovTextInput
from wtforms import HiddenField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from conference.pronouns import FitsVictim
from conference.voice.choices import ContactMethod, OutcomeResult
from conference.voice.models import VOICE_LIMITS
from conference.voice.services import (
    OUTCOME_TEXTS,
    VOICE_TEXTS,
    OutcomeEntry,
    VoiceEntry,
    outcome_problems,
    voice_problems,
)
from conference.web.forms import (
    Form,
    GovRadios,
    MemorableDateField,
    WholeNumberField,
    long_text,
    radios,
)
from conference.web.merging import Merges

YES_NO = [SelectChoice("yes", "Yes"), SelectChoice("no", "No")]
#: Fields that matter only when contact was made, and only when it was not.
IF_MADE = ("contacted_on", "contact_method")
IF_NOT_MADE = ("no_contact_reason",)


def method_field(label: str) -> RadioField:
    """How she was reached: required by the rules only when it applies."""
    return RadioField(
        label,
        choices=ContactMethod.choices(),
        widget=GovRadios(),
        validators=[Optional()],
        validate_choice=True,
    )


class _DatedForm(FitsVictim, Form):
    """A form whose dates are judged against days in the MARAC's time zone."""

    class Meta:
        today: date = date.min
        meeting_day: date = date.min

    def __init__(
        self, formdata: Any = None, *, today: date, meeting_day: date = date.min, **kwargs: Any
    ) -> None:
        super().__init__(formdata, meta={"today": today, "meeting_day": meeting_day}, **kwargs)

    def _add_problems(self, problems: dict[str, str]) -> None:
        """Put each rule's message beside its field, unless the field already has one."""
        for name, message in problems.items():
            field = self[name]
            if not field.errors:
                field.errors = [*field.errors, message]


class VoiceForm(Merges, _DatedForm):
    """Her voice before the meeting. A stale save merges its texts (services.save_voice):
    ``merged_fields`` is set per viewer to the texts she may read (for_viewer), so no saved
    text she may not see is ever put in the page as a base."""

    merged_fields = VOICE_TEXTS
    version = HiddenField()
    contact_made = radios(
        "Did you make contact with {them} before this meeting?",
        YES_NO,
        "Select yes if you made contact with {them}, or no if you could not",
    )
    contacted_on = MemorableDateField("Date of contact", description="For example, 27 3 2026")
    contact_method = method_field("How you made contact")
    no_contact_reason = long_text(
        "Why contact was not made",
        VOICE_LIMITS["no_contact_reason"],
        hint="For example, no safe number, or {they} did not answer three safe calls.",
    )
    views = long_text(
        "{Their} views",
        VOICE_LIMITS["views"],
        hint="What {they} think{s} about {their} situation and the risks, in {their} words where "
        "you can.",
    )
    wishes = long_text(
        "{Their} wishes",
        VOICE_LIMITS["wishes"],
        hint="What {they} want{s} to happen, and what {they} want{s} from the agencies.",
    )
    fears = long_text("{Their} fears", VOICE_LIMITS["fears"], hint="What {they} {are} afraid of.")
    consent_to_share = long_text(
        "What {they} agree{s} may be shared at the meeting",
        VOICE_LIMITS["consent_to_share"],
        hint="In {their} words where possible. Say if there is anything {they} {do} not want "
        "shared.",
    )
    safe_contact = long_text(
        "How {they} can safely be contacted",
        VOICE_LIMITS["safe_contact"],
        hint="Seen only by you and the coordinator. For example, the number and times that are "
        "safe, and whether a message may be left.",
    )

    def for_viewer(self, sees_safe_contact: bool) -> VoiceForm:
        """Merge only the texts this viewer may read: her safe contact details only for those
        who may see them."""
        if not sees_safe_contact:
            self.merged_fields = tuple(n for n in VOICE_TEXTS if n != "safe_contact")
        return self

    def validate(self, extra_validators: Any = None) -> bool:
        super().validate(extra_validators)
        if self.contact_made.data in ("yes", "no"):
            made = self.contact_made.data == "yes"
            for name in IF_NOT_MADE if made else IF_MADE:
                self[name].errors = []  # what does not apply cannot be wrong
            self._add_problems(voice_problems(self.entry(), self.meta.today))
        self.fit_errors()
        return not self.errors

    def entry(self) -> VoiceEntry:
        """What was typed, for the service."""
        method = self.contact_method.data
        return VoiceEntry(
            contact_made=self.contact_made.data == "yes",
            contacted_on=self.contacted_on.data,
            contact_method=ContactMethod(method) if method in set(ContactMethod) else None,
            no_contact_reason=self.no_contact_reason.data or "",
            views=self.views.data or "",
            wishes=self.wishes.data or "",
            fears=self.fears.data or "",
            consent_to_share=self.consent_to_share.data or "",
            safe_contact=self.safe_contact.data or "",
        )


class OutcomeForm(Merges, _DatedForm):
    """Prefixed "outcome", so its ids never meet the voice form's on the same page. A stale
    save merges its texts (services.save_outcome)."""

    merged_fields = tuple(OUTCOME_TEXTS)
    version = HiddenField()
    result = RadioField(
        "What happened when you tried to tell {them}?",
        choices=OutcomeResult.choices(),
        widget=GovRadios(),
        validators=[Optional()],
        validate_choice=True,
    )
    told_on = MemorableDateField("Date you told {them}", description="For example, 27 3 2026")
    told_how = method_field("How you told {them}")
    feels_safer = long_text(
        "{Do} {they} feel safer? (optional)",
        VOICE_LIMITS["feels_safer"],
        hint="In {their} words, if {they} said.",
    )
    not_told_reason = long_text(
        "Why is it not safe to contact {them}?",
        VOICE_LIMITS["outcome_not_told_reason"],
        hint="For example: the perpetrator checks {their} phone; {they} asked for no contact "
        "until {they} {have} moved.",
    )
    attempts = WholeNumberField(
        "How many times did you try to reach {them}?",
        validators=[Optional()],
        widget=GovTextInput(),
    )
    notes = long_text(
        "Notes (optional)",
        VOICE_LIMITS["outcome_notes"],
        hint="For example, what {they} said, what else you tried, or anything {they} asked for "
        "next.",
    )

    def validate(self, extra_validators: Any = None) -> bool:
        super().validate(extra_validators)
        self._add_problems(
            outcome_problems(self.entry(), meeting_day=self.meta.meeting_day, today=self.meta.today)
        )
        self.fit_errors()
        return not self.errors

    def entry(self) -> OutcomeEntry:
        result, method = self.result.data, self.told_how.data
        return OutcomeEntry(
            result=OutcomeResult(result) if result in set(OutcomeResult) else None,
            told_on=self.told_on.data,
            told_how=ContactMethod(method) if method in set(ContactMethod) else None,
            not_told_reason=self.not_told_reason.data or "",
            attempts=self.attempts.data,
            feels_safer=self.feels_safer.data or "",
            notes=self.notes.data or "",
        )
