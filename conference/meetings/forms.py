"""Forms of the live meeting: attendance, the case record, actions and deferral."""

from __future__ import annotations

from datetime import date, timedelta

from govuk_frontend_wtf.wtforms_widgets import GovSelect
from wtforms import BooleanField, HiddenField, SelectField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from conference.actions.choices import DUE_IN_DAYS, OnwardReferral, Priority
from conference.actions.models import ACTION_LIMITS
from conference.meetings.choices import (
    PERPETRATOR_RISK_FIELDS,
    RECORD_FIELDS,
    RISK_FIELDS,
    Presence,
)
from conference.meetings.models import ATTENDEE_LIMITS, PERPETRATOR_RISK_LIMITS, RECORD_LIMITS
from conference.web.forms import (
    Form,
    GovSingleCheckbox,
    KeptCheckboxes,
    KeptSelect,
    MemorableDateField,
    long_text,
    radios,
    text,
)
from conference.web.merging import Merges

YES_NO = [SelectChoice("yes", "Yes"), SelectChoice("no", "No")]


class AttendanceForm(Form):
    """Prefixed with the agency, so every agency's row has its own ids."""

    presence = radios("Attendance", Presence.choices(), "Choose present or apologies")
    information_sent = radios(
        "Information sent?", YES_NO, "Say whether the agency sent its information"
    )
    information_sent.kwargs["validators"] = [Optional()]


class AttendeeForm(Form):
    person = SelectField(
        "Person with an account",
        description="They will be able to follow the meeting on their own screen.",
        choices=[],
        widget=GovSelect(),
        validate_choice=False,
    )
    agency_id = SelectField(
        "Agency",
        description="Needed only for someone without an account.",
        choices=[],
        widget=GovSelect(),
        validate_choice=False,
    )
    name = text("Name of someone without an account", ATTENDEE_LIMITS["name"])
    job_title = text("Job title (optional)", ATTENDEE_LIMITS["job_title"])
    observer = BooleanField(
        "Observing only",
        description="Watching, not taking part for the agency: for example, a new member of "
        "staff or an inspector. An observer does not count as the agency attending.",
        widget=GovSingleCheckbox(),
    )


RECORD_LABELS = {
    "information_shared": "Information shared",
    "risk_to_victim": "Risks to the victim",
    "risk_to_children": "Risks to children",
    "risk_to_others": "Risks to others",
    "risk_to_staff": "Risks to staff",
    "perpetrator_risk_factors": "Perpetrator risk factors",
    "decisions": "Decisions",
    "no_action_reason": "Why no action is needed (only if the meeting agreed none)",
}
#: Each risk of the record as an action's list names it.
RISK_LABELS = {name: RECORD_LABELS[name] for name in RISK_FIELDS}
#: The risks as the action form's boxes name them, under "Risks it addresses": short, and
#: apart from the record's own fields of the same names.
RISK_CHOICES = {
    "risk_to_victim": "The victim",
    "risk_to_children": "Children",
    "risk_to_others": "Others",
    "risk_to_staff": "Staff",
    "perpetrator_risk_factors": "The perpetrator's risk factors",
}
RECORD_HINTS = {
    "information_shared": "A summary of what agencies shared: facts apart from opinion.",
    "decisions": "What the meeting decided, including for a standing item.",
}


class RecordForm(Merges, Form):
    """The case's record. ``version`` is the copy the user started from; each field carries
    the text it started from, so a stale save merges (conference.web.merging)."""

    merged_fields = RECORD_FIELDS
    version = HiddenField()
    information_shared = long_text(
        RECORD_LABELS["information_shared"],
        RECORD_LIMITS["information_shared"],
        hint=RECORD_HINTS["information_shared"],
    )
    risk_to_victim = long_text(RECORD_LABELS["risk_to_victim"], RECORD_LIMITS["risk_to_victim"])
    risk_to_children = long_text(
        RECORD_LABELS["risk_to_children"], RECORD_LIMITS["risk_to_children"]
    )
    risk_to_others = long_text(RECORD_LABELS["risk_to_others"], RECORD_LIMITS["risk_to_others"])
    risk_to_staff = long_text(RECORD_LABELS["risk_to_staff"], RECORD_LIMITS["risk_to_staff"])
    perpetrator_risk_factors = long_text(
        RECORD_LABELS["perpetrator_risk_factors"], RECORD_LIMITS["perpetrator_risk_factors"]
    )
    decisions = long_text(
        RECORD_LABELS["decisions"], RECORD_LIMITS["decisions"], hint=RECORD_HINTS["decisions"]
    )
    no_action_reason = long_text(
        RECORD_LABELS["no_action_reason"], RECORD_LIMITS["no_action_reason"]
    )


PERPETRATOR_RISK_LABELS = {
    "risk_to_new_partner": "Risk to a new partner",
    "risk_to_children": "Risk to children",
    "risk_to_family": "Risk to family",
    "risk_to_public": "Risk to the public",
    "risk_to_staff": "Risk to staff",
}


