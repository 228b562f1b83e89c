"""A real SMTP server on a free local port (aiosmtpd), and helpers to run the send-emails job."""

from __future__ import annotations

import asyncio
import random
import socket
import time
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
    #: The reply to the end of the data when refusing for good, e.g. "550 5.1.1 No such mailbox".
    refuse_code: str | None = None
    #: Seconds the server takes over its reply after the end of the data (a slow server).
    answer_after_seconds: float = 0
    #: (username, password) the server accepts, when it asks for a sign-in.
    login: tuple[str, str] | None = None

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.refuse_code:
            return self.refuse_code
        if self.refuse:
            return "451 4.3.0 Try again later"
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        if self.answer_after_seconds:
            await asyncio.sleep(self.answer_after_seconds)
        return "250 2.0.0 Accepted"

    def wait_for(self, count: int, seconds: float = 5) -> list[EmailMessage]:
        """The messages, once at least count have arrived (the server runs in its own thread)."""
        deadline = time.monotonic() + seconds
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return list(self.messages)

    def authenticate(self, server, session, envelope, mechanism, data) -> AuthResult:
        # handled=False: the server itself answers 535 to a refused sign-in.
        if not isinstance(data, LoginPassword):
            return AuthResult(success=False, handled=False)
        given = (data.login.decode(), data.password.decode())
        return AuthResult(success=given == self.login, handled=False)

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


def _free_port_below_ephemeral() -> int:
    """A free port below Linux's ephemeral range (32768 up): the server is stopped and started
    again on it, and a port the kernel hands out for outgoing connections could be taken in
    between."""
    for _ in range(200):
        port = random.randint(20000, 32000)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port for the test SMTP server")


class SmtpServer:
    """Started and stopped by the test, always on the same port, so the app's config holds."""

    def __init__(self) -> None:
        self.port = _free_port_below_ephemeral()
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
    """Run the job; it ran to the end, as "partly failed" exactly when an email failed."""
    run = run_job("send-emails", now=now)
    failures = sum(v for k, v in run.counts.items() if k != "emails_sent" and "emails_" in k
                   and k != "emails_composed")  # fmt: skip
    assert run.outcome.value == ("partly_failed" if failures else "succeeded"), run.error_id
    return run.counts
