"""The scoring rules a risk tool is written with, and how each is met.

Kinds (``kind`` in a rule's table):

- ``count``: at least ``threshold`` 'yes' answers among the questions (all the scored main
  questions, or a module's own, unless ``questions`` or a named ``set`` says which);
- ``weighted``: the weights of the 'yes' answers add up to at least ``threshold``;
- ``any_of``: a 'yes' to any question of a named set (or a list of ``questions``);
- ``at_least``: a 'yes' to at least ``n`` questions of a set;
- ``all`` / ``any``: every one, or any one, of the sub-rules in ``rules``;
- ``module``: the named module is open and its own rule is met.

A rule that can never be met (a threshold above what its questions can reach) is refused, as
is a rule naming a question, set or module that does not exist, or a red-flag question (red
flags prompt; they never score).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

KINDS = ("count", "weighted", "any_of", "at_least", "all", "any", "module")


class RuleError(ValueError):
    """A rule in a tool file is malformed or can never be met."""


@dataclass(frozen=True)
class Scorable:
    """What rules are met against: the 'yes' answers that count, each question's weight, and
    whether each module is open with its rule met."""

    yes: frozenset[str]
    weights: Mapping[str, int] = field(default_factory=dict)
    modules: Mapping[str, bool] = field(default_factory=dict)


class Rule(Protocol):
    def met(self, answers: Scorable) -> bool: ...

    def words(self, numbers: Mapping[str, str]) -> str: ...


def _questions_in_words(ids: tuple[str, ...], numbers: Mapping[str, str]) -> str:
    shown = [numbers.get(i, i) for i in ids]
    if len(shown) > 2 and all(n.isdigit() for n in shown):
        values = [int(n) for n in shown]
        if values == list(range(values[0], values[0] + len(values))):
            return f"questions {values[0]} to {values[-1]}"
    if len(shown) == 1:
        return f"question {shown[0]}"
    return f"questions {', '.join(shown[:-1])} or {shown[-1]}"


@dataclass(frozen=True)
class Count:
    questions: tuple[str, ...]
    threshold: int
    #: Whether the rule counts the main questions (said "'yes' answers" in words).
    every: bool = False

    def met(self, answers: Scorable) -> bool:
        return sum(q in answers.yes for q in self.questions) >= self.threshold

    def words(self, numbers: Mapping[str, str]) -> str:
        if self.every:
            return f"{self.threshold} or more 'yes' answers"
        return (
            f"{self.threshold} or more 'yes' answers to "
            f"{_questions_in_words(self.questions, numbers)}"
        )


@dataclass(frozen=True)
class Weighted:
    questions: tuple[str, ...]
    threshold: int
    every: bool = False

    def met(self, answers: Scorable) -> bool:
        total = sum(answers.weights.get(q, 1) for q in self.questions if q in answers.yes)
        return total >= self.threshold

    def words(self, numbers: Mapping[str, str]) -> str:
        if self.every:
            return f"{self.threshold} or more points"
        return (
            f"{self.threshold} or more points from {_questions_in_words(self.questions, numbers)}"
        )


@dataclass(frozen=True)
class AnyOf:
    questions: tuple[str, ...]

    def met(self, answers: Scorable) -> bool:
        return any(q in answers.yes for q in self.questions)

    def words(self, numbers: Mapping[str, str]) -> str:
        return f"a 'yes' to any of {_questions_in_words(self.questions, numbers)}"


@dataclass(frozen=True)
class AtLeast:
    questions: tuple[str, ...]
    n: int

    def met(self, answers: Scorable) -> bool:
        return sum(q in answers.yes for q in self.questions) >= self.n

    def words(self, numbers: Mapping[str, str]) -> str:
        return f"a 'yes' to at least {self.n} of {_questions_in_words(self.questions, numbers)}"


@dataclass(frozen=True)
class All:
    rules: tuple[Rule, ...]

    def met(self, answers: Scorable) -> bool:
        return all(rule.met(answers) for rule in self.rules)

    def words(self, numbers: Mapping[str, str]) -> str:
        return ", and ".join(rule.words(numbers) for rule in self.rules)


@dataclass(frozen=True)
class AnyRule:
    rules: tuple[Rule, ...]

    def met(self, answers: Scorable) -> bool:
        return any(rule.met(answers) for rule in self.rules)

    def words(self, numbers: Mapping[str, str]) -> str:
        return ", or ".join(rule.words(numbers) for rule in self.rules)


@dataclass(frozen=True)
class ModuleMet:
    module: str
    title: str = ""

    def met(self, answers: Scorable) -> bool:
        return bool(answers.modules.get(self.module))

    def words(self, numbers: Mapping[str, str]) -> str:
        return f"the {self.title or self.module} questions' own rule"


#: The keys each kind may have besides 'kind'.
ALLOWED = {
    "count": {"threshold", "questions", "set"},
    "weighted": {"threshold", "questions", "set"},
    "any_of": {"questions", "set"},
    "at_least": {"n", "questions", "set"},
    "all": {"rules"},
    "any": {"rules"},
    "module": {"module"},
}


def parse_rule(raw: Any, where: str, context: Mapping[str, Any]) -> Rule:
    """Read one rule's table. context: 'questions' (scored ids), 'sets' (name -> ids),
    'modules' (ids), 'main' (the ids a count or sum covers by default), 'red_flags' (ids),
    'weights' (id -> weight), 'titles' (module id -> title)."""
    if not isinstance(raw, dict):
        raise RuleError(f"{where} must be a table with a 'kind'")
    kind = raw.get("kind")
    if kind not in KINDS:
        raise RuleError(f"{where} has kind {kind!r}; the kinds are {', '.join(KINDS)}")
    unknown = sorted(set(raw) - ALLOWED[kind] - {"kind"})
    if unknown:
        raise RuleError(f"{where}: a {kind!r} rule has no '{unknown[0]}'")
    if kind in ("all", "any"):
        subs = raw.get("rules")
        if not isinstance(subs, list) or not subs:
            raise RuleError(f"{where}: an {kind!r} rule needs a non-empty list 'rules'")
        parsed = tuple(
            parse_rule(sub, f"{where} rule {n}", context) for n, sub in enumerate(subs, start=1)
        )
        return All(parsed) if kind == "all" else AnyRule(parsed)
    if kind == "module":
        name = str(raw.get("module"))
        if name not in context["modules"]:
            raise RuleError(f"{where} names the module {name!r}, which is not a module here")
        return ModuleMet(name, context.get("titles", {}).get(name, ""))
    ids, every = _question_ids(raw, where, kind, context)
    if kind == "count":
        threshold = _number(raw, "threshold", where)
        if threshold > len(ids):
            raise RuleError(
                f"{where}: threshold {threshold} is more than the {len(ids)} questions it counts"
            )
        return Count(ids, threshold, every)
    if kind == "weighted":
        threshold = _number(raw, "threshold", where)
        reach = sum(context.get("weights", {}).get(i, 1) for i in ids)
        if threshold > reach:
            raise RuleError(
                f"{where}: threshold {threshold} is more than the {reach} points its questions "
                "can reach"
            )
        return Weighted(ids, threshold, every)
    if kind == "at_least":
        n = _number(raw, "n", where)
        if n > len(ids):
            raise RuleError(f"{where}: n = {n} is more than the {len(ids)} questions in its set")
        return AtLeast(ids, n)
    return AnyOf(ids)


def _number(raw: Mapping[str, Any], key: str, where: str) -> int:
    value = raw.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise RuleError(f"{where} needs '{key}' as a whole number of 1 or more")
    return value


def _question_ids(
    raw: Mapping[str, Any], where: str, kind: str, context: Mapping[str, Any]
) -> tuple[tuple[str, ...], bool]:
    """The questions a rule looks at, and whether they are the default (every scored one)."""
    if "questions" in raw and "set" in raw:
        raise RuleError(f"{where}: give 'questions' or 'set', not both")
    if "set" in raw:
        name = raw["set"]
        if name not in context["sets"]:
            raise RuleError(f"{where} names the set {name!r}, which is not in [sets]")
        ids = tuple(context["sets"][name])
    elif "questions" in raw:
        listed = raw["questions"]
        if not isinstance(listed, list) or not listed:
            raise RuleError(f"{where}: 'questions' must be a non-empty list of question ids")
        ids = tuple(str(i) for i in listed)
    elif kind in ("count", "weighted"):
        return tuple(context["main"]), True
    else:
        raise RuleError(f"{where}: an {kind!r} rule needs 'questions' or a 'set'")
    for question in ids:
        if question in context.get("red_flags", ()):
            raise RuleError(
                f"{where} names {question!r}, a red-flag question: red flags are never scored"
            )
        if question not in context["questions"]:
            raise RuleError(f"{where} names {question!r}, which is not a question")
    if len(set(ids)) != len(ids):
        raise RuleError(f"{where} names a question twice")
    return ids, False
