"""The closed lists of a live meeting."""

from __future__ import annotations

from enum import StrEnum

from conference.choices import Labelled, add_labels


class Presence(Labelled):
    """How an invited agency took part in the meeting."""

    PRESENT = "present"
    APOLOGIES = "apologies"


class RevisionOf(Labelled):
    """The texts a meeting writes that keep every revision."""

    RECORD = "record"
    NOTES = "notes"


class SavedFrom(Labelled):
    """Where a revision was saved."""

    CONSOLE = "console"
    MINUTES = "minutes"


#: The record's risk fields, in the order the chair's risk analysis takes them.
RISK_FIELDS = (
    "risk_to_victim",
    "risk_to_children",
    "risk_to_others",
    "risk_to_staff",
    "perpetrator_risk_factors",
)
#: Every field of a case's record at the meeting, as the minutes show them.
RECORD_FIELDS = ("information_shared", *RISK_FIELDS, "decisions", "no_action_reason")

#: The meeting's view of one perpetrator's risk to others, in the order the chair asks.
PERPETRATOR_RISK_FIELDS = (
    "risk_to_new_partner",
    "risk_to_children",
    "risk_to_family",
    "risk_to_public",
    "risk_to_staff",
)

#: A list, not a dict: members of different enums with equal values would share a key.
LABELS: list[tuple[StrEnum, str]] = [
    (Presence.PRESENT, "Present"),
    (Presence.APOLOGIES, "Apologies"),
    (RevisionOf.RECORD, "The case's record"),
    (RevisionOf.NOTES, "The minutes' notes"),
    (SavedFrom.CONSOLE, "The console"),
    (SavedFrom.MINUTES, "The minutes"),
]
add_labels(LABELS)
