"""A list filter offering a column's values, read once every few minutes rather than per page.

Django's `AllValuesFieldListFilter` runs `SELECT DISTINCT col` over the whole list for every page:
the classes of 60,000 students, the kinds of 230,000 recovery events, 100–250 ms each time. The
values (classes, event kinds) change a few times a year, so each viewer's list of them is cached.
"""

from collections.abc import Callable

from django.contrib import admin
from django.core.cache import cache
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.functional import Promise

StrOrPromise = str | Promise


class CachedValuesFilter(admin.SimpleListFilter):
    """Subclasses set `title`, `parameter_name` (the column) and may set `cache_seconds`, and
    `label` to show a value in words (an event's code: « lien envoyé », not `link_sent`)."""

    cache_seconds = 600

    @staticmethod
    def label(value: str) -> str:
        return value

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        tenant = getattr(request, "tenant", None)
        key = (
            f"admin:values:{model_admin.opts.label_lower}:{self.parameter_name}:"
            f"{tenant.pk if tenant else '-'}:{request.user.pk}"
        )
        values = cache.get(key)
        if values is None:
            column = str(self.parameter_name)
            values = list(
                model_admin.get_queryset(request)
                .exclude(**{column: ""})
                .exclude(**{f"{column}__isnull": True})
                .order_by(column)
                .values_list(column, flat=True)
                .distinct()
            )
            cache.set(key, values, self.cache_seconds)
        # A value of blanks would be a link with no name (axe-core's link-name): none is offered.
        return [(value, self.label(value)) for value in values if str(value).strip()]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        return queryset.filter(**{str(self.parameter_name): value}) if value else queryset


def cached_values_filter(
    column: str,
    title: StrOrPromise,
    label: Callable[[str], str] | None = None,
) -> type[CachedValuesFilter]:
    """A `CachedValuesFilter` of this column, for `list_filter`."""
    attributes: dict = {"title": title, "parameter_name": column}
    if label is not None:
        attributes["label"] = staticmethod(label)
    return type(f"{column.title()}CachedValuesFilter", (CachedValuesFilter,), attributes)
