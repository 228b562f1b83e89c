"""Automatic accessibility checks: axe-core run on the page a browser test is looking at.

axe-core is vendored for the tests only (tests/browser/vendor/, see its README); nothing is
loaded from a CDN. `check_accessibility(page)` injects it through Playwright's evaluate (which the
page's Content Security Policy does not govern, so no CSP report is raised) and fails with each
violation's rule, impact and target selectors.

The steps call it where a person arrives on a page (`sign_in`, `expect_heading`, `expect_done`,
`open_agenda`), so the pages the journeys visit are checked without each test asking; a test
calls it itself for a page it reaches otherwise, or for a state swapped in place (`again=True`).

A page is checked once per run for each shape: its path with the ids taken out, its h1, and
whether it shows an error. That keeps the run fast while still covering each state a journey
reaches. Pages opened with JavaScript off are not checked (axe.run waits on timers that never
fire there); the same pages are checked in the journeys with JavaScript on.
"""

from __future__ import annotations

import re
import weakref
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Page

AXE_VERSION = "4.14.1"
AXE_SOURCE = Path(__file__).with_name("vendor") / f"axe-{AXE_VERSION}.min.js"

#: The WCAG 2.0, 2.1 and 2.2 level A and AA rules (design.md: the target is WCAG 2.2 AA), and
#: axe's best practices: every part of a page in a landmark, headings in order, one h1.
RULE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]

#: Rules switched off for a documented false positive, each narrowed to one selector.
#: Empty: fix the page instead.
EXCLUDED_TARGETS: list[str] = []

_without_javascript: weakref.WeakSet[Page] = weakref.WeakSet()
_checked: set[tuple[str, str, bool]] = set()
_source: str | None = None


def _axe_source() -> str:
    global _source
    if _source is None:
        _source = AXE_SOURCE.read_text(encoding="utf-8")
    return _source


def _shape(page: Page) -> tuple[str, str, bool]:
    """What makes two visits the same check: path without ids, heading, errors shown."""
    path = re.sub(r"/(\d+|[\w-]{20,})(?=/|$)", "/<id>", urlsplit(page.url).path)
    shape = page.evaluate(
        """() => [
            (document.querySelector('h1') || {}).textContent || '',
            !!document.querySelector('.govuk-error-summary, .govuk-form-group--error'),
        ]"""
    )
    heading = re.sub(r"\d+", "#", " ".join(str(shape[0]).split()))
    return path, heading, bool(shape[1])


def violations(page: Page) -> list[dict]:
    """Run axe-core's rules (RULE_TAGS) on the page as it is now; return the violations."""
    # The heading can be visible before the stylesheets have loaded (a busy machine): sizes
    # and colours are only judged once they have.
    page.wait_for_load_state("load")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    result = page.evaluate(
        """([tags, excluded]) => axe.run(
            {include: [document], exclude: excluded.map((selector) => [selector])},
            {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']},
        )""",
        [RULE_TAGS, EXCLUDED_TARGETS],
    )
    return [v for v in (_without_known(v) for v in result["violations"]) if v["nodes"]]


#: GOV.UK Frontend's conditional reveal marks each radio that reveals fields with
#: aria-expanded. The ARIA spec does not list it for radios, but the Design System keeps it on
#: purpose: screen readers announce it, and its research found it helps. Only that attribute
#: on that control is let through; any other failure of the rule still counts.
KNOWN_RADIO_REVEAL = re.compile(r'^ARIA attribute is not allowed: aria-expanded="(true|false)"$')


def _without_known(violation: dict) -> dict:
    if violation["id"] != "aria-allowed-attr":
        return violation
    nodes = [
        node
        for node in violation["nodes"]
        if not (
            "govuk-radios__input" in node.get("html", "")
            and node.get("all", []) + node.get("none", [])
            and all(
                KNOWN_RADIO_REVEAL.match(check.get("message", ""))
                for check in node.get("all", []) + node.get("none", [])
            )
            and not node.get("any")
        )
    ]
    return {**violation, "nodes": nodes}


def describe(found: list[dict], url: str) -> str:
    """A readable report: one paragraph per rule with its impact and every target."""
    lines = [f"{len(found)} accessibility violation(s) on {url}:"]
    for violation in found:
        lines.append(
            f"- {violation['id']} ({violation.get('impact') or 'no impact given'}): "
            f"{violation['help']} <{violation['helpUrl']}>"
        )
        for node in violation["nodes"]:
            target = " >> ".join(
                " ".join(part) if isinstance(part, list) else part for part in node["target"]
            )
            lines.append(f"    at {target}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"       {summary}")
    return "\n".join(lines)


def opened_without_javascript(page: Page) -> None:
    """Note a page whose context has JavaScript off: the check passes it by."""
    _without_javascript.add(page)


def check_accessibility(page: Page, *, again: bool = False) -> None:
    """Fail if axe-core finds a violation of a WCAG A or AA rule or a best practice on the page.

    A page shape already checked in this run is skipped unless `again` (after an htmx swap
    that changed the page without changing its path or heading, say).
    """
    if page in _without_javascript:
        return
    shape = _shape(page)
    if shape in _checked and not again:
        return
    found = violations(page)
    _checked.add(shape)
    assert not found, describe(found, page.url)
