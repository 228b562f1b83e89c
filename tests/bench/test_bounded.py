"""Every main page stays the same size and runs no more queries as the data grows: a county
of one MARAC seeded with four months of meetings and again with twelve (three times the cases,
actions, referrals and audit trail), each page of each role measured on both. (The case on
screen differs between the two, so a page may run one query fewer for the larger.)"""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from bench import run as bench
from conference.accounts.models import User
from conference.db import utcnow
from conference.demo import scale
from conference.extensions import db
from tests.conftest import HTMX, sign_in

NAV = re.compile(r"<nav\b.*?</nav>", re.S)

#: Pages whose content is one period or one meeting, which three times the history does not
#: change; anything else must be paged or bounded. Bytes may vary a little with the names and
#: texts drawn at random: a page may grow by this share, plus a small allowance.
GROWTH, ALLOWANCE = 1.25, 3_000


def _measure(app: Flask, url: str, months: int) -> dict[tuple[str, str], tuple[int, int]]:
    scale.seed_scale(maracs=1, months=months, seed=7, now=utcnow())
    db.session.commit()
    targets = bench.find_targets(url)
    found: dict[tuple[str, str], tuple[int, int]] = {}
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

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
            client.get(page.path, headers=HTMX if page.htmx else {})  # first touches written
            statements.clear()
            sa.event.listen(db.engine, "before_cursor_execute", count)
            try:
                answer = client.get(page.path, headers=HTMX if page.htmx else {})
            finally:
                sa.event.remove(db.engine, "before_cursor_execute", count)
            assert answer.status_code < 400, (role, page.label, answer.status_code)
            found[(role, page.label)] = (len(statements), len(answer.get_data()))
    return found


def test_every_main_page_keeps_its_queries_and_size_as_the_data_triples(
    app: Flask, database_url: str, test_database: Any
) -> None:
    if database_url.startswith("sqlite:///:memory:") or database_url == "sqlite://":
        pytest.skip("the bench reads its targets through a database it can open")
    small = _measure(app, database_url, months=4)
    db.session.remove()
    test_database.reset()
    large = _measure(app, database_url, months=12)
    assert small.keys() == large.keys()
    report = {
        key: (small[key], large[key])
        for key in small
        if large[key][0] > small[key][0] or large[key][1] > small[key][1] * GROWTH + ALLOWANCE
    }
    assert not report, "\n".join(f"{k}: small {a}, large {b}" for k, (a, b) in report.items())
