"""Only administrators reach the administration pages: one table for every route and role."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from conference.audit.models import AuditEvent
from conference.extensions import db
from tests import factories

ROLES = ["admin", "coordinator", "chair", "advocate", "agency_rep", None]

# method, path, what an administrator gets (an empty form posts back with its errors: 422)
ROUTES = [
    ("GET", "/admin/", 200),
    ("GET", "/admin/maracs", 200),
    ("GET", "/admin/maracs/new", 200),
    ("POST", "/admin/maracs/new", 422),
    ("GET", "/admin/maracs/{marac}/edit", 200),
    ("POST", "/admin/maracs/{marac}/edit", 422),
    ("GET", "/admin/agencies", 200),
    ("GET", "/admin/agencies/new", 200),
    ("POST", "/admin/agencies/new", 422),
    ("GET", "/admin/agencies/{agency}/edit", 200),
    ("POST", "/admin/agencies/{agency}/edit", 422),
    ("GET", "/admin/users", 200),
    ("GET", "/admin/users/new", 200),
    ("POST", "/admin/users/new", 422),
    ("GET", "/admin/users/{user}", 200),
    ("GET", "/admin/users/{user}/edit", 200),
    ("POST", "/admin/users/{user}/edit", 422),
    ("POST", "/admin/users/{user}/roles", 422),
    ("POST", "/admin/users/{user}/roles/{grant}/revoke", 303),
    ("POST", "/admin/users/{user}/deactivate", 303),
    ("POST", "/admin/users/{user}/reactivate", 303),
    ("POST", "/admin/users/{user}/password-link", 200),
    ("POST", "/admin/users/{user}/two-factor/reset", 303),
]


@pytest.fixture
def target(app) -> dict[str, int]:
    """A MARAC, an agency on it, and a chair there: the objects the routes act on."""
    marac = factories.make_marac()
    agency = factories.make_agency(maracs=[marac])
    user = factories.make_user("chair", marac=marac, agency=agency)
    return {
        "marac": marac.id,
        "agency": agency.id,
        "user": user.id,
        "grant": user.role_grants[0].id,
    }


def _audit_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
@pytest.mark.parametrize(("method", "path", "admin_status"), ROUTES, ids=lambda v: str(v))
def test_only_administrators_get_in(app, client_as, target, role, method, path, admin_status):
    client = client_as(role) if role else app.test_client()
    before = _audit_count()
    resp = client.open(path.format(**target), method=method)
    if role == "admin":
        assert resp.status_code == admin_status
        assert "/sign-in" not in resp.headers.get("Location", "")
    elif role is None:
        assert resp.status_code == 303
        assert resp.headers["Location"].startswith("/sign-in")
        assert _audit_count() == before
    else:
        assert resp.status_code == 403
        assert "You do not have access to this page" in resp.text
        assert _audit_count() == before


def test_every_admin_route_is_in_the_table(app):
    def shape(path: str) -> str:
        return re.sub(r"<[^>]+>|\{[^}]+\}", "{}", path)

    served = {
        (method, shape(rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("admin.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert served == {(method, shape(path)) for method, path, _ in ROUTES}


def test_the_admin_menu_item_shows_only_for_administrators(client_as):
    assert "Administration" in client_as("admin").get("/").text
    assert "Administration" not in client_as("coordinator").get("/").text
