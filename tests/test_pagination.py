"""A page of a list with its count: by two statements, or by one where the page reads every
matching row anyway (conference.db.one_page)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from conference.accounts.models import Agency
from conference.db import one_page
from tests import factories


@pytest.fixture
def agencies(app):
    marac = factories.make_marac()
    for n in range(7):
        factories.make_agency(f"Agency {n:02d}", maracs=[marac])
    return sa.select(Agency).where(Agency.name.like("Agency %")).order_by(Agency.name)


@pytest.mark.parametrize("page", [1, 2, 3])
def test_counted_with_its_rows_a_page_is_the_same_in_one_statement(agencies, count_queries, page):
    apart = one_page(agencies, page=page, per_page=3)
    with count_queries() as statements:
        together = one_page(agencies, page=page, per_page=3, counted_with_rows=True)
    assert [a.name for a in together.items] == [a.name for a in apart.items]
    assert together.total == apart.total == 7
    assert (together.pages, together.has_next) == (apart.pages, apart.has_next)
    assert len(statements) == 1


def test_past_the_last_page_the_count_is_still_right(agencies, count_queries):
    with count_queries() as statements:
        beyond = one_page(agencies, page=9, per_page=3, counted_with_rows=True)
    assert beyond.items == [] and beyond.total == 7 and beyond.pages == 3
    assert len(statements) == 2  # no row brought the count: it was asked apart
