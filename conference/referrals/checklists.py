"""Risk checklists as data: one TOML file per tool in config/risk_tools/.

A tool has questions (each with a weight), named sets of questions, the rule that makes a
referral visibly high risk, score bands, modules that open when one of its answers is 'yes'
(each with its own questions and rule), and red-flag questions that prompt the referrer and the
coordinator without changing the score. The rules are of a few kinds (conference/referrals/
rules.py reads them). A file with a mistake stops the app at start-up with a message naming the
file and the problem, so a broken checklist never reaches a practitioner.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from conference.config import CONFIG_DIR
from conference.referrals.rules import (
    Count,
    Rule,
    RuleError,
    Scorable,
    Weighted,
    parse_rule,
)

RISK_TOOLS_DIR = CONFIG_DIR / "risk_tools"

#: How a tool's score is worked out from its answers.
SCORE_KINDS = ("count", "weighted")


class RiskToolError(ValueError):
    """A risk tool file is missing something or contradicts itself."""


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    help: str = ""
    #: How it is shown: "8", or "S3" in a module.
    number: str = ""
    #: What a 'yes' adds to a weighted score.
    weight: int = 1
    #: For a red-flag question: the prompt a 'yes' raises. A red flag is never scored.
    red_flag: str = ""
    #: The module it belongs to; empty for the main questions.
    module: str = ""

    @property
    def scored(self) -> bool:
        return not self.red_flag


@dataclass(frozen=True)
class Band:
    id: str
    label: str
    #: The lowest score in this band.
    min: int = 0
    #: A rule that must also be met (for bands set by a rule rather than a number).
    rule: Rule | None = None


@dataclass(frozen=True)
class Module:
    """Questions asked only when an answer opens them, with their own rule."""

    id: str
    title: str
    #: The main question whose 'yes' opens the module.
    opens_on: str
    intro: str
    questions: tuple[Question, ...]
    rule: Rule | None = None
    #: What a met rule means, said to the referrer and the coordinator.
    outcome: str = ""


@dataclass(frozen=True)
class ScreeningRules:
    #: The high-risk rule's threshold when it is a single count or sum; None when the rule is
    #: of another kind, which no MARAC can override.
    high_risk_threshold: int | None
    escalation_incidents: int
    escalation_window_days: int
    repeat_window_days: int

    def with_overrides(self, **overrides: int | None) -> ScreeningRules:
        """These rules with a MARAC's own values where it set them (and the rule has one)."""
        kept = {k: v for k, v in overrides.items() if v is not None}
        if self.high_risk_threshold is None:
            kept.pop("high_risk_threshold", None)
        return replace(self, **kept)


@dataclass(frozen=True)
class ModuleResult:
    module: Module
    #: Its own score from its own questions.
    score: int
    #: Whether its rule is met.
    met: bool
    #: Questions answered so far, of its questions.
    answered: int


@dataclass(frozen=True)
class Scored:
    """A tool's answers worked out."""

    score: int
    band: Band
    high_risk: bool
    #: The modules the answers open, each with its own score.
    modules: tuple[ModuleResult, ...]
    #: Red-flag questions answered 'yes'.
    red_flags: tuple[Question, ...]


