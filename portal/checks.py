"""System checks (`manage.py check`) for settings that would quietly weaken the limits."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.checks import Warning, register


@register()
def cache_counters_keep_their_window(**_kwargs: Any) -> list[Warning]:
    """Django's generic `incr` (database and file caches) writes the count back with the default
    timeout: a limit counted there lasts five minutes whatever its window (issue 12, item 5).
    Every alias: the one that stands in for Redis during an outage counts the limits then."""
    warnings = []
    for alias in settings.CACHES:
        backend = type(caches[alias])
        if backend.incr is not BaseCache.incr:
            continue
        warnings.append(
            Warning(
                f"The cache {alias!r} ({backend.__module__}.{backend.__name__}) resets an "
                "entry's expiry on every count: rate limits would last CACHES' TIMEOUT, not "
                "their window.",
                hint="Use portal.cache.DatabaseCache (the embedded default) or Redis (REDIS_URL).",
                id="cartable.W001",
            )
        )
    return warnings


@register(deploy=True)
def proxy_addresses_known(**_kwargs: Any) -> list[Warning]:
    """Behind a proxy every request comes from the proxy: unless it is named, every visitor
    shares its address in the per-address limits and the audit log (issue 12, item 6)."""
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None) and not settings.CARTABLE_TRUSTED_PROXIES:
        return [
            Warning(
                "DJANGO_BEHIND_PROXY is set but CARTABLE_TRUSTED_PROXIES is empty: every "
                "visitor would share the proxy's address in limits and logs.",
                hint="Set CARTABLE_TRUSTED_PROXIES to the proxies' addresses or networks.",
                id="cartable.W002",
            )
        ]
    return []
