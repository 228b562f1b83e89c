"""Risk checklists are data: rules of every kind, modules and red flags; a broken file stops
the app at start-up and says which file and what is wrong."""

import shutil
from pathlib import Path

import pytest

from conference import create_app
from conference.config import ConfigError
from conference.referrals.checklists import RISK_TOOLS_DIR, load_risk_tools
from conference.referrals.rules import RuleError, Scorable, parse_rule

TOOLS = load_risk_tools()
DASH = TOOLS["dash-24"]
US = TOOLS["us-lethality-11"]
DEFAULT = RISK_TOOLS_DIR / "dash-24.toml"
US_FILE = RISK_TOOLS_DIR / "us-lethality-11.toml"


def test_the_default_checklist_has_24_scored_questions_and_the_usual_bands():
    scored = DASH.scored_questions
    assert len(scored) == 24 and len({q.id for q in scored}) == 24
    assert [(b.id, b.min) for b in DASH.bands] == [("standard", 0), ("medium", 10), ("high", 14)]
    assert (DASH.rules.high_risk_threshold, DASH.rules.escalation_incidents) == (14, 3)
    assert DASH.rules.repeat_window_days == DASH.rules.escalation_window_days == 365
    assert [m.id for m in DASH.modules] == ["stalking", "honour"]
    assert DASH.young_people_tool == "dash-young"


def test_every_tool_is_shipped_and_the_app_loads_them(app):
    assert set(app.extensions["risk_tools"]) == {"dash-24", "dash-young", "us-lethality-11"}
    assert len(US.questions) == 11 and US.rules.high_risk_threshold is None
    assert [m.id for m in TOOLS["dash-young"].modules] == ["stalking", "honour"]


def test_no_checklist_wording_says_she_or_her():
    for tool in TOOLS.values():
        for q in tool.all_questions:
            words = f"{q.text} {q.help} {q.red_flag}".lower().replace(",", " ").split()
            assert not {"she", "her", "hers", "herself"} & set(words), (tool.id, q.id)


# Every rule kind at its edges ------------------------------------------------------------------

IDS = ("a", "b", "c", "d", "e", "f")
CONTEXT = {
    "questions": set(IDS),
    "sets": {"first": ("a", "b"), "rest": ("c", "d", "e", "f")},
    "modules": {"m"},
    "main": IDS,
    "red_flags": {"flag"},
    "weights": {"a": 5, "b": 3, "c": 1, "d": 1, "e": 1, "f": 1},
}


def yes(*ids: str, modules: dict[str, bool] | None = None) -> Scorable:
    return Scorable(frozenset(ids), CONTEXT["weights"], modules or {})


