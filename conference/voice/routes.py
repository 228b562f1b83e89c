"""The victim's voice: the advocate's pages before and after the meeting."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("voice", __name__)
