"""Configuration: TOML defaults per environment, then environment variables, then overrides."""

from __future__ import annotations

import os
import secrets
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography.fernet import Fernet
from flask import Flask

ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = ROOT / "config"
ENVIRONMENTS = ("development", "testing", "production")


class ConfigError(RuntimeError):
    """The app cannot start with this configuration."""


def load_config(app: Flask, env: str, overrides: dict[str, Any] | None = None) -> None:
    """Fill app.config in order: defaults, environment file, instance file, env vars, overrides."""
    if env not in ENVIRONMENTS:
        raise ConfigError(f"CONFERENCE_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
    app.config["ENV_NAME"] = env
    app.config.from_file(CONFIG_DIR / "default.toml", load=tomllib.load, text=False)
    app.config.from_file(CONFIG_DIR / f"{env}.toml", load=tomllib.load, text=False)
    app.config.from_file(
        Path(app.instance_path) / "conference.toml", load=tomllib.load, text=False, silent=True
    )
    app.config.from_prefixed_env("CONFERENCE")
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    app.config.update(overrides or {})

    # Tokens live as long as the session; the one-hour default breaks long meetings.
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
        app.config.get("SQLALCHEMY_DATABASE_URI") or default_sqlite_url(app, env)
    )
    app.config["SECRET_KEY"] = app.config.get("SECRET_KEY") or local_secret(app, env)
    check_data_return(app.config)
    check_marking(app.config)
    check_totp_key(app.config, env)
    if env == "production":
        check_production_mail(app.config)
        trust_only_the_base_url_host(app.config)


def check_data_return(config: dict[str, Any]) -> None:
    """A minimum below 1 would hide nothing; a wrong type would fail only at export time."""
    minimum = config.get("DATA_RETURN_MINIMUM")
    if isinstance(minimum, bool) or not isinstance(minimum, int) or not 1 <= minimum <= 100:
        raise ConfigError("DATA_RETURN_MINIMUM must be a whole number from 1 to 100.")


def check_marking(config: dict[str, Any]) -> None:
    """The marking is printed on every page and sheet: plain words, short enough for one line."""
    marking = config.get("PROTECTIVE_MARKING")
    if (
        not isinstance(marking, str)
        or not marking.strip()
        or len(marking) > 60
        or not marking.isprintable()
    ):
        raise ConfigError(
            "PROTECTIVE_MARKING must be plain text of 1 to 60 characters, "
            'like "OFFICIAL-SENSITIVE".'
        )


def check_totp_key(config: dict[str, Any], env: str) -> None:
    """Second-factor secrets are encrypted with this key: every environment needs a valid one
    (development and testing ship a public one), and production must be given its own."""
    keys = encryption_keys(config.get("TOTP_ENCRYPTION_KEY"))
    try:
        for key in keys or [""]:
            Fernet(key)
    except ValueError:
        raise ConfigError(
            'Set CONFERENCE_TOTP_ENCRYPTION_KEY to a Fernet key (python -c "from '
            'cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"): '
            "it encrypts second-factor secrets."
        ) from None
    if env == "production":
        with (CONFIG_DIR / "development.toml").open("rb") as public:
            public_key = tomllib.load(public)["TOTP_ENCRYPTION_KEY"]
        if public_key in keys:
            raise ConfigError(
                "CONFERENCE_TOTP_ENCRYPTION_KEY is the public development key: set your own."
            )


def encryption_keys(setting: str | Sequence[str] | None) -> list[str]:
    """The Fernet keys of TOTP_ENCRYPTION_KEY: one key, or several separated by commas (the
    first encrypts; the others still decrypt, while secrets are moved to a new key)."""
    if not setting:
        return []
    keys = setting.split(",") if isinstance(setting, str) else list(setting)
    return [key.strip() for key in keys if key.strip()]


def check_production_mail(config: dict[str, Any]) -> None:
    """Production must email: without a server every notice would stay in the outbox unseen,
    and a link must reach the app over HTTPS."""
    if not config.get("MAIL_SMTP_HOST"):
        raise ConfigError("Set CONFERENCE_MAIL_SMTP_HOST: production sends notification emails.")
    if not str(config.get("BASE_URL", "")).startswith("https://"):
        raise ConfigError("Set CONFERENCE_BASE_URL to the app's https:// address for email links.")
    if config.get("MAIL_SMTP_USERNAME") and config.get("MAIL_SMTP_TLS") == "none":
        raise ConfigError("MAIL_SMTP_TLS is none: the SMTP password would travel unencrypted.")


def trust_only_the_base_url_host(config: dict[str, Any]) -> None:
    """In production a request naming another Host is refused (400), so nothing the app
    builds from the request can point elsewhere; TRUSTED_HOSTS may list more hosts."""
    if not config.get("TRUSTED_HOSTS"):
        config["TRUSTED_HOSTS"] = [urlsplit(config["BASE_URL"]).hostname]


def normalise_database_url(url: str) -> str:
    """Point PostgreSQL URLs at psycopg 3, whatever driver prefix they came with."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def default_sqlite_url(app: Flask, env: str) -> str:
    """SQLite in the instance folder, the embedded default outside production."""
    if env == "production":
        raise ConfigError("Set DATABASE_URL: production needs an explicit database.")
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{Path(app.instance_path) / 'conference.db'}"


def local_secret(app: Flask, env: str) -> str:
    """Generate once and keep a secret for development; production must be given one."""
    if env == "production":
        raise ConfigError("Set CONFERENCE_SECRET_KEY: production refuses to start without it.")
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
