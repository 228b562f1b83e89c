"""Layering rules the style guide sets, checked on the source.

Every module is parsed once; each rule is a test parametrized per module, so a failure names
the module, what it imports and the rule it breaks.
"""

import ast
from dataclasses import dataclass, field
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "conference"
REQUEST_GLOBALS = {"request", "session", "g", "flash", "current_user"}
DOMAIN_LOGIC = sorted(
    p
    for p in PACKAGE.rglob("*.py")
    if p.name in {"services.py", "jobs.py", "management.py", "queries.py", "permissions.py"}
)


@dataclass(frozen=True)
class Layer:
    """A domain and the domains it may import.

    below: domains of earlier rows. above: domains of later rows it imports today, each with
    the reason; these are debts to pay off, not a pattern to copy.
    """

    name: str
    below: str = ""  # space-separated, so each row reads on one line
    above: dict[str, str] = field(default_factory=dict)


#: The dependency table, bottom layer first. Every module may import `core`; only a domain's
#: routes and forms may import `web`, which sits above the domains' logic; `app` (create_app,
#: the CLI, the model registry, the catalogue of status machines) assembles everything and may
#: import anything.
LAYERS = (
    # db, dates, text, errors, extensions, config, choices, spreadsheets, states, merging,
    # profiles, pronouns
    Layer("core"),
    Layer("audit", above={"accounts": "the log viewer's routes find the users to filter by"}),
    Layer("accounts", "audit"),
    Layer("notifications", "accounts audit"),  # its list names case references: audited
    # Each MARAC's information-sharing agreement, and who accepted which version.
    Layer("agreements", "accounts audit"),
    Layer(
        "referrals",
        "accounts audit notifications",
        above={
            "conferences": "accepting a referral lists its case on a conference",
            "actions": "screening an urgent case agrees its interim actions",
            "closure": "the case and screening pages show a case's hearings and standing; a "
            "case closes only when no agenda still to be held lists it",
        },
    ),
    Layer(
        "conferences",
        "accounts audit notifications referrals",
        above={
            "actions": "publishing lists cases with overdue actions as standing items",
            "research": "the agenda counts and shows the research agencies returned",
            "meetings": "the agenda page shows who attends and who runs the meeting; a "
            "meeting starts only once its attendance is done",
        },
    ),
    Layer(
        "research",
        "accounts audit conferences notifications referrals",
        above={"meetings": "a held conference's research grid is shown to its attendees only"},
    ),
    Layer("actions", "accounts audit conferences notifications referrals"),
    Layer(
        "voice",
        "accounts audit conferences notifications referrals",
        above={"meetings": "the advocate's pages check who advocates for a case at a meeting"},
    ),
    # The system issues log names cases by reference and the agencies its issues are about.
    Layer("system_issues", "accounts audit referrals"),
    Layer(
        "meetings",
        "accounts actions audit conferences referrals research system_issues voice",
        above={"minutes": "closing a meeting begins its minutes"},
    ),
    Layer(
        "minutes",
        "accounts actions audit conferences meetings notifications referrals system_issues",
    ),
    Layer(
        "closure", "accounts actions audit conferences meetings notifications referrals research"
    ),
    Layer(
        "transfers",
        "accounts actions audit closure conferences meetings notifications referrals voice",
    ),
    # The ladder past the seven-day escalation reads the actions the reminders job finds,
    # tells the owner agency's point of contact (notifications) and keeps the register.
    Layer("escalation", "accounts actions audit notifications referrals"),
    # Who has seen a case: the audit trail's events about a case and the records it holds.
    Layer("case_access", "accounts actions audit conferences referrals research transfers voice"),
    # Subject access: everything held about one person across the MARAC's records, other
    # people named by role; the case's views come from the access report's query.
    Layer(
        "subject_access",
        "accounts actions audit case_access conferences meetings minutes referrals research voice",
    ),
    # Retention: anonymises or deletes a closed case by following the foreign keys from
    # ``cases``; the review list names the victim as the agenda does.
    Layer("retention", "accounts audit conferences referrals"),
    Layer("admin", "accounts"),
    Layer("dashboard", "accounts"),
    Layer(
        "reports",
        "accounts actions audit conferences meetings minutes referrals research system_issues "
        "voice",
    ),
    Layer(
        "scheduler",
        "accounts actions audit conferences escalation minutes notifications research "
        "retention voice",
    ),
    # Health reads the scheduler's heartbeat; backups and roles know the audit trail's table.
    Layer("operations", "audit scheduler"),
    Layer(
        "demo",
        "accounts actions agreements audit closure conferences escalation meetings minutes "
        "notifications referrals research retention system_issues transfers voice",
    ),
    Layer(
        "web",
        "accounts actions agreements audit conferences escalation notifications referrals "
        "system_issues voice",
    ),
)
CORE = {
    "db",
    "dates",
    "text",
    "errors",
    "extensions",
    "config",
    "choices",
    "spreadsheets",
    "states",
    "merging",
    "profiles",
    "pronouns",
}
APP = {"conference", "conference.cli", "conference.models", "conference.lifecycles"}
WEB_FACING = {"routes", "forms"}
TABLE = {layer.name: layer for layer in LAYERS}


