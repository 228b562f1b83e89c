"""Every query of every main page finds its rows in the big tables through an index: on
PostgreSQL, a small county is seeded and each statement the pages ran is explained with
sequential scans switched off. The planner then scans a table whole only when no index can
serve the query, which at county scale would read millions of rows."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from bench import run as bench
from conference.accounts.models import User
from conference.db import utcnow
from conference.demo import scale
from conference.extensions import db
from tests.bench.test_bounded import NAV
from tests.conftest import HTMX, sign_in

#: The tables that grow with the years: a whole scan of one is never acceptable on a page.
BIG = {
    "action_updates",
    "actions",
    "agenda_items",
    "audit_event_cases",
    "audit_events",
    "case_closures",
    "cases",
    "checklist_answers",
    "conferences",
    "discussions",
    "notifications",
    "outbound_emails",
    "referral_children",
    "referral_perpetrators",
    "referral_transitions",
    "referrals",
    "research_returns",
}


def _scans(plan: dict[str, Any]) -> list[str]:
    """The big tables a plan reads whole. With sequential scans off, the planner picks one
    only when no index can serve the query: a filter on a column no index leads with."""
    found = []
    if plan.get("Node Type") == "Seq Scan" and plan.get("Relation Name") in BIG:
        found.append(plan["Relation Name"])
    for child in plan.get("Plans", []):
        found += _scans(child)
    return found


def _explain(cursor: Any, statement: str, parameters: Any = None) -> list[str]:
    cursor.execute(f"EXPLAIN (FORMAT JSON) {statement}", parameters)
    (plan,) = cursor.fetchone()
    plan = plan if isinstance(plan, list) else json.loads(plan)
    return _scans(plan[0]["Plan"])


def _statements(app: Flask, url: str) -> list[tuple[str, str, Any]]:
    """(page, statement, parameters) for every SELECT the main pages of every role ran."""
    targets = bench.find_targets(url)
    ran: list[tuple[str, str, Any]] = []
    label = ""

    def keep(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            ran.append((label, statement, parameters))

    for role, email in targets.logins.items():
        user = db.session.scalar(sa.select(User).where(User.email == email))
        client = sign_in(app.test_client(), user)
        home = client.get("/").get_data(as_text=True)
        nav: list[str] = []
        for block in NAV.findall(home):
            nav += [h for h in bench.HREF.findall(block) if h not in nav and "sign-out" not in h]
        for page in bench.pages_for(role, nav, targets):
            if page.method != "GET":
                continue
            label = f"{role} {page.label}"
            sa.event.listen(db.engine, "before_cursor_execute", keep)
            try:
                client.get(page.path, headers=HTMX if page.htmx else {})
            finally:
                sa.event.remove(db.engine, "before_cursor_execute", keep)
    return ran


def test_the_main_pages_read_the_big_tables_through_indexes(app: Flask, database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("query plans are checked on PostgreSQL, the production database")
    scale.seed_scale(maracs=2, months=3, seed=5, now=utcnow())
    db.session.commit()
    ran = _statements(app, database_url)
    assert len(ran) > 200
    whole: dict[str, set[str]] = {}
    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute("ANALYZE")
        cursor.execute("SET enable_seqscan = off")
        # The check has teeth: a filter no index serves is a whole scan.
        assert _explain(cursor, "SELECT id FROM actions WHERE owner_name = 'x'") == ["actions"]
        for label, statement, parameters in ran:
            for table in _explain(cursor, statement, parameters):
                whole.setdefault(f"{label}: {table}", set()).add(statement[:300])
    finally:
        connection.rollback()
        connection.close()
    assert not whole, "\n\n".join(f"{k}\n  " + "\n  ".join(v) for k, v in sorted(whole.items()))
