"""The audit log's search filters (a GET form: no CSRF token, nothing changes)."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextInput
from wtforms import IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import Email, IPAddress, Length, NumberRange, Optional

from conference.web.forms import DateRangeFilter


class AuditFilterForm(DateRangeFilter):
    verb = SelectField(
        "What happened",
        choices=[],
        widget=GovSelect(),
        validators=[Optional()],
        validate_choice=False,
    )
    user_email = StringField(
        "User's email address",
        widget=GovTextInput(),
        validators=[
            Optional(),
            Length(max=254),
            Email("Enter an email address like name@example.org"),
        ],
    )
    object_type = SelectField(
        "Object type",
        choices=[],
        widget=GovSelect(),
        validators=[Optional()],
        validate_choice=False,
    )
    object_id = IntegerField(
        "Object number",
        widget=GovTextInput(),
        validators=[Optional(), NumberRange(min=1, message="Enter a whole number, 1 or more")],
    )
    ip = StringField(
        "IP address",
        widget=GovTextInput(),
        validators=[
            Optional(),
            IPAddress(ipv6=True, message="Enter an IP address like 192.0.2.10"),
        ],
    )
    submit = SubmitField("Apply filters", widget=GovSubmitInput())
