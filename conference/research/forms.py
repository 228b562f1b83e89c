"""An agency's research return on one case."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput
from wtforms import HiddenField, SelectMultipleField

from conference.research.choices import Outcome, RiskFlag
from conference.research.models import SUMMARY_LIMIT
from conference.web.forms import Form, long_text, radios


class ReturnForm(Form):
    """Prefixed with the agenda item, so every case's form on the page has its own ids.
    ``version`` is the return's version the user started from (blank before any return)."""

    version = HiddenField()

    outcome = radios(
        "What do your records show?", Outcome.choices(), "Choose what your records show"
    )
    summary = long_text(
        "What your agency will share at the meeting",
        SUMMARY_LIMIT,
        hint="Facts apart from opinion. Say if anything is withheld, and why. This stays in the "
        "app: it is shared at the meeting, not sent anywhere.",
    )
    risk_flags = SelectMultipleField(
        "Risks your records show (optional)",
        choices=RiskFlag.choices(),
        widget=GovCheckboxesInput(),
        validate_choice=True,
    )
