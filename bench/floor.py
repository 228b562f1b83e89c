"""The floor: a minimal Flask + SQLAlchemy page rendering 50 rows from the benchmark's database.

Every page of the app is measured as a multiple of this one, served the same way in the same
run, so the figures say what the app adds rather than what the machine is.
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from flask import Flask, render_template_string

from conference.config import normalise_database_url

PAGE = """<!doctype html>
<html lang="en"><head><title>Floor</title></head><body><main><table>
{% for row in rows %}<tr><td>{{ row.reference }}</td><td>{{ row.status }}</td>
<td>{{ row.opened_at }}</td></tr>
{% endfor %}</table></main></body></html>"""


def create_app() -> Flask:
    app = Flask(__name__)
    engine = sa.create_engine(normalise_database_url(os.environ["DATABASE_URL"]))
    cases = sa.table("cases", sa.column("id"), sa.column("reference"), sa.column("status"))
    query = (
        sa.select(cases.c.reference, cases.c.status, sa.literal_column("opened_at"))
        .select_from(cases)
        .order_by(cases.c.id.desc())
        .limit(50)
    )

    @app.get("/")
    def index() -> tuple[str, int, dict[str, str]]:
        with engine.connect() as connection:
            rows = connection.execute(query).all()
        return render_template_string(PAGE, rows=rows), 200, {"X-Query-Count": "1"}

    return app
