"""The embedded default's cache: Django's database cache with an `incr` that keeps time.

Django's database cache counts by reading the value and writing it back with `set()`, which gives
the entry the cache's default timeout (300 s): a limit of 5 per hour counted in the cache lasted
five minutes (issue 12, item 5). Here `incr` changes the value of the row in place, under a row
lock, and leaves its expiry alone, as Redis' INCR and the local-memory cache do.
"""

from __future__ import annotations

import base64
import pickle
from typing import Any

from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import connections, router, transaction
from django.utils.timezone import now


class DatabaseCache(DjangoDatabaseCache):
    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> Any:
        key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        quote = connection.ops.quote_name
        table, value_col = quote(self._table), quote("value")  # type: ignore[attr-defined]
        key_col, expires_col = quote("cache_key"), quote("expires")
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        alive_after = connection.ops.adapt_datetimefield_value(now().replace(microsecond=0))
        with transaction.atomic(using=db), connection.cursor() as cursor:
            # Only quoted names of the settings' table go into the text; values are parameters.
            cursor.execute(
                f"SELECT {value_col} FROM {table} WHERE {key_col} = %s AND {expires_col} > %s"  # noqa: S608
                f"{lock}",
                [key, alive_after],
            )
            row = cursor.fetchone()
            if row is None:
                raise ValueError(f"Key '{key}' not found")
            value = pickle.loads(base64.b64decode(row[0].encode()))  # noqa: S301 - our own rows
            new_value = value + delta
            pickled = base64.b64encode(pickle.dumps(new_value, self.pickle_protocol))
            cursor.execute(
                f"UPDATE {table} SET {value_col} = %s WHERE {key_col} = %s",  # noqa: S608
                [pickled.decode("latin1"), key],
            )
        return new_value
