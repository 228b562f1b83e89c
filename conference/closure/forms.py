"""The forms for closing a case and for telling the MARAC of a repeat incident."""

from __future__ import annotations

from typing import Any

from wtforms import SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from conference.closure.notices import REPORTED_BY_LIMIT, WHAT_HAPPENED_LIMIT
from conference.closure.services import PLAN_DONE_REASON
from conference.referrals.models import REASON_LIMIT
from conference.web.forms import Form, MemorableDateField, long_text, radios, text


class CloseForm(Form):
    #: Optional here: whether it is needed depends on the case's open actions, which the
    #: service checks (and puts its refusal beside this field).
    reason = long_text(
        "Why are you closing the case?",
        REASON_LIMIT,
        hint="Needed while any action is still open, or if no conference heard the case. It is "
        "kept with the case and shown to whoever reviews it after a repeat referral.",
    )


def close_form(formdata: Any = None) -> CloseForm:
    """The form, prefixed: the case page holds other reason boxes."""
    return CloseForm(formdata, prefix="close")


class NoticeForm(Form):
    """A repeat-incident notice: the short form an agency sends instead of a new checklist."""

    occurred_on = MemorableDateField(
        "When did it happen?",
        validators=[DataRequired("Enter the date of the incident")],
        description="For example, 27 11 2026",
    )
    what_happened = long_text(
        "What happened?",
        WHAT_HAPPENED_LIMIT,
        required="Say what happened",
        hint="Any new incident counts, criminal or not: unwanted contact, a breach of bail or of "
        "an order, threats, a dispute over contact or property. Facts only, as you would "
        "write them in your own records.",
    )
    perpetrator_id = radios(
        "Who caused the harm?",
        [],
        "Choose the person who caused the harm",
        hint="The people named in the case's referrals. Someone new is not a repeat: make a "
        "full referral with a risk checklist instead.",
    )
    reported_by = text(
        "Who reported it?",
        REPORTED_BY_LIMIT,
        required="Say who reported the incident",
        hint="For example: the victim told their GP; a neighbour called the police; our officer "
        "saw it.",
    )


class CloseManyForm(Form):
    """Closing the cases chosen on the ready-to-close list, with one reason."""

    #: The page draws the boxes itself, one per row; the service checks each case.
    case_ids = SelectMultipleField("Cases to close", choices=[], validate_choice=False)

    reason_kind = radios(
        "Reason for closing",
        [
            SelectChoice("standard", PLAN_DONE_REASON),
            SelectChoice("typed", "Another reason"),
        ],
        "Choose the reason for closing",
    )
    reason = long_text("Your reason", REASON_LIMIT, hint="Kept with each case closed.")

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        # Asked for only with "Another reason": the field alone cannot know.
        if self.reason_kind.data == "typed" and not (self.reason.data or "").strip():
            self.reason.errors = [
                *self.reason.errors,
                "Write your reason, or choose the standard one",
            ]
            return False
        return valid

    @property
    def chosen_reason(self) -> str:
        return PLAN_DONE_REASON if self.reason_kind.data == "standard" else self.reason.data or ""
