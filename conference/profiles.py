"""Practice profiles as data: one TOML file per profile in config/profiles/.

A profile names how a practice speaks and works: the words the pages use for the meeting, the
advocate and the agencies ("MARAC" and "IDVA", or "high-risk team" and "advocate"), the risk
tool a new MARAC starts with, the rows of the data return's equality table and how dates are
written. The install chooses one (PRACTICE_PROFILE), and each MARAC may choose its own.

A file with a mistake stops the app at start-up with a message naming the file and the problem,
as a broken risk tool does.
"""

from __future__ import annotations

import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from flask import current_app

from conference.config import CONFIG_DIR
from conference.pronouns import PLACEHOLDER

PROFILES_DIR = CONFIG_DIR / "profiles"

#: Every word a profile must give, with what it is for.
WORDS = {
    "meeting": "the meeting and the body that holds it (MARAC)",
    "meetings": "the same, more than one",
    "advocate": "the victim's advocate (IDVA)",
    "advocates": "the same, more than one",
    "advocate_role": "the advocate's role, as a label (Advocate (IDVA))",
    "agency": "an organisation that takes part",
    "agencies": "the same, more than one",
}
#: The rows the data return's equality table can show, in the order they are shown.
EQUALITY_ROWS = ("minoritised", "lgbt", "disabled", "male", "aged_16_17")
#: The figures a wider body publishes that the data return may set beside a MARAC's own: shares
#: in per cent (repeats, referral sources, the equality rows) and the yearly rate per 10,000.
NATIONAL_FIGURES = ("repeat", "police", "partner", *EQUALITY_ROWS, "per_10000")
#: How dates are written: '21 November 2026' or 'November 21, 2026'.
DATE_FORMATS = ("day month year", "month day year")


class ProfileError(ValueError):
    """A profile file is missing something or contradicts itself."""


@dataclass(frozen=True)
class Words:
    """The words a practice uses. Capitalised forms start a sentence or a heading."""

    meeting: str
    meetings: str
    advocate: str
    advocates: str
    advocate_role: str
    agency: str
    agencies: str

    @property
    def Meeting(self) -> str:  # noqa: N802  (read in templates as words().Meeting)
        return _capital(self.meeting)

    def fill(self, text: str) -> str:
        """The text with its practice placeholders filled: "Save {meeting}" -> "Save MARAC".
        Braces that name no word are left as they are (a victim's pronouns fill those)."""
        words = {key: getattr(self, key) for key in WORDS}
        words |= {_capital(key): _capital(value) for key, value in words.items()}
        return PLACEHOLDER.sub(lambda m: words.get(m.group(1), m.group(0)), text)

    @property
    def Meetings(self) -> str:  # noqa: N802
        return _capital(self.meetings)

    @property
    def Advocate(self) -> str:  # noqa: N802
        return _capital(self.advocate)

    @property
    def Agency(self) -> str:  # noqa: N802
        return _capital(self.agency)

    @property
    def Agencies(self) -> str:  # noqa: N802
        return _capital(self.agencies)


def _capital(word: str) -> str:
    """The word with its first letter a capital ('MARAC' stays 'MARAC')."""
    return word[:1].upper() + word[1:]


@dataclass(frozen=True)
class Comparison:
    """The published figures a practice compares its meetings with (England and Wales' national
    MARAC dataset, say), and any recommended yearly volume. A practice with none shows its own
    figures alone."""

    label: str
    figures: Mapping[str, float]
    recommended_per_10000: float | None = None
    recommended_label: str = ""

    def figure(self, key: str) -> float | None:
        return self.figures.get(key)


@dataclass(frozen=True)
class Profile:
    id: str
    name: str
    description: str
    default_risk_tool: str
    date_format: str
    words: Words
    equality: tuple[str, ...]
    national: Comparison | None = None

    def format_date(self, day: date) -> str:
        """The day as this practice writes it."""
        if self.date_format == "month day year":
            return f"{day:%B} {day.day}, {day.year}"
        return f"{day.day} {day:%B %Y}"


class HasProfile(Protocol):
    """A MARAC, as far as choosing its profile goes."""

    profile_id: str | None


def load_profiles(directory: Path, risk_tools: Collection[str]) -> dict[str, Profile]:
    """Read every *.toml profile in directory. Raises ProfileError naming the file at fault;
    a profile whose default tool is not one of risk_tools is refused too."""
    profiles: dict[str, Profile] = {}
    for path in sorted(directory.glob("*.toml")):
        profile = load_profile(path, risk_tools)
        if profile.id in profiles:
            raise ProfileError(
                f"{path.name}: another file already defines the profile {profile.id!r}"
            )
        profiles[profile.id] = profile
    if not profiles:
        raise ProfileError(f"{directory.name}: no practice profile files (*.toml) found")
    return profiles


