"""Time-based one-time passwords (TOTP) as a second factor."""

from __future__ import annotations

from datetime import datetime

import pyotp
import segno
from markupsafe import Markup

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
