"""Lookups the project adds to Django's fields.

Case-insensitive equality that an index can serve:

Django's `__iexact` compiles to `UPPER(col) = UPPER(%s)` on PostgreSQL (and `LIKE` on SQLite),
which no `lower(col)` index matches, so every login scanned the whole users table. `__lower_exact`
compiles to `LOWER(col) = LOWER(%s)`: the expression of the functional indexes and unique
constraints on `Lower(...)`.

`__in` on an integer column that skips numbers the column cannot hold: Django's own `exact`, `gt`,
`lt`… do (`IntegerFieldOverflow`), its `in` sends them on, and SQLite raises OverflowError for a
number past 64 bits. A form's `?students=99999999999999999999` then was a 500, not "not a choice".
"""

from typing import Any

from django.db.models import CharField, IntegerField, Lookup
from django.db.models.lookups import In


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


def register() -> None:
    """Adds `__lower_exact` to every CharField (EmailField included), and replaces `__in` of
    every IntegerField (keys included) by one that skips numbers out of the column's range."""
    CharField.register_lookup(LowerExact)
    IntegerField.register_lookup(IntegerFieldIn)
