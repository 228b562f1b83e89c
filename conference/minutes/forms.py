"""Forms of the minutes: the notes around the cases, a case's record and its actions.

Once the minutes are final every form also asks why the correction is made.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from govuk_frontend_wtf.wtforms_widgets import GovSelect
from wtforms import HiddenField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from conference.actions.choices import Priority
from conference.actions.models import ACTION_LIMITS, Action
from conference.meetings import forms as meeting_forms
from conference.meetings.choices import RECORD_FIELDS
from conference.meetings.models import Discussion
from conference.minutes.models import MINUTES_LIMITS, Minutes
from conference.web.forms import Form, MemorableDateField, long_text, radios, text
from conference.web.merging import Merges

#: How the minutes name each part of a case's record.
RECORD_LABELS = {**meeting_forms.RECORD_LABELS, "no_action_reason": "No action because"}
REASON_LIMIT = 1000


def reason_field() -> Any:
    return long_text(
        "Reason for the correction",
        REASON_LIMIT,
        hint="The minutes are final: the correction is listed with your name, the time and "
        "this reason.",
    )


class NotesForm(Merges, Form):
    merged_fields = tuple(MINUTES_LIMITS)
    version = HiddenField()
    opening_notes = long_text(
        "Opening notes",
        MINUTES_LIMITS["opening_notes"],
        hint="Introductions, observers, anything said before the first case.",
    )
    other_business = long_text("Any other business", MINUTES_LIMITS["other_business"])
    reason = reason_field()


class RecordForm(meeting_forms.RecordForm):
    """The console's record form, prefixed with the agenda item, plus a correction reason."""

    reason = reason_field()


class ActionForm(Form):
    """Prefixed with the action (or "new-" and the item), so every form has its own ids."""

    version = HiddenField()
    description = long_text(
        "Task",
        ACTION_LIMITS["description"],
        required="Say what will be done: the action needs a task",
    )
    owner_agency_id = SelectField(
        "Owner agency",
        choices=[],
        widget=GovSelect(),
        validate_choice=True,
        validators=[InputRequired("Choose the agency that owns this action")],
    )
    owner_name = text("Person at that agency (optional)", ACTION_LIMITS["owner_name"])
    due_on = MemorableDateField(
        "Due date",
        validators=[InputRequired("Enter the date the action is due")],
        description="For example, 27 3 2027",
    )
    priority = radios("Priority", Priority.choices(), "Choose a priority")
    reason = reason_field()

    def set_agencies(self, agencies: list[tuple[int, str]]) -> None:
        self.owner_agency_id.choices = [SelectChoice("", "Choose an agency")] + [
            SelectChoice(str(agency_id), name) for agency_id, name in agencies
        ]


def notes_form(minutes: Minutes) -> NotesForm:
    """The notes as saved, at the version the user starts from."""
    return NotesForm(
        data={
            "version": str(minutes.version),
            "opening_notes": minutes.opening_notes,
            "other_business": minutes.other_business,
        }
    )


def record_form(item_id: int, records: Mapping[int, Discussion]) -> RecordForm:
    """A case's record as saved (empty, with no version, when nothing was recorded)."""
    record = records.get(item_id)
    data = {name: getattr(record, name) for name in RECORD_FIELDS} if record else {}
    data["version"] = str(record.version) if record else ""
    return RecordForm(prefix=f"item-{item_id}", data=data)


def action_form(action: Action) -> ActionForm:
    return ActionForm(
        prefix=f"action-{action.id}",
        data={
            "version": str(action.version),
            "description": action.description,
            "owner_agency_id": str(action.owner_agency_id),
            "owner_name": action.owner_name,
            "due_on": action.due_on,
            "priority": action.priority.value,
        },
    )


def new_action_form(item_id: int) -> ActionForm:
    return ActionForm(prefix=f"new-{item_id}", data={"priority": Priority.MEDIUM.value})
