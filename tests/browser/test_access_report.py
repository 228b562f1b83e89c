"""Who has seen this case, in a browser: the coordinator's access report and its download."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from conference.accounts.models import User
from conference.demo.seed import DEMO_DOMAIN
from conference.extensions import db
from conference.referrals.choices import CaseStatus
from conference.referrals.models import Case
from tests.browser.steps import expect_heading, menu, sign_in, sign_out

pytestmark = pytest.mark.browser


def test_the_coordinator_sees_who_opened_a_case_and_downloads_the_report(
    demo, new_page, console_log
):
    # The IDVA reads a case she advocates on.
    advocate = db.session.scalar(sa.select(User).where(User.email == f"idva@{DEMO_DOMAIN}"))
    case = db.session.scalars(
        sa.select(Case)
        .where(Case.advocate_id == advocate.id, Case.status != CaseStatus.CLOSED)
        .order_by(Case.id)
    ).first()
    reference = case.reference
    idva = new_page()
    sign_in(idva, "idva")
    expect(idva.get_by_role("heading", level=1)).to_contain_text("Welcome")
    idva.goto(f"/cases/{case.id}")
    expect(idva.get_by_role("heading", level=1)).to_contain_text(f"Case {reference}")
    sign_out(idva)

    page: Page = new_page()
    sign_in(page, "coordinator")
    menu(page, "Cases")
    page.get_by_role("link", name=reference, exact=True).click()
    page.get_by_role("link", name="Open the access report").click()
    expect_heading(page, f"Who has seen case {reference}")
    events = page.locator("#access-events")
    expect(events).to_contain_text("Jo Whitfield")
    expect(events).to_contain_text("Advocate (IDVA)")
    expect(events).to_contain_text("Priya Shah")

    dates_from = page.get_by_role("group", name="From")
    dates_from.get_by_label("Day").fill("1")
    dates_from.get_by_label("Month").fill("1")
    dates_from.get_by_label("Year").fill("2999")
    page.get_by_role("button", name="Apply dates").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()

    page.get_by_role("link", name="All dates").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download this report (CSV)").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert "Jo Whitfield" in text
    assert reference not in text
    assert console_log.csp_violations == []
