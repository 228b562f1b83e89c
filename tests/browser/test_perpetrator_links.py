"""A coordinator confirms, at screening, that the man named in a new referral is the one named
in a case on the next agenda and in another MARAC's referral; the serial perpetrator flag then
shows on the agenda and on the console, with a count and a year and no other victim's name."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from conference.db import utcnow
from conference.extensions import db
from conference.referrals.models import Referral
from tests import factories
from tests.browser.accessibility import check_accessibility
from tests.browser.steps import sign_in

pytestmark = pytest.mark.browser

MARCUS = {"given_name": "Marcus", "family_name": "Testwood", "dob": ("1", "1", "1984")}


def _world():
    now = utcnow()
    world = factories.meeting_world(now=now)
    listed = db.session.scalars(
        sa.select(Referral).where(Referral.case_id == world.cases[0].id)
    ).one()
    listed.perpetrators[0].dob = date(1984, 1, 1)
    db.session.commit()
    far = factories.make_marac(name="Farshire MARAC", code="FS")
    elsewhere = factories.make_referral(
        marac=far,
        status="accepted",
        given_name="Eulalie",
        family_name="Farawayson",
        perpetrators=[MARCUS],
        now=now - timedelta(days=400),
    )
    new = factories.make_referral(
        marac=world.marac,
        status="submitted",
        given_name="Queenie",
        family_name="Newcomer",
        perpetrators=[{**MARCUS, "given_name": "Marcus", "family_name": "Testwod"}],
    )
    return world, listed, elsewhere, new


def test_a_link_confirmed_at_screening_flags_the_case_on_the_agenda_and_console(
    app, new_page, console_log
):
    world, listed, elsewhere, new = _world()
    year = elsewhere.referred_on.year
    page = new_page()
    sign_in(page, world.coordinator.email, factories.PASSWORD)

    page.goto("/screening/")
    page.get_by_role("link", name=new.reference).click()
    links = page.locator("#perpetrator-links")
    expect(links).to_contain_text("Marcus Testwod may be Marcus Testwood")
    expect(links).to_contain_text("Farshire MARAC")
    expect(links.locator(".app-link-suggestion")).to_have_count(2)
    check_accessibility(page)
    for _ in range(2):
        links.locator(".app-link-suggestion").first.get_by_role(
            "button", name=re.compile("^Same person")
        ).click()
        expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
            "The link is confirmed"
        )
    links = page.locator("#perpetrator-links")
    expect(links.locator(".app-link-suggestion")).to_have_count(0)
    expect(page.locator("#referral-person-flags")).to_contain_text(
        f"Linked to 2 other victims since {year}"
    )

    page.goto(f"/conferences/{world.conference.id}")
    row = page.locator("#agenda tr", has_text=world.cases[0].reference)
    expect(row).to_contain_text("Serial perpetrator")
    expect(row).to_contain_text(f"Linked to 2 other victims since {year}")
    expect(page.locator("#agenda")).not_to_contain_text("Eulalie")
    expect(page.locator("#agenda")).not_to_contain_text("Queenie")
    check_accessibility(page)

    factories.open_meeting(world)
    page.goto(f"/conferences/{world.conference.id}/meeting")
    page.get_by_role("button", name=re.compile(world.cases[0].reference)).first.click()
    flags = page.locator("#case-person-flags")
    expect(flags).to_contain_text(f"Linked to 2 other victims since {year}")
    expect(page.locator("#console")).not_to_contain_text("Eulalie")
    check_accessibility(page, again=True)  # the console with the flagged case open

    page.goto(f"/perpetrators/{_identity(listed)}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Marcus Testwod")  # the newest
    expect(page.locator("main")).to_contain_text("Also named as: Marcus Testwood")
    expect(page.locator(".app-perpetrator-elsewhere")).to_contain_text("Farshire MARAC")
    expect(page.locator("main")).not_to_contain_text("Eulalie")
    check_accessibility(page)
    assert console_log.problems() == []


def _identity(referral: Referral) -> int:
    from conference.referrals.perpetrators import identities_of

    pid = referral.perpetrators[0].id
    return identities_of({pid})[pid]