@dataclass(frozen=True)
class Module:
    name: str  # e.g. conference.meetings.routes.console
    path: Path
    imports: tuple[tuple[str, int], ...]  # (imported module, line)
    flask_names: tuple[tuple[str, int], ...]  # names taken from flask or flask_login

    @property
    def parts(self) -> list[str]:
        return self.name.split(".")

    @property
    def domain(self) -> str:
        return domain_of(self.name)

    @property
    def is_routes(self) -> bool:
        return "routes" in self.parts[2:]

    @property
    def is_web_facing(self) -> bool:
        return self.is_routes or self.parts[-1] in WEB_FACING


def domain_of(module: str) -> str:
    parts = module.split(".")
    if module in APP:
        return "app"
    if parts[1] in CORE:
        return "core"
    return parts[1] if (PACKAGE / parts[1]).is_dir() else f"unknown top-level module {module}"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _exists(module: str) -> bool:
    path = PACKAGE.parent.joinpath(*module.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def _parse(path: Path) -> Module:
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    imports, flask_names = [], []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            imports += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            if base in {"flask", "flask_login"}:
                flask_names += [(alias.name, node.lineno) for alias in node.names]
            for alias in node.names:
                full = f"{base}.{alias.name}"
                imports.append((full if _exists(full) else base, node.lineno))
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in {"flask", "flask_login"}
        ):
            flask_names.append((node.attr, node.lineno))
    own = tuple((m, line) for m, line in imports if m.split(".")[0] == "conference")
    return Module(name, path, own, tuple(flask_names))


MODULES = [_parse(p) for p in sorted(PACKAGE.rglob("*.py"))]
BY_NAME = {m.name: m for m in MODULES}
IDS = [m.name.removeprefix("conference.") or "conference" for m in MODULES]


def _where(module: Module, line: int) -> str:
    return f"{module.path.relative_to(PACKAGE.parent)}:{line}"


@pytest.mark.parametrize("module", MODULES, ids=IDS)
def test_request_globals_stay_in_routes_and_web(module):
    """Services take actor and now as arguments; only routes and web/ read the request."""
    if module.is_routes or module.domain in {"web", "app"}:
        return
    used = [(name, line) for name, line in module.flask_names if name in REQUEST_GLOBALS]
    assert not used, "\n".join(
        f"{_where(module, line)}: {module.name} uses flask's {name}: request globals belong in "
        "routes and web/ (rule: services take actor and now as arguments)"
        for name, line in used
    )


@pytest.mark.parametrize("module", MODULES, ids=IDS)
def test_no_module_imports_another_domains_routes(module):
    """A route function two domains share belongs in a non-route module or in web/."""
    if module.domain == "app":
        return  # create_app registers every blueprint
    wrong = [
        (target, line)
        for target, line in module.imports
        if "routes" in target.split(".")[2:] and domain_of(target) != module.domain
    ]
    assert not wrong, "\n".join(
        f"{_where(module, line)}: {module.name} imports {target}: no domain imports another "
        "domain's routes (rule: move the shared thing to a non-route module, or into web/)"
        for target, line in wrong
    )


@pytest.mark.parametrize("module", MODULES, ids=IDS)
def test_only_routes_and_forms_import_web(module):
    """web/ sits above the domains' logic, which never reaches up into it."""
    if module.is_web_facing or module.domain in {"web", "app"}:
        return
    wrong = [(t, line) for t, line in module.imports if domain_of(t) == "web"]
    assert not wrong, "\n".join(
        f"{_where(module, line)}: {module.name} imports {target}: only a domain's routes and "
        "forms may import web/ (rule: web/ is above the domains' logic)"
        for target, line in wrong
    )


