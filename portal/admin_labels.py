"""French labels for model fields that have none of their own, on the admin's pages.

A field without a `verbose_name` shows its Python name on a French page: « USER », « Activity »,
« Par activity ». The model belongs to its app; its admin names what the secretaries read:
`field_labels = {"user": _("compte")}` labels the field's list column, its filter and its
read-only row in the form (each becomes a column of that name, showing the field's value).
"""

from collections.abc import Callable, Sequence
from typing import Any, cast

from django.contrib import admin
from django.contrib.admin.utils import display_for_field, get_fields_from_path
from django.db import models
from django.http import HttpRequest
from django.utils.functional import Promise

StrOrPromise = str | Promise
EMPTY_VALUE = "-"  # Django's admin's, for an empty value


def labelled_column(
    model: type[models.Model], name: str, label: StrOrPromise
) -> Callable[[models.Model], Any]:
    """A column showing `obj.<name>` under `label` as Django shows the field (a date in the
    language's format, « - » for nothing), sorted by the field."""
    field = cast(models.Field, model._meta.get_field(name))

    def column(obj: models.Model) -> Any:
        return display_for_field(getattr(obj, name), field, EMPTY_VALUE)

    column.__name__ = name
    column.short_description = label  # type: ignore[attr-defined]
    column.admin_order_field = name  # type: ignore[attr-defined]
    return column


def labelled_filter(model: type[models.Model], name: str, label: StrOrPromise) -> tuple:
    """The filter Django would choose for the field, titled `label`."""
    field = get_fields_from_path(model, name)[-1]
    base = next(
        filter_class
        for test, filter_class in admin.FieldListFilter._field_list_filters  # type: ignore[attr-defined]
        if test(field)
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        base.__init__(self, *args, **kwargs)
        self.title = label

    titled = type(f"Labelled{base.__name__}", (base,), {"__init__": __init__})
    return (name, titled)


class FieldLabelsAdmin(admin.ModelAdmin):
    """`field_labels`: the labels of the model's fields that have no French one (see above)."""

    field_labels: dict[str, StrOrPromise] = {}

    def _labelled(self, name: Any) -> Any:
        if not (isinstance(name, str) and name in self.field_labels):
            return name
        columns = self.__dict__.setdefault("_labelled_columns", {})
        if name not in columns:
            columns[name] = labelled_column(self.model, name, self.field_labels[name])
        return columns[name]

    def _labelled_all(self, names: Sequence[Any]) -> list[Any]:
        return [self._labelled(name) for name in names]

    def get_list_display(self, request: HttpRequest) -> Any:
        return self._labelled_all(super().get_list_display(request))

    def get_list_display_links(self, request: HttpRequest, list_display: Any) -> Any:
        links = super().get_list_display_links(request, list_display)
        return self._labelled_all(links) if links else links

    def get_list_filter(self, request: HttpRequest) -> Any:
        return [
            labelled_filter(self.model, name, self.field_labels[name])
            if isinstance(name, str) and name in self.field_labels
            else name
            for name in super().get_list_filter(request)
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self._labelled_all(super().get_readonly_fields(request, obj))

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = set(super().get_readonly_fields(request, obj))
        return [
            self._labelled(name) if name in readonly else name
            for name in super().get_fields(request, obj)
        ]

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        # A read-only field shown as a labelled column is no field of the form.
        exclude = list(super().get_exclude(request, obj) or [])
        readonly = super().get_readonly_fields(request, obj)
        return exclude + [name for name in readonly if name in self.field_labels]