@dataclass(frozen=True)
class RiskTool:
    id: str
    name: str
    description: str
    questions: tuple[Question, ...]
    bands: tuple[Band, ...]
    rules: ScreeningRules
    high_risk: Rule
    score_kind: str = "count"
    modules: tuple[Module, ...] = ()
    #: The tool used instead for a victim aged 16 or 17, if any.
    young_people_tool: str = ""
    #: Shown by the score: "'yes' answers" or "points".
    score_label: str = "'yes' answers"
    #: Another tool whose modules this one asks too.
    modules_from: str = ""

    @property
    def question_ids(self) -> tuple[str, ...]:
        """The main questions' ids, in order (not the modules')."""
        return tuple(q.id for q in self.questions)

    @property
    def scored_questions(self) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.scored)

    @property
    def all_questions(self) -> tuple[Question, ...]:
        """Every question, the main ones then each module's."""
        return self.questions + tuple(q for m in self.modules for q in m.questions)

    @property
    def highest_score(self) -> int:
        return sum(self._value(q) for q in self.scored_questions)

    def question(self, question_id: str) -> Question:
        return next(q for q in self.all_questions if q.id == question_id)

    def module_after(self, question_id: str) -> tuple[Module, ...]:
        """The modules a question opens, shown right after it."""
        return tuple(m for m in self.modules if m.opens_on == question_id)

    def open_modules(self, answers: Mapping[str, str]) -> tuple[Module, ...]:
        return tuple(m for m in self.modules if answers.get(m.opens_on) == "yes")

    def asked(self, answers: Mapping[str, str]) -> tuple[Question, ...]:
        """The questions these answers call for: the main ones and those of open modules."""
        opened = self.open_modules(answers)
        return self.questions + tuple(q for m in opened for q in m.questions)

    def counted(self, answers: Mapping[str, str]) -> dict[str, str]:
        """The answers that count: a closed module's answers are left out."""
        return {q.id: answers[q.id] for q in self.asked(answers) if q.id in answers}

    def high_risk_rule(self, rules: ScreeningRules | None = None) -> Rule:
        """The visible high-risk rule, with the MARAC's own threshold where it set one."""
        rule = self.high_risk
        overridden = rules is not None and rules.high_risk_threshold is not None
        if overridden and isinstance(rule, Count | Weighted):
            assert rules is not None and rules.high_risk_threshold is not None
            return replace(rule, threshold=rules.high_risk_threshold)
        return rule

    def score(self, answers: Mapping[str, str], rules: ScreeningRules | None = None) -> Scored:
        """Score the answers: the tool's score, band, high-risk rule, modules and red flags."""
        counted = self.counted(answers)
        yes = frozenset(q for q, a in counted.items() if a == "yes")
        scorable = Scorable(yes, self._weights(), self._module_states(counted, yes))
        score = sum(self._value(q) for q in self.scored_questions if q.id in yes)
        band = [
            b for b in self.bands if score >= b.min and (b.rule is None or b.rule.met(scorable))
        ]
        modules = tuple(
            ModuleResult(
                module=m,
                score=sum(self._value(q) for q in m.questions if q.scored and q.id in yes),
                met=scorable.modules[m.id],
                answered=sum(q.id in counted for q in m.questions),
            )
            for m in self.open_modules(counted)
        )
        return Scored(
            score=score,
            band=band[-1],
            high_risk=self.high_risk_rule(rules).met(scorable),
            modules=modules,
            red_flags=tuple(q for q in self.asked(counted) if q.red_flag and q.id in yes),
        )

    def words(self, rules: ScreeningRules | None = None) -> str:
        """The high-risk rule in words, for the referrer."""
        return self.high_risk_rule(rules).words(self._numbers())

    def _value(self, question: Question) -> int:
        return question.weight if self.score_kind == "weighted" else 1

    def _weights(self) -> dict[str, int]:
        return {q.id: q.weight for q in self.all_questions}

    def _numbers(self) -> dict[str, str]:
        return {q.id: q.number for q in self.all_questions}

    def _module_states(self, counted: Mapping[str, str], yes: frozenset[str]) -> dict[str, bool]:
        opened = {m.id for m in self.open_modules(counted)}
        states: dict[str, bool] = {}
        for m in self.modules:
            inner = Scorable(yes, self._weights(), {})
            states[m.id] = m.id in opened and m.rule is not None and m.rule.met(inner)
        return states


def load_risk_tools(directory: Path = RISK_TOOLS_DIR) -> dict[str, RiskTool]:
    """Read every *.toml tool in directory. Raises RiskToolError naming the file at fault."""
    tools: dict[str, RiskTool] = {}
    files: dict[str, str] = {}
    for path in sorted(directory.glob("*.toml")):
        tool = load_risk_tool(path)
        if tool.id in tools:
            raise RiskToolError(f"{path.name}: another file already defines the tool {tool.id!r}")
        tools[tool.id] = tool
        files[tool.id] = path.name
    if not tools:
        raise RiskToolError(f"{directory.name}: no risk tool files (*.toml) found")
    for tool in tools.values():
        for key in ("young_people_tool", "modules_from"):
            other = getattr(tool, key)
            if other and (other not in tools or other == tool.id):
                raise RiskToolError(
                    f"{files[tool.id]}: {key} {other!r} is not another tool in {directory.name}/"
                )
    for tool_id, tool in tools.items():
        if tool.modules_from:
            tools[tool_id] = _with_modules_of(tool, tools[tool.modules_from], files[tool_id])
    return tools


