"""An agency representative reports on an overdue action from "Our actions", in place."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from conference.db import utcnow
from tests import factories
from tests.browser.accessibility import check_accessibility
from tests.browser.steps import expect_not_reloaded, mark_page, menu, sign_in, without_refusals

pytestmark = pytest.mark.browser


def test_a_representative_marks_an_overdue_action_done_with_a_note(app, new_page, console_log):
    world = factories.meeting_world(cases=1)
    action = factories.past_action(
        world,
        world.cases[0],
        due_on=utcnow().date() - timedelta(days=4),
        description="Fit a panic alarm",
    )
    page = new_page()
    sign_in(page, world.police_rep.email, factories.PASSWORD)
    menu(page, "Our actions")
    expect(page.get_by_role("heading", name="Overdue (1)")).to_be_visible()
    check_accessibility(page)
    mark_page(page)
    block = page.locator(f"#action-{action.id}")
    expect(block).to_contain_text("Fit a panic alarm")
    block.get_by_text("Report on this action").click()
    block.get_by_label("Done", exact=True).check()
    block.get_by_role("button", name=re.compile("Save the update")).click()
    expect(page.get_by_label("Note")).to_have_accessible_description(
        re.compile("Add a note: what was done, or why not")
    )
    check_accessibility(page, again=True)  # the refused update, swapped in place
    page.get_by_label("Note").fill("Alarm fitted on Tuesday")
    page.get_by_label("Done", exact=True).check()
    page.get_by_role("button", name=re.compile("Save the update")).click()
    expect(page.locator(f"#action-{action.id}")).to_contain_text("Closed. It leaves this list.")
    expect_not_reloaded(page)
    page.reload()
    expect(page.get_by_text("No actions match.")).to_be_visible()
    assert without_refusals(console_log) == []
