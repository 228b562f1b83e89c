"""The forms of the system issues log: logging one (at the console, or from the log), and
working one (owner, review date, outcome)."""

from __future__ import annotations

from datetime import date
from typing import Any

from govuk_frontend_wtf.wtforms_widgets import GovSelect
from wtforms import HiddenField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, ValidationError

from conference.system_issues.choices import CATEGORY_HINTS, IssueCategory, IssueStatus
from conference.system_issues.lifecycle import ISSUE
from conference.system_issues.models import (
    DESCRIPTION_LIMIT,
    NOTE_LIMIT,
    OWNER_LIMIT,
    SystemIssue,
)
from conference.web.forms import (
    Form,
    InPracticeWords,
    MemorableDateField,
    long_text,
    radios,
    text,
    within_years_ahead,
)

#: How far ahead a review may be set.
REVIEW_AHEAD_YEARS = 2

NO_NAMES = (
    "Read by the steering group: name no victim, perpetrator or child, and no worker. Say what "
    "went wrong in the system, for example “research requests to the health trust go "
    "unanswered when the named nurse is on leave”."
)


class _IssueFields(Form):
    class Meta:
        today: date = date.min

    category = radios(
        "What kind of issue is it?",
        [SelectChoice(c.value, c.label) for c in IssueCategory],
        "Choose what kind of issue it is",
    )
    agency_id = SelectField(
        "The agency it is about",
        description="Needed when it is about one agency's practice; otherwise optional.",
        choices=[],
        widget=GovSelect(),
        validate_choice=False,
    )
    description = long_text(
        "What went wrong", DESCRIPTION_LIMIT, required="Describe the issue", hint=NO_NAMES
    )
    owner = text(
        "Who will take it forward (optional)",
        OWNER_LIMIT,
        hint="A role and an agency, for example “Head of housing options, Northbridge Homes”.",
    )

    def __init__(self, formdata: Any = None, *, today: date, **kwargs: Any) -> None:
        super().__init__(formdata, meta={"today": today}, **kwargs)

    def category_items(self) -> list[dict[str, Any]]:
        """Each category's hint, for the template's radios."""
        return [{"hint": {"text": CATEGORY_HINTS[c]}} for c in IssueCategory]

    def set_agencies(self, agencies: list[tuple[int, str]]) -> None:
        self.agency_id.choices = [SelectChoice("", "Not about one agency")] + [
            SelectChoice(str(agency_id), name) for agency_id, name in agencies
        ]

    def chosen_agency_id(self) -> int | None:
        value = str(self.agency_id.data or "")
        return int(value) if value.isascii() and value.isdigit() else None

    def validate_agency_id(self, field: SelectField) -> None:
        value = str(field.data or "")
        if value and value not in {str(c.value) for c in self._choices()}:
            raise ValidationError("Choose an agency from the list")
        if not value and self.category.data == IssueCategory.AGENCY_PRACTICE.value:
            raise ValidationError("Choose the agency whose practice it is about")

    def _choices(self) -> list[SelectChoice]:
        return list(self.agency_id.choices or [])


class ConsoleIssueForm(_IssueFields):
    """At the console: the case and the meeting are known; the review date is set later."""


class LogIssueForm(InPracticeWords, _IssueFields):
    """From the log: the coordinator names the cases and sets the review date."""

    marac_id = SelectField(
        "{Meeting}", choices=[], widget=GovSelect(), validate_choice=True, coerce=str
    )
    cases = text(
        "The cases it was found on",
        400,
        required="Give the reference of at least one case it was found on",
        hint="Case references as each case shows them, separated by commas. "
        "Only the coordinators see them.",
    )
    review_on = MemorableDateField(
        "When should the steering group review it?",
        description="For example, 27 3 2027",
        validators=[InputRequired("Enter the review date"), within_years_ahead(REVIEW_AHEAD_YEARS)],
    )

    def validate_review_on(self, field: MemorableDateField) -> None:
        if field.data and field.data < self.meta.today:
            raise ValidationError("The review date must be today or later")


class UpdateForm(Form):
    class Meta:
        today: date = date.min

    status = radios("Where does it stand?", [], "Choose where it stands")
    owner = text(
        "Who will take it forward",
        OWNER_LIMIT,
        hint="A role and an agency, not a person's details.",
    )
    review_on = MemorableDateField(
        "Next review",
        description="For example, 27 3 2027",
        validators=[InputRequired("Enter the review date"), within_years_ahead(REVIEW_AHEAD_YEARS)],
    )
    note = long_text(
        "What came of it, or what was done",
        NOTE_LIMIT,
        hint="Needed to resolve or reopen it: when resolving, this is the outcome the log keeps. "
        + NO_NAMES.split(":")[0]
        + ": name nobody.",
    )
    #: The version the copy was read at: a stale copy is refused (409).
    version = HiddenField()

    def __init__(self, formdata: Any = None, *, today: date, **kwargs: Any) -> None:
        super().__init__(formdata, meta={"today": today}, **kwargs)


def update_form(issue: SystemIssue, today: date, formdata: Any = None) -> UpdateForm:
    """The form for issue: keep it where it stands, or make the move its table allows."""
    form = UpdateForm(formdata, today=today)
    moves = {target for source, target in ISSUE.pairs() if source is issue.status}
    keep = "Keep it open" if issue.status is IssueStatus.OPEN else "Keep it resolved"
    words = {IssueStatus.RESOLVED: "Resolved: record the outcome", IssueStatus.OPEN: "Reopen it"}
    form.status.choices = [SelectChoice(issue.status.value, keep)] + [
        SelectChoice(s.value, words[s]) for s in IssueStatus if s in moves
    ]
    if formdata is None:
        form.status.data = issue.status.value
        form.owner.data = issue.owner
        form.review_on.data = issue.review_on
        form.version.data = str(issue.version)
    return form
