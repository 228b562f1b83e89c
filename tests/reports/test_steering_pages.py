"""Who may open the steering page and the data return, and that the steering group never sees a
person: no name and no case reference on any page a steering member can reach."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from conference.accounts.models import Marac, Role, User
from conference.conferences.models import Conference
from conference.db import utcnow
from conference.extensions import db
from conference.referrals.choices import Ethnicity, Gender
from conference.referrals.models import Case, Child, Perpetrator, Referral
from conference.referrals.services import today_in
from conference.reports.steering import last_quarters
from tests import factories
from tests.conftest import sign_in
from tests.reports.conftest import discussed
from tests.reports.test_steering import build_steering_record, repeat_referral

PAGES = ("/reports/steering", "/reports/return", "/reports/return/print",
         "/reports/return/referrers.csv")  # fmt: skip


@pytest.fixture
def world(cached_world):
    return cached_world("steering record", build_steering_record)


def member(world, role: Role) -> User:
    marac = db.session.get(Marac, world.marac.id)
    return factories.make_user(role, marac=None if role is Role.ADMIN else marac)


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.COORDINATOR, 200),
        (Role.STEERING, 200),
        (Role.CHAIR, 403),
        (Role.ADVOCATE, 403),
        (Role.AGENCY_REP, 403),
        (Role.ADMIN, 403),
    ],
)
def test_who_may_open_the_figures(app, world, role, expected, path):
    client = sign_in(app.test_client(), member(world, role))
    query = {"marac": world.marac.id} if path == "/reports/steering" else {"quarter": "2026-Q3"}
    response = client.get(path, query_string=query)
    assert response.status_code == expected, (role, path)


@pytest.mark.parametrize("role", [Role.STEERING, Role.COORDINATOR])
@pytest.mark.parametrize("path", PAGES)
def test_another_maracs_steering_group_or_coordinator_is_refused(app, world, path, role):
    other = factories.make_user(role)  # in a MARAC of its own
    client = sign_in(app.test_client(), other)
    response = client.get(path, query_string={"marac": world.marac.id, "quarter": "2026-Q3"})
    assert response.status_code == 404
    # Their own MARAC opens (nothing held there yet).
    assert client.get("/reports/steering").status_code == 200


def test_the_steering_page_links_every_figure_to_its_definition(app, world):
    client = sign_in(app.test_client(), member(world, Role.STEERING))
    html = client.get("/reports/steering").text
    links = set(re.findall(r'href="#(define-[\w-]+)"', html))
    assert len(links) >= 20
    for anchor in links:
        assert f'id="{anchor}"' in html, anchor


def test_the_steering_member_sees_counts_hidden_and_no_reference(app, world):
    client = sign_in(app.test_client(), member(world, Role.STEERING))
    references = [c.reference for c in world.cases.values()]
    steering = client.get("/reports/steering").text
    returned = client.get("/reports/return?quarter=2026-Q3").text
    printed = client.get("/reports/return/print?quarter=2026-Q3").text
    for html in (steering, returned, printed):
        assert not any(reference in html for reference in references)
        assert "Victim " not in html and "Testcase" not in html
    # The return on screen hides small counts for the steering group, as its exports do.
    assert "fewer than 5" in returned and "shows small counts exactly" not in returned
    assert "fewer than 5" in steering
    assert 'id="many-repeats-references"' not in steering


def test_the_coordinator_sees_the_cases_with_many_repeats_by_reference(app, world):
    client = sign_in(app.test_client(), db.session.get(User, world.coordinator.id))
    html = client.get("/reports/steering").text
    assert 'id="many-repeats-references"' in html
    assert world.cases["a"].reference in html
    assert "shows small counts exactly" in client.get("/reports/return?quarter=2026-Q3").text


def test_the_page_runs_a_fixed_number_of_queries_as_cases_grow(app, world, count_queries):
    client = sign_in(app.test_client(), member(world, Role.STEERING))
    client.get("/reports/steering")  # warm up: the session and the user are loaded once
    with count_queries() as before:
        assert client.get("/reports/steering").status_code == 200
    for key in "ghijk":
        discussed(world, key, "september", "housing", True, 0, date(2026, 9, 2), Gender.MALE,
                  Ethnicity.ASIAN, None, None, None, False, True, None)  # fmt: skip
        repeat_referral(world, key, date(2026, 4, 1))
        repeat_referral(world, key, date(2026, 5, 1))
    db.session.commit()
    with count_queries() as after:
        assert client.get("/reports/steering").status_code == 200
    assert len(after) == len(before)


def test_the_steering_page_is_audited(app, world):
    from conference.audit.models import AuditEvent

    client = sign_in(app.test_client(), member(world, Role.STEERING))
    client.get("/reports/steering")
    [event] = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.verb == "reports.steering_viewed")
    ).all()
    quarters = last_quarters(today_in(db.session.get(Marac, world.marac.id), utcnow()))
    assert event.detail == {
        "start": quarters[0].start.isoformat(),
        "end": quarters[-1].end.isoformat(),
    }


def test_the_steering_member_is_on_home_and_in_the_menu(app, world):
    client = sign_in(app.test_client(), member(world, Role.STEERING))
    html = client.get("/").text
    assert "Steering group" in html
    assert 'href="/reports/steering"' in html and 'href="/reports/return"' in html
    assert 'href="/referrals/' not in html and 'href="/research/' not in html


def test_the_coordinator_finds_the_steering_page_on_home(app, world):
    client = sign_in(app.test_client(), db.session.get(User, world.coordinator.id))
    html = client.get("/").text
    assert html.count('href="/reports/steering"') == 2  # the menu and the coordinator's section


# Every page a steering member reaches from Home ----------------------------------------------

SKIP = ("/sign-out", "/static/", "/account")


def _personal_data() -> list[str]:
    """Every victim's, perpetrator's and child's name, and every case reference."""
    found = {r.victim_name for r in db.session.scalars(sa.select(Referral)) if r.victim_name}
    for model in (Perpetrator, Child):
        found |= {p.name for p in db.session.scalars(sa.select(model)) if p.family_name}
    found |= set(db.session.scalars(sa.select(Case.reference)))
    return sorted(found)


