"""Measure every main page and console answer against the floor, then a mixed load.

    python -m bench [--passes 20] [--mixed-seconds 120] [--followers 20] [--agency-users 200]

The database is BENCH_DATABASE_URL (or DATABASE_URL), filled by `flask --app conference
seed-scale`. The app runs under gunicorn with two workers as `make run` serves it, with
CONFERENCE_QUERY_COUNT_HEADER on so that each answer says how many SQL statements it ran.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
VERSION = re.compile(r'name="version"[^>]*value="([0-9]*)"')
NAV = re.compile(r"<nav\b.*?</nav>", re.S)
#: Where a poll asks next, as the page it updates says (what it shows travels with the poll).
NEXT_POLL = re.compile(r'hx-get="([^"]*/(?:follow/live|meeting/state)\?[^"]*)"')
HREF = re.compile(r'href="(/[^"#?]*)"')
#: The case a console screen shows, which its moves send (as the browser's forms do).
SHOWN = re.compile(r'id="console-shown" name="shown" value="([0-9]*)"')


# HTTP ------------------------------------------------------------------------------------------


class _KeepEveryAnswer(urllib.request.HTTPErrorProcessor):
    """Hand back every answer as it is: no exception for 4xx/5xx, no redirect followed."""

    def http_response(self, request: Any, response: Any) -> Any:
        return response

    https_response = http_response


@dataclass
class Answer:
    status: int
    body: bytes
    seconds: float
    queries: int | None
    location: str = ""


class Client:
    """One browser: its own cookies, its CSRF token."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), _KeepEveryAnswer()
        )
        self.token = ""
        #: The case the console on this client's screen shows, as its last answer drew it.
        self.shown = ""
        #: Each poll's address as its last answer gave it (a 204 keeps it).
        self.polls: dict[str, str] = {}

    def poll(self, path: str) -> Answer:
        """Poll as the browser does: with what the last answer showed, kept on a 204."""
        answer = self.request("GET", self.polls.get(path, path), htmx=True)
        if answer.status == 200:
            found = NEXT_POLL.search(answer.body.decode("utf-8", "replace"))
            if found:
                self.polls[path] = found.group(1).replace("&amp;", "&")
        return answer

    def request(
        self,
        method: str,
        path: str,
        form: dict[str, str] | None = None,
        *,
        htmx: bool = False,
    ) -> Answer:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        if htmx:
            request.add_header("HX-Request", "true")
        if method == "POST" and self.token:
            request.add_header("X-CSRFToken", self.token)
        started = time.perf_counter()
        try:
            with self.opener.open(request, timeout=120) as response:
                body = response.read()
                status, headers = response.status, response.headers
        except (urllib.error.URLError, OSError):
            return Answer(599, b"", time.perf_counter() - started, None)
        seconds = time.perf_counter() - started
        count = headers.get("X-Query-Count")
        answer = Answer(status, body, seconds, int(count) if count else None)
        answer.location = headers.get("Location", "")
        text = body.decode("utf-8", "replace")
        if match := TOKEN.search(text):
            self.token = match.group(1)
        if match := SHOWN.search(text):
            self.shown = match.group(1)
        return answer

    def sign_in(self, email: str, password: str) -> None:
        self.request("GET", "/sign-in")
        answer = self.request(
            "POST",
            "/sign-in",
            {"email": email, "password": password, "csrf_token": self.token},
        )
        if answer.status != 303 or "sign-in" in answer.location:
            raise RuntimeError(f"sign-in refused for {email} ({answer.status})")
        self.request("GET", "/")  # a token for the signed-in session

    def nav(self) -> list[str]:
        """The main pages the signed-in user's menu offers."""
        body = self.request("GET", "/").body.decode("utf-8", "replace")
        links: list[str] = []
        for block in NAV.findall(body):
            links += [h for h in HREF.findall(block) if h not in links and "sign-out" not in h]
        return links


