"""conference: runs MARAC-style high-risk domestic abuse case conferences."""

from __future__ import annotations

import os
from functools import partial
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from conference.config import ROOT, ConfigError, load_config
from conference.web.unit import UnitOfWorkFlask


def create_app(env: str | None = None, overrides: dict[str, Any] | None = None) -> Flask:
    """Build the app for an environment (CONFERENCE_ENV, default development)."""
    env = env or os.environ.get("CONFERENCE_ENV", "development")
    app = UnitOfWorkFlask(
        __name__,
        static_folder=str(ROOT / "static"),
        template_folder=str(ROOT / "templates"),
        instance_path=str(ROOT / "instance"),
        instance_relative_config=True,
    )
    from conference.web.jinja import TemplateEnvironment

    app.jinja_environment = TemplateEnvironment  # before anything makes the environment
    load_config(app, env, overrides)
    # Error messages must never echo SQL parameters (case data) into logs.
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    app.config["SQLALCHEMY_ENGINE_OPTIONS"].setdefault("hide_parameters", True)
    # A connection the database (or a restart, or a firewall) dropped while it sat in the pool
    # is found and replaced before a request uses it, instead of failing that request.
    app.config["SQLALCHEMY_ENGINE_OPTIONS"].setdefault("pool_pre_ping", True)
    if app.config["TRUSTED_PROXY_COUNT"]:
        count = app.config["TRUSTED_PROXY_COUNT"]
        # Flask documents wrapping wsgi_app this way; its types declare it a method.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=count, x_proto=count, x_host=count
        )

    _init_extensions(app)
    _load_risk_tools(app)
    _load_profiles(app)
    _register_blueprints(app)
    _register_commands(app)
    return app


def _init_extensions(app: Flask) -> None:
    from conference import models  # noqa: F401  (models: every table on the metadata)
    from conference.db import refuse_control_characters
    from conference.extensions import attach_migrations, csrf, db, htmx, login_manager
    from conference.web import agreement_gate, errors, jinja, logs, requests, security, sessions

    logs.init_app(app)
    db.init_app(app)
    attach_migrations(app, str(ROOT / "migrations"))
    csrf.init_app(app)
    htmx.init_app(app)
    login_manager.init_app(app)
    app.session_interface = sessions.ServerSessionInterface()
    requests.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    agreement_gate.init_app(app)
    jinja.init_app(app, str(ROOT / "templates"))
    with app.app_context():
        refuse_control_characters(db.engine)
        if db.engine.dialect.name == "sqlite":
            synchronous = app.config["SQLITE_SYNCHRONOUS"]
            if synchronous not in SQLITE_SYNCHRONOUS_MODES:
                raise ConfigError(
                    f"SQLITE_SYNCHRONOUS must be one of {', '.join(SQLITE_SYNCHRONOUS_MODES)}"
                )
            sa.event.listen(db.engine, "connect", partial(_sqlite_pragmas, synchronous))
        elif db.engine.dialect.name == "postgresql":
            sa.event.listen(db.engine, "connect", _postgres_session)


def _load_risk_tools(app: Flask) -> None:
    """Read the risk checklists once; a broken file stops the app here, naming the file."""
    from conference.referrals.checklists import RISK_TOOLS_DIR, RiskToolError, load_risk_tools

    directory = Path(app.config.get("RISK_TOOLS_DIR") or RISK_TOOLS_DIR)
    try:
        app.extensions["risk_tools"] = load_risk_tools(directory)
    except RiskToolError as error:
        raise ConfigError(f"Risk checklist refused: {error}") from error
    default = app.config.get("DEFAULT_RISK_TOOL")
    if default not in app.extensions["risk_tools"]:
        raise ConfigError(
            f"DEFAULT_RISK_TOOL {default!r} is not one of the risk tools in {directory.name}/"
        )


