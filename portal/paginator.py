"""A paginator for lists of a whole network's rows (a million invitations, half a million messages).

Django's paginator counts every matching row, and its last page is an `OFFSET` of them all: at the
start of term that is seconds a page. This one counts at most `cap` rows (a `LIMIT` inside the
count) and offers pages only up to there; a secretary who needs a row further down narrows the list
with the search box, a filter or the dates, as the page tells her.
"""

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

# 100 pages of the admin's 100 rows: as far as anyone pages by hand.
LIST_COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    cap = LIST_COUNT_CAP

    @cached_property
    def head_keys(self) -> list:
        """The keys of the first `cap` + 1 rows, in the list's order: one query gives the count
        and every page's rows, so the list's filters (who may see what: a hash of a whole
        school's people) are worked out once a page, not once for the count and again for the
        rows."""
        queryset: QuerySet = self.object_list  # type: ignore[assignment]  # see `counted`
        return list(queryset.values_list("pk", flat=True)[: self.cap + 1])

    @cached_property
    def counted(self) -> int:
        """Rows counted up to one past `cap`."""
        if hasattr(self.object_list, "query"):
            return len(self.head_keys)
        return len(self.object_list)

    @property
    def count(self) -> int:
        return min(self.counted, self.cap)

    @property
    def is_capped(self) -> bool:
        """More rows match than the pages reach."""
        return self.counted > self.cap

    def _get_page(self, object_list, number, paginator):
        """A page's rows are read by key, with their joins (`list_select_related`): neither the
        sort of a search's matches nor a deep page's OFFSET drags every row's joined columns
        along."""
        if hasattr(object_list, "query"):
            low, high = object_list.query.low_mark, object_list.query.high_mark
            object_list = _rows_by_key(self.object_list, self.head_keys[low:high])
        return super()._get_page(object_list, number, paginator)


def _rows_by_key(queryset: QuerySet, keys: list) -> QuerySet:
    """The rows of `queryset` with these keys, read by key alone when nothing but its filters
    would change (annotated rows keep the whole query)."""
    if queryset.query.annotations or queryset.query.extra:
        return queryset.filter(pk__in=keys)
    rows = queryset.model._default_manager.filter(pk__in=keys)
    rows.query.select_related = queryset.query.select_related
    rows.query.deferred_loading = queryset.query.deferred_loading
    rows = rows.prefetch_related(*queryset._prefetch_related_lookups)  # type: ignore[attr-defined]
    if queryset.query.order_by:
        rows = rows.order_by(*queryset.query.order_by)
    return rows