@pytest.mark.parametrize(
    ("rule", "answers", "met"),
    [
        # count of 'yes' at or above a threshold: just below, at, above
        ({"kind": "count", "threshold": 3}, yes("a", "b"), False),
        ({"kind": "count", "threshold": 3}, yes("a", "b", "c"), True),
        ({"kind": "count", "threshold": 3}, yes("a", "b", "c", "d"), True),
        ({"kind": "count", "threshold": 2, "set": "rest"}, yes("a", "b", "c"), False),
        ({"kind": "count", "threshold": 2, "set": "rest"}, yes("c", "d"), True),
        # weighted sum at or above a threshold (a=5, b=3, others 1)
        ({"kind": "weighted", "threshold": 8}, yes("a", "c", "d"), False),
        ({"kind": "weighted", "threshold": 8}, yes("a", "b"), True),
        ({"kind": "weighted", "threshold": 8}, yes("a", "b", "c"), True),
        # any of a named set
        ({"kind": "any_of", "set": "first"}, yes("c", "d", "e", "f"), False),
        ({"kind": "any_of", "set": "first"}, yes("b"), True),
        ({"kind": "any_of", "set": "first"}, yes("a", "b"), True),
        ({"kind": "any_of", "questions": ["f"]}, yes("f"), True),
        # at least N of a named set
        ({"kind": "at_least", "n": 3, "set": "rest"}, yes("a", "b", "c", "d"), False),
        ({"kind": "at_least", "n": 3, "set": "rest"}, yes("c", "d", "e"), True),
        ({"kind": "at_least", "n": 3, "set": "rest"}, yes("c", "d", "e", "f"), True),
        # all of sub-rules: one short, both met
        (
            {
                "kind": "all",
                "rules": [{"kind": "any_of", "set": "first"}, {"kind": "count", "threshold": 2}],
            },
            yes("c", "d"),
            False,
        ),
        (
            {
                "kind": "all",
                "rules": [{"kind": "any_of", "set": "first"}, {"kind": "count", "threshold": 2}],
            },
            yes("a"),
            False,
        ),
        (
            {
                "kind": "all",
                "rules": [{"kind": "any_of", "set": "first"}, {"kind": "count", "threshold": 2}],
            },
            yes("a", "c"),
            True,
        ),
        # any of sub-rules
        (
            {
                "kind": "any",
                "rules": [
                    {"kind": "any_of", "set": "first"},
                    {"kind": "at_least", "n": 2, "set": "rest"},
                ],
            },
            yes("c"),
            False,
        ),
        (
            {
                "kind": "any",
                "rules": [
                    {"kind": "any_of", "set": "first"},
                    {"kind": "at_least", "n": 2, "set": "rest"},
                ],
            },
            yes("c", "d"),
            True,
        ),
        # a module's own rule
        ({"kind": "module", "module": "m"}, yes("a", modules={"m": False}), False),
        ({"kind": "module", "module": "m"}, yes(modules={"m": True}), True),
    ],
)
def test_each_rule_kind_at_its_threshold(rule, answers, met):
    assert parse_rule(rule, "[high_risk]", CONTEXT).met(answers) is met


@pytest.mark.parametrize(
    ("answers", "high_danger"),
    [
        ({}, False),
        ({"might_kill": "yes"}, True),  # any of the first three
        ({"weapon": "yes"}, True),
        ({"gun": "yes", "choked": "yes", "left": "yes"}, False),  # three of the other eight
        ({"gun": "yes", "choked": "yes", "left": "yes", "spies": "yes"}, True),  # four
        ({q: "yes" for q in US.question_ids[3:]}, True),
        ({"gun": "yes", "choked": "yes", "left": "yes", "might_kill": "no"}, False),
    ],
)
def test_the_us_style_tool_is_any_of_the_first_three_or_four_of_the_rest(answers, high_danger):
    scored = US.score(answers)
    assert scored.high_risk is high_danger
    assert scored.band.id == ("high_danger" if high_danger else "not_high")
    assert (
        "any of questions 1 to 3" in US.words() and "at least 4 of questions 4 to 11" in US.words()
    )


@pytest.mark.parametrize(
    ("count", "met", "band"), [(13, False, "medium"), (14, True, "high"), (15, True, "high")]
)
def test_the_default_count_rule_and_bands_at_the_line(count, met, band):
    scored = DASH.score({q.id: "yes" for q in DASH.scored_questions[:count]})
    assert (scored.score, scored.high_risk, scored.band.id) == (count, met, band)


# Modules and red flags -------------------------------------------------------------------------

STALKING = [q.id for q in DASH.modules[0].questions]


def test_a_module_opens_on_its_answer_and_its_questions_are_scored():
    closed = DASH.score({"stalking": "no", **{q: "yes" for q in STALKING}})
    assert closed.modules == () and closed.score == 0  # a closed module's answers count for nothing
    assert DASH.counted({"stalking": "no", STALKING[0]: "yes"}) == {"stalking": "no"}

    opened = DASH.score({"stalking": "yes", **{q: "yes" for q in STALKING[:4]}})
    (stalking,) = opened.modules
    assert (stalking.module.id, stalking.score, stalking.met) == ("stalking", 4, False)
    assert opened.score == 1  # the module has its own score; the main score is the 24's

    five = DASH.score({"stalking": "yes", **{q: "yes" for q in STALKING[:5]}})
    assert five.modules[0].met and five.modules[0].score == 5


