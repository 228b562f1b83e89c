"""The escalation register: a coordinator finds an open entry from the menu, raises it with
the agency with a note, and sees it kept with who and when; with and without JavaScript."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from conference.accounts.models import Role
from tests import factories
from tests.browser.steps import expect_done, expect_heading, menu, sign_in, without_refusals
from tests.escalation.test_routes import make_entry

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("javascript", [True, False])
def test_a_coordinator_raises_an_entry_with_the_agency(app, new_page, console_log, javascript):
    marac = factories.make_marac()
    police = factories.make_agency("Northshire Police", maracs=[marac])
    entry = make_entry(marac, police, reference="NB-2027-0042")
    coordinator = factories.make_user(Role.COORDINATOR, marac=marac, name="Cora Ordinator")
    page = new_page(java_script_enabled=javascript)

    sign_in(page, coordinator.email, factories.PASSWORD)
    menu(page, "Escalations")
    expect_heading(page, "Escalation register")
    page.get_by_role("link", name="Open (1)").click()
    expect(page.locator(f"#entry-{entry.id}")).to_contain_text("NB-2027-0042")
    page.get_by_role("link", name=f"Entry {entry.id}").click()
    expect_heading(page, f"Escalation entry {entry.id}: Northshire Police")
    page.get_by_label("Raised with the agency").check()
    page.get_by_label("What was done").fill("Phoned the duty inspector; report due Friday")
    page.get_by_role("button", name="Save").click()
    expect_done(page, "is now: raised with the agency")
    expect(page.locator("#entry-status")).to_have_text("Raised with the agency")
    expect(page.locator("#entry-history")).to_contain_text("Cora Ordinator")
    expect(page.locator("#entry-history")).to_contain_text("Phoned the duty inspector")
    assert without_refusals(console_log) == []
