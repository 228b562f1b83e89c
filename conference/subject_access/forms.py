"""The subject access search: a name and a date of birth, posted (never in the address)."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import SubmitField
from wtforms.validators import InputRequired

from conference.web.forms import FlaskForm, MemorableDateField, date_of_birth, text

NAME_LIMIT = 200


class SearchForm(FlaskForm):
    name = text(
        "Full name",
        NAME_LIMIT,
        required="Enter the person's name",
        hint="Any name they are known by; spellings close to it are found too",
    )
    dob = MemorableDateField(
        "Date of birth",
        description="For example, 27 3 1991",
        validators=[InputRequired("Enter the person's date of birth"), date_of_birth],
    )
    submit = SubmitField("Search", widget=GovSubmitInput())
