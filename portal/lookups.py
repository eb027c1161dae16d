"""Lookups the project adds to Django's fields.

Case-insensitive equality that an index can serve:

Django's `__iexact` compiles to `UPPER(col) = UPPER(%s)` on PostgreSQL (and `LIKE` on SQLite),
which no `lower(col)` index matches, so every login scanned the whole users table. `__lower_exact`
compiles to `LOWER(col) = LOWER(%s)`: the expression of the functional indexes and unique
constraints on `Lower(...)`.

`__in` on an integer column that skips numbers the column cannot hold: Django's own `exact`, `gt`,
`lt`… do (`IntegerFieldOverflow`), its `in` sends them on, and SQLite raises OverflowError for a
number past 64 bits. A form's `?students=99999999999999999999` then was a 500, not "not a choice".

Comparisons of a DateTimeField with a moment that has no UTC equivalent (`0001-01-01` in
Brussels is still year 0 in UTC): Django converts it when it writes the SQL and fails with
OverflowError; here it matches nothing or everything, as Django's own integer lookups do past
their column's range (an admin date filter `?created_at__gte=0001-01-01` was a 500).
"""

from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db.models import CharField, DateTimeField, IntegerField, Lookup
from django.db.models.lookups import (
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    In,
    LessThan,
    LessThanOrEqual,
)


class LowerExact(Lookup):
    lookup_name = "lower_exact"

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"LOWER({lhs}) = LOWER({rhs})", [*lhs_params, *rhs_params]


class IntegerFieldIn(In):
    def process_rhs(self, compiler: Any, connection: Any) -> tuple[str, Any]:
        if self.rhs_is_direct_value():
            internal_type = self.lhs.output_field.get_internal_type()
            low, high = connection.ops.integer_field_range(internal_type)
            self.rhs = [
                value
                for value in self.rhs
                if not isinstance(value, int)
                or ((low is None or value >= low) and (high is None or value <= high))
            ]
        return super().process_rhs(compiler, connection)


class DateTimeFieldOverflow:
    """Before-UTC-time-began and after-it-ends, for the comparison lookups of DateTimeField."""

    underflow_exception: type[Exception] = EmptyResultSet
    overflow_exception: type[Exception] = EmptyResultSet

    def process_rhs(self, compiler: Any, connection: Any) -> Any:
        rhs = self.rhs  # type: ignore[attr-defined]
        if isinstance(rhs, datetime) and rhs.tzinfo is not None:
            try:
                rhs.astimezone(UTC)
            except OverflowError:
                raise (
                    self.underflow_exception if rhs.year == 1 else self.overflow_exception
                ) from None
        return super().process_rhs(compiler, connection)  # type: ignore[misc]


class DateTimeExact(DateTimeFieldOverflow, Exact):
    pass


class DateTimeGreaterThan(DateTimeFieldOverflow, GreaterThan):
    underflow_exception = FullResultSet


class DateTimeGreaterThanOrEqual(DateTimeFieldOverflow, GreaterThanOrEqual):
    underflow_exception = FullResultSet


class DateTimeLessThan(DateTimeFieldOverflow, LessThan):
    overflow_exception = FullResultSet


class DateTimeLessThanOrEqual(DateTimeFieldOverflow, LessThanOrEqual):
    overflow_exception = FullResultSet


def register() -> None:
    """Adds `__lower_exact` to every CharField (EmailField included), and replaces `__in` of
        every IntegerField (keys included) by one that skips numbers out of the column's range, and
    the comparisons of DateTimeField by ones that stand moments with no UTC equivalent."""
    CharField.register_lookup(LowerExact)
    IntegerField.register_lookup(IntegerFieldIn)
    for lookup in (
        DateTimeExact,
        DateTimeGreaterThan,
        DateTimeGreaterThanOrEqual,
        DateTimeLessThan,
        DateTimeLessThanOrEqual,
    ):
        DateTimeField.register_lookup(lookup)
