"""Layering rules the style guide sets, checked on the source."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "conference"
REQUEST_GLOBALS = {"request", "session", "g", "flash", "current_user"}
DOMAIN_LOGIC = sorted(
    p
    for p in PACKAGE.rglob("*.py")
    if p.name in {"services.py", "jobs.py", "management.py", "queries.py", "permissions.py"}
)


def imported_names(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module in {"flask", "flask_login"}:
            names |= {alias.name for alias in node.names}
    return names


@pytest.mark.parametrize("path", DOMAIN_LOGIC, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_domain_logic_never_touches_request_globals(path):
    assert not imported_names(path) & REQUEST_GLOBALS


def test_there_is_domain_logic_to_check():
    assert len(DOMAIN_LOGIC) >= 5


def test_audit_imports_no_other_domain():
    for path in (PACKAGE / "audit").glob("*.py"):
        if path.name == "routes.py":
            continue  # the viewer page may look up users to filter by
        source = path.read_text()
        for domain in ("accounts", "admin", "dashboard", "scheduler"):
            assert f"conference.{domain}" not in source, (path.name, domain)


def test_services_never_commit():
    for path in DOMAIN_LOGIC:
        assert "session.commit(" not in path.read_text(), path.name
