"""Forms for an agency's own actions."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSelect
from wtforms import HiddenField, SelectField
from wtforms.fields.choices import SelectChoice

from conference.actions.services import NOTE_LIMIT, REPORTABLE
from conference.web.forms import Form, long_text, radios


class StatusForm(Form):
    """Prefixed with the action, so each action on the page has its own ids."""

    version = HiddenField()
    status = radios(
        "What has happened?",
        [SelectChoice(s.value, s.label) for s in REPORTABLE],
        "Choose what has happened with the action",
    )
    note = long_text(
        "Note",
        NOTE_LIMIT,
        required="Add a note: what was done, or why not",
        hint="Kept with your name and the time. No more detail than the action needs.",
    )


DUE_CHOICES = [
    SelectChoice("", "Any time"),
    SelectChoice("overdue", "Overdue"),
    SelectChoice("week", "Due within a week"),
    SelectChoice("month", "Due within four weeks"),
]


class FilterForm(Form):
    status = SelectField(
        "Status",
        choices=[
            SelectChoice("", "Open or in progress"),
            SelectChoice("open", "Open"),
            SelectChoice("in_progress", "In progress"),
        ],
        widget=GovSelect(),
        validate_choice=True,
    )
    conference = SelectField("Agreed at", choices=[], widget=GovSelect(), validate_choice=False)
    due = SelectField("Due", choices=DUE_CHOICES, widget=GovSelect(), validate_choice=True)


TRACKER_STATUSES = [
    SelectChoice("", "Open or in progress"),
    SelectChoice("open", "Open"),
    SelectChoice("in_progress", "In progress"),
    SelectChoice("closed", "Closed, any outcome"),
    SelectChoice("done", "Done"),
    SelectChoice("not_done_circumstances", "Not done: circumstances changed"),
    SelectChoice("not_done_agency", "Not done: agency did not act"),
    SelectChoice("all", "Any status"),
]

OVERDUE_CHOICES = [
    SelectChoice("", "Overdue or not"),
    SelectChoice("1", "Overdue"),
    SelectChoice("7", "Overdue by 7 days or more"),
]


class TrackerForm(Form):
    """The coordinator's filters. Choices of agency and conference come from the data."""

    agency = SelectField("Owner agency", choices=[], widget=GovSelect(), validate_choice=False)
    conference = SelectField("Agreed at", choices=[], widget=GovSelect(), validate_choice=False)
    status = SelectField(
        "Status", choices=TRACKER_STATUSES, widget=GovSelect(), validate_choice=False
    )
    # Only open actions can be overdue: choosing overdue sets the status aside.
    overdue = SelectField(
        "Overdue", choices=OVERDUE_CHOICES, widget=GovSelect(), validate_choice=False
    )
