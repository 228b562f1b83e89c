"""Risk checklists are data; a broken file stops the app at start-up and says why."""

import shutil
from pathlib import Path

import pytest

from conference import create_app
from conference.config import ConfigError
from conference.referrals.checklists import RISK_TOOLS_DIR, load_risk_tools

DEFAULT = RISK_TOOLS_DIR / "dash-24.toml"


def test_the_default_checklist_has_24_questions_and_the_usual_bands():
    tool = load_risk_tools()["dash-24"]
    assert len(tool.questions) == 24
    assert len(set(tool.question_ids)) == 24
    assert [(b.id, b.min) for b in tool.bands] == [("standard", 0), ("medium", 10), ("high", 14)]
    assert (tool.rules.high_risk_threshold, tool.rules.escalation_incidents) == (14, 3)
    assert tool.rules.repeat_window_days == tool.rules.escalation_window_days == 365


def test_the_app_loads_the_tools_at_start_up(app):
    assert "dash-24" in app.extensions["risk_tools"]


def broken_copy(tmp_path: Path, old: str, new: str) -> Path:
    folder = tmp_path / "tools"
    folder.mkdir()
    text = DEFAULT.read_text()
    assert old in text
    (folder / "broken.toml").write_text(text.replace(old, new, 1))
    return folder


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'text = "Did the current incident leave her injured?"',
            'text = ""',
            "question 1 needs a non-empty",
        ),
        ('id = "very_frightened"', 'id = "injury"', "question id 'injury' is used twice"),
        ("min = 10", "min = 20", "rising order"),
        ("high_risk_threshold = 14", "high_risk_threshold = 40", "more than the 24 questions"),
        ("escalation_incidents = 3", "escalation_incidents = 0", "'escalation_incidents'"),
        ('name = "Domestic', "name = Domestic", "not valid TOML"),
    ],
)
def test_a_broken_file_is_refused_at_start_up_naming_file_and_problem(tmp_path, old, new, message):
    folder = broken_copy(tmp_path, old, new)
    with pytest.raises(ConfigError) as refused:
        create_app(
            "testing",
            {
                "SQLALCHEMY_DATABASE_URI": "sqlite://",
                "SECRET_KEY": "x",
                "RISK_TOOLS_DIR": str(folder),
            },
        )
    assert "broken.toml" in str(refused.value) and message in str(refused.value)


def test_a_second_tool_can_be_added_as_a_file(tmp_path):
    folder = tmp_path / "tools"
    folder.mkdir()
    shutil.copy(DEFAULT, folder / "dash-24.toml")
    (folder / "short.toml").write_text(
        DEFAULT.read_text()
        .replace('id = "dash-24"', 'id = "short-test"')
        .replace("high_risk_threshold = 14", "high_risk_threshold = 12")
    )
    tools = load_risk_tools(folder)
    assert set(tools) == {"dash-24", "short-test"}
    assert tools["short-test"].rules.high_risk_threshold == 12
