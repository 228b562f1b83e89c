"""One protective marking per install: on every page, top and foot, in every printed sheet's
margins, and on the first line of every CSV."""

from __future__ import annotations

import csv
import io

import pytest

from conference import create_app
from conference.config import ConfigError
from tests.conftest import sign_in
from tests.factories import make_user


def test_every_page_carries_the_marking_at_its_top_and_foot(client):
    page = client.get("/sign-in").text

    assert page.count('class="app-marking') == 2
    assert page.count(">OFFICIAL-SENSITIVE<") == 2
    assert 'href="/marking.css"' in page


def test_the_print_stylesheet_puts_the_marking_in_every_sheets_margins(client):
    css = client.get("/marking.css")

    assert css.status_code == 200 and css.mimetype == "text/css"
    assert '@top-center { content: "OFFICIAL-SENSITIVE"' in css.text
    assert '@bottom-center { content: "OFFICIAL-SENSITIVE"' in css.text
    assert "counter(pages)" in css.text


def test_an_install_sets_its_own_marking_everywhere(own_app):
    app = own_app(PROTECTIVE_MARKING='OFFICIAL "Northshire"')
    client = app.test_client()
    coordinator = make_user(role="coordinator")

    assert '@top-center { content: "OFFICIAL \\"Northshire\\""' in client.get("/marking.css").text
    assert ">OFFICIAL &#34;Northshire&#34;<" in client.get("/sign-in").text
    sign_in(client, coordinator)
    rows = list(csv.reader(io.StringIO(client.get("/actions/tracker.csv").text)))
    assert rows[0] == ['OFFICIAL "Northshire"'] and rows[1][0] == "Case"


@pytest.mark.parametrize("marking", ["", "   ", "x" * 61, "OFFICIAL\nSENSITIVE", 5])
def test_a_marking_that_cannot_print_on_one_line_stops_the_start(marking):
    with pytest.raises(ConfigError, match="PROTECTIVE_MARKING"):
        create_app(
            "testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://", "PROTECTIVE_MARKING": marking}
        )