def test_the_demo_steering_member_reaches_no_personal_data(app, demo):
    steering = db.session.scalars(
        sa.select(User).where(User.email == "steering@northbridge.example")
    ).one()
    assert [g.role for g in steering.role_grants] == [Role.STEERING]
    secrets = _personal_data()
    assert len(secrets) > 50
    client = sign_in(app.test_client(), steering)
    seen: set[str] = set()
    waiting = ["/"]
    while waiting and len(seen) < 80:
        path = waiting.pop()
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        assert response.status_code in (200, 302, 303, 403, 404), path
        if response.status_code != 200:
            continue
        text = response.get_data(as_text=True)
        leaked = [secret for secret in secrets if secret in text]
        assert not leaked, (path, leaked[:3])
        for href in re.findall(r'href="([^"#]+)"', text):
            link = urlsplit(href.replace("&amp;", "&"))
            if link.netloc or not link.path.startswith("/") or link.path.startswith(SKIP):
                continue
            waiting.append(link.path + (f"?{link.query}" if link.query else ""))
    paths = {urlsplit(p).path for p in seen}
    assert {"/reports/steering", "/reports/return", "/conferences/"} <= paths
    # The system issues log and the escalation register, each entry and issue opened.
    assert {"/system-issues/", "/escalations/"} <= paths
    assert any(p.startswith("/system-issues/") and p[-1].isdigit() for p in paths)
    assert any(p.startswith("/escalations/") and p[-1].isdigit() for p in paths)
    # Nor any page about a conference's cases, typed in by hand.
    for conference_id in db.session.scalars(sa.select(Conference.id)):
        for page in ("", "/research", "/meeting", "/follow", "/minutes", "/minutes/print"):
            path = f"/conferences/{conference_id}{page}"
            assert client.get(path).status_code in (403, 404), path
        assert client.get(f"/research/{conference_id}").status_code in (403, 404)
    for path in ("/cases/", "/referrals/", "/screening/", "/actions/", "/audit/", "/flagged-cases"):
        assert client.get(path).status_code in (403, 404), path
