"""Naming other people by role only: the free text of a case with every known name of someone
else in it (and their dates of birth) replaced by the part they play in the case."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

#: Shorter words are not treated as names: they would replace parts of ordinary words.
SHORTEST_NAME = 2
#: What a date of birth of someone else is replaced by in free text.
DOB_WITHHELD = "[date of birth withheld]"


def _phrases(full_names: Iterable[str]) -> set[str]:
    """Each name whole and each of its words, lower case."""
    found: set[str] = set()
    for name in full_names:
        cleaned = " ".join(name.split()).lower()
        if len(cleaned) < SHORTEST_NAME:
            continue
        found.add(cleaned)
        found.update(w for w in re.split(r"[\s\-']+", cleaned) if len(w) >= SHORTEST_NAME)
    return found


def dob_spellings(dob: date) -> list[str]:
    """The ways a date of birth is commonly written in free text."""
    return [
        f"{dob.day} {dob:%B} {dob.year}",
        f"{dob.day} {dob:%b} {dob.year}",
        dob.isoformat(),
        f"{dob.day:02d}/{dob.month:02d}/{dob.year}",
        f"{dob.day}/{dob.month}/{dob.year}",
        f"{dob.day:02d}.{dob.month:02d}.{dob.year}",
    ]


@dataclass
class Redactor:
    """Replaces other people's names with their role, leaving the subject's own names alone."""

    own: set[str] = field(default_factory=set)
    #: lower-case phrase -> role label
    names: dict[str, str] = field(default_factory=dict)
    dobs: set[str] = field(default_factory=set)
    _pattern: re.Pattern[str] | None = None

    def subject(self, full_names: Iterable[str]) -> None:
        self.own |= _phrases(full_names)
        self._pattern = None

    def other(
        self,
        role: str,
        full_names: Iterable[str],
        dob: date | None = None,
        other_dobs: Iterable[date] = (),
    ) -> None:
        """Someone else in the case: each of their names (whole, then word by word) becomes role,
        and their date of birth and other possible dates of birth are taken out.

        A word the subject's own names share (a family name, say) stays: it is theirs too.
        """
        for phrase in sorted(_phrases(full_names), key=len, reverse=True):
            self.names.setdefault(phrase, role)
        for day in (dob, *other_dobs):
            if day is not None:
                self.dobs.update(dob_spellings(day))
        self._pattern = None

    def _compiled(self) -> re.Pattern[str] | None:
        if self._pattern is None:
            phrases = [p for p in self.names if p not in self.own]
            alternatives = [re.escape(p).replace(r"\ ", r"\s+") for p in phrases] + [
                re.escape(d) for d in self.dobs
            ]
            if not alternatives:
                return None
            alternatives.sort(key=len, reverse=True)
            self._pattern = re.compile(
                r"(?<![\w])(" + "|".join(alternatives) + r")(?![\w])", re.IGNORECASE
            )
        return self._pattern

    def __call__(self, text: str | None) -> str:
        if not text:
            return ""
        pattern = self._compiled()
        if pattern is None:
            return text

        def role(match: re.Match[str]) -> str:
            found = match.group(0)
            if found in self.dobs or found.lower() in {d.lower() for d in self.dobs}:
                return DOB_WITHHELD
            return self.names.get(" ".join(found.lower().split()), "[name withheld]")

        return pattern.sub(role, text)