@pytest.mark.parametrize("module", MODULES, ids=IDS)
def test_imports_between_domains_follow_the_table(module):
    """Each import of another domain is one the table in this file allows."""
    if module.domain == "app":
        return
    assert module.domain in TABLE, (
        f"{module.name}: {module.domain} has no row in LAYERS (rule: place each new domain "
        "in the dependency table at the top of tests/test_architecture.py)"
    )
    layer = TABLE[module.domain]
    allowed = {"core", module.domain, *layer.below.split(), *layer.above}
    if module.is_web_facing:
        allowed.add("web")
    problems = []
    for target, line in module.imports:
        imported = domain_of(target)
        if imported in allowed:
            continue
        direction = "upward" if _rank(imported) > _rank(module.domain) else "unlisted"
        problems.append(
            f"{_where(module, line)}: {module.name} imports {target}: an {direction} import; "
            f"{module.domain} may import only {', '.join(sorted(allowed - {module.domain}))} "
            "(rule: the dependency table LAYERS in tests/test_architecture.py)"
        )
    assert not problems, "\n".join(problems)


def _rank(domain: str) -> int:
    names = [layer.name for layer in LAYERS]
    return names.index(domain) if domain in names else len(names)


@pytest.mark.parametrize("layer", LAYERS, ids=[layer.name for layer in LAYERS])
def test_the_table_reads_bottom_up(layer):
    """`below` names earlier rows only, `above` later rows only, so the table is a layering."""
    names = [other.name for other in LAYERS]
    earlier, later = names[: names.index(layer.name)], names[names.index(layer.name) + 1 :]
    below = set(layer.below.split())
    assert below <= set(earlier), (layer.name, below - set(earlier))
    assert set(layer.above) <= set(later), (layer.name, set(layer.above) - set(later))
    assert not below & {"core", "web"}  # granted by the rules, not by the table


@pytest.mark.parametrize("layer", LAYERS, ids=[layer.name for layer in LAYERS])
def test_the_table_allows_only_what_the_code_does(layer):
    """An entry nothing needs any more is removed, so paid-off debts stay paid."""
    used = {
        domain_of(target)
        for module in MODULES
        if module.domain == layer.name
        for target, _ in module.imports
    }
    unused = (set(layer.below.split()) | set(layer.above)) - used
    assert not unused, f"{layer.name} no longer imports {sorted(unused)}: remove it from LAYERS"


def test_every_domain_has_a_row():
    domains = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert domains <= set(TABLE), domains - set(TABLE)
    assert {m.domain for m in MODULES} <= set(TABLE) | {"app"}


def test_core_and_audit_stay_at_the_bottom():
    assert TABLE["core"].below == "" and TABLE["audit"].below == ""


@pytest.mark.parametrize("path", DOMAIN_LOGIC, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_domain_logic_never_touches_request_globals(path):
    assert not {name for name, _ in BY_NAME[_module_name(path)].flask_names} & REQUEST_GLOBALS


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


def _refusal_names() -> set[str]:
    """DomainError and every subclass of it the package defines, by name."""
    from conference import create_app
    from conference.errors import DomainError

    create_app("testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
    found, pending = set(), [DomainError]
    while pending:
        kind = pending.pop()
        found.add(kind.__name__)
        pending += kind.__subclasses__()
    return found


REFUSAL_NAMES = _refusal_names()
ROUTES = [m for m in MODULES if m.is_routes]


@pytest.mark.parametrize("module", ROUTES, ids=[m.name for m in ROUTES])
def test_routes_leave_the_unit_of_work_to_web(module):
    """One unit of work per request (web/unit.py): a route never commits, rolls back or catches
    a refusal of the domain; it says how a refusal is answered with on_refusal()."""
    habits = []
    for node in ast.walk(ast.parse(module.path.read_text())):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"commit", "rollback"}
        ):
            habits.append((node.lineno, f"calls {node.func.attr}()"))
        elif isinstance(node, ast.ExceptHandler) and node.type is not None:
            caught = {
                n.id if isinstance(n, ast.Name) else n.attr
                for n in ast.walk(node.type)
                if isinstance(n, ast.Name | ast.Attribute)
            }
            for name in sorted(caught & REFUSAL_NAMES):
                habits.append((node.lineno, f"catches {name}"))
    assert not habits, "\n".join(
        f"{_where(module, line)}: {module.name} {habit} (rule: the unit of work in web/unit.py "
        "commits, rolls back and answers refusals; register an answer with on_refusal)"
        for line, habit in habits
    )


def test_there_are_routes_to_check():
    assert len(ROUTES) >= 20
