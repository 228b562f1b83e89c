"""The benchmark's smoke run: a tiny county, one pass of every page and a few seconds of the
mixed load, so that `make bench` cannot rot. It measures nothing worth reading."""

from __future__ import annotations

import io
import re
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from bench import run as bench
from conference.audit.models import AuditEvent
from conference.conferences.models import Conference
from conference.db import utcnow
from conference.demo import scale
from conference.extensions import db
from conference.referrals.models import Case


def test_seeder_writes_a_county_that_keeps_the_rules(app: Flask) -> None:
    counts = scale.seed_scale(maracs=2, months=2, seed=3, now=utcnow())
    db.session.commit()
    assert counts.rows["maracs"] == 2
    live = db.session.scalars(
        sa.select(Conference).where(Conference.status == "in_progress").order_by(Conference.id)
    ).all()
    assert len(live) == 2  # one meeting in progress per MARAC, today
    # Every case its own reference; every read of a case audited.
    references = db.session.scalars(sa.select(Case.reference)).all()
    assert len(references) == len(set(references)) > 0
    assert db.session.scalar(
        sa.select(sa.func.count()).where(AuditEvent.verb == "case.viewed")
    ) > len(references)
    assert scale.has_data()
    # The planner is told what was written, or every page would be measured on guesses.
    scale.gather_statistics()
    if db.engine.dialect.name == "postgresql":
        # reltuples is -1 until the table is first analysed (it is set in the catalogue).
        analysed = "SELECT nullif(reltuples, -1) FROM pg_class WHERE relname = 'actions'"
    else:
        analysed = "SELECT stat FROM sqlite_stat1 WHERE tbl = 'actions' LIMIT 1"
    assert db.session.execute(sa.text(analysed)).scalar() is not None
    # A database that holds data is refused without --force.
    refused = app.test_cli_runner().invoke(args=["seed-scale", "--maracs", "1", "--years", "1"])
    assert refused.exit_code != 0 and "already holds data" in refused.output


def test_the_query_count_header_is_off_unless_the_bench_turns_it_on(client: FlaskClient) -> None:
    assert "X-Query-Count" not in client.get("/sign-in").headers


def test_one_pass_of_the_bench_answers_every_page(
    app: Flask, database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    if database_url.startswith("sqlite:///:memory:") or database_url == "sqlite://":
        pytest.skip("the servers need a database they can open")
    scale.seed_scale(maracs=1, months=3, seed=1, now=utcnow())
    db.session.commit()
    monkeypatch.setenv("CONFERENCE_SECRET_KEY", "bench-smoke-secret")
    out = io.StringIO()
    rows, floor, mixed = bench.run(
        database_url,
        passes=1,
        workers=1,
        mixed_seconds=1,
        followers=2,
        agency_users=2,
        think=1,
        poll=1,
        out=out,
        log=tmp_path / "servers.log",
    )
    printed = out.getvalue()
    assert "p50/floor" in printed and "Mixed load" in printed
    # Each row against its target, and how many meet theirs.
    assert re.search(r"\n[0-9]+ of [0-9]+ within their p95 target \(50 ms a page, 20 ms", printed)
    targets = {row.label: row.target_ms for row in rows}
    assert targets["console next case"] == targets["console record save"] == 20
    assert targets["console state poll"] == 20
    assert targets["follow poll"] == targets["/cases/"] == 50
    assert re.search(r"2 followers alone, polling every 1 s .*: [0-9.]+% of one worker", printed)
    assert re.search(r"RSS per worker after the pages, MB: app [0-9]+; floor [0-9]+", printed)
    assert floor.ok
    assert len(rows) > 40  # every role's menu and the pages behind it
    assert {row.role for row in rows} == {
        "admin",
        "coordinator",
        "chair",
        "advocate",
        "agency_rep",
        "steering",
    }
    refused = [(row.role, row.label, row.statuses) for row in rows if not row.ok]
    assert refused == []
    assert all(row.queries for row in rows)  # the query count header was on
    assert mixed is not None
    assert sum(s >= 400 for row in mixed.kinds.values() for s in row.statuses) == 0


def test_the_warm_up_reaches_every_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each page is asked for once per worker: a GET by that many requests at once (so each
    worker takes one), a move of the console one after another (each changes the meeting)."""
    running, most, asked = 0, 0, []
    lock = threading.Lock()

    def one(client: object, page: bench.Page, recorder: object) -> None:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
            asked.append(page.label)
        time.sleep(0.05)  # long enough for the other requests of the page to start
        with lock:
            running -= 1

    monkeypatch.setattr(bench, "_one", one)
    back = bench.Page("chair", "previous", "/p", "POST", True)
    plan = [
        (None, bench.Page("coordinator", "cases", "/cases/"), None),
        (None, bench.Page("chair", "next", "/n", "POST", True, back), None),
    ]
    bench._warm_up(plan, workers=3)  # type: ignore[arg-type]
    assert asked == ["cases"] * 3 + ["next", "previous"] * 3
    assert most == 3
