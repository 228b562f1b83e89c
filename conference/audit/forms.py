"""The audit log's search filters (a GET form: no CSRF token, nothing changes)."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextInput
from wtforms import IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import Email, IPAddress, Length, NumberRange, Optional, ValidationError

from conference.web.forms import DateFieldUK, FlaskForm, not_in_future, within_years_ahead


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

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
    # Nothing is logged ahead of today: a year on is room enough for "to the end of the month".
    on_or_after = DateFieldUK(
        "From (date)",
        widget=GovTextInput(),
        validators=[Optional(), not_in_future],
        render_kw={"type": "date"},
    )
    on_or_before = DateFieldUK(
        "To (date)",
        widget=GovTextInput(),
        validators=[Optional(), within_years_ahead(1)],
        render_kw={"type": "date"},
    )
    submit = SubmitField("Apply filters", widget=GovSubmitInput())

    def validate_on_or_before(self, field: DateFieldUK) -> None:
        if field.data and self.on_or_after.data and field.data < self.on_or_after.data:
            raise ValidationError("The 'to' date must be the same as or after the 'from' date")
