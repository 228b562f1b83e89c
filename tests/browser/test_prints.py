"""Prints that read well: the minutes and a quarter's data return, rendered to PDF by the
browser, carry the install's marking at the top and foot of every sheet, clear of everything
printed on it; a sane number of sheets; tables whose header rows repeat and whose cells never
spill."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page
from pypdf import PdfReader

from conference.conferences.choices import ConferenceStatus
from conference.conferences.models import AgendaItem, Conference
from conference.extensions import db
from tests.browser.steps import sign_in

pytestmark = pytest.mark.browser

MARKING = "OFFICIAL-SENSITIVE"
MM = 72 / 25.4  # points in a millimetre
SHEET_HEIGHT = 297 * MM  # A4


@dataclass(frozen=True)
class Text:
    """A run of text on a sheet: its baseline and size in points, from the foot of the sheet."""

    y: float
    size: float
    text: str

    @property
    def bottom(self) -> float:
        return self.y - 0.3 * self.size

    @property
    def top(self) -> float:
        return self.y + self.size


def _sheets(pdf: bytes) -> list[list[Text]]:
    """Each sheet's runs of text, placed as printed (the text matrix through the page's)."""
    sheets = []
    for sheet in PdfReader(io.BytesIO(pdf)).pages:
        found: list[Text] = []

        def visit(text, cm, tm, font, size, found=found):
            if text.strip():
                y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                found.append(Text(y, abs(size * cm[3]) or 10.0, text.strip()))

        sheet.extract_text(visitor_text=visit)
        sheets.append(found)
    return sheets


def _check_marking_clear_of_the_content(pdf: bytes, headings: list[str]) -> int:
    """Every sheet has the marking at its top and foot and nothing printed over either; every
    heading of the page is printed, between the two. Returns the number of sheets."""
    sheets = _sheets(pdf)
    printed = " ".join(t.text for sheet in sheets for t in sheet)
    for number, sheet in enumerate(sheets, start=1):
        markings = sorted((t for t in sheet if t.text == MARKING), key=lambda t: t.y)
        assert len(markings) >= 2, f"sheet {number}: {[t.text for t in markings]}"
        foot, head = markings[0], markings[-1]  # in the margins: 22 mm at the top, 20 at the foot
        assert head.y > SHEET_HEIGHT - 22 * MM and foot.y < 20 * MM, (number, head.y, foot.y)
        page_number = {t.y for t in sheet if t.text == "Page"}
        content = [t for t in sheet if t not in (foot, head) and t.y not in page_number]
        assert content, f"sheet {number} is blank but for its marking"
        for t in content:
            assert foot.top < t.bottom and t.top < head.bottom, (
                f"sheet {number}: {t.text!r} at {t.y:.0f} meets the marking "
                f"({foot.y:.0f}, {head.y:.0f})"
            )
    for heading in headings:
        assert heading[:30] in printed, heading
    return len(sheets)


def _print_checks(page: Page) -> list[str]:
    """In print: header rows repeat on each sheet, and no cell's text spills out of it."""
    page.emulate_media(media="print")
    problems = page.evaluate(
        """() => {
            const out = [];
            for (const head of document.querySelectorAll('thead'))
                if (getComputedStyle(head).display !== 'table-header-group') out.push('thead');
            for (const cell of document.querySelectorAll('th, td'))
                if (cell.offsetParent && cell.scrollWidth > cell.clientWidth + 1)
                    out.push('spills: ' + cell.textContent.trim().slice(0, 40));
            return out;
        }"""
    )
    page.emulate_media(media="null")  # back to no emulation: page.pdf() prints as print
    return problems


def _headings(page: Page) -> list[str]:
    return [
        " ".join(h.split()) for h in page.locator("main h1, main h2").all_inner_texts() if h.strip()
    ]


def test_the_minutes_print_with_the_marking_clear_of_every_heading(demo, page: Page):
    conference = db.session.scalars(
        sa.select(Conference)
        .where(Conference.status == ConferenceStatus.MINUTES_FINAL)
        .order_by(Conference.starts_at.desc())
    ).first()
    assert conference is not None
    cases = db.session.scalar(
        sa.select(sa.func.count()).where(AgendaItem.conference_id == conference.id)
    )
    sign_in(page, "coordinator")
    page.goto(f"/conferences/{conference.id}/minutes/print")
    page.wait_for_load_state("load")

    assert _print_checks(page) == []
    sheets = _check_marking_clear_of_the_content(page.pdf(format="A4"), _headings(page))
    # Each case starts a sheet: one to three sheets a case, and the opening's few.
    assert cases + 1 <= sheets <= 3 * cases + 3, (cases, sheets)


def test_a_quarters_data_return_prints_compact_with_the_marking_on_every_sheet(demo, page):
    sign_in(page, "coordinator")
    page.goto("/reports/return/print")
    page.wait_for_load_state("load")

    assert _print_checks(page) == []
    sheets = _check_marking_clear_of_the_content(page.pdf(format="A4"), _headings(page))
    assert 2 <= sheets <= 7, sheets
