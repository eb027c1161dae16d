"""A page of rows whose total comes with the rows (COUNT(*) OVER ()), so a listing costs one
query instead of Django's Paginator's two."""

from dataclasses import dataclass, field
from math import ceil

from django.db.models import Count, QuerySet, Window

_TOTAL = "_page_total"


@dataclass
class CountedPage:
    object_list: list = field(default_factory=list)
    number: int = 1
    count: int = 0
    per_page: int = 25

    @property
    def paginator(self) -> "CountedPage":  # the template reads page.paginator.count
        return self

    @property
    def num_pages(self) -> int:
        return max(1, ceil(self.count / self.per_page))

    def has_previous(self) -> bool:
        return self.number > 1

    def has_next(self) -> bool:
        return self.number < self.num_pages

    def has_other_pages(self) -> bool:
        return self.has_previous() or self.has_next()

    def previous_page_number(self) -> int:
        return self.number - 1

    def next_page_number(self) -> int:
        return self.number + 1


def counted_page(values: QuerySet, number: object, *, per_page: int) -> CountedPage:
    """Page `number` (1 when it is not a positive whole number; the last page when past the end)
    of a `.values()` queryset."""
    try:
        page = max(1, int(str(number)))
    except (TypeError, ValueError):
        page = 1
    start = (page - 1) * per_page
    rows = list(values.annotate(**{_TOTAL: Window(Count("pk"))})[start : start + per_page])
    if not rows:
        if page == 1:
            return CountedPage([], 1, 0, per_page)
        last = max(1, ceil(values.count() / per_page))
        return counted_page(values, last, per_page=per_page) if last < page else CountedPage()
    count = rows[0][_TOTAL]
    for row in rows:
        del row[_TOTAL]
    return CountedPage(rows, page, count, per_page)
