"""The closed lists of the victim's voice."""

from __future__ import annotations

from enum import StrEnum

from conference.choices import Labelled, add_labels


class ContactMethod(Labelled):
    """How the advocate reached her (before the meeting, or to tell her the outcome)."""

    IN_PERSON = "in_person"
    PHONE = "phone"
    VIDEO_CALL = "video_call"
    TEXT_OR_EMAIL = "text_or_email"
    THROUGH_PROFESSIONAL = "through_professional"
    OTHER = "other"


class OutcomeResult(Labelled):
    """What came of telling her the meeting's outcome."""

    TOLD = "told"
    NOT_SAFE = "not_safe"
    NOT_REACHED = "not_reached"


#: Labels that speak of the victim hold pronoun placeholders (conference.pronouns): fill them
#: with fit() where shown.
#: A list, not a dict: members of different enums with equal values would share a key.
LABELS: list[tuple[StrEnum, str]] = [
    (ContactMethod.IN_PERSON, "In person"),
    (ContactMethod.PHONE, "Phone call"),
    (ContactMethod.VIDEO_CALL, "Video call"),
    (ContactMethod.TEXT_OR_EMAIL, "Text message or email"),
    (ContactMethod.THROUGH_PROFESSIONAL, "Through another professional {they} trust{s}"),
    (ContactMethod.OTHER, "Another way"),
    (OutcomeResult.TOLD, "Told {them}"),
    (OutcomeResult.NOT_SAFE, "Not safe to contact {them}"),
    (OutcomeResult.NOT_REACHED, "Could not reach {them}"),
]
add_labels(LABELS)
