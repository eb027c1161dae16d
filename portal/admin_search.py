"""The admin's search box without joins: `beneficiary__last_name` becomes "the beneficiary is one of
the people whose name matches".

Django's admin search joins every related table of `search_fields` and ORs the conditions, so
PostgreSQL must read every one of a million invitations with its child and parent to find the few
thousand of the Dupont family. Here each related model is searched on its own first (an index on
its names serves it), and the list keeps the rows whose foreign key is among the keys found: an
index scan per key column, combined with a bitmap OR.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Lookup
from django.db.models.constants import LOOKUP_SEP
from django.utils.text import smart_split, unescape_string_literal


class AnyOf(Lookup):
    """`key = ANY(ARRAY(subquery))` on PostgreSQL: the subquery runs once, first, and each key
    column is then read through its index (a bitmap OR across the columns). Its plain
    `key IN (subquery)` was a hashed filter over every row of the list. `IN` elsewhere."""

    lookup_name = "any_of"

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(ARRAY{rhs})", [*lhs_params, *rhs_params]
        return f"{lhs} IN {rhs}", [*lhs_params, *rhs_params]


def _lookup(field_path: str) -> tuple[str, str] | None:
    """(path, lookup) of one entry of `search_fields`, or None for what Django's own search must
    handle (full-text "@", explicit lookups)."""
    if field_path.startswith("^"):
        return field_path[1:], "istartswith"
    if field_path.startswith("="):
        return field_path[1:], "iexact"
    if field_path.startswith("@"):
        return None
    return field_path, "icontains"


def _split(model: type[models.Model], path: str) -> tuple[str, str] | None:
    """("beneficiary", "last_name") for a path through a foreign key, ("", "title") for a column of
    the model itself, None for anything else (reverse relations, many-to-many, explicit lookups)."""
    head, _, rest = path.partition(LOOKUP_SEP)
    try:
        field = model._meta.get_field(head)
    except FieldDoesNotExist:
        return None
    if not rest:
        return ("", head) if not field.is_relation else None
    if not (field.many_to_one or field.one_to_one) or field.auto_created:
        return None
    related = field.related_model
    assert related is not None and not isinstance(related, str)
    return (head, rest) if _split(related, rest) is not None else None


def search_terms(search_term: str) -> list[str]:
    """The words of the search box, as Django's admin splits them ("quoted words" stay one)."""
    terms = []
    for bit in smart_split(search_term):
        if bit.startswith(('"', "'")) and bit[0] == bit[-1]:
            bit = unescape_string_literal(bit)
        terms.append(bit)
    return terms


def search_without_joins(
    queryset: models.QuerySet, search_fields: Sequence[str], search_term: str
) -> models.QuerySet | None:
    """`queryset` narrowed to the rows matching every word of `search_term` in one of
    `search_fields`, or None when a field needs Django's own search (then use it)."""
    model = queryset.model
    own: list[str] = []
    by_key: dict[str, list[str]] = defaultdict(list)
    for entry in search_fields:
        parsed = _lookup(str(entry))
        split = _split(model, parsed[0]) if parsed else None
        if parsed is None or split is None:
            return None
        key, rest = split
        lookup = f"{rest}__{parsed[1]}"
        (by_key[key] if key else own).append(lookup)

    for term in search_terms(search_term):
        matches = models.Q()
        for lookup in own:
            matches |= models.Q(**{lookup: term})
        keys_found: dict[tuple[type[models.Model], tuple[str, ...]], models.QuerySet] = {}
        for key, lookups in by_key.items():
            related = model._meta.get_field(key).related_model
            assert related is not None and not isinstance(related, str)
            signature = (related, tuple(lookups))
            if signature not in keys_found:  # beneficiary and debtor: one search of the people
                keys_found[signature] = _related_keys(related, lookups, term)
            matches |= models.Q(AnyOf(models.F(key), keys_found[signature]))
        queryset = queryset.filter(matches)
    return queryset


def _related_keys(related: type[models.Model], lookups: list[str], term: str) -> models.QuerySet:
    """The keys of the `related` rows matching `term` (a subquery)."""
    return (
        related._default_manager.filter(
            models.Q.create([(lookup, term) for lookup in lookups], connector=models.Q.OR)
        )
        .order_by()
        .values("pk")
    )
