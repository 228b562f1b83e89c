"""The input rule for text, one for every field: no control characters but tab and line breaks.

Forms apply it to every field (conference.web.forms.InputRules), services to the few texts
read without a form, and the engine refuses storing a text that breaks it
(conference.db.refuse_control_characters). Behind them all, the database's triggers refuse the
same characters but the lone carriage return (conference.db.control_character_ddl).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from conference.errors import ValidationFailed

#: Characters no one types: every control character but tab, line feed and the carriage return
#: of a CRLF line break (browsers send a text area's line breaks so). NUL above all: PostgreSQL
#: refuses it in text, so it would fail a save instead of being shown back beside its field.
CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]|\r(?!\n)")

CONTROL_CHARACTER_MESSAGE = (
    "Remove the hidden control character from this answer (it can come with pasted text)"
)


def has_control_character(values: Iterable[object]) -> bool:
    """Whether any of the texts holds a character the rule refuses."""
    return any(isinstance(v, str) and CONTROL_CHARACTER.search(v) for v in values)


def check_plain(value: str, field: str) -> None:
    """Refuse a text read without a form that breaks the rule. Raises ValidationFailed."""
    if has_control_character([value]):
        raise ValidationFailed(CONTROL_CHARACTER_MESSAGE, field)
