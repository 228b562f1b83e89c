"""A transfer between MARACs: the coordinator of the MARAC she leaves sends her case, deciding
its open action; the receiving coordinator is told, accepts it, and finds it on the agenda as
a transfer."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from conference.accounts.models import AgencyKind, Role
from conference.db import utcnow
from conference.extensions import db
from tests import factories
from tests.browser.accessibility import check_accessibility
from tests.browser.steps import expect_done, expect_heading, sign_in, sign_out, without_refusals

pytestmark = pytest.mark.browser


def test_a_transfer_is_sent_and_accepted(app, new_page, console_log):
    world = factories.held_meeting_world()
    case = world.cases[0]
    reference = case.reference
    receiving = factories.make_marac("Northbridge MARAC", code="NBX")
    homes = factories.make_agency("Northbridge Homes", AgencyKind.HOUSING, maracs=[receiving])
    receiver = factories.make_user(Role.COORDINATOR, marac=receiving, agency=homes)
    conference = factories.make_conference(receiving, utcnow().date() + timedelta(days=20))
    db.session.commit()
    page = new_page()

    sign_in(page, world.coordinator.email, factories.PASSWORD)
    page.goto(f"/cases/{case.id}")
    page.get_by_role("link", name="Transfer the case to another MARAC of this service").click()
    expect_heading(page, f"Transfer case {reference}")
    page.get_by_label("Northbridge MARAC").check()
    page.get_by_label("Why is the case being transferred?").fill("She has moved to Northbridge")
    page.get_by_label("Carry over to the receiving MARAC").check()
    page.get_by_label(re.compile("If carried over")).select_option(label="Northbridge Homes")
    page.get_by_role("button", name="Send the transfer").click()
    expect_done(page, "Northbridge MARAC is asked to take case")
    expect(page.locator("#transfer-status")).to_have_text("Waiting for the receiving MARAC")
    sign_out(page)

    sign_in(page, receiver.email, factories.PASSWORD)
    page.goto("/notifications/")
    page.get_by_role("button", name=re.compile(f"take case {reference}")).click()
    expect_heading(page, f"Transfer of case {reference}")
    page.get_by_role("button", name="Accept the case").click()
    expect_done(page, "is now with Northbridge MARAC")
    expect(page.get_by_text(world.marac.name).first).to_be_visible()
    page.goto(f"/conferences/{conference.id}")
    expect(page.get_by_text(f"Transferred from {world.marac.name}")).to_be_visible()
    check_accessibility(page)
    sign_out(page)

    sign_in(page, world.coordinator.email, factories.PASSWORD)
    page.goto("/notifications/")
    page.get_by_role(
        "button", name=re.compile(f"transfer of case {reference} was accepted")
    ).click()
    expect(page.locator("#transfer-status")).to_have_text("Accepted")
    expect(page.get_by_text("can no longer change the case")).to_be_visible()
    check_accessibility(page)
    assert without_refusals(console_log) == []
