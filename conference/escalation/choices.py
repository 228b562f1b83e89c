"""The statuses of an escalation register entry, and the steps of the ladder."""

from __future__ import annotations

from conference.choices import Labelled, add_labels


class EntryStatus(Labelled):
    OPEN = "open"
    RAISED = "raised"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Step(Labelled):
    #: The owner agency's named point of contact was told (contact_after_days overdue).
    CONTACT_TOLD = "contact_told"
    #: The action entered the escalation register (register_after_days overdue).
    REGISTERED = "registered"


#: Entries still being worked: a newly late action of the same agency joins one of these.
LIVE = (EntryStatus.OPEN, EntryStatus.RAISED)

add_labels(
    [
        (EntryStatus.OPEN, "Open"),
        (EntryStatus.RAISED, "Raised with the agency"),
        (EntryStatus.RESOLVED, "Resolved"),
        (EntryStatus.CLOSED, "Closed without resolution"),
        (Step.CONTACT_TOLD, "Point of contact told"),
        (Step.REGISTERED, "Entered the escalation register"),
    ]
)
