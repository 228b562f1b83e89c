"""The access report's date filter (a GET form: no CSRF token, nothing changes)."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import SubmitField
from wtforms.validators import Optional, ValidationError

from conference.web.forms import DateFieldUK, FlaskForm, not_in_future, within_years_ahead


class AccessFilterForm(FlaskForm):
    class Meta:
        csrf = False

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
    submit = SubmitField("Apply dates", widget=GovSubmitInput())

    def validate_on_or_before(self, field: DateFieldUK) -> None:
        if field.data and self.on_or_after.data and field.data < self.on_or_after.data:
            raise ValidationError("The 'to' date must be the same as or after the 'from' date")
