"""Editing a MARAC's agreement and accepting it."""

from __future__ import annotations

from wtforms import HiddenField

from conference.agreements.models import TEXT_LIMIT
from conference.web.forms import FlaskForm, long_text


class AgreementForm(FlaskForm):
    #: The version the editor started from (0: none yet): a save on an older copy gets 409.
    version = HiddenField()
    text = long_text(
        "The agreement",
        TEXT_LIMIT,
        required="Enter the agreement's text",
        hint="In your own words: what is shared, why, and how each person keeps it safe. "
        "Saving makes a new version, which everyone with a role in these meetings accepts "
        "before they see a case again.",
    )


class AcceptForm(FlaskForm):
    """Accepting one version: the version is in the address, so only the CSRF token."""
