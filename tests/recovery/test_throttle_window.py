"""Issue 12, item 5: a limit holds its stated window on every cache the project runs on — the
embedded default's database cache, Redis in production (when REDIS_URL is set), the local-memory
cache of the SQLite test pass. Time is moved by ageing what the cache stored (every entry's
expiry brought closer by the same number of seconds), never by sleeping."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection, models
from django.test import override_settings

from recovery import throttle
from recovery.throttle import Limit

pytestmark = pytest.mark.django_db

HOUR = Limit("test-hour", 2, 3600)

BACKENDS = {
    "locmem": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "database": {"BACKEND": "portal.cache.DatabaseCache", "LOCATION": "cartable_cache_test"},
    "redis": settings.CACHES["default"],
}


@pytest.fixture(params=list(BACKENDS))
def backend(request) -> str:
    config = BACKENDS[request.param]
    if request.param == "redis" and "redis" not in config["BACKEND"].lower():
        pytest.skip("REDIS_URL is not set: the production cache is tested in the Redis pass")
    with override_settings(CACHES={"default": config}):
        if request.param == "database":
            call_command("createcachetable", verbosity=0)
        caches["default"].clear()
        yield request.param
        caches["default"].clear()


def age(backend: str, seconds: int) -> None:
    """As if `seconds` had passed: every stored expiry comes that much closer."""
    cache = caches["default"]
    if backend == "locmem":
        for key in list(cache._expire_info):
            cache._expire_info[key] -= seconds
    elif backend == "redis":
        client = cache._cache.get_client(write=True)
        for key in client.keys("*"):
            left = client.pttl(key)
            if 0 < left <= seconds * 1000:
                client.delete(key)
            elif left > 0:
                client.pexpire(key, left - seconds * 1000)
    else:
        table = connection.ops.quote_name(cache._table)
        expression = models.Expression(output_field=models.DateTimeField())
        converters = connection.ops.get_db_converters(expression) + expression.get_db_converters(
            connection
        )
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT cache_key, expires FROM {table}")  # noqa: S608
            for key, expires in cursor.fetchall():
                for converter in converters:
                    expires = converter(expires, expression, connection)
                earlier = connection.ops.adapt_datetimefield_value(
                    expires - timedelta(seconds=seconds)
                )
                cursor.execute(
                    f"UPDATE {table} SET expires = %s WHERE cache_key = %s",  # noqa: S608
                    [earlier, key],
                )


def hit(tenant) -> bool:
    return throttle.throttle_hit(tenant=tenant, limit=HOUR, subject="jacqueline.dubois")


def test_a_count_made_now_still_counts_six_minutes_later(backend, tenant_a):
    # given the hour's two allowed events, counted now
    assert hit(tenant_a) and hit(tenant_a)
    # when 301 s pass (past the cache's default timeout of 300 s)
    age(backend, 301)
    # then the hour is not over: a third event is refused and the limit reads as reached
    assert not hit(tenant_a)
    assert throttle.throttle_exceeded(tenant=tenant_a, limit=HOUR, subject="jacqueline.dubois")


def test_the_window_does_end_after_its_hour(backend, tenant_a):
    assert hit(tenant_a) and hit(tenant_a) and not hit(tenant_a)
    age(backend, 3000)
    assert not hit(tenant_a)  # each refused event counted too, without moving the window
    age(backend, 601)
    assert hit(tenant_a)


def test_the_database_cache_counts_every_concurrent_event_once(tenant_a):
    """incr reads and writes one row under its lock: counted from one connection here, the
    same statement a second web worker would run."""
    with override_settings(CACHES={"default": BACKENDS["database"]}):
        call_command("createcachetable", verbosity=0)
        cache = caches["default"]
        cache.add("n", 0, 3600)
        assert [cache.incr("n") for _ in range(5)] == [1, 2, 3, 4, 5]
        assert cache.decr("n", 2) == 3
        with pytest.raises(ValueError, match="not found"):
            cache.incr("missing")
        cache.set("short", 1, 10)
        age("database", 11)
        with pytest.raises(ValueError, match="not found"):
            cache.incr("short")


def test_a_cache_that_would_shorten_the_windows_is_reported_by_check():
    from django.core.checks import run_checks

    stock = {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "x"}
    with override_settings(CACHES={"default": stock}):
        assert "cartable.W001" in [message.id for message in run_checks()]
    with override_settings(CACHES={"default": BACKENDS["database"]}):
        assert "cartable.W001" not in [message.id for message in run_checks()]


def test_the_embedded_default_counts_in_the_cache_that_keeps_time():
    """What `manage.py runserver` uses with no REDIS_URL (the tests replace it by locmem)."""
    import subprocess
    import sys

    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "portal.settings"}
    out = subprocess.run(
        [sys.executable, "-c", "from portal import settings; print(settings.CACHES)"],
        env=env, capture_output=True, text=True, check=True, cwd=settings.BASE_DIR,
    ).stdout  # fmt: skip
    assert "'portal.cache.DatabaseCache'" in out