# The servers -----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serve(
    apps: list[str], url: str, workers: int, log: Path, pids: dict[str, int] | None = None
) -> Iterator[list[str]]:
    """gunicorn serving each app (as `make run` does) until the block ends; all start at once.
    ``pids``: filled with each server's address and its master's process id."""
    env = {**os.environ, "DATABASE_URL": url, "CONFERENCE_QUERY_COUNT_HEADER": "true"}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    started: list[tuple[subprocess.Popen[bytes], str]] = []
    try:
        with log.open("ab") as out:
            for app in apps:
                port = _free_port()
                command = [str(gunicorn), "--workers", str(workers), "--bind", f"127.0.0.1:{port}"]
                process = subprocess.Popen(
                    [*command, app], cwd=ROOT, env=env, stdout=out, stderr=out
                )
                started.append((process, f"http://127.0.0.1:{port}"))
                if pids is not None:
                    pids[f"http://127.0.0.1:{port}"] = process.pid
        deadline = time.monotonic() + 60
        for (process, base), app in zip(started, apps, strict=True):
            while not (_answers(base + "/healthz") or _answers(base + "/")):
                if process.poll() is not None:
                    raise RuntimeError(f"{app} did not start: see {log}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{app} did not answer within a minute: see {log}")
                time.sleep(0.2)
        yield [base for _, base in started]
    finally:
        for process, _ in started:
            process.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
        for process, _ in started:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def workers_rss(master: int) -> list[float]:
    """The resident memory of each worker of a gunicorn master, in MB (Linux; else none)."""
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        sizes = []
        for child in children:
            for line in Path(f"/proc/{child}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
        return sizes
    except OSError:
        return []


def workers_cpu_seconds(master: int) -> float | None:
    """The CPU time (user and system) the workers of a gunicorn master have used so far, in
    seconds (Linux; else None)."""
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for child in children:
            # The fields after the command's closing parenthesis start at the state (field 3):
            # utime and stime are fields 14 and 15.
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        return total / ticks
    except (OSError, ValueError, IndexError):
        return None


def _rss_line(when: str, pids: dict[str, int], base: str, floor_base: str) -> str:
    def shown(base: str) -> str:
        return ", ".join(f"{mb:.0f}" for mb in workers_rss(pids[base])) or "unknown"

    return f"RSS per worker {when}, MB: app {shown(base)}; floor {shown(floor_base)}"


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except OSError:  # refused while starting, or 404 (the floor has no /healthz)
        return False


# What to measure -------------------------------------------------------------------------------


@dataclass
class Targets:
    """The users and objects the benchmark visits, read from the seeded database."""

    logins: dict[str, str]  # role -> email
    live: int  # today's conference, in progress
    item: int  # the case on its console
    held: int  # the latest conference with final minutes
    case: int
    referral: int
    followers: list[str]
    agency_users: list[str]


def find_targets(url: str) -> Targets:
    """Read the first MARAC's people and meetings (the seeder's shape) with plain SQL."""
    engine = sa.create_engine(_normalised(url))
    with engine.connect() as c:
        marac = c.execute(sa.text("SELECT min(id) FROM maracs")).scalar_one()
        logins = {}
        for role in ("admin", "coordinator", "chair", "advocate", "agency_rep", "steering"):
            email = c.execute(
                sa.text(
                    "SELECT u.email FROM users u JOIN role_grants g ON g.user_id = u.id "
                    "WHERE g.role = :role AND (g.marac_id = :marac OR g.marac_id IS NULL) "
                    "ORDER BY u.id LIMIT 1"
                ),
                {"role": role, "marac": marac},
            ).scalar()
            if email:
                logins[role] = email
        live, item = c.execute(
            sa.text(
                "SELECT c.id, m.current_item_id FROM conferences c JOIN meetings m "
                "ON m.conference_id = c.id WHERE c.marac_id = :marac AND c.status = 'in_progress' "
                "ORDER BY c.starts_at DESC LIMIT 1"
            ),
            {"marac": marac},
        ).one()
        held = c.execute(
            sa.text(
                "SELECT id FROM conferences WHERE marac_id = :marac AND status = 'minutes_final' "
                "ORDER BY starts_at DESC LIMIT 1"
            ),
            {"marac": marac},
        ).scalar_one()
        case, referral = c.execute(
            sa.text(
                "SELECT case_id, referral_id FROM agenda_items WHERE conference_id = :held "
                "ORDER BY position, id LIMIT 1"
            ),
            {"held": held},
        ).one()
        followers = list(
            c.execute(
                sa.text(
                    "SELECT u.email FROM attendees a JOIN users u ON u.id = a.user_id "
                    "JOIN role_grants g ON g.user_id = u.id AND g.marac_id = :marac "
                    "WHERE a.conference_id = :live AND g.role = 'agency_rep' ORDER BY u.id"
                ),
                {"live": live, "marac": marac},
            ).scalars()
        )
        agency_users = list(
            c.execute(
                sa.text(
                    "SELECT u.email FROM users u JOIN role_grants g ON g.user_id = u.id "
                    "WHERE g.role = 'agency_rep' ORDER BY g.marac_id, u.id"
                )
            ).scalars()
        )
    engine.dispose()
    return Targets(logins, live, item, held, case, referral, followers, agency_users)


def _normalised(url: str) -> str:
    from conference.config import normalise_database_url

    return normalise_database_url(url)


#: The issue's targets, at p95 on PostgreSQL at county scale.
PAGE_TARGET_MS = 50.0
CONSOLE_ANSWER_TARGET_MS = 20.0


@dataclass(frozen=True)
class Page:
    role: str
    label: str
    path: str
    method: str = "GET"
    htmx: bool = False
    #: Requested after each request of this page, and measured as a row of its own.
    then: Page | None = None

    @property
    def target_ms(self) -> float:
        """The p95 this request should meet at county scale: an answer the chair's console
        swaps in as she drives the meeting, or a page."""
        console_answer = self.htmx and "/meeting" in self.path
        return CONSOLE_ANSWER_TARGET_MS if console_answer else PAGE_TARGET_MS


def pages_for(role: str, nav: list[str], t: Targets) -> list[Page]:
    """The role's menu, and the pages and console answers behind it that it may open."""
    pages = [Page(role, path, path) for path in nav]
    detail = {
        "coordinator": [
            ("case", f"/cases/{t.case}"),
            ("referral", f"/referrals/{t.referral}"),
            ("agenda (held)", f"/conferences/{t.held}"),
            ("minutes (held)", f"/conferences/{t.held}/minutes"),
            ("research grid (held)", f"/conferences/{t.held}/research"),
            ("tracker CSV", "/actions/tracker.csv"),
            ("console", f"/conferences/{t.live}/meeting"),
        ],
        "chair": [
            ("console", f"/conferences/{t.live}/meeting"),
            ("agenda (live)", f"/conferences/{t.live}"),
        ],
        "agency_rep": [
            ("follow view", f"/conferences/{t.live}/follow"),
            ("research (live)", f"/research/{t.live}"),
        ],
    }
    pages += [Page(role, label, path) for label, path in detail.get(role, [])]
    if role == "chair":
        pages.append(
            Page(
                role,
                "console state poll",
                f"/conferences/{t.live}/meeting/state?shown={t.item}",
                htmx=True,
            )
        )
        pages.append(
            Page(
                role,
                "console record save",
                f"/conferences/{t.live}/meeting/items/{t.item}/record",
                "POST",
                htmx=True,
            )
        )
        # Measured in turns (next, then previous), so the console stays on its first cases.
        back = Page(
            role, "console previous case", f"/conferences/{t.live}/meeting/previous", "POST", True
        )
        path = f"/conferences/{t.live}/meeting/next"
        pages.append(Page(role, "console next case", path, "POST", True, back))
    if role == "agency_rep":
        pages.append(Page(role, "follow poll", f"/conferences/{t.live}/follow/live", htmx=True))
    return pages


class Recorder:
    """Saves the case on the console, each time with a little more text and the last version."""

    def __init__(self, client: Client, path: str) -> None:
        self.client, self.path, self.version, self.n = client, path, "", 0

    def save(self) -> Answer:
        self.n += 1
        form = {
            "information_shared": f"Police shared the latest call-outs (note {self.n}).",
            "risk_to_victim": "High: he knows where she lives.",
            "version": self.version,
            "csrf_token": self.client.token,
        }
        answer = self.client.request("POST", self.path, form, htmx=True)
        if match := VERSION.search(answer.body.decode("utf-8", "replace")):
            self.version = match.group(1)
        return answer


def _one(client: Client, page: Page, recorder: Recorder | None) -> Answer:
    if page.path.endswith("/record") and recorder is not None:
        return recorder.save()
    if page.method == "POST":
        form = {"csrf_token": client.token}
        if page.path.endswith(("/next", "/previous")):
            form["shown"] = client.shown
        return client.request("POST", page.path, form, htmx=page.htmx)
    if page.label.endswith(" poll"):
        return client.poll(page.path)
    return client.request(page.method, page.path, htmx=page.htmx)


# Results ---------------------------------------------------------------------------------------


@dataclass
class Row:
    role: str
    label: str
    #: The p95 to meet, in ms (none for the floor and the mixed load).
    target_ms: float | None = None
    times: list[float] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)

    def add(self, answer: Answer) -> None:
        self.times.append(answer.seconds)
        self.statuses.append(answer.status)
        self.sizes.append(len(answer.body))
        if answer.queries is not None:
            self.queries.append(answer.queries)

    @property
    def p50(self) -> float:
        return statistics.median(self.times) * 1000

    @property
    def p95(self) -> float:
        return percentile(self.times, 95) * 1000

    @property
    def met(self) -> bool | None:
        return None if self.target_ms is None else self.p95 <= self.target_ms

    @property
    def ok(self) -> bool:
        # A poll that finds nothing new answers 204, empty.
        return all(status in (200, 204) for status in self.statuses)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def table(rows: list[Row], floor: Row) -> str:
    """The pages as a table, each time also as a multiple of the floor's."""
    head = f"{'role':<12} {'page':<38} {'n':>3} {'status':>6} {'p50 ms':>8} {'p95 ms':>8} "
    head += f"{'queries':>7} {'KB':>8} {'p50/floor':>9} {'target':>7}"
    lines = [head, "-" * len(head)]
    for row in [floor, *rows]:
        statuses = ",".join(sorted({str(s) for s in row.statuses}))
        queries = str(round(statistics.median(row.queries))) if row.queries else "-"
        target = "" if row.target_ms is None else f"{row.target_ms:.0f}"
        if row.met is False:
            target += " over"
        lines.append(
            f"{row.role:<12} {row.label[:38]:<38} {len(row.times):>3} {statuses:>6} "
            f"{row.p50:>8.1f} {row.p95:>8.1f} {queries:>7} "
            f"{statistics.median(row.sizes) / 1024:>8.1f} {row.p50 / floor.p50:>9.1f} "
            f"{target:>7}"
        )
    targeted = [row for row in rows if row.met is not None]
    lines.append(
        f"{sum(bool(row.met) for row in targeted)} of {len(targeted)} within their p95 target "
        f"({PAGE_TARGET_MS:g} ms a page, {CONSOLE_ANSWER_TARGET_MS:g} ms an answer the chair's "
        "console swaps in)"
    )
    return "\n".join(lines)


