"""An agency's research return on one case."""

from __future__ import annotations

from typing import Any

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput
from wtforms import HiddenField, SelectMultipleField

from conference.research.choices import Outcome, RiskFlag
from conference.research.models import SUMMARY_LIMIT
from conference.web.forms import Form, long_text, radios
from conference.web.merging import Merges


class ReturnForm(Merges, Form):
    """Prefixed with the agenda item, so every case's form on the page has its own ids.
    ``version`` is the return's version the user started from (blank before any return).

    A stale save merges (conference.research.services.save_return): the summary is set side
    by side when both changed it; the outcome, the flags and each finding on a perpetrator
    carry their base too (``other_base``: part -> the saved value the copy started from), and
    when both changed one of those the whole return is shown beside the typing."""

    merged_fields = ("summary",)
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

    #: RETURN_FIELDS other than the summary and each finding_field -> the saved value the
    #: user's copy started from, sent back as ``<part>.base`` beside it.
    other_base: dict[str, str]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.other_base = {}
