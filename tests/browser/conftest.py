"""Browser fixtures: the test app on a live server thread, driven by Debian's Chromium.

Playwright's sync API drives the system Chromium (`CHROMIUM_PATH`, default /usr/bin/chromium);
Playwright never downloads a browser of its own here. Without Chromium the browser tests skip,
unless `REQUIRE_BROWSER=1` (as in CI), when they fail instead.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from flask import Flask
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Error,
    Page,
    sync_playwright,
)
from werkzeug.serving import make_server

from tests.browser.accessibility import opened_without_javascript

DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
CSP_MARKERS = ("Content Security Policy", "Refused to")


def _chromium() -> str:
    """The Chromium to drive; skips the browser tests (fails them if required) when absent."""
    configured = os.environ.get("CHROMIUM_PATH") or DEFAULT_CHROMIUM
    found = shutil.which(configured)
    if found is None:
        reason = f"no Chromium executable at {configured} (install chromium or set CHROMIUM_PATH)"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {reason}", pytrace=False)
        pytest.skip(f"browser tests skipped: {reason}")
    return found


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Keep each phase's report on the test item, so fixtures can tell a test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the whole run; every test gets its own context."""
    path = _chromium()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _closing_every_response(app: Flask):
    """Read and close each response before the test server writes it.

    Werkzeug's development server skips closing a response (a static file) when the browser
    drops the connection mid-way, as Chromium does with the favicon; the unclosed file then
    surfaces as a ResourceWarning in whichever test runs next.
    """

    def serve(environ, start_response):
        chunks = app(environ, start_response)
        try:
            return [b"".join(chunks)]
        finally:
            if hasattr(chunks, "close"):
                chunks.close()

    return serve


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """Serve the test's app on a free local port from a daemon thread; yield its base URL.

    The `app` fixture pushes an app context in the test thread; each request in the server
    thread pushes its own, so both see the same database.
    """
    server = make_server("127.0.0.1", 0, _closing_every_response(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["BASE_URL"] = url  # the address links that leave the app are built from
    try:
        yield url
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@dataclass
class ConsoleLog:
    """What the pages of one test wrote to the console, and the errors they threw."""

    messages: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        self.messages.append(f"[{message.type}] {message.text}")

    def on_page_error(self, error: Error) -> None:
        self.errors.append(f"{error.name}: {error.message}")

    @property
    def csp_violations(self) -> list[str]:
        return [m for m in self.messages if any(marker in m for marker in CSP_MARKERS)]

    @property
    def console_errors(self) -> list[str]:
        return [m for m in self.messages if m.startswith("[error]")]

    def problems(self) -> list[str]:
        """CSP violations, uncaught JS errors and console errors, in that order."""
        seen = [*self.csp_violations, *self.errors, *self.console_errors]
        return list(dict.fromkeys(seen))


@pytest.fixture
def console_log() -> ConsoleLog:
    return ConsoleLog()


@pytest.fixture
def new_page(
    browser: Browser, live_server: str, console_log: ConsoleLog, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Page]]:
    """Open a page in a fresh browser context (keywords go to `browser.new_context`).

    Every page reports to `console_log`. Contexts close after the test; if the test failed,
    a screenshot of each page is saved under test-artifacts/ first.
    """
    contexts: list[BrowserContext] = []

    def open_page(**options) -> Page:
        context = browser.new_context(base_url=live_server, **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("console", console_log.on_console)
        page.on("pageerror", console_log.on_page_error)
        if options.get("java_script_enabled") is False:
            opened_without_javascript(page)
        return page

    yield open_page

    report = getattr(request.node, "report_call", None)
    try:
        if report is not None and report.failed:
            _save_screenshots(request, contexts)
    finally:
        for context in contexts:
            context.close()


def _save_screenshots(request: pytest.FixtureRequest, contexts: list[BrowserContext]) -> None:
    folder = request.config.rootpath / "test-artifacts"
    folder.mkdir(exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
    pages = [page for context in contexts for page in context.pages]
    for number, page in enumerate(pages, start=1):
        target = folder / f"{stem}-{number}.png"
        try:
            page.screenshot(path=str(target), full_page=True)
        except Exception as problem:  # a screenshot must never hide the real failure
            print(f"could not save {target}: {problem}")
        else:
            print(f"screenshot saved: {target}")


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    """A page in a fresh browser context with JavaScript on."""
    return new_page()
