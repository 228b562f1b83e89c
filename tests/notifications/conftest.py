"""A real SMTP server on a free local port (aiosmtpd), and helpers to run the send-emails job."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from conference.scheduler.runner import run_job


@dataclass
class Inbox:
    """What the server accepted; ``refuse`` makes it answer every message "try later"."""

    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    refuse: bool = False
    #: (username, password) the server accepts, when it asks for a sign-in.
    login: tuple[str, str] | None = None

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.refuse:
            return "451 4.3.0 Try again later"
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 2.0.0 Accepted"

    def authenticate(self, server, session, envelope, mechanism, data) -> AuthResult:
        # handled=False: the server itself answers 535 to a refused sign-in.
        if not isinstance(data, LoginPassword):
            return AuthResult(success=False, handled=False)
        given = (data.login.decode(), data.password.decode())
        return AuthResult(success=given == self.login, handled=False)

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


class SmtpServer:
    """Started and stopped by the test, always on the same port, so the app's config holds."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.inbox = Inbox()
        self._controller: Controller | None = None

    def start(self) -> None:
        extra = {}
        if self.inbox.login:
            extra = {"authenticator": self.inbox.authenticate, "auth_require_tls": False}
        self._controller = Controller(
            self.inbox, hostname="127.0.0.1", port=self.port, server_hostname="smtp.test", **extra
        )
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def smtp(app) -> Iterator[SmtpServer]:
    """An SMTP server the app is configured to use (not yet started: call start())."""
    server = SmtpServer()
    app.config.update(
        MAIL_SMTP_HOST="127.0.0.1",
        MAIL_SMTP_PORT=server.port,
        MAIL_SMTP_TLS="none",
        MAIL_TIMEOUT_SECONDS=5,
    )
    try:
        yield server
    finally:
        server.stop()


def run_send_emails(now: datetime) -> dict[str, int]:
    run = run_job("send-emails", now=now)
    assert run.outcome.value == "succeeded", run.error_id
    return run.counts
