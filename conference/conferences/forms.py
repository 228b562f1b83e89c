"""Forms for meeting rules, single conferences and agenda changes."""

from __future__ import annotations

import re
from datetime import time
from typing import Any

from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovTextInput
from wtforms import HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from conference.conferences.choices import WEEK_OF_MONTH, WEEKDAYS, Frequency
from conference.conferences.models import PLACE_LIMITS, REASON_LIMIT
from conference.dates import CONFERENCE_AHEAD_YEARS
from conference.web.forms import (
    Form,
    MemorableDateField,
    WholeNumberField,
    long_text,
    radios,
    text,
    within_years_ahead,
)
from conference.web.requests import parse_id

TIME_FORMAT = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?$", re.IGNORECASE)


class TimeOfDayField(StringField):
    """A time typed as 10:00, 13:30, 10am or 1.30pm."""

    widget = GovTextInput()

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.raw_text = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if not self.raw_text:
            return
        found = TIME_FORMAT.match(self.raw_text)
        hour = int(found.group(1)) if found else -1
        minute = int(found.group(2) or 0) if found else -1
        half = (found.group(3) or "").lower() if found else ""
        if half:
            valid = 1 <= hour <= 12
            hour = hour % 12 + (12 if half == "pm" else 0)
        else:
            valid = 0 <= hour <= 23
        if not valid or not 0 <= minute <= 59:
            raise ValueError("Enter a time like 10:00 or 1:30pm")
        self.data = time(hour, minute)

    def _value(self) -> str:
        if getattr(self, "raw_text", None) is not None:
            return self.raw_text
        return f"{self.data:%H:%M}" if self.data else ""


def number(label: str, low: int, high: int, *, hint: str = "", unit: str = "") -> WholeNumberField:
    return WholeNumberField(
        label,
        description=hint,
        widget=GovTextInput(),
        validators=[
            InputRequired(f"Enter the {label.lower()}"),
            NumberRange(low, high, f"Enter a number from {low} to {high}{unit}"),
        ],
    )


def secure_link(form: Form, field: StringField) -> None:
    if field.data and not field.data.lower().startswith("https://"):
        raise ValidationError("Enter a video link starting with https://")


def select(label: str, choices: list[SelectChoice], *, hint: str = "") -> SelectField:
    return SelectField(
        label, description=hint, choices=choices, widget=GovSelect(), validate_choice=True
    )


class MeetingSettings(Form):
    """What a rule and a single conference share: time, length, place, capacity, chair.
    ``version`` is the version of the record the user started from (blank for a new one)."""

    version = HiddenField()

    start_time = TimeOfDayField(
        "Start time",
        validators=[InputRequired("Enter the start time")],
        description="In the meeting's local time, for example 10:00 or 1:30pm.",
    )
    duration_minutes = number("Length in minutes", 30, 720, hint="For example, 240 for four hours.")
    place = text(
        "Place", PLACE_LIMITS["place"], hint="The room and building, if it meets in person."
    )
    video_link = StringField(
        "Video call link",
        description="Leave empty if it meets in person only.",
        widget=GovTextInput(),
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        validators=[Optional(), secure_link],
    )
    capacity = number("Cases it can hear", 1, 60, hint="16 is the national average.")
    minutes_per_case = number("Minutes per case", 5, 120, hint="Usually 12 to 15.")
    chair_id = SelectField(
        "Chair", choices=[], widget=GovSelect(), validate_choice=True, coerce=str
    )

    def validate_place(self, field: StringField) -> None:
        if not field.data and not self.video_link.data:
            raise ValidationError("Enter a place, a video call link, or both")

    def set_chairs(self, chairs: list[tuple[int, str]]) -> None:
        self.chair_id.choices = [
            SelectChoice("", "Not chosen yet"),
            *[SelectChoice(str(i), name) for i, name in chairs],
        ]


