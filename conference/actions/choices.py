"""The closed lists of an action plan."""

from __future__ import annotations

from enum import StrEnum

from conference.choices import Labelled, add_labels


class ActionStatus(Labelled):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    NOT_DONE_CIRCUMSTANCES = "not_done_circumstances"
    NOT_DONE_AGENCY = "not_done_agency"
    #: Unfinished when a later meeting took it into its own plan as a new action.
    CARRIED_FORWARD = "carried_forward"

    @property
    def is_closed(self) -> bool:
        return self not in (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


OPEN_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


class Priority(Labelled):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class OnwardReferral(Labelled):
    """Where a meeting may refer a perpetrator on; the referral is kept as an action."""

    MATAC = "matac"
    OFFENDER_MANAGEMENT = "offender_management"
    PERPETRATOR_PROGRAMME = "perpetrator_programme"
    OTHER = "other"


#: Quick picks for a due date, in days from the meeting.
DUE_IN_DAYS = (7, 14, 28)

#: A list, not a dict: members of different enums with equal values would share a key.
LABELS: list[tuple[StrEnum, str]] = [
    (ActionStatus.OPEN, "Open"),
    (ActionStatus.IN_PROGRESS, "In progress"),
    (ActionStatus.DONE, "Done"),
    (ActionStatus.NOT_DONE_CIRCUMSTANCES, "Not done: circumstances changed"),
    (ActionStatus.NOT_DONE_AGENCY, "Not done: agency did not act"),
    (ActionStatus.CARRIED_FORWARD, "Carried forward into a later plan"),
    (Priority.HIGH, "High"),
    (Priority.MEDIUM, "Medium"),
    (Priority.LOW, "Low"),
    (OnwardReferral.MATAC, "Perpetrator-focused tasking meeting (MATAC)"),
    (OnwardReferral.OFFENDER_MANAGEMENT, "Offender management (MAPPA, probation)"),
    (OnwardReferral.PERPETRATOR_PROGRAMME, "Perpetrator programme"),
    (OnwardReferral.OTHER, "Another onward referral"),
]
add_labels(LABELS)
