"""Every route is closed to anonymous visitors unless it is meant to be public."""

import re

import pytest

from conference import create_app

#: Endpoints a visitor who is not signed in may reach.
PUBLIC = {
    "static",
    "accounts.sign_in",
    "accounts.sign_in_code",
    "accounts.sign_out",
    "accounts.set_password",
    "dashboard.index",  # sends visitors to sign in
    "operations.healthz",  # load balancers: tells nothing about cases or people
    "operations.marking_css",  # a stylesheet holding only the install's protective marking
    "conferences.feed",  # calendar apps cannot sign in: a secret token in the address
}


def _rules():
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule, method


PROTECTED = [(r.rule, r.endpoint, m) for r, m in _rules() if r.endpoint not in PUBLIC]


def test_the_public_list_names_real_endpoints():
    endpoints = {r.endpoint for r, _ in _rules()}
    assert endpoints >= PUBLIC


@pytest.mark.parametrize(("rule", "endpoint", "method"), PROTECTED)
def test_anonymous_visitors_are_sent_to_sign_in(client, rule, endpoint, method):
    path = re.sub(r"<int:\w+>", "1", rule)
    path = path.replace("<step_name>", "victim").replace("<key>", "volume")
    path = path.replace("<name>", "research")
    assert "<" not in path, f"add a value for {rule}"
    resp = client.open(path, method=method)
    assert resp.status_code in (302, 303), f"{method} {rule} ({endpoint}) -> {resp.status_code}"
    assert resp.headers["Location"].startswith("/sign-in")


def test_there_are_protected_routes_to_check():
    assert len(PROTECTED) > 20
