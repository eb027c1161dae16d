"""Portal-wide pages: health probe, the benchmarks' floor page, CSRF failure (tenant pages are in
`tenants.views`)."""

import redis
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from portal.cache import ResilientRedisCache


def floor(request: HttpRequest) -> HttpResponse:
    """The bare base template, for a visitor or a signed-in person: the benchmarks' floor page
    (what any page of the portal costs before its own content)."""
    return render(request, "base.html")


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when everything answers; else 503 and what is down. Pages keep working without the
    cache and the broker (portal.cache, portal.celery.task_publish): the 503 is for operators."""
    checks = {"database": _database_ok(), "broker": _broker_ok(), "cache": _cache_ok()}
    status = 200 if all(checks.values()) else 503
    return JsonResponse(
        {name: "ok" if ok else "down" for name, ok in checks.items()}, status=status
    )


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        return False


def _broker_ok() -> bool:
    from portal.celery import app

    if str(app.conf.broker_url).startswith(("redis://", "rediss://")):
        return _redis_answers(app.conf.broker_url)
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        return False


def _cache_ok() -> bool:
    """Redis behind the cache answers (asked directly, not through the breaker); another
    backend (the database, memory) is as up as the database."""
    backend = caches["default"]
    if isinstance(backend, ResilientRedisCache):
        return _redis_answers(backend.location)
    return True


def _redis_answers(url: str) -> bool:
    timeout = settings.REDIS_TIMEOUT_MS / 1000
    try:
        client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except (redis.RedisError, OSError):
        return False


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", status=403)