class PerpetratorRiskForm(Merges, Form):
    """The meeting's view of one perpetrator's risk; prefixed with the perpetrator. Merges a
    stale save as the record does."""

    merged_fields = PERPETRATOR_RISK_FIELDS
    version = HiddenField()
    risk_to_new_partner = long_text(
        PERPETRATOR_RISK_LABELS["risk_to_new_partner"],
        PERPETRATOR_RISK_LIMITS["risk_to_new_partner"],
    )
    risk_to_children = long_text(
        PERPETRATOR_RISK_LABELS["risk_to_children"], PERPETRATOR_RISK_LIMITS["risk_to_children"]
    )
    risk_to_family = long_text(
        PERPETRATOR_RISK_LABELS["risk_to_family"], PERPETRATOR_RISK_LIMITS["risk_to_family"]
    )
    risk_to_public = long_text(
        PERPETRATOR_RISK_LABELS["risk_to_public"], PERPETRATOR_RISK_LIMITS["risk_to_public"]
    )
    risk_to_staff = long_text(
        PERPETRATOR_RISK_LABELS["risk_to_staff"], PERPETRATOR_RISK_LIMITS["risk_to_staff"]
    )


ACTION_LABELS = {
    "description": "the task",
    "owner_name": "the person at the agency",
    "owner_agency_id": "the owner agency",
    "due_on": "the due date",
    "priority": "the priority",
}


class ActionForm(Merges, Form):
    """Prefixed ("new" or the action's id), so several action forms share a page.

    A change made on a stale copy merges (console.change_action): the task and the person set
    side by side when both changed them; the owner agency, due date and priority carry their
    base too (``other_base``: part -> the saved value, the date as ISO), and when both changed
    one of those the saved action is shown above the typing."""

    merged_fields = ("description", "owner_name")
    version = HiddenField()
    description = long_text(
        "Action",
        ACTION_LIMITS["description"],
        required="Say what will be done: the action needs a task",
        hint="One task, specific enough to be checked as done.",
    )
    owner_agency_id = SelectField(
        "Owner agency",
        choices=[],
        widget=KeptSelect(),
        validate_choice=False,
    )
    owner_name = text("Person at that agency (optional)", ACTION_LIMITS["owner_name"])
    due_in = radios("Due", [], "Choose when the action is due", names_no_one=True)
    due_in.kwargs["validators"] = [Optional()]
    due_on = MemorableDateField("Or another due date", description="For example, 27 3 2027")
    priority = radios("Priority", Priority.choices(), "Choose a priority", names_no_one=True)
    perpetrator_id = SelectField(
        "About a perpetrator (optional)",
        choices=[],
        widget=GovSelect(),
        validate_choice=False,
    )
    risks = SelectMultipleField(
        "Risks it addresses (optional)",
        description="The minutes list each risk recorded on the case that no action addresses.",
        choices=[SelectChoice(name, RISK_CHOICES[name]) for name in RISK_FIELDS],
        widget=KeptCheckboxes(),
        validate_choice=True,
    )
    onward_to = SelectField(
        "Onward referral (optional)",
        description="An onward referral is about one perpetrator: choose him above.",
        choices=[SelectChoice("", "Not an onward referral"), *OnwardReferral.choices()],
        widget=KeptSelect(),
        validate_choice=False,
    )

    #: The owner agency, due date and priority as the copy started from them (a change form).
    other_base: dict[str, str] | None = None

    def set_perpetrators(self, perpetrators: list[tuple[int, str]]) -> None:
        self.perpetrator_id.choices = [SelectChoice("", "Not about a perpetrator")] + [
            SelectChoice(str(perpetrator_id), name) for perpetrator_id, name in perpetrators
        ]

    def set_choices(self, agencies: list[tuple[int, str]], meeting_day: date) -> None:
        self.owner_agency_id.choices = [SelectChoice("", "Choose an agency")] + [
            SelectChoice(str(agency_id), name) for agency_id, name in agencies
        ]
        self.due_in.choices = [
            SelectChoice(str(days), f"In {days} days ({meeting_day + timedelta(days=days):%-d %b})")
            for days in DUE_IN_DAYS
        ] + [SelectChoice("other", "Another date")]

    def chosen_due_on(self, meeting_day: date) -> date | None:
        """The date picked: a quick pick counts from the meeting day."""
        picked = self.due_in.data
        if picked and picked != "other":
            return meeting_day + timedelta(days=int(picked))
        return self.due_on.data


class DeferForm(Form):
    reason = long_text(
        "Why is the case deferred?",
        1000,
        required="Give the reason for deferring this case",
        hint="It goes onto the next conference's agenda when this meeting concludes.",
    )


class ReviewForm(Form):
    """The meeting's decision on one overdue action; prefixed with the action."""

    version = HiddenField()
    decision = radios(
        "What did the meeting decide?",
        [
            SelectChoice("open", "Keep it open, with a new due date"),
            SelectChoice("done", "Done"),
            SelectChoice("not_done_circumstances", "Not done: circumstances changed"),
            SelectChoice("not_done_agency", "Not done: the agency did not act"),
        ],
        "Choose what the meeting decided",
        names_no_one=True,
    )
    due_on = MemorableDateField(
        "New due date (to keep it open)", description="For example, 27 3 2027"
    )
    note = long_text(
        "Note for the minutes",
        2000,
        required="Say what the meeting decided about this action",
    )
