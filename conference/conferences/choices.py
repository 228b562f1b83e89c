"""The closed lists of scheduling and agendas."""

from __future__ import annotations

from enum import StrEnum

from conference.choices import Labelled, add_labels


class Frequency(Labelled):
    MONTHLY = "monthly"
    EVERY_N_WEEKS = "every_n_weeks"


class ConferenceStatus(Labelled):
    SCHEDULED = "scheduled"
    AGENDA_PUBLISHED = "agenda_published"
    IN_PROGRESS = "in_progress"
    CONCLUDED = "concluded"
    MINUTES_FINAL = "minutes_final"
    CANCELLED = "cancelled"


#: Conferences still ahead: their agenda can change.
UPCOMING = (ConferenceStatus.SCHEDULED, ConferenceStatus.AGENDA_PUBLISHED)
#: Conferences whose agenda agencies can read.
PUBLISHED = (
    ConferenceStatus.AGENDA_PUBLISHED,
    ConferenceStatus.IN_PROGRESS,
    ConferenceStatus.CONCLUDED,
)

#: Conferences whose meeting has started: only the agencies present keep sight of them.
HELD = (ConferenceStatus.IN_PROGRESS, ConferenceStatus.CONCLUDED, ConferenceStatus.MINUTES_FINAL)


class Section(Labelled):
    """Agenda sections in the order the meeting takes them."""

    CHILDREN = "children"
    ADULTS = "adults"
    TWELVE_MONTHS = "twelve_months"
    OVERDUE_ACTIONS = "overdue_actions"

    @property
    def is_standing(self) -> bool:
        return self in (Section.TWELVE_MONTHS, Section.OVERDUE_ACTIONS)

    @property
    def rank(self) -> int:
        return list(Section).index(self)


class ItemStatus(Labelled):
    LISTED = "listed"
    IN_DISCUSSION = "in_discussion"
    DISCUSSED = "discussed"
    DEFERRED = "deferred"


class ChangeKind(Labelled):
    """A change made to an agenda after it was published."""

    ADDED = "added"
    REMOVED = "removed"


#: Week of the month for a monthly rule; -1 is the last.
WEEK_OF_MONTH = {1: "First", 2: "Second", 3: "Third", 4: "Fourth", -1: "Last"}
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

#: A list, not a dict: members of different enums with equal values would share a key.
LABELS: list[tuple[StrEnum, str]] = [
    (Frequency.MONTHLY, "Monthly, on a set weekday"),
    (Frequency.EVERY_N_WEEKS, "Every few weeks, on a set weekday"),
    (ConferenceStatus.SCHEDULED, "Scheduled"),
    (ConferenceStatus.AGENDA_PUBLISHED, "Agenda published"),
    (ConferenceStatus.IN_PROGRESS, "In progress"),
    (ConferenceStatus.CONCLUDED, "Concluded"),
    (ConferenceStatus.MINUTES_FINAL, "Minutes final"),
    (ConferenceStatus.CANCELLED, "Cancelled"),
    (Section.CHILDREN, "Cases with children in the household"),
    (Section.ADULTS, "Cases with adults only"),
    (Section.TWELVE_MONTHS, "Cases reaching 12 months since their last referral"),
    (Section.OVERDUE_ACTIONS, "Overdue actions"),
    (ItemStatus.LISTED, "Listed"),
    (ItemStatus.IN_DISCUSSION, "In discussion"),
    (ItemStatus.DISCUSSED, "Discussed"),
    (ItemStatus.DEFERRED, "Deferred"),
    (ChangeKind.ADDED, "Added"),
    (ChangeKind.REMOVED, "Removed"),
]
add_labels(LABELS)