def _load_profiles(app: Flask) -> None:
    """Read the practice profiles once; a broken file stops the app here, naming the file."""
    from conference.profiles import PROFILES_DIR, ProfileError, load_profiles

    directory = Path(app.config.get("PROFILES_DIR") or PROFILES_DIR)
    try:
        app.extensions["profiles"] = load_profiles(directory, app.extensions["risk_tools"])
    except ProfileError as error:
        raise ConfigError(f"Practice profile refused: {error}") from error
    chosen = app.config.get("PRACTICE_PROFILE")
    if chosen not in app.extensions["profiles"]:
        raise ConfigError(
            f"PRACTICE_PROFILE {chosen!r} is not one of the profiles in {directory.name}/"
        )


SQLITE_SYNCHRONOUS_MODES = ("OFF", "NORMAL", "FULL", "EXTRA")


def _sqlite_pragmas(synchronous: str, dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute(f"PRAGMA synchronous={synchronous}")
    cursor.close()


#: How many statements each PostgreSQL connection keeps prepared (the driver's default is 100).
#: The app runs several hundred different statements; with room for only 100, moving between
#: pages pushed out the ones the next page needed, and each was parsed and planned again. Each
#: costs the server about 100 KB of that connection's memory, so not every one is kept.
PREPARED_STATEMENTS_KEPT = 300


def _postgres_session(dbapi_connection: Any, connection_record: Any) -> None:
    """Each new PostgreSQL connection: its statement cache, and UTC as its time zone.

    The app stores every moment in UTC and reads it back in UTC: with the server's own zone
    (often Etc/UTC or Europe/London), the driver would hand back each timestamp in that zone
    and the app convert it again, a microsecond or two a value on pages that read thousands.
    """
    dbapi_connection.prepared_max = PREPARED_STATEMENTS_KEPT
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True  # the setting outlives any transaction
    try:
        dbapi_connection.execute("SET TIME ZONE 'UTC'")
    finally:
        dbapi_connection.autocommit = autocommit


def _register_blueprints(app: Flask) -> None:
    from conference.accounts.routes import bp as accounts_bp
    from conference.actions.routes import bp as actions_bp
    from conference.admin.routes import bp as admin_bp
    from conference.agreements.routes import bp as agreements_bp
    from conference.audit.routes import bp as audit_bp
    from conference.case_access.routes import bp as case_access_bp
    from conference.closure.routes import bp as closure_bp
    from conference.conferences.routes import bp as conferences_bp
    from conference.dashboard.routes import bp as dashboard_bp
    from conference.escalation.routes import bp as escalation_bp
    from conference.meetings.routes import bp as meetings_bp
    from conference.minutes.routes import bp as minutes_bp
    from conference.notifications.routes import bp as notifications_bp
    from conference.operations.routes import bp as operations_bp
    from conference.referrals.routes import bp as referrals_bp
    from conference.reports.routes import bp as reports_bp
    from conference.research.routes import bp as research_bp
    from conference.retention.routes import bp as retention_bp
    from conference.scheduler.routes import bp as scheduler_bp
    from conference.subject_access.routes import bp as subject_access_bp
    from conference.system_issues.routes import bp as system_issues_bp
    from conference.transfers.routes import bp as transfers_bp
    from conference.voice.routes import bp as voice_bp

    for bp in (
        accounts_bp,
        actions_bp,
        admin_bp,
        agreements_bp,
        audit_bp,
        case_access_bp,
        closure_bp,
        conferences_bp,
        dashboard_bp,
        meetings_bp,
        minutes_bp,
        notifications_bp,
        operations_bp,
        referrals_bp,
        reports_bp,
        research_bp,
        retention_bp,
        scheduler_bp,
        subject_access_bp,
        transfers_bp,
        escalation_bp,
        system_issues_bp,
        voice_bp,
    ):
        app.register_blueprint(bp)


def _register_commands(app: Flask) -> None:
    from conference import cli
    from conference.operations import commands as operations_commands
    from conference.scheduler import commands as scheduler_commands

    cli.init_app(app)
    operations_commands.init_app(app)
    scheduler_commands.init_app(app)