def test_the_honour_module_opens_on_isolation_and_its_rule_combines_kinds():
    one = DASH.score({"isolated": "yes", "hba_shame": "yes"})
    assert [(m.module.id, m.met) for m in one.modules] == [("honour", False)]
    assert DASH.score({"isolated": "yes", "hba_marriage": "yes"}).modules[0].met  # any of
    three = {"isolated": "yes", "hba_family": "yes", "hba_shame": "yes", "hba_watched": "yes"}
    assert DASH.score(three).modules[0].met  # or three of its questions


def test_a_red_flag_is_raised_without_changing_the_score():
    answers = {q.id: "yes" for q in DASH.scored_questions[:9]}
    without = DASH.score({**answers, "in_danger_now": "no"})
    flagged = DASH.score({**answers, "in_danger_now": "yes"})
    assert without.red_flags == ()
    assert [q.id for q in flagged.red_flags] == ["in_danger_now"]
    assert flagged.red_flags[0].red_flag.startswith("Act now")
    assert (flagged.score, flagged.band, flagged.high_risk) == (
        without.score,
        without.band,
        without.high_risk,
    )
    # A module's red flag is raised only while its module is open.
    assert DASH.score({"isolated": "no", "hba_abroad": "yes"}).red_flags == ()
    assert [q.id for q in DASH.score({"isolated": "yes", "hba_abroad": "yes"}).red_flags] == [
        "hba_abroad"
    ]


# A broken file is refused at start-up ----------------------------------------------------------


def broken_copy(tmp_path: Path, old: str, new: str, source: Path = DEFAULT) -> Path:
    folder = tmp_path / "tools"
    folder.mkdir()
    for other in RISK_TOOLS_DIR.glob("*.toml"):
        if other != source:
            shutil.copy(other, folder / other.name)
    text = source.read_text()
    assert old in text
    (folder / "broken.toml").write_text(text.replace(old, new, 1))
    return folder


