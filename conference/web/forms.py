"""Form fields shared across domains, with messages in the GOV.UK style."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from datetime import date
from typing import Any

import flask_wtf
import wtforms
from flask import has_request_context
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovCheckboxInput,
    GovDateInput,
    GovRadioInput,
    GovSelect,
    GovTextInput,
)
from markupsafe import Markup
from wtforms.fields import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.meta import DefaultMeta
from wtforms.utils import unset_value
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    StopValidation,
    ValidationError,
)

from conference.dates import OLDEST_AGE_YEARS, years_after
from conference.db import utcnow
from conference.profiles import install_profile
from conference.pronouns import fill_choice
from conference.text import CONTROL_CHARACTER_MESSAGE, has_control_character


def no_control_characters(form: Any, field: Any) -> None:
    """The input rule of every field: refuse control characters, keeping what was typed."""
    if has_control_character(field.raw_data or ()):
        raise StopValidation(CONTROL_CHARACTER_MESSAGE)


def query_text(args: Any, name: str, limit: int) -> tuple[str, str | None]:
    """A free-text query parameter (at most limit characters), and the input rule's message
    when it breaks it: the same rule as every form field, for a search box read directly."""
    text = str(args.get(name, ""))[:limit]
    return text, CONTROL_CHARACTER_MESSAGE if has_control_character([text]) else None


class InputRules:
    """Meta for every form of the app: each field checks no_control_characters first.

    One rule for every field of every form, whatever its kind, instead of a copy per form:
    forms derive from Form or FlaskForm below (tests/test_hostile_input.py checks they do).
    """

    def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Any:
        field = super().bind_field(form, unbound_field, options)  # type: ignore[misc]
        field.validators = [no_control_characters, *field.validators]
        return field


class Form(wtforms.Form):
    """A plain WTForms form (CSRF is checked for every POST by the app) with the input rules."""

    class Meta(InputRules, DefaultMeta):
        pass


class FlaskForm(flask_wtf.FlaskForm):
    """A Flask-WTF form (its own CSRF token) with the input rules."""

    class Meta(InputRules):
        pass


def _frozen(value: Any) -> Any:
    """Params as a key: equal only when the GOV.UK macro would draw the same markup (markup
    apart from text, and True apart from 1)."""
    if isinstance(value, dict):
        return tuple(sorted((key, _frozen(item)) for key, item in value.items()))
    if isinstance(value, list | tuple):
        return ("list", tuple(_frozen(item) for item in value))
    if isinstance(value, Markup):
        return ("markup", str(value))
    if value is None or isinstance(value, bool | int | float | str):
        return (type(value).__name__, value)
    return (type(value).__name__, str(value))


class DrawnOnce:
    """A GOV.UK widget that keeps the markup of its empty, unproblematic drawings.

    Each GOV.UK field is drawn by a chain of Jinja macros, about a millisecond a field, and
    an empty field draws the same markup every time (the console's record and new-action
    forms, for most cases). Only fields with nothing typed and no problem are kept, and a list
    of choices only where it names no one, so no case detail outlives its request; the newest
    few hundred drawings are kept per worker.
    """

    KEPT = 512
    #: Whether a drawing with a list of choices may be kept: only a list that names no one
    #: (agencies, dates, the app's own lists), never one of people.
    keeps_choices = False
    _drawn: OrderedDict[Any, Markup] = OrderedDict()
    _lock = threading.Lock()

    def keeps(self, params: dict[str, Any]) -> bool:
        if params.get("value") or params.get("errorMessage"):
            return False
        return not params.get("items") or self.keeps_choices

    def render(self, params: dict[str, Any]) -> Markup:
        if not self.keeps(params):
            return super().render(params)  # type: ignore[misc]
        key = (type(self), _frozen(params))
        with self._lock:
            drawn = self._drawn.get(key)
            if drawn is not None:
                self._drawn.move_to_end(key)
                return drawn
        drawn = super().render(params)  # type: ignore[misc]
        with self._lock:
            self._drawn[key] = drawn
            if len(self._drawn) > self.KEPT:
                self._drawn.popitem(last=False)
        return drawn


class DateFieldUK(DateField):
    """An ISO date field (the browser's date picker) whose parse error says what to enter."""

    data: date | None

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(f"Enter a real date for '{self.label.text.lower()}'") from error
        if self.data is not None and self.data.year < 1900:
            self.data = None
            raise ValueError(f"Enter a date from 1900 for '{self.label.text.lower()}'")


class InPracticeWords:
    """A form whose labels, hints, choices and messages name the meeting body or the advocate
    by placeholders ("Save {meeting}", "Choose {meetings} from the list"), filled with the
    install's own words (its practice profile) when the form is made and when it is checked.
    For forms about the install as a whole; mixed in before the form class."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fill = install_profile().words.fill
        for field in self:  # type: ignore[attr-defined]
            field.label.text = fill(field.label.text)
            if isinstance(field.description, str):
                field.description = fill(field.description)
            if isinstance(getattr(field, "choices", None), list):
                field.choices = [fill_choice(fill, choice) for choice in field.choices]

    def validate(self, *args: Any, **kwargs: Any) -> bool:
        valid: bool = super().validate(*args, **kwargs)  # type: ignore[misc]
        fill = install_profile().words.fill
        for field in self:  # type: ignore[attr-defined]
            if isinstance(field.errors, list):
                field.errors = [fill(e) if isinstance(e, str) else e for e in field.errors]
        return valid


def month_first() -> bool:
    """Whether the person typing writes the month before the day (their practice's profile:
    'November 21, 2026'). Dates are typed as the person's own practice writes them, whatever
    the record."""
    if not has_request_context():
        return False
    from conference.web.jinja import profile_in_view  # the web layer's: it reads the user

    return profile_in_view(None).date_format == "month day year"


#: An example date in a hint or a message: "27 3 2026".
EXAMPLE_DATE = re.compile(r"\b(\d{1,2}) (\d{1,2}) (\d{4})\b")


def in_typing_order(text: str) -> str:
    """An example date ("For example, 27 3 2026") in the order the boxes are shown."""
    return EXAMPLE_DATE.sub(r"\2 \1 \3", text) if month_first() else text


class GovMemorableDateInput(DrawnOnce, GovDateInput):
    """GOV.UK's date input, also when nothing (or not all three boxes) was sent; the month box
    first for a practice that writes the month first. Kept while all three boxes are empty."""

    def keeps(self, params: dict[str, Any]) -> bool:
        boxes = params.get("items") or []
        return not params.get("errorMessage") and not any(box.get("value") for box in boxes)

    def map_gov_params(self, field: Any, **kwargs: Any) -> dict[str, Any]:
        raw = field.raw_data
        swap = month_first()
        if raw is not None:
            # As sent (month first from such a browser) or as kept: day, month, year.
            boxes = ([*raw, "", "", ""])[:3]
            sent_month_first = getattr(field, "sent_month_first", lambda: False)()
            field.raw_data = [boxes[1], boxes[0], boxes[2]] if sent_month_first else boxes
        try:
            params = super().map_gov_params(field, **kwargs)
        finally:
            field.raw_data = raw
        if swap:
            day, month, year = params["items"]
            params["items"] = [month, day, year]
        hint = params.get("hint")
        if isinstance(hint, dict) and isinstance(hint.get("text"), str):
            params["hint"] = {**hint, "text": in_typing_order(hint["text"])}
        return params


class MemorableDateField(DateField):
    """A date typed as day, month and year boxes (GOV.UK's date input), such as a birth date.

    Blank boxes give no date; anything that is not a real date says so by the field.
    """

    data: date | None

    #: Whether the values came as a draft keeps them (day, month, year), not from a browser.
    kept_in_order = False

    def __init__(self, label: str | None = None, validators: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("widget", GovMemorableDateInput())
        super().__init__(label, validators, format="%d %m %Y", **kwargs)

    def process(self, formdata: Any, data: Any = unset_value, extra_filters: Any = None) -> None:
        self.kept_in_order = bool(getattr(formdata, "kept_in_order", False))
        super().process(formdata, data, extra_filters)

    def sent_month_first(self) -> bool:
        """Whether the boxes came month first: from the browser of a practice that writes
        the month first (values kept in a draft are always day first)."""
        return not self.kept_in_order and month_first()

    def process_formdata(self, valuelist: list[Any]) -> None:
        parts = [str(v).strip() for v in valuelist]
        if not any(parts):
            self.data = None
            return
        if len(parts) == 3 and self.sent_month_first():  # in the order shown: month first
            parts = [parts[1], parts[0], parts[2]]
        if len(parts) != 3 or not all(parts):
            raise ValueError(f"{self.label.text} must include a day, month and year")
        try:
            super().process_formdata([" ".join(parts)])
        except ValueError as error:
            raise ValueError(f"{self.label.text} must be a real date") from error
        if self.data is not None and self.data.year < 1900:
            self.data = None
            raise ValueError(f"{self.label.text} must have a four-digit year, like 1990")


def today_of(form: Any) -> date:
    """The day a form judges dates by: the one it was given (in the MARAC's time zone), else
    today in UTC, which is near enough for bounds counted in years."""
    today = getattr(form.meta, "today", None)
    return today if isinstance(today, date) and today != date.min else utcnow().date()


def not_in_future(form: Any, field: Any) -> None:
    """A date that has happened: today or before."""
    if field.data and field.data > today_of(form):
        raise ValidationError(f"{field.label.text} must be today or in the past")


def date_of_birth(form: Any, field: Any) -> None:
    """A living person's date of birth: not in the future, and not more than
    OLDEST_AGE_YEARS ago."""
    not_in_future(form, field)
    if field.data and field.data < years_after(today_of(form), -OLDEST_AGE_YEARS):
        raise ValidationError(
            f"{field.label.text} must be within the last {OLDEST_AGE_YEARS} years"
        )


def within_years_ahead(years: int) -> Any:
    """A date no more than the given number of years from today."""

    def check(form: Any, field: Any) -> None:
        if field.data and field.data > years_after(today_of(form), years):
            span = f"{years} year{'' if years == 1 else 's'}"
            raise ValidationError(f"{field.label.text} must be within {span} from today")

    return check


class GovSingleCheckbox(GovCheckboxInput):
    """One checkbox with its hint under its own label, as GOV.UK shows it, and no empty hint."""

    def map_gov_params(self, field: BooleanField, **kwargs: Any) -> dict[str, Any]:
        params = super().map_gov_params(field, **kwargs)
        hint = params.pop("hint", None)
        if hint and hint.get("text"):
            params["items"][0]["hint"] = hint
        return params


class GovText(DrawnOnce, GovTextInput):
    """A GOV.UK text input, kept while empty."""


class GovCountedTextArea(DrawnOnce, GovCharacterCount):
    """A text area that counts down to the field's Length limit as the user types."""

    def map_gov_params(self, field: Any, **kwargs: Any) -> dict[str, Any]:
        params = super().map_gov_params(field, **kwargs)
        limits = [v.max for v in field.validators if isinstance(v, Length) and v.max > 0]
        if limits:
            params.setdefault("maxlength", min(limits))
        return params


class WholeNumberField(IntegerField):
    """An integer field whose parse error says what to enter."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError("Enter a whole number, like 3") from error


class GovRadios(GovRadioInput):
    """GOV.UK radios without an empty hint for screen readers to be pointed at."""

    def map_gov_params(self, field: Any, **kwargs: Any) -> dict[str, Any]:
        params = super().map_gov_params(field, **kwargs)
        if not (params.get("hint") or {}).get("text"):
            params.pop("hint", None)
        # A template that styles the legend must not lose its words: the group's name.
        legend = params.get("fieldset", {}).get("legend")
        if legend is not None and not legend.get("text") and not legend.get("html"):
            legend["text"] = field.label.text
        return params


class KeptRadios(DrawnOnce, GovRadios):
    """Radios whose choices name no one, kept while nothing is typed or refused."""

    keeps_choices = True


class KeptSelect(DrawnOnce, GovSelect):
    """A select whose choices name no one (agencies, the app's own lists), kept likewise."""

    keeps_choices = True


class KeptCheckboxes(DrawnOnce, GovCheckboxesInput):
    """Checkboxes whose choices name no one, kept likewise."""

    keeps_choices = True


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def too_long(limit: int) -> Length:
    return Length(max=limit, message=f"Must be {limit} characters or fewer")


def text(label: str, limit: int, *, required: str | None = None, hint: str = "") -> StringField:
    checks = [DataRequired(required)] if required else [Optional()]
    return StringField(
        label,
        description=hint,
        widget=GovText(),
        filters=[strip],
        validators=[*checks, too_long(limit)],
    )


def long_text(
    label: str, limit: int, *, required: str | None = None, hint: str = ""
) -> TextAreaField:
    checks = [DataRequired(required)] if required else [Optional()]
    return TextAreaField(
        label,
        description=hint,
        widget=GovCountedTextArea(),
        filters=[strip],
        validators=[*checks, too_long(limit)],
    )


def radios(
    label: str,
    choices: list[SelectChoice],
    required: str,
    hint: str = "",
    *,
    names_no_one: bool = False,
) -> RadioField:
    """``names_no_one``: the choices name no person, so an empty drawing may be kept."""
    return RadioField(
        label,
        description=hint,
        choices=choices,
        widget=KeptRadios() if names_no_one else GovRadios(),
        validators=[InputRequired(required)],
        validate_choice=True,
    )


def show_refusal(form: Any, refused: Exception, default: str) -> None:
    """Put a service's refusal beside the field it names (or the default field)."""
    name = getattr(refused, "field", None) or default
    field = getattr(form, name, None) or getattr(form, default)
    field.errors = [*field.errors, str(refused)]


def version_of(field: Any) -> int | None:
    """The version of the copy a form was filled from (a hidden field): None when it was made
    before the record existed, and -1 (which no version check accepts) when garbled."""
    value = str(field.data or "").strip()
    if not value:
        return None
    return int(value) if value.isascii() and value.isdigit() else -1


class FilterDateField(MemorableDateField):
    """A filter's date: typed as day, month and year boxes like every other date, or one
    ISO date (2026-03-10) from a link the app made (the next page, an export)."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if len(valuelist) == 1:
            text = str(valuelist[0]).strip()
            try:
                self.data = date.fromisoformat(text) if text else None
                if self.data is not None and self.data.year < 1900:
                    raise ValueError("before 1900")
                if self.data is not None:  # shown in the three boxes, like a typed date
                    boxes = [str(self.data.day), str(self.data.month), str(self.data.year)]
                    swap = self.sent_month_first()
                    self.raw_data = [boxes[1], boxes[0], boxes[2]] if swap else boxes
            except ValueError:
                self.data = None
                raise ValueError(self._refusal()) from None
            return
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(self._refusal()) from error

    def _refusal(self) -> str:
        return in_typing_order(f"Enter a real date for '{self.label.text.lower()}', like 27 3 2026")


class DateRangeFilter(FlaskForm):
    """A GET filter by dates, from and to (no CSRF token: nothing changes). Nothing is
    recorded ahead of today, and a year on is room enough for "to the end of the month"."""

    class Meta:
        csrf = False

    on_or_after = FilterDateField(
        "From",
        description="For example, 27 3 2026",
        validators=[Optional(), not_in_future],
    )
    on_or_before = FilterDateField(
        "To",
        description="For example, 27 3 2026",
        validators=[Optional(), within_years_ahead(1)],
    )

    def links(self) -> dict[str, str]:
        """The dates chosen, as a link carries them (one ISO date each)."""
        chosen = {"on_or_after": self.on_or_after.data, "on_or_before": self.on_or_before.data}
        return {key: value.isoformat() for key, value in chosen.items() if value}

    def validate_on_or_before(self, field: DateFieldUK) -> None:
        if field.data and self.on_or_after.data and field.data < self.on_or_after.data:
            raise ValidationError("The 'to' date must be the same as or after the 'from' date")
