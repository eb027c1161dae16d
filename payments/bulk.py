"""Write many rows' changed fields in one statement per batch.

Django's `bulk_update` builds a `CASE WHEN id = … THEN …` per field and row: quadratic in the
batch on the server and slow to compile in Python (seconds for a few thousand rows). On
PostgreSQL this is one `UPDATE … FROM (VALUES …)` per batch instead; other databases keep
`bulk_update`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django.db import connection, models


def rows_update(
    model: type[models.Model],
    objs: Sequence[models.Model],
    fields: list[str],
    *,
    batch_size: int = 1000,
) -> None:
    """Save `fields` of every object of `objs` (which all exist), batch by batch."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_update(objs, fields, batch_size=batch_size)
        return
    meta = model._meta
    columns = [cast(models.Field, meta.get_field(name)) for name in fields]
    quote = connection.ops.quote_name
    pk = meta.pk
    assert pk is not None
    assignments = ", ".join(
        f"{quote(field.column)} = (v.c{i})::{field.db_type(connection)}"
        for i, field in enumerate(columns)
    )
    names = ", ".join(["id", *(f"c{i}" for i in range(len(columns)))])
    row = "(" + ", ".join(["%s"] * (len(columns) + 1)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(objs), batch_size):
            chunk = objs[start : start + batch_size]
            params: list[Any] = []
            for obj in chunk:
                params.append(obj.pk)
                params += [
                    field.get_db_prep_value(getattr(obj, field.attname), connection)
                    for field in columns
                ]
            # Names from the model's meta only; every value is a parameter.
            sql = (
                f"UPDATE {quote(meta.db_table)} AS t SET {assignments} "  # noqa: S608
                f"FROM (VALUES {', '.join([row] * len(chunk))}) AS v({names}) "
                f"WHERE t.{quote(pk.column)} = (v.id)::{pk.db_type(connection)}"
            )
            cursor.execute(sql, params)