def load_profile(path: Path, risk_tools: Collection[str]) -> Profile:
    """Read and check one profile file. Raises ProfileError naming the file and the problem."""
    try:
        return _build(tomllib.loads(path.read_text(encoding="utf-8")), risk_tools)
    except tomllib.TOMLDecodeError as error:
        raise ProfileError(f"{path.name}: not valid TOML ({error})") from error
    except ProfileError as error:
        raise ProfileError(f"{path.name}: {error}") from error


def _text(data: dict[str, Any], key: str, where: str, *, required: bool = True) -> str:
    value = data.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise ProfileError(f"{where} needs a non-empty text '{key}'")
    return value.strip()


def _table(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise ProfileError(f"has no [{key}] table")
    return value


def _build(data: dict[str, Any], risk_tools: Collection[str]) -> Profile:
    words = _table(data, "words")
    unknown = sorted(set(words) - set(WORDS))
    if unknown:
        raise ProfileError(f"[words] has {', '.join(map(repr, unknown))}, which no page uses")
    tool = _text(data, "default_risk_tool", "the file")
    if tool not in risk_tools:
        known = ", ".join(sorted(risk_tools))
        raise ProfileError(f"default_risk_tool {tool!r} is not one of the risk tools ({known})")
    date_format = _text(data, "date_format", "the file")
    if date_format not in DATE_FORMATS:
        raise ProfileError(
            f"date_format {date_format!r} must be one of {', '.join(map(repr, DATE_FORMATS))}"
        )
    equality = _table(data, "data_return").get("equality")
    if not isinstance(equality, list) or not all(isinstance(row, str) for row in equality):
        raise ProfileError("[data_return] needs 'equality' as a list of row names")
    wrong = [row for row in equality if row not in EQUALITY_ROWS]
    if wrong or len(set(equality)) != len(equality):
        raise ProfileError(
            f"[data_return] equality rows must be different ones of {', '.join(EQUALITY_ROWS)}"
            + (f", not {', '.join(map(repr, wrong))}" if wrong else "")
        )
    return Profile(
        national=_comparison(_table(data, "data_return").get("national")),
        id=_text(data, "id", "the file"),
        name=_text(data, "name", "the file"),
        description=_text(data, "description", "the file", required=False),
        default_risk_tool=tool,
        date_format=date_format,
        words=Words(**{key: _text(words, key, "[words]") for key in WORDS}),
        equality=tuple(equality),
    )


def _comparison(data: object) -> Comparison | None:
    """[data_return.national]: a label, figures by name and an optional recommended volume."""
    if data is None:
        return None
    where = "[data_return.national]"
    if not isinstance(data, dict):
        raise ProfileError(f"{where} must be a table")
    label = _text(data, "label", where)
    recommended = data.get("recommended_per_10000")
    figures = {key: value for key, value in data.items() if key not in _COMPARISON_KEYS}
    unknown = sorted(set(figures) - set(NATIONAL_FIGURES))
    if unknown:
        raise ProfileError(
            f"{where} has {', '.join(map(repr, unknown))}: figures are named "
            + ", ".join(NATIONAL_FIGURES)
        )
    for key, value in {**figures, "recommended_per_10000": recommended}.items():
        if value is None and key == "recommended_per_10000":
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ProfileError(f"{where} needs '{key}' as a number of 0 or more")
        if key in NATIONAL_FIGURES[:-1] and value > 100:
            raise ProfileError(f"{where} '{key}' is a share in per cent: 100 at most")
    return Comparison(
        label=label,
        figures={key: float(value) for key, value in figures.items()},
        recommended_per_10000=float(recommended) if recommended is not None else None,
        recommended_label=_text(data, "recommended_label", where, required=recommended is not None),
    )


_COMPARISON_KEYS = ("label", "recommended_per_10000", "recommended_label")


def profiles() -> dict[str, Profile]:
    """Every profile of the install, by id."""
    found: dict[str, Profile] = current_app.extensions["profiles"]
    return found


def role_label(role: Any, marac: HasProfile | None) -> str:
    """A role as the MARAC's practice names it: its advocate role in the profile's words
    ("Advocate (IDVA)", "Victim advocate"), every other role by its own label."""
    if getattr(role, "value", role) == "advocate":
        return profile_for(marac).words.advocate_role
    return str(role.label)


def install_profile() -> Profile:
    """The install's own profile (PRACTICE_PROFILE): for pages outside any one MARAC."""
    return profiles()[current_app.config["PRACTICE_PROFILE"]]


def profile_for(marac: HasProfile | None) -> Profile:
    """The MARAC's chosen profile, or the install's when it chose none (or none is in view)."""
    chosen = marac.profile_id if marac is not None else None
    return profiles().get(chosen or "") or install_profile()
