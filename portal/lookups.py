"""Case-insensitive equality that an index can serve.

Django's `__iexact` compiles to `UPPER(col) = UPPER(%s)` on PostgreSQL (and `LIKE` on SQLite),
which no `lower(col)` index matches, so every login scanned the whole users table. `__lower_exact`
compiles to `LOWER(col) = LOWER(%s)`: the expression of the functional indexes and unique
constraints on `Lower(...)`.
"""

from typing import Any

from django.db.models import CharField, Lookup


class LowerExact(Lookup):
    lookup_name = "lower_exact"

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"LOWER({lhs}) = LOWER({rhs})", [*lhs_params, *rhs_params]


def register() -> None:
    """Adds `__lower_exact` to every CharField (EmailField included)."""
    CharField.register_lookup(LowerExact)
