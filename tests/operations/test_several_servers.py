"""Two app servers (separate processes, separate ports) on one database, as behind a load
balancer: a session started on one holds on the other, a sign-out on one ends it on both, a
conflict between users on different servers is caught; of two schedulers only one runs jobs,
and the other takes over when it dies.

On SQLite both servers share one file on one machine (all SQLite supports); in CI the same
test runs on PostgreSQL.
"""

from __future__ import annotations

import contextlib
import html
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
import sqlalchemy as sa

from conference.extensions import db
from conference.scheduler.commands import LOCK_LOST_STATUS
from conference.scheduler.lock import LOCK_APPLICATION_NAME
from conference.scheduler.models import HEARTBEAT_ID, SchedulerHeartbeat
from tests import factories
from tests.operations.conftest import migrate_to_head

ROOT = Path(__file__).resolve().parents[2]


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer the test looks at


class Browser:
    """A person's browser: one cookie jar, whichever server it talks to."""

    def __init__(self) -> None:
        self.cookies = CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirects()
        )

    def get(self, url: str) -> tuple[int, str, dict[str, str]]:
        return self._open(urllib.request.Request(url))

    def post(self, url: str, fields: dict[str, str | list[str]]) -> tuple[int, str, dict[str, str]]:
        body = urllib.parse.urlencode(fields, doseq=True).encode()
        return self._open(urllib.request.Request(url, data=body, method="POST"))

    def _open(self, request: urllib.request.Request) -> tuple[int, str, dict[str, str]]:
        try:
            with self.opener.open(request, timeout=20) as response:
                return response.status, response.read().decode(), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(), dict(error.headers)


