"""The access report's date filter (a GET form: no CSRF token, nothing changes)."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import SubmitField

from conference.web.forms import DateRangeFilter


class AccessFilterForm(DateRangeFilter):
    submit = SubmitField("Apply dates", widget=GovSubmitInput())
