"""What the due-for-review list shows, a page at a time."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import datetime

from conference.conferences.queries import victim_names
from conference.retention.services import Due, reviewable


@dataclass(frozen=True)
class Row:
    due: Due
    victim: str


@dataclass(frozen=True)
class ReviewPage:
    rows: list[Row]
    page: int
    pages: int
    total: int

    # What the pager macro reads (as on a Flask-SQLAlchemy page).
    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1

    def iter_pages(self, **_: int) -> Iterator[int]:
        return iter(range(1, self.pages + 1))


def review_page(
    marac_ids: Collection[int], now: datetime, *, page: int, per_page: int
) -> ReviewPage:
    """The cases due within the review window, soonest first, one page of them."""
    found = reviewable(now, marac_ids)
    pages = max((len(found) + per_page - 1) // per_page, 1)
    page = min(page, pages)
    shown = found[(page - 1) * per_page : page * per_page]
    names = victim_names([d.case.id for d in shown])
    return ReviewPage(
        rows=[Row(d, names.get(d.case.id, "")) for d in shown],
        page=page,
        pages=pages,
        total=len(found),
    )
