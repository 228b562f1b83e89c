"""The vendored front-end files are exactly the versions we recorded."""

import hashlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "static" / "vendor"
TEST_VENDOR = ROOT / "tests" / "browser" / "vendor"  # for the tests only, never served
GOVUK = "govuk-frontend/govuk-frontend-6.3.0.min"
EXPECTED = {
    "htmx-2.0.11.min.js": "d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717",
    f"{GOVUK}.js": "8982af0b181bb9074ed66df856d5c9fbe224ccc0a5832d47155167350f0c3fe2",
    f"{GOVUK}.css": "44001cb7e7f32ff8292e6bcee6ce2a0205cd4ee4089d5f89b1d10468f995dfd1",
}


TEST_ONLY = {
    "axe-4.14.1.min.js": "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c",
}


@pytest.mark.parametrize(("name", "digest"), EXPECTED.items())
def test_vendored_file_hash(name, digest):
    assert hashlib.sha256((STATIC / name).read_bytes()).hexdigest() == digest


@pytest.mark.parametrize(("name", "digest"), TEST_ONLY.items())
def test_test_only_vendored_file_hash(name, digest):
    assert hashlib.sha256((TEST_VENDOR / name).read_bytes()).hexdigest() == digest


def test_pages_load_the_pinned_htmx_with_its_history_cache_off(client):
    page = client.get("/sign-in").text
    assert "/static/vendor/htmx-2.0.11.min.js" in page
    assert '"historyCacheSize": 0' in page
    assert '"includeIndicatorStyles": false' in page


def test_the_unbranded_stylesheet_has_no_gds_font():
    css = (STATIC / "govuk-frontend/govuk-frontend-6.3.0.min.css").read_text()
    assert "GDS Transport" not in css