# The runs --------------------------------------------------------------------------------------


def measure_pages(
    base: str, floor_base: str, t: Targets, password: str, passes: int, workers: int = 1
) -> tuple[list[Row], Row]:
    """Every page once per worker to warm up (unless a single pass is asked for), then
    `passes` rounds of every page in turn, with a request to the floor after each. In rounds,
    a spell when the machine is slower falls on every page and on the floor alike, not on a few
    pages measured one after another."""
    floor_client = Client(floor_base)
    floor = Row("floor", "50 rows, Flask + SQLAlchemy")
    plan: list[tuple[Client, Page, Recorder | None]] = []
    for role, email in t.logins.items():
        client = Client(base)
        client.sign_in(email, password)
        nav = client.nav()
        recorder = None
        for page in pages_for(role, nav, t):
            if page.path.endswith("/record"):
                recorder = Recorder(client, page.path)
            plan.append((client, page, recorder))
    if passes > 1:  # warm up every worker, not counted
        _warm_up(plan, workers)
        floor_client.request("GET", "/")
    measured = [
        (
            Row(page.role, page.label, page.target_ms),
            Row(page.role, page.then.label, page.then.target_ms) if page.then else None,
        )
        for _, page, _ in plan
    ]
    for _ in range(passes):
        for (client, page, recorder), (row, then) in zip(plan, measured, strict=True):
            row.add(_one(client, page, recorder))
            if page.then and then:
                then.add(_one(client, page.then, recorder))
            # The floor between the pages, so that it meets the machine as they do.
            floor.add(floor_client.request("GET", "/"))
    rows = [row for pair in measured for row in pair if row is not None]
    return rows, floor