class _FormFields(HTMLParser):
    """What a browser would send from the page's form with the given action."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action, self.inside, self.select = action, False, ""
        self.textarea: str | None = None
        self.fields: dict[str, list[str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = found.get("action", "") in ("", self.action)
        if not self.inside or "name" not in found and tag != "option":
            return
        if tag == "input":
            if found.get("type") in ("checkbox", "radio") and "checked" not in found:
                return
            if found.get("type") in ("submit", "button"):
                return
            self.fields.setdefault(found["name"], []).append(found.get("value", ""))
        elif tag == "select":
            self.select = found["name"]
        elif tag == "option" and self.select and "selected" in found:
            self.fields.setdefault(self.select, []).append(found.get("value", ""))
        elif tag == "textarea":
            self.textarea = found["name"]
            self.fields.setdefault(self.textarea, []).append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = ""
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data: str) -> None:
        if self.textarea:
            self.fields[self.textarea][-1] += data


def form_fields(page: str, action: str) -> dict[str, list[str]]:
    parser = _FormFields(action)
    parser.feed(page)
    return parser.fields


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def shared_database(fresh_database, app_on) -> Iterator[tuple[str, dict[str, object]]]:
    """A migrated database with two administrators and an agency, and the environment both
    servers share (the database, the secret key; CSRF on, as in production)."""
    url = fresh_database()
    app = app_on(url)
    migrate_to_head(app)
    with app.app_context():
        first = factories.make_user("admin", email="first.admin@testshire.example")
        second = factories.make_user("admin", email="second.admin@testshire.example")
        agency = factories.make_agency(name="Testshire Police")
        people = {"first": first.email, "second": second.email, "agency": agency.id}
        db.session.remove()
        db.engine.dispose()
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("CONFERENCE_", "DATABASE_"))},
        "DATABASE_URL": url,
        "CONFERENCE_ENV": "testing",
        "CONFERENCE_SECRET_KEY": "shared-by-every-node",
        "CONFERENCE_WTF_CSRF_ENABLED": "true",
        "CONFERENCE_SCHEDULER_CHECK_SECONDS": "0.5",
    }
    yield url, {**people, "environment": environment}


@pytest.fixture
def start() -> Iterator[Callable[..., subprocess.Popen]]:
    """Start processes of the app; every one is stopped after the test."""
    processes: list[subprocess.Popen] = []

    def run(command: list[str], environment: dict, log: Path) -> subprocess.Popen:
        with log.open("w") as output:  # the child keeps its own copy of the file
            process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=environment,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        processes.append(process)
        return process

    yield run
    for process in processes:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _serve(start, environment: dict, tmp_path: Path, name: str) -> str:
    port = _free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [str(gunicorn), "--workers", "1", "--bind", f"127.0.0.1:{port}"]
    start([*command, "conference:create_app()"], environment, tmp_path / f"{name}.log")
    base = f"http://127.0.0.1:{port}"
    _wait_for(lambda: Browser().get(f"{base}/healthz")[0] == 200, f"server {name}", tmp_path)
    return base


def _wait_for(condition: Callable[[], bool], what: str, logs: Path, seconds: float = 60) -> float:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        with contextlib.suppress(OSError):
            if condition():
                return time.monotonic() - started
        time.sleep(0.2)
    output = "\n".join(f"{p.name}:\n{p.read_text()[-2000:]}" for p in logs.glob("*.log"))
    raise AssertionError(f"{what} did not happen within {seconds} s\n{output}")


def _sign_in(browser: Browser, base: str, email: str) -> None:
    status, page, _ = browser.get(f"{base}/sign-in")
    assert status == 200
    fields = form_fields(page, "/sign-in")
    fields.update(email=[email], password=[factories.PASSWORD])
    status, _, headers = browser.post(f"{base}/sign-in", fields)
    assert status == 303, f"sign-in refused ({status})"


def test_two_servers_share_sessions_sign_outs_and_conflicts(shared_database, start, tmp_path):
    _, known = shared_database
    environment = known["environment"]
    one = _serve(start, environment, tmp_path, "one")
    two = _serve(start, environment, tmp_path, "two")
    agency_page = f"/admin/agencies/{known['agency']}/edit"

    # Signed in on one server, she carries on on the other.
    first = Browser()
    _sign_in(first, one, known["first"])
    status, page, _ = first.get(f"{two}{agency_page}")
    assert status == 200
    assert "Testshire Police" in html.unescape(page)

    # Two administrators open the same agency, each on a different server...
    second = Browser()
    _sign_in(second, two, known["second"])
    _, first_copy, _ = first.get(f"{one}{agency_page}")
    _, second_copy, _ = second.get(f"{two}{agency_page}")
    first_form = form_fields(first_copy, agency_page)
    second_form = form_fields(second_copy, agency_page)
    assert first_form["version"] == second_form["version"]

    # ...the second saves first; the first's save on the older copy is refused, text kept.
    second_form["name"] = ["Testshire Constabulary"]
    assert second.post(f"{two}{agency_page}", second_form)[0] == 303
    first_form["name"] = ["Testshire Police Service"]
    status, page, _ = first.post(f"{one}{agency_page}", first_form)
    assert status == 409
    page = html.unescape(page)
    assert "Testshire Constabulary" in page  # what the other saved
    assert 'value="Testshire Police Service"' in page  # her own typing, kept
    assert "Testshire Constabulary" in html.unescape(first.get(f"{one}/admin/agencies")[1])

    # Signing out on one server ends the session on both.
    _, page, _ = first.get(f"{two}/admin/")
    token = form_fields(page, "/sign-out")["csrf_token"]
    status, _, headers = first.post(f"{two}/sign-out", {"csrf_token": token})
    assert status in (302, 303)
    status, _, headers = first.get(f"{one}{agency_page}")
    assert status in (302, 303)
    assert headers["Location"].startswith("/sign-in")
    # The other administrator's session is untouched.
    assert second.get(f"{one}{agency_page}")[0] == 200


def _heartbeat_pid(url: str) -> int | None:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.scalar(
                sa.select(SchedulerHeartbeat.pid).where(SchedulerHeartbeat.id == HEARTBEAT_ID)
            )
    finally:
        engine.dispose()


def test_of_two_schedulers_one_runs_the_jobs_and_the_other_takes_over_when_it_dies(
    shared_database, start, tmp_path
):
    url, known = shared_database
    environment = known["environment"]
    flask = [str(Path(sys.executable).with_name("flask")), "--app", "conference", "scheduler"]
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"

    first = start(flask, environment, first_log)
    _wait_for(lambda: "Scheduler running" in first_log.read_text(), "first scheduler", tmp_path)
    second = start(flask, environment, second_log)
    _wait_for(lambda: "standing by" in second_log.read_text(), "second standing by", tmp_path)

    # Several lock checks later, the standby still runs nothing.
    time.sleep(2)
    assert "Scheduler running" not in second_log.read_text()
    assert _heartbeat_pid(url) == first.pid
    assert second.poll() is None

    # The running one dies without a word; the standby takes over within a minute.
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    took = _wait_for(
        lambda: "Scheduler running" in second_log.read_text(), "take-over", tmp_path, seconds=60
    )
    assert took < 60
    _wait_for(lambda: _heartbeat_pid(url) == second.pid, "the standby's heartbeat", tmp_path)

    if not url.startswith("postgresql"):
        return  # an flock cannot be taken from a living process
    # Its lock's connection is cut (a network fault, an operator): it stops at once, status 3,
    # rather than run jobs beside a scheduler that may have taken the lock meanwhile.
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = :name AND datname = current_database()"
                ),
                {"name": LOCK_APPLICATION_NAME},
            )
    finally:
        engine.dispose()
    assert second.wait(timeout=30) == LOCK_LOST_STATUS
    assert "lost its lock" in second_log.read_text()