class MeetingRuleForm(MeetingSettings):
    frequency = radios("How often it meets", Frequency.choices(), "Choose how often it meets")
    week_of_month = select(
        "Week of the month",
        [SelectChoice(str(k), v) for k, v in WEEK_OF_MONTH.items()],
        hint="For a monthly meeting.",
    )
    weekday = select("Day of the week", [SelectChoice(str(i), d) for i, d in enumerate(WEEKDAYS)])
    interval_weeks = WholeNumberField(
        "Every how many weeks",
        description="For a meeting every few weeks: 1 for weekly, 2 for fortnightly.",
        widget=GovTextInput(),
        validators=[Optional(), NumberRange(1, 12, "Enter a number from 1 to 12")],
    )
    first_date = MemorableDateField(
        "Date of the first meeting",
        description="For a meeting every few weeks: the count starts here. For example, 3 12 2026.",
        validators=[within_years_ahead(CONFERENCE_AHEAD_YEARS)],
    )
    cutoff_days = number(
        "Referral cut-off, in days before the meeting",
        1,
        60,
        hint="Referrals accepted up to this many days before are listed on it.",
    )
    research_days = number(
        "Agenda published, in days before the meeting",
        1,
        42,
        hint="Research opens for every agency on that day. It must not be before the cut-off.",
    )

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        weeks = self.interval_weeks
        # Optional() ends the field's own checks when it is empty, so this one lives here.
        if self.frequency.data == Frequency.EVERY_N_WEEKS.value and weeks.data is None:
            if not weeks.errors:
                weeks.errors = ["Enter every how many weeks it meets"]
            valid = False
        return valid

    def values(self) -> dict[str, Any]:
        return {
            "frequency": Frequency(self.frequency.data),
            "weekday": int(self.weekday.data),
            "week_of_month": int(self.week_of_month.data),
            "interval_weeks": self.interval_weeks.data,
            "first_date": self.first_date.data,
            "start_time": self.start_time.data,
            "duration_minutes": self.duration_minutes.data,
            "place": self.place.data or "",
            "video_link": self.video_link.data or "",
            "capacity": self.capacity.data,
            "minutes_per_case": self.minutes_per_case.data,
            "cutoff_days": self.cutoff_days.data,
            "research_days": self.research_days.data,
            # The preview reads values before the chair is checked: a garbled one is no chair.
            "chair_id": parse_id(self.chair_id.data),
        }


class ConferenceForm(MeetingSettings):
    """An extra conference, or changes to one."""

    day = MemorableDateField(
        "Date", validators=[InputRequired("Enter the date")], description="For example, 8 12 2026."
    )

    def values(self) -> dict[str, Any]:
        return {
            "day": self.day.data,
            "start_time": self.start_time.data,
            "duration_minutes": self.duration_minutes.data,
            "place": self.place.data or "",
            "video_link": self.video_link.data or "",
            "capacity": self.capacity.data,
            "minutes_per_case": self.minutes_per_case.data,
            # The preview reads values before the chair is checked: a garbled one is no chair.
            "chair_id": parse_id(self.chair_id.data),
        }


class CancelForm(Form):
    reason = long_text(
        "Why is it cancelled?",
        REASON_LIMIT,
        required="Enter why the conference is cancelled",
        hint="The invited agencies are told it is cancelled, not why.",
    )


class PlaceForm(Form):
    """Put a case on a conference: a move, or listing one that is waiting."""

    conference_id = SelectField(
        "Conference", choices=[], widget=GovSelect(), validate_choice=True, coerce=str
    )
    reason = long_text(
        "Reason for the change",
        REASON_LIMIT,
        hint="Needed when an agenda is already published: the agencies are told it changed.",
    )
    over_capacity_reason = long_text(
        "Reason to list it over capacity",
        REASON_LIMIT,
        hint="Only if the conference is full: why this case cannot wait.",
    )


class RemoveForm(Form):
    reason = long_text(
        "Reason for taking it off the agenda",
        REASON_LIMIT,
        hint="Needed when the agenda is already published.",
    )
