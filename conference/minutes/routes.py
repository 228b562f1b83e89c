"""Minutes: the draft, edits, finalising, corrections and the printable copies."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("minutes", __name__)