def _warm_up(plan: list[tuple[Client, Page, Recorder | None]], workers: int) -> None:
    """Each page once per worker. A worker's first request of a page compiles its templates
    and statements (100 ms or more): asked one after another, the same worker may take every
    warm-up request and another meet the page first in a measured round. Pages are asked for
    by as many requests at once as there are workers: a worker busy with one (a first request
    takes the longest) leaves the next to another. The console's moves and saves change the
    meeting, so they are asked one after another."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for client, page, recorder in plan:
            if page.method == "GET":
                asked = [pool.submit(_one, client, page, recorder) for _ in range(workers)]
                for answer in asked:
                    answer.result()
                continue
            for _ in range(workers):
                _one(client, page, recorder)
                if page.then:
                    _one(client, page.then, recorder)


@dataclass
class Mixed:
    kinds: dict[str, Row] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: The CPU seconds the app's workers used while the load ran (sign-ins before it apart).
    cpu_seconds: float | None = None

    def add(self, kind: str, answer: Answer) -> None:
        with self.lock:
            self.kinds.setdefault(kind, Row("mixed", kind)).add(answer)


def mixed_load(
    base: str,
    t: Targets,
    password: str,
    *,
    seconds: float,
    followers: int,
    agency_users: int,
    think: float,
    poll: float,
    chair_records: bool = True,
    cpu: Callable[[], float | None] = lambda: None,
) -> tuple[Mixed, float]:
    """A chair recording on the console, followers polling the follow view every `poll`
    seconds, agency users clicking through their menus with `think` seconds between clicks.
    Without `chair_records`, nothing changes while the followers poll."""
    result = Mixed()
    stop = threading.Event()
    rng = random.Random(7)

    def signed_in(email: str) -> Client:
        client = Client(base)
        client.sign_in(email, password)
        return client

    chair = signed_in(t.logins["chair"])
    recorder = Recorder(chair, f"/conferences/{t.live}/meeting/items/{t.item}/record")
    recorder.save()  # not counted: learns the record's version (a stale first save is a 409)
    with ThreadPoolExecutor(max_workers=4) as pool:  # sign-ins cost the server a hash each
        emails = [t.followers[n % len(t.followers)] for n in range(followers)]
        follower_clients = list(pool.map(signed_in, emails))
        # A browser's first poll already carries what its page shows; the bench's clients
        # learn it with one poll each, before anything is measured.
        live = f"/conferences/{t.live}/follow/live"
        list(pool.map(lambda client: client.poll(live), follower_clients))
        emails = [t.agency_users[n % len(t.agency_users)] for n in range(agency_users)]
        agency_clients = [(c, c.nav() or ["/"]) for c in pool.map(signed_in, emails)]

    def chair_loop() -> None:
        while not stop.is_set():
            result.add("chair: record save", recorder.save())
            if stop.wait(poll):
                break
            state = f"/conferences/{t.live}/meeting/state?shown={t.item}"
            result.add("chair: state poll", chair.poll(state))
            stop.wait(poll)

    def follower_loop(client: Client, delay: float) -> None:
        stop.wait(delay)
        while not stop.is_set():
            path = f"/conferences/{t.live}/follow/live"
            result.add("follower: follow poll", client.poll(path))
            stop.wait(poll)

    def agency_loop(client: Client, links: list[str], seed: int) -> None:
        own = random.Random(seed)
        stop.wait(own.uniform(0, think))
        while not stop.is_set():
            result.add("agency user: page", client.request("GET", own.choice(links)))
            stop.wait(own.uniform(think / 2, think * 1.5))

    threads = [threading.Thread(target=chair_loop, daemon=True)] if chair_records else []
    threads += [
        threading.Thread(target=follower_loop, args=(c, rng.uniform(0, poll)), daemon=True)
        for c in follower_clients
    ]
    threads += [
        threading.Thread(target=agency_loop, args=(c, links, n), daemon=True)
        for n, (c, links) in enumerate(agency_clients)
    ]
    cpu_before = cpu()
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=130)
    elapsed = time.perf_counter() - started
    cpu_after = cpu()
    if cpu_before is not None and cpu_after is not None:
        result.cpu_seconds = cpu_after - cpu_before
    return result, elapsed


def mixed_table(result: Mixed, elapsed: float) -> str:
    head = f"{'request kind':<26} {'count':>6} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8}"
    lines = [head, "-" * len(head)]
    total = errors = 0
    for kind, row in sorted(result.kinds.items()):
        bad = sum(1 for s in row.statuses if s >= 400)
        total, errors = total + len(row.times), errors + bad
        lines.append(f"{kind:<26} {len(row.times):>6} {bad:>6} {row.p50:>8.1f} {row.p95:>8.1f}")
    lines.append(f"{total} requests in {elapsed:.0f} s ({total / elapsed:.1f}/s), {errors} errors")
    return "\n".join(lines)


def _followers_alone(
    master: int, base: str, targets: Targets, followers: int, poll: float, seconds: float
) -> str:
    """Followers polling a meeting where nothing changes: what they cost the app's workers,
    as a share of one worker's time (the CPU the workers used over the seconds measured)."""
    from conference.demo.scale import BENCH_PASSWORD

    seconds = min(seconds, 30)
    polls, elapsed = mixed_load(
        base,
        targets,
        BENCH_PASSWORD,
        seconds=seconds,
        followers=followers,
        agency_users=0,
        think=1,
        poll=poll,
        chair_records=False,
        cpu=lambda: workers_cpu_seconds(master),
    )
    share = (
        f"{100 * polls.cpu_seconds / elapsed:.1f}% of one worker"
        if polls.cpu_seconds is not None
        else "cost unknown (no /proc)"
    )
    row = polls.kinds.get("follower: follow poll")
    timing = f", poll p50 {row.p50:.1f} ms, p95 {row.p95:.1f} ms" if row else ""
    return (
        f"\n{followers} followers alone, polling every {poll:g} s for {elapsed:.0f} s with "
        f"nothing changing: {share}{timing}"
    )


