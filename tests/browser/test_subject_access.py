"""Subject access in a browser: search, choose the person, open the pack, print it and
download it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from conference.extensions import db
from conference.referrals.models import Perpetrator, Referral
from tests.browser.accessibility import check_accessibility
from tests.browser.steps import expect_heading, menu, sign_in

pytestmark = pytest.mark.browser


def test_the_coordinator_finds_a_victim_and_prints_and_downloads_her_pack(
    demo, new_page, console_log
):
    referral = db.session.scalars(
        sa.select(Referral)
        .where(Referral.victim_given_name == "Harriet", Referral.victim_family_name == "Coles")
        .order_by(Referral.id)
    ).first()
    his_names = [
        p.given_name
        for p in db.session.scalars(
            sa.select(Perpetrator).where(Perpetrator.referral_id == referral.id)
        )
    ]
    page: Page = new_page()
    sign_in(page, "coordinator")
    menu(page, "Subject access")
    expect_heading(page, "Subject access")

    # Nothing typed: both fields say so, beside them.
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the person's name")
    check_accessibility(page)

    page.get_by_label("Full name").fill("Harriet Coles")
    page.get_by_label("Day").fill("4")
    page.get_by_label("Month").fill("8")
    page.get_by_label("Year").fill("1972")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator("#candidates")).to_contain_text("Harriet Coles")
    check_accessibility(page, again=True)
    # The address never holds the name or the date of birth.
    assert "Harriet" not in page.url and "1972" not in page.url

    page.locator(f'input[value="victim-{referral.id}"]').check()
    page.get_by_role("button", name="Open the pack for the records ticked").click()
    expect_heading(page, "Subject access pack")
    expect(page.locator("#pack-subject")).to_contain_text("Harriet Coles")
    pack = page.locator(".app-subject-pack")
    expect(pack).to_contain_text("Left out of this case, and why")
    for name in his_names:
        expect(pack).not_to_contain_text(re.compile(rf"\b{re.escape(name)}\b"))
    assert "Harriet" not in page.url and "1972" not in page.url

    # The print view: only the pack, without the menu, the tools or the hint.
    page.emulate_media(media="print")
    expect(page.locator(".govuk-service-navigation")).to_be_hidden()
    expect(page.locator(".app-subject-pack__tools")).to_be_hidden()
    expect(page.locator("#pack-subject")).to_be_visible()
    page.emulate_media(media="screen")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the pack").click()
    assert download.value.suggested_filename.startswith("subject-access-pack-")
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert "Harriet Coles" in text
    for name in his_names:
        assert not re.search(rf"\b{re.escape(name)}\b", text)
    assert console_log.csp_violations == []
