"""Screening that sees the wait, in a real browser: the coordinator is told the date a case
would be heard, marks it urgent with an interim action, and follows the link to the new case."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from conference.accounts.models import Marac
from conference.db import utcnow
from conference.extensions import db
from conference.referrals.services import today_in
from tests.browser.accessibility import check_accessibility
from tests.browser.steps import CASE_REFERENCE, expect_done, expect_heading, menu, sign_in

pytestmark = pytest.mark.browser


def test_the_coordinator_sees_the_wait_and_agrees_an_interim_action(demo, page, console_log):
    # Northbridge's next meeting is five days away: a two-day limit makes that too long.
    marac = db.session.scalar(sa.select(Marac).where(Marac.code == "NB"))
    marac.listing_wait_days = 2
    db.session.commit()
    due = today_in(marac, utcnow()) + timedelta(days=2)

    sign_in(page, "coordinator")
    menu(page, "Screening")
    page.get_by_role("row").filter(has_text="Kamila Nowicka").get_by_role("link").first.click()
    decision = page.locator("form").filter(
        has=page.get_by_role("heading", name="Screening decision")
    )
    decision.get_by_role("radio", name="Accept for MARAC", exact=True).check()
    warning = decision.locator("#screening-wait .govuk-warning-text")
    expect(warning).to_contain_text("Accepting now lists the case on the conference on")
    expect(warning).to_contain_text("longer than this MARAC's 2 days")

    decision.get_by_label("Urgent: agree interim safety actions now").check()
    decision.get_by_label("Interim action 1").fill("Fit a panic alarm at her flat")
    decision.get_by_label("Owner agency").first.select_option(label="Northshire Police")
    when = decision.get_by_role("group", name="Due by").first
    when.get_by_label("Day").fill(str(due.day))
    when.get_by_label("Month").fill(str(due.month))
    when.get_by_label("Year").fill(str(due.year))
    check_accessibility(page, again=True)  # the decision form with its wait and interim parts
    decision.get_by_label("Reason", exact=True).fill("Strangled and threatened: she cannot wait.")
    decision.get_by_role("button", name="Record the decision").click()

    expect_heading(page, "Referrals waiting for screening")
    expect_done(page, "1 interim action agreed before the meeting.")
    banner = page.locator(".govuk-notification-banner--success")
    link = banner.get_by_role("link", name=CASE_REFERENCE)
    reference = link.inner_text()
    link.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(reference)

    menu(page, "Action tracker")
    row = page.get_by_role("row").filter(has_text="Fit a panic alarm at her flat")
    expect(row).to_contain_text("Interim, agreed at screening")
    expect(row).to_contain_text(reference)
    assert [m for m in console_log.problems() if "status of 422" not in m] == []