def run(
    url: str,
    *,
    passes: int,
    workers: int,
    mixed_seconds: float,
    followers: int,
    agency_users: int,
    think: float,
    poll: float,
    out: Any = sys.stdout,
    log: Path | None = None,
) -> tuple[list[Row], Row, Mixed | None]:
    """Start the app and the floor, measure, print; return the figures."""
    from conference.demo.scale import BENCH_PASSWORD

    targets = find_targets(url)
    log = log or Path(tempfile.gettempdir()) / "conference-bench-gunicorn.log"
    print(f"Serving logs in {log}", file=out)
    pids: dict[str, int] = {}
    apps = ["conference:create_app()", "bench.floor:create_app()"]
    with serve(apps, url, workers, log, pids) as (base, floor_base):
        rows, floor = measure_pages(base, floor_base, targets, BENCH_PASSWORD, passes, workers)
        print(table(rows, floor), file=out, flush=True)
        print(_rss_line("after the pages", pids, base, floor_base), file=out, flush=True)
        mixed = None
        if mixed_seconds > 0:
            alone = _followers_alone(pids[base], base, targets, followers, poll, mixed_seconds)
            print(alone, file=out, flush=True)
            mixed, elapsed = mixed_load(
                base,
                targets,
                BENCH_PASSWORD,
                seconds=mixed_seconds,
                followers=followers,
                agency_users=agency_users,
                think=think,
                poll=poll,
            )
            print(
                f"\nMixed load: 1 chair, {followers} followers polling every {poll:g} s, "
                f"{agency_users} agency users thinking {think:g} s",
                file=out,
            )
            print(mixed_table(mixed, elapsed), file=out, flush=True)
            print(_rss_line("after the mixed load", pids, base, floor_base), file=out, flush=True)
    return rows, floor, mixed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL"),
    )
    parser.add_argument("--passes", type=int, default=20, help="requests per page (default 20)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--mixed-seconds", type=float, default=120, help="0 skips the mixed load")
    parser.add_argument("--followers", type=int, default=20)
    parser.add_argument("--agency-users", type=int, default=200)
    parser.add_argument("--think", type=float, default=30, help="seconds between clicks")
    parser.add_argument("--poll", type=float, default=4, help="seconds between polls")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("set BENCH_DATABASE_URL (or DATABASE_URL) to the seeded database")
    rows, _, mixed = run(
        args.database_url,
        passes=args.passes,
        workers=args.workers,
        mixed_seconds=args.mixed_seconds,
        followers=args.followers,
        agency_users=args.agency_users,
        think=args.think,
        poll=args.poll,
    )
    failed = [row for row in rows if not row.ok]
    errors = sum(s >= 400 for row in (mixed.kinds.values() if mixed else []) for s in row.statuses)
    return 1 if failed or errors else 0
