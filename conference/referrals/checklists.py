"""Risk checklists as data: one TOML file per tool in config/risk_tools/.

A file with a mistake stops the app at start-up with a message naming the file and the problem,
so a broken checklist never reaches a practitioner.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from conference.config import CONFIG_DIR

RISK_TOOLS_DIR = CONFIG_DIR / "risk_tools"


class RiskToolError(ValueError):
    """A risk tool file is missing something or contradicts itself."""


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    help: str = ""


@dataclass(frozen=True)
class Band:
    id: str
    label: str
    #: The lowest number of 'yes' answers in this band.
    min: int


@dataclass(frozen=True)
class ScreeningRules:
    high_risk_threshold: int
    escalation_incidents: int
    escalation_window_days: int
    repeat_window_days: int

    def with_overrides(self, **overrides: int | None) -> ScreeningRules:
        """These rules with a MARAC's own values where it set them."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


@dataclass(frozen=True)
class RiskTool:
    id: str
    name: str
    description: str
    questions: tuple[Question, ...]
    bands: tuple[Band, ...]
    rules: ScreeningRules

    def band_for(self, yes_count: int) -> Band:
        """The band a number of 'yes' answers falls in."""
        return [b for b in self.bands if b.min <= yes_count][-1]

    @property
    def question_ids(self) -> tuple[str, ...]:
        return tuple(q.id for q in self.questions)


def load_risk_tools(directory: Path = RISK_TOOLS_DIR) -> dict[str, RiskTool]:
    """Read every *.toml tool in directory. Raises RiskToolError naming the file at fault."""
    tools: dict[str, RiskTool] = {}
    for path in sorted(directory.glob("*.toml")):
        tool = load_risk_tool(path)
        if tool.id in tools:
            raise RiskToolError(f"{path.name}: another file already defines the tool {tool.id!r}")
        tools[tool.id] = tool
    if not tools:
        raise RiskToolError(f"{directory.name}: no risk tool files (*.toml) found")
    return tools


def load_risk_tool(path: Path) -> RiskTool:
    """Read and check one tool file. Raises RiskToolError naming the file and the problem."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return _build(data)
    except tomllib.TOMLDecodeError as error:
        raise RiskToolError(f"{path.name}: not valid TOML ({error})") from error
    except RiskToolError as error:
        raise RiskToolError(f"{path.name}: {error}") from error


def _text(data: dict[str, Any], key: str, where: str, *, required: bool = True) -> str:
    value = data.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise RiskToolError(f"{where} needs a non-empty text '{key}'")
    return value.strip()


def _whole_number(data: dict[str, Any], key: str, where: str, *, minimum: int) -> int:
    value = data.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise RiskToolError(f"{where} needs '{key}' as a whole number of {minimum} or more")
    return value


def _build(data: dict[str, Any]) -> RiskTool:
    questions = tuple(
        Question(
            id=_text(q, "id", f"question {n}"),
            text=_text(q, "text", f"question {n}"),
            help=_text(q, "help", f"question {n}", required=False),
        )
        for n, q in enumerate(data.get("questions", []), start=1)
    )
    if not questions:
        raise RiskToolError("has no [[questions]]")
    seen: set[str] = set()
    for question in questions:
        if question.id in seen:
            raise RiskToolError(f"question id {question.id!r} is used twice")
        seen.add(question.id)

    bands = tuple(
        Band(
            id=_text(b, "id", f"band {n}"),
            label=_text(b, "label", f"band {n}"),
            min=_whole_number(b, "min", f"band {n}", minimum=0),
        )
        for n, b in enumerate(data.get("bands", []), start=1)
    )
    if not bands or bands[0].min != 0:
        raise RiskToolError("needs [[bands]], the first starting at min = 0")
    if any(later.min <= earlier.min for earlier, later in zip(bands, bands[1:], strict=False)):
        raise RiskToolError("bands must be listed in rising order of 'min'")

    screening = data.get("screening")
    if not isinstance(screening, dict):
        raise RiskToolError("has no [screening] table")
    rules = ScreeningRules(
        **{
            key: _whole_number(screening, key, "[screening]", minimum=1)
            for key in (
                "high_risk_threshold",
                "escalation_incidents",
                "escalation_window_days",
                "repeat_window_days",
            )
        }
    )
    if rules.high_risk_threshold > len(questions):
        raise RiskToolError(
            f"high_risk_threshold {rules.high_risk_threshold} is more than the "
            f"{len(questions)} questions"
        )
    return RiskTool(
        id=_text(data, "id", "the file"),
        name=_text(data, "name", "the file"),
        description=_text(data, "description", "the file", required=False),
        questions=questions,
        bands=bands,
        rules=rules,
    )
