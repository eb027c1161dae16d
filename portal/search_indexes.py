"""Trigram indexes for the admin's search boxes, on PostgreSQL only.

The admin searches with `icontains`: `UPPER(col::text) LIKE UPPER('%dupont%')` on PostgreSQL, which
no B-tree serves, so every search read the whole table (100,000 people, 800,000 ledger entries).
A GIN index of `pg_trgm` trigrams on `UPPER(col)` serves that very expression. SQLite, the
embedded default, has no such index and needs none at its size: the operation does nothing there.
"""

from django.db import migrations


def trigram_indexes(table: str, *columns: str) -> migrations.RunPython:
    """A migration operation: one `<table>_<column>_trgm` index per column (and `pg_trgm`)."""

    def create(apps, schema_editor) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for column in columns:
            schema_editor.execute(
                f'CREATE INDEX IF NOT EXISTS "{table}_{column}_trgm" '
                f'ON "{table}" USING gin (UPPER("{column}"::text) gin_trgm_ops)'
            )

    def drop(apps, schema_editor) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for column in columns:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{table}_{column}_trgm"')

    return migrations.RunPython(create, drop, elidable=False)