def refused(folder: Path) -> str:
    with pytest.raises(ConfigError) as error:
        create_app(
            "testing",
            {
                "SQLALCHEMY_DATABASE_URI": "sqlite://",
                "SECRET_KEY": "x",
                "RISK_TOOLS_DIR": str(folder),
            },
        )
    return str(error.value)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('name = "Domestic', "name = Domestic", "not valid TOML"),
        (
            'text = "Was the victim injured in the current incident?"',
            'text = ""',
            "question 1 needs a non-empty text 'text'",
        ),
        ('id = "very_frightened"', 'id = "injury"', "question id 'injury' is used twice"),
        ('id = "stalk_long"', 'id = "separation"', "question id 'separation' is used twice"),
        ("min = 10", "min = 20", "rising order"),
        (
            '[[bands]]\nid = "standard"',
            '[[bands]]\nid = "standard"\nrule = "high_risk"',
            "the first starting at min = 0 with no rule",
        ),
        (
            "threshold = 14 ",
            "threshold = 40 ",
            "threshold 40 is more than the 24 questions it counts",
        ),
        ('kind = "count"\nthreshold = 14', 'kind = "most"\nthreshold = 14', "has kind 'most'"),
        (
            'kind = "count"\nthreshold = 14',
            'kind = "count"\ntreshold = 14',
            "a 'count' rule has no 'treshold'",
        ),
        (
            'kind = "count"\nthreshold = 14',
            'kind = "count"\nthreshold = 0',
            "needs 'threshold' as a whole number of 1 or more",
        ),
        (
            'kind = "count"\nthreshold = 14',
            'kind = "any_of"\nquestions = ["injury", "bruises"]',
            "names 'bruises', which is not a question",
        ),
        (
            'kind = "count"\nthreshold = 14',
            'kind = "any_of"\nset = "worst"',
            "names the set 'worst', which is not in [sets]",
        ),
        (
            'kind = "count"\nthreshold = 14',
            'kind = "any_of"\nquestions = ["in_danger_now"]',
            "red flags are never scored",
        ),
        (
            'kind = "count"\nthreshold = 14',
            'kind = "at_least"\nn = 3\nquestions = ["injury", "weapons"]',
            "n = 3 is more than the 2 questions in its set",
        ),
        (
            'kind = "count"\nthreshold = 14',
            'kind = "any"\nrules = []',
            "an 'any' rule needs a non-empty list 'rules'",
        ),
        (
            'kind = "count"\nthreshold = 14',
            'kind = "module"\nmodule = "gaslighting"',
            "names the module 'gaslighting'",
        ),
        (
            'opens_on = "stalking"',
            'opens_on = "stalk_long"',
            "opens on 'stalk_long', which is not one of the main questions",
        ),
        ('opens_on = "stalking"', 'opens_on = "in_danger_now"', "opens on a red-flag question"),
        (
            'id = "injury"\n',
            'id = "injury"\nweight = 0\n',
            "question 1 needs 'weight' as a whole number of 1 or more",
        ),
        ("escalation_incidents = 3", "escalation_incidents = 0", "'escalation_incidents'"),
        ("\n[high_risk]\n", "\n[high_risk_rule]\n", "has no [high_risk] table"),
        (
            'young_people_tool = "dash-young"',
            'young_people_tool = "dash-teen"',
            "young_people_tool 'dash-teen' is not another tool",
        ),
        (
            'id = "dash-24"',
            'id = "dash-24"\nscore = "average"',
            "'score' must be one of count, weighted",
        ),
    ],
)
def test_a_broken_file_is_refused_at_start_up_naming_file_and_problem(tmp_path, old, new, message):
    text = refused(broken_copy(tmp_path, old, new))
    assert "broken.toml" in text and message in text, text


def test_a_weighted_threshold_beyond_reach_is_refused(tmp_path):
    folder = broken_copy(
        tmp_path, 'kind = "count"\nthreshold = 14', 'kind = "weighted"\nthreshold = 30'
    )
    text = refused(folder)
    assert "broken.toml" in text and "threshold 30 is more than the 24 points" in text


def test_a_broken_us_style_file_is_refused_too(tmp_path):
    folder = broken_copy(tmp_path, "n = 4", "n = 9", source=US_FILE)
    text = refused(folder)
    assert "broken.toml" in text and "n = 9 is more than the 8 questions in its set" in text


def test_a_rule_that_names_a_red_flag_directly_is_refused():
    with pytest.raises(RuleError, match="red flags are never scored"):
        parse_rule({"kind": "any_of", "questions": ["flag"]}, "[high_risk]", CONTEXT)


def test_a_second_tool_can_be_added_as_a_file(tmp_path):
    folder = tmp_path / "tools"
    folder.mkdir()
    for other in RISK_TOOLS_DIR.glob("*.toml"):
        shutil.copy(other, folder / other.name)
    (folder / "short.toml").write_text(
        US_FILE.read_text()
        .replace('id = "us-lethality-11"', 'id = "short-test"')
        .replace('[high_risk]\nkind = "any"', '[high_risk]\nkind = "all"')
    )
    tools = load_risk_tools(folder)
    assert set(tools) == {"dash-24", "dash-young", "us-lethality-11", "short-test"}
    both = {"might_kill": "yes", **{q: "yes" for q in ("gun", "choked", "left", "spies")}}
    assert tools["short-test"].score(both).high_risk
    assert not tools["short-test"].score({"might_kill": "yes"}).high_risk
