"""Every kind of event the app records reads as a sentence on the audit log page."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from conference.audit.words import VERBS, describe_detail, describe_object, describe_verb

PACKAGE = Path(__file__).resolve().parents[2] / "conference"


def _verbs_recorded() -> set[str]:
    """The verbs written as text in a call to audit.record (or the helpers that wrap it)."""
    found: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or len(node.args) < 2:
                continue
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", "")
            if name not in ("record", "audit_record"):
                continue
            for part in ast.walk(node.args[1]):
                text = part.value if isinstance(part, ast.Constant) else None
                if isinstance(text, str) and re.fullmatch(r"[a-z_]+\.[a-z_]+", text):
                    found.add(text)
    return found


def test_every_verb_the_app_records_has_a_sentence():
    recorded = _verbs_recorded()
    assert len(recorded) > 80  # the scan finds the app's calls
    assert sorted(recorded - VERBS.keys()) == []


def test_an_unknown_verb_still_reads_as_words():
    assert describe_verb("case.something_new") == "Case something new"
    assert describe_object("AgendaItem") == "Agenda item"


def test_details_read_as_counts_and_dates_not_ids():
    assert describe_detail({"case_ids": [1, 2]}) == ["2 cases shown"]
    assert describe_detail({"ids": [4], "count": 1}) == ["1 item shown"]
    assert describe_detail({"start": "2026-07-01", "end": "2026-09-30", "table": "waits"}) == [
        "1 July 2026 to 30 September 2026"
    ]
    assert describe_detail({"agency_id": 9, "perpetrators": [4, 13]}) == []
