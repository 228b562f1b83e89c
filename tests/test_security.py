"""Headers, caching, CSRF and error pages, as a browser or an attacker would meet them."""

import re

import pytest
from flask import abort

from conference import create_app
from conference.config import ConfigError
from tests.factories import PASSWORD, PRODUCTION_CONFIG, make_user


def test_security_headers_on_every_page(client):
    resp = client.get("/sign-in")
    csp = resp.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "style-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert resp.headers["Referrer-Policy"] == "same-origin"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert "HX-Request" in resp.headers["Vary"]


def test_authenticated_pages_are_never_cached(client_as):
    resp = client_as("coordinator").get("/")
    assert resp.status_code == 200
    assert resp.headers["Cache-Control"] == "no-store"


def test_static_files_may_be_cached(client):
    with client.get("/static/css/app.css") as resp:
        assert resp.status_code == 200
        assert "no-store" not in resp.headers.get("Cache-Control", "")


def test_pages_have_no_inline_script_or_style(client_as):
    for html in (client_as("admin").get("/").text, client_as(None).get("/account").text):
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
        assert " style=" not in html and "<style" not in html


def test_404_page_is_friendly_and_reveals_nothing(client):
    resp = client.get("/no/such/page")
    assert resp.status_code == 404 and "Page not found" in resp.text
    assert "Traceback" not in resp.text


def test_500_page_shows_a_reference_and_no_stack_trace(own_app, caplog):
    app = own_app()

    @app.get("/boom-for-test")
    def boom():
        raise RuntimeError("secret detail that must not reach the page")

    client = app.test_client()
    resp = client.get("/boom-for-test")
    assert resp.status_code == 500
    assert "secret detail" not in resp.text and "Traceback" not in resp.text
    reference = re.search(r'class="app-error-id">([0-9a-f]{10})<', resp.text).group(1)
    assert any(getattr(r, "error_id", None) == reference for r in caplog.records)


def test_htmx_errors_come_back_as_a_message_in_the_flash_region(own_app):
    app = own_app()

    @app.get("/forbidden-for-test")
    def forbidden():
        abort(403)

    resp = app.test_client().get("/forbidden-for-test", headers={"HX-Request": "true"})
    assert resp.status_code == 403
    assert resp.headers["HX-Retarget"] == "#flash"
    assert '<div id="flash">' in resp.text and "<html" not in resp.text


@pytest.fixture
def csrf_app(own_app):
    return own_app(WTF_CSRF_ENABLED=True)


def csrf_token_from(html: str) -> str:
    return re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)


def test_a_post_without_the_csrf_token_is_refused(csrf_app):
    user = make_user("chair")
    client = csrf_app.test_client()
    resp = client.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    assert resp.status_code == 400 and "The form had expired" in resp.text
    assert client.get("/").status_code == 302


def test_the_csrf_token_in_a_header_is_accepted_and_does_not_expire_hourly(csrf_app):
    assert csrf_app.config["WTF_CSRF_TIME_LIMIT"] is None
    user = make_user("chair")
    client = csrf_app.test_client()
    token = csrf_token_from(client.get("/sign-in").text)
    resp = client.post(
        "/sign-in", data={"email": user.email, "password": PASSWORD}, headers={"X-CSRFToken": token}
    )
    assert resp.status_code == 303


def test_htmx_post_without_token_asks_for_a_refresh(csrf_app):
    resp = csrf_app.test_client().post("/sign-out", headers={"HX-Request": "true"})
    assert resp.status_code == 400 and resp.headers["HX-Refresh"] == "true"


def test_production_refuses_to_start_without_a_secret(monkeypatch):
    monkeypatch.delenv("CONFERENCE_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app("production", {"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_production_refuses_to_start_without_a_database(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        create_app("production", {"SECRET_KEY": "x" * 32})


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"MAIL_SMTP_HOST": ""}, "MAIL_SMTP_HOST"),
        ({"BASE_URL": "http://127.0.0.1:5000"}, "BASE_URL"),
        ({"MAIL_SMTP_USERNAME": "marac", "MAIL_SMTP_TLS": "none"}, "unencrypted"),
    ],
)
def test_production_refuses_to_start_without_safe_email(change, complaint):
    with pytest.raises(ConfigError, match=complaint):
        create_app("production", {**PRODUCTION_CONFIG, **change})
    assert create_app("production", PRODUCTION_CONFIG).config["ENV_NAME"] == "production"


@pytest.mark.parametrize(
    ("key", "complaint"),
    [
        (None, "Set CONFERENCE_TOTP_ENCRYPTION_KEY"),
        ("", "Set CONFERENCE_TOTP_ENCRYPTION_KEY"),
        ("not-a-fernet-key", "Set CONFERENCE_TOTP_ENCRYPTION_KEY"),
        ("R7tU9WELkVwxakjocvClNp-EuRyUISI4YaCrwPVhbJQ=", "public development key"),
    ],
)
def test_production_refuses_to_start_without_its_own_second_factor_key(key, complaint):
    config = {k: v for k, v in PRODUCTION_CONFIG.items() if k != "TOTP_ENCRYPTION_KEY"}
    if key is not None:
        config["TOTP_ENCRYPTION_KEY"] = key
    with pytest.raises(ConfigError, match=complaint):
        create_app("production", config)


def test_environment_variables_override_the_files(monkeypatch, database_url):
    monkeypatch.setenv("CONFERENCE_LOGIN_LOCKOUT_MINUTES", "20")
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url})
    assert app.config["LOGIN_LOCKOUT_MINUTES"] == 20


def test_sql_parameters_never_reach_error_messages(app):
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["hide_parameters"] is True


def test_production_refuses_a_host_other_than_the_base_urls():
    app = create_app("production", PRODUCTION_CONFIG)
    assert app.config["TRUSTED_HOSTS"] == ["marac.example.org"]
    client = app.test_client()
    assert client.get("/healthz", headers={"Host": "evil.example"}).status_code == 400
    good = client.get(
        "/sign-in", headers={"Host": "marac.example.org"}, base_url="https://marac.example.org"
    )
    assert good.status_code != 400