def _with_modules_of(tool: RiskTool, other: RiskTool, file: str) -> RiskTool:
    """The tool with the other tool's modules added: each must open on one of its questions."""
    own = {q.id for q in tool.all_questions}
    for module in other.modules:
        if module.opens_on not in tool.question_ids:
            raise RiskToolError(
                f"{file}: module {module.id!r} from {other.id!r} opens on {module.opens_on!r}, "
                "which is not one of this tool's questions"
            )
        clash = next((q.id for q in module.questions if q.id in own), None)
        if clash or module.id in {m.id for m in tool.modules}:
            raise RiskToolError(
                f"{file}: module {module.id!r} from {other.id!r} repeats "
                f"{'question ' + repr(clash) if clash else 'a module id'} of this tool"
            )
    return replace(tool, modules=tool.modules + other.modules)


def load_risk_tool(path: Path) -> RiskTool:
    """Read and check one tool file. Raises RiskToolError naming the file and the problem."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return _build(data)
    except tomllib.TOMLDecodeError as error:
        raise RiskToolError(f"{path.name}: not valid TOML ({error})") from error
    except (RiskToolError, RuleError) as error:
        raise RiskToolError(f"{path.name}: {error}") from error


def _text(data: dict[str, Any], key: str, where: str, *, required: bool = True) -> str:
    value = data.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise RiskToolError(f"{where} needs a non-empty text '{key}'")
    return value.strip()


def _whole_number(
    data: dict[str, Any], key: str, where: str, *, minimum: int, default: int | None = None
) -> int:
    value = data.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise RiskToolError(f"{where} needs '{key}' as a whole number of {minimum} or more")
    return value


def _table(data: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise RiskToolError(f"{where} has no [{key}] table")
    return value


def _tables(data: dict[str, Any], key: str, where: str) -> list[dict[str, Any]]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise RiskToolError(f"{where}: '{key}' must be a list of tables ([[{key}]])")
    return value


def _questions(
    listed: list[dict[str, Any]], *, module: str = "", prefix: str = ""
) -> tuple[Question, ...]:
    where = f"module {module!r} " if module else ""
    questions = []
    for n, q in enumerate(listed, start=1):
        place = f"{where}question {n}"
        red_flag = _text(q, "red_flag", place, required=False)
        questions.append(
            Question(
                id=_text(q, "id", place),
                text=_text(q, "text", place),
                help=_text(q, "help", place, required=False),
                number=f"{prefix}{n}",
                weight=_whole_number(q, "weight", place, minimum=1, default=1),
                red_flag=red_flag,
                module=module,
            )
        )
    return tuple(questions)


def _build(data: dict[str, Any]) -> RiskTool:
    score_kind = data.get("score", "count")
    if score_kind not in SCORE_KINDS:
        raise RiskToolError(f"'score' must be one of {', '.join(SCORE_KINDS)}, not {score_kind!r}")
    questions = _questions(_tables(data, "questions", "the file"))
    if not questions:
        raise RiskToolError("has no [[questions]]")
    main_ids = {q.id for q in questions}

    modules = []
    for n, m in enumerate(_tables(data, "modules", "the file"), start=1):
        module_id = _text(m, "id", f"module {n}")
        listed = _questions(
            _tables(m, "questions", f"module {module_id!r}"),
            module=module_id,
            prefix=_text(m, "prefix", f"module {module_id!r}"),
        )
        if not listed:
            raise RiskToolError(f"module {module_id!r} has no [[modules.questions]]")
        opens_on = _text(m, "opens_on", f"module {module_id!r}")
        if opens_on not in main_ids:
            raise RiskToolError(
                f"module {module_id!r} opens on {opens_on!r}, which is not one of the main "
                "questions"
            )
        modules.append(
            Module(
                id=module_id,
                title=_text(m, "title", f"module {module_id!r}"),
                opens_on=opens_on,
                intro=_text(m, "intro", f"module {module_id!r}", required=False),
                questions=listed,
                outcome=_text(m, "outcome", f"module {module_id!r}", required=False),
                rule=None,
            )
        )
        _check_rule_data(m, f"module {module_id!r}")

    every = questions + tuple(q for m in modules for q in m.questions)
    seen: set[str] = set()
    for question in every:
        if question.id in seen:
            raise RiskToolError(f"question id {question.id!r} is used twice")
        seen.add(question.id)
    for module in modules:
        if question_of(every, module.opens_on).red_flag:
            raise RiskToolError(f"module {module.id!r} opens on a red-flag question")
    if len({m.id for m in modules}) != len(modules):
        raise RiskToolError("two modules have the same id")

    sets = _sets(data, seen)
    scored = {q.id for q in every if q.scored}
    module_ids = {m.id for m in modules}
    context = {
        "questions": scored,
        "sets": sets,
        "modules": module_ids,
        "main": tuple(q.id for q in questions if q.scored),
        "red_flags": {q.id for q in every if q.red_flag},
        "weights": {q.id: q.weight for q in every},
        "titles": {m.id: m.title for m in modules},
    }
    modules = [
        replace(
            module,
            rule=parse_rule(
                raw["rule"],
                f"module {module.id!r} rule",
                {
                    **context,
                    "main": tuple(q.id for q in module.questions if q.scored),
                    "modules": set(),
                },
            )
            if "rule" in raw
            else None,
        )
        for module, raw in zip(modules, _tables(data, "modules", "the file"), strict=True)
    ]

    high_risk = parse_rule(_table(data, "high_risk", "the file"), "[high_risk]", context)

    bands = []
    for n, b in enumerate(_tables(data, "bands", "the file"), start=1):
        where = f"band {n}"
        bands.append(
            Band(
                id=_text(b, "id", where),
                label=_text(b, "label", where),
                min=_whole_number(b, "min", where, minimum=0, default=0),
                rule=_band_rule(b, where, high_risk, context),
            )
        )
    if not bands or bands[0].min != 0 or bands[0].rule is not None:
        raise RiskToolError("needs [[bands]], the first starting at min = 0 with no rule")
    if any(
        later.min < earlier.min or (later.min == earlier.min and later.rule is None)
        for earlier, later in zip(bands, bands[1:], strict=False)
    ):
        raise RiskToolError("bands must be listed in rising order of 'min'")

    screening = _table(data, "screening", "the file")
    if "high_risk_threshold" in screening:
        raise RiskToolError(
            "[screening] high_risk_threshold is now the [high_risk] rule's 'threshold'"
        )
    threshold = high_risk.threshold if isinstance(high_risk, Count | Weighted) else None
    rules = ScreeningRules(
        high_risk_threshold=threshold,
        **{
            key: _whole_number(screening, key, "[screening]", minimum=1)
            for key in ("escalation_incidents", "escalation_window_days", "repeat_window_days")
        },
    )
    young, borrowed = data.get("young_people_tool", ""), data.get("modules_from", "")
    if not isinstance(young, str) or not isinstance(borrowed, str):
        raise RiskToolError("'young_people_tool' and 'modules_from' must be ids of other tools")
    return RiskTool(
        id=_text(data, "id", "the file"),
        name=_text(data, "name", "the file"),
        description=_text(data, "description", "the file", required=False),
        questions=questions,
        bands=tuple(bands),
        rules=rules,
        high_risk=high_risk,
        score_kind=score_kind,
        modules=tuple(modules),
        young_people_tool=young.strip(),
        score_label="points" if score_kind == "weighted" else "'yes' answers",
        modules_from=borrowed.strip(),
    )


def _band_rule(
    band: dict[str, Any], where: str, high_risk: Rule, context: dict[str, Any]
) -> Rule | None:
    """A band's own rule: a table, or "high_risk" for the visible high-risk rule."""
    if "rule" not in band:
        return None
    if band["rule"] == "high_risk":
        return high_risk
    return parse_rule(band["rule"], f"{where} rule", context)


def question_of(questions: tuple[Question, ...], question_id: str) -> Question:
    return next(q for q in questions if q.id == question_id)


def _sets(data: dict[str, Any], known: set[str]) -> dict[str, tuple[str, ...]]:
    raw = data.get("sets", {})
    if not isinstance(raw, dict):
        raise RiskToolError("[sets] must be a table of named lists of question ids")
    sets = {}
    for name, ids in raw.items():
        if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
            raise RiskToolError(f"set {name!r} must be a non-empty list of question ids")
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise RiskToolError(f"set {name!r} names {unknown[0]!r}, which is not a question")
        sets[name] = tuple(ids)
    return sets


def _check_rule_data(module: dict[str, Any], where: str) -> None:
    if "rule" in module and not isinstance(module["rule"], dict):
        raise RiskToolError(f"{where}: 'rule' must be a table")
