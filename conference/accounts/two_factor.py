"""Time-based one-time passwords (TOTP) as a second factor, their secrets encrypted at rest."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app
from markupsafe import Markup

from conference.config import encryption_keys

STEP_SECONDS = 30
#: Steps either side of now that are still accepted, for clocks a little out.
DRIFT_STEPS = 1


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, *, email: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer)


def qr_svg(uri: str) -> Markup:
    """The enrolment QR code as inline SVG (no inline styles, so the CSP holds)."""
    svg = segno.make(uri, error="m").svg_inline(scale=5, dark="#0b0c0c", light="#ffffff")
    return Markup(svg)


def matching_step(secret: str, code: str, now: datetime) -> int | None:
    """Return the time step the code belongs to, or None if it matches none near now."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // STEP_SECONDS
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if totp.at(step * STEP_SECONDS) == code:
            return step
    return None


def format_secret(secret: str) -> str:
    """Group the secret in fours so it can be typed by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


class UnreadableSecret(Exception):
    """A stored secret the configured keys cannot decrypt (a wrong or missing key)."""


def cipher(setting: str | Sequence[str] | None) -> MultiFernet:
    """The cipher for these keys. Raises ValueError when a key is not a Fernet key."""
    keys = encryption_keys(setting)
    if not keys:
        raise ValueError("no key")
    return MultiFernet([Fernet(key) for key in keys])


def _app_cipher() -> MultiFernet:
    return cipher(current_app.config.get("TOTP_ENCRYPTION_KEY"))


def seal(secret: str) -> str:
    """Encrypt a base32 secret for storage (Fernet: AES-128-CBC with an HMAC-SHA256 tag)."""
    return _app_cipher().encrypt(secret.encode()).decode("ascii")


def unseal(stored: str) -> str:
    """Decrypt a stored secret. Raises UnreadableSecret."""
    try:
        return _app_cipher().decrypt(stored.encode("ascii")).decode()
    except (InvalidToken, ValueError, UnicodeError) as error:
        raise UnreadableSecret from error
