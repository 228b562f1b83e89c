"""Every versioned record has a test that saves a stale copy of it without JavaScript.

A record with ``version_id_col`` is one two people (or two windows) can change at once. Each
such test reads the page, lets someone else save first, posts the stale form as a plain form
post (no HX-Request), and checks the answer: a 409 page showing what the other person saved
beside what was typed, kept in the form, and nothing of theirs overwritten.

A few stale saves are reconciled instead (RECONCILED): nothing is lost, so there is nothing to
refuse. A new versioned model fails here until its test is named in the table below, and each
named test is checked as it runs (conftest.py, plain_conflict_posted): it must make a plain
form post and, unless reconciled, get a 409 for one.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

import conference.models  # noqa: F401  (every model, so the registry is complete)
from conference.extensions import db

#: Versioned model -> the tests that drive its conflicts without JavaScript ("path::name").
CONFLICT_TESTS: dict[str, list[str]] = {
    "Action": [
        # Reported on by its agency ("Our actions"), with and without JavaScript
        "tests/actions/test_our_actions.py::"
        "test_a_stale_report_shows_both_versions_and_keeps_the_typing",
        "tests/actions/test_our_actions.py::"
        "test_without_javascript_a_report_on_an_action_closed_meanwhile_keeps_the_typing",
        # Changed in the meeting, corrected in the minutes, reviewed when overdue
        "tests/meetings/test_console.py::test_a_stale_action_change_is_refused_with_both_versions",
        # Merged: the task both changed shown side by side (409), her choice saved
        "tests/meetings/test_action_merging.py::"
        "test_a_task_both_changed_is_shown_side_by_side_and_her_choice_saves",
        # Withdrawn in the meeting after someone changed it
        "tests/meetings/test_console.py::"
        "test_withdrawing_an_action_changed_since_it_was_seen_is_refused",
        # Carried into a later plan after someone changed it
        "tests/meetings/test_carry_forward.py::"
        "test_an_action_changed_since_the_chair_saw_it_is_not_carried_unseen",
        "tests/minutes/test_drafts.py::test_changing_an_action_is_version_checked",
        "tests/meetings/test_overdue.py::"
        "test_without_javascript_a_stale_decision_shows_theirs_and_keeps_the_typing",
    ],
    "Case": [
        "tests/closure/test_routes.py::"
        "test_without_javascript_a_case_closed_meanwhile_shows_both_reasons",
    ],
    "Conference": [
        "tests/conferences/test_pages.py::"
        "test_without_javascript_a_stale_conference_change_shows_both_versions",
    ],
    "Discussion": [
        "tests/meetings/test_console.py::"
        "test_without_javascript_a_stale_record_save_shows_both_texts_and_keeps_hers",
        # Merged: a part both changed shown side by side (409), her choice saved
        "tests/meetings/test_merging.py::"
        "test_a_field_both_changed_is_shown_side_by_side_and_her_choice_saves",
        "tests/meetings/test_merging.py::"
        "test_two_first_saves_landing_together_give_one_save_and_one_merge_to_confirm",
    ],
    "SystemIssue": [
        "tests/system_issues/test_pages.py::test_two_people_saving_the_same_issue_get_both_versions",
    ],
    "Marac": [
        "tests/admin/test_maracs.py::test_two_administrators_saving_one_marac_see_both_versions",
    ],
    "Agency": [
        "tests/admin/test_agencies.py::test_two_administrators_saving_one_agency_see_both_versions",
    ],
    "EscalationEntry": [
        "tests/escalation/test_routes.py::test_two_coordinators_never_overwrite_each_other",
    ],
    "Meeting": [
        # Its live state holds no typing: a stale move is reconciled, never a 409
        "tests/meetings/test_console.py::"
        "test_without_javascript_a_move_from_a_stale_screen_follows_the_other_driver",
    ],
    "MeetingRule": [
        "tests/conferences/test_pages.py::"
        "test_without_javascript_a_stale_meeting_rule_shows_both_versions",
    ],
    "Minutes": [
        "tests/minutes/test_drafts.py::test_the_notes_are_version_checked",
        "tests/minutes/test_merging.py::test_notes_both_changed_are_shown_side_by_side_to_choose",
    ],
    "PerpetratorRisk": [
        "tests/meetings/test_perpetrator_risk.py::"
        "test_a_stale_save_of_his_risk_is_refused_with_both_texts",
        "tests/meetings/test_perpetrator_risk.py::"
        "test_a_stale_save_of_his_risk_merges_and_a_part_both_changed_is_chosen",
    ],
    "Referral": [
        # Sent or withdrawn in another window: refused with the section as saved and the typing
        "tests/referrals/test_form_routes.py::"
        "test_without_javascript_a_step_saved_after_the_referral_was_withdrawn_keeps_the_typing",
        # Her own autosave landing first: the step is applied again on top, nothing lost
        "tests/referrals/test_form_routes.py::"
        "test_her_own_autosave_landing_first_does_not_refuse_her_save",
    ],
    "LegalHold": [
        "tests/retention/test_routes.py::"
        "test_lifting_a_hold_needs_a_reason_and_a_stale_lift_is_a_conflict",
    ],
    "ResearchReturn": [
        "tests/conferences/test_research.py::"
        "test_a_stale_return_shows_both_versions_and_keeps_the_typing",
        # Merged: the summary both changed shown side by side (409), her choice saved
        "tests/conferences/test_research_merging.py::"
        "test_a_summary_both_changed_is_shown_side_by_side_and_her_choice_saves",
        "tests/conferences/test_research_merging.py::"
        "test_a_flag_both_changed_shows_their_whole_return_beside_her_typing",
    ],
    "VictimVoice": [
        "tests/voice/test_routes.py::test_without_javascript_a_stale_save_is_a_409_page",
        # Merged: a text both changed shown side by side (409), the choice saved
        "tests/voice/test_merging.py::"
        "test_a_text_both_changed_is_shown_side_by_side_and_the_choice_saves",
        "tests/voice/test_merging.py::"
        "test_outcome_notes_both_changed_are_shown_side_by_side_and_the_choice_saves",
    ],
}

#: Tests whose stale save is reconciled rather than refused (no 409, nothing lost): a move of
#: the live meeting from a screen another driver left, and a referrer's own autosave landing
#: first. They still post without JavaScript.
RECONCILED = {
    CONFLICT_TESTS["Meeting"][0],
    CONFLICT_TESTS["Referral"][1],
}
#: The one versioned model that holds no typing: only reconciled stale saves, never a 409.
NO_TYPING = {"Meeting"}

ROOT = Path(__file__).resolve().parent.parent


def _versioned_models() -> set[str]:
    return {
        mapper.class_.__name__
        for mapper in db.Model.registry.mappers
        if mapper.version_id_col is not None
    }


def test_every_versioned_model_has_a_conflict_test():
    versioned = _versioned_models()
    assert versioned, "no versioned model found: is the registry loaded?"
    missing = sorted(versioned - set(CONFLICT_TESTS))
    assert not missing, f"versioned without a conflict test named here: {missing}"
    gone = sorted(set(CONFLICT_TESTS) - versioned)
    assert not gone, f"named here but no longer versioned: {gone}"
    without_409 = [
        model
        for model, nodes in CONFLICT_TESTS.items()
        if model not in NO_TYPING and set(nodes) <= RECONCILED
    ]
    assert not without_409, f"no test expects a 409 for a stale save of {without_409}"


@pytest.mark.parametrize(
    "node",
    [node for nodes in CONFLICT_TESTS.values() for node in nodes],
    ids=lambda node: node.split("::")[1],
)
def test_each_named_conflict_test_exists(node):
    """What each one sent is checked as it runs (see plain_conflict_posted in conftest.py)."""
    path, name = node.split("::")
    assert (ROOT / path).is_file(), node
    module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    assert callable(getattr(module, name, None)), f"{node} does not exist"


def conflict_test_kinds() -> dict[str, bool]:
    """Each named test ("path::name") -> whether it must get a 409 for a plain post (False for
    a record whose stale saves are reconciled)."""
    return {node: node not in RECONCILED for nodes in CONFLICT_TESTS.values() for node in nodes}
