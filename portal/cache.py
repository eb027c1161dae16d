"""The caches: Redis with the database behind it when Redis fails (production), and the database
cache whose `incr` keeps time (the embedded default, and the stand-in while Redis is down).

The cache is an optimisation for pages (host → tenant, sessions read through it, admin filter
choices) but it also holds counters that protect accounts (recovery throttles, allauth's login
limits). So an outage neither breaks a page nor opens the limits: every call goes to a fallback
cache (a `DatabaseCache`, the embedded default's table) while Redis is down, and the counters keep
counting there — an attacker who kills Redis gains at most one fresh window per outage, since the
fallback starts empty.

A hung Redis costs a call its socket timeout (`REDIS_TIMEOUT_MS`), then the process's breaker
(portal.breaker) sends every call to the fallback for `REDIS_RETRY_AFTER_SECONDS` before one call
probes Redis again.

Keys written to the fallback are deleted from Redis when it answers again (a session ended during
the outage must not come back from a Redis that was only frozen). The fallback is emptied when a
process turns to it and when it leaves it: its copies from one outage would be stale at the next.
"""

from __future__ import annotations

import base64
import logging
import pickle
import threading
from typing import Any

from django.core.cache import BaseCache, caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.redis import RedisCache
from django.db import connections, router, transaction
from django.utils.timezone import now
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

from portal.breaker import Breaker

logger = logging.getLogger(__name__)

REDIS_DOWN: tuple[type[Exception], ...] = (RedisConnectionError, RedisTimeoutError, OSError)
# Keys remembered for deletion when Redis returns; past this the oldest are not (logged).
MAX_DIRTY_KEYS = 50_000


class _Outage:
    """What one process knows of one Redis: its breaker and the keys written elsewhere."""

    def __init__(self, location: str, retry_after: float) -> None:
        self.breaker = Breaker(f"cache {location}", retry_after=retry_after)
        self.dirty: set[str] = set()
        self.lock = threading.Lock()

    def mark_dirty(self, keys: list[str]) -> None:
        with self.lock:
            room = MAX_DIRTY_KEYS - len(self.dirty)
            if len(keys) > room:
                logger.error("cache: more than %s keys written during the outage", MAX_DIRTY_KEYS)
            self.dirty.update(keys[: max(room, 0)])

    def take_dirty(self) -> list[str]:
        with self.lock:
            keys, self.dirty = list(self.dirty), set()
        return keys


# Django builds a cache object per thread; the breaker is the process's.
_outages: dict[str, _Outage] = {}
_outages_lock = threading.Lock()


def cache_outages_reset() -> None:
    """Forget every breaker and pending key (tests start each case with a healthy Redis)."""
    with _outages_lock:
        for outage in _outages.values():
            outage.breaker.reset()
            outage.take_dirty()


class ResilientRedisCache(RedisCache):
    """OPTIONS: `FALLBACK` (the alias of the cache used while Redis is down), `RETRY_AFTER`
    (seconds), and redis-py's own (`socket_timeout`, `socket_connect_timeout`)."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = dict(params.get("OPTIONS", {}))
        self._fallback_alias: str | None = options.pop("FALLBACK", None)
        retry_after = float(options.pop("RETRY_AFTER", 5))
        options.setdefault("retry", Retry(NoBackoff(), 0))  # the breaker decides when to retry
        super().__init__(server, {**params, "OPTIONS": options})
        self.location = server
        with _outages_lock:
            self._outage = _outages.setdefault(server, _Outage(server, retry_after))

    @property
    def breaker(self) -> Breaker:
        return self._outage.breaker

    def _fallback(self) -> BaseCache:
        if self._fallback_alias is None:
            return DummyCache("", {})
        return caches[self._fallback_alias]

    def _call(self, op: str, written: list[str], *args: Any, **kwargs: Any) -> Any:
        """`op` on Redis if it answers, else on the fallback. `written`: the keys `op` changes
        (made keys, as stored), to delete from Redis when it returns."""
        if self.breaker.allow():
            try:
                if self.breaker.is_open:
                    self._reconcile()
                result = getattr(RedisCache, op)(self, *args, **kwargs)
            except REDIS_DOWN as exc:
                just_failed = not self.breaker.is_open
                self.breaker.failure()
                if just_failed:
                    logger.warning(
                        "cache: Redis failed (%s), using the database", type(exc).__name__
                    )
                    # What the fallback holds is from an earlier outage (a process that died then
                    # never emptied it): a session ended since must not come back from it.
                    self._fallback().clear()
            else:
                if self.breaker.success():
                    logger.warning("cache: Redis answers again")
                return result
        if written:
            self._outage.mark_dirty(written)
        return getattr(self._fallback(), op)(*args, **kwargs)

    def _reconcile(self) -> None:
        """Redis is probed after an outage: first forget there what changed meanwhile."""
        keys = self._outage.take_dirty()
        try:
            if keys:
                self._cache.delete_many(keys)  # type: ignore[attr-defined]
        except REDIS_DOWN:
            self._outage.mark_dirty(keys)
            raise
        self._fallback().clear()

    def _made(self, key: Any, version: int | None) -> str:
        return self.make_and_validate_key(key, version=version)

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        return self._call("add", [self._made(key, version)], key, value, timeout, version)

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._call("get", [], key, default, version)

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> None:
        self._call("set", [self._made(key, version)], key, value, timeout, version)

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._call("touch", [self._made(key, version)], key, timeout, version)

    def delete(self, key: Any, version: int | None = None) -> bool:
        return self._call("delete", [self._made(key, version)], key, version)

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        return self._call("get_many", [], keys, version)

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._call("has_key", [], key, version)

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        return self._call("incr", [self._made(key, version)], key, delta, version)

    def set_many(
        self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[Any]:
        written = [self._made(key, version) for key in data]
        return self._call("set_many", written, data, timeout, version)

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        keys = list(keys)
        self._call("delete_many", [self._made(key, version) for key in keys], keys, version)

    def clear(self) -> None:
        self._call("clear", [])


class DatabaseCache(DjangoDatabaseCache):
    """Django's database cache with an `incr` that keeps time.

    Django's counts by reading the value and writing it back with `set()`, which gives the entry
    the cache's default timeout (300 s): a limit of 5 per hour counted in the cache lasted five
    minutes (issue 12, item 5). Here `incr` changes the value of the row in place, under a row
    lock, and leaves its expiry alone, as Redis' INCR and the local-memory cache do.
    """

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
