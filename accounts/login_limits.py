"""The per-identifier count of failed logins (both logins share it, accounts.adapter), read and
lifted from outside a login request: the help desk's « Lever les limites »."""

from __future__ import annotations

import time

from allauth.core.internal.ratelimit import Rate, get_cache_key, get_rates
from django.core.cache import cache

from tenants.models import Tenant

APP = "allauth.account"
ACTION = "login_failed"


def login_limit_key(*, tenant: Tenant | None, identifier: str) -> str:
    """An identifier's login failures are counted under this key (tenant-prefixed)."""
    return f"{tenant.slug if tenant else '_platform'}:{identifier.strip().lower()}"


def _cache_keys(key: str) -> list[tuple[Rate, str]]:
    """Each per-identifier rate of `login_failed` and its cache key. The rates counted per key
    need no request (allauth hashes the key alone)."""
    return [
        (rate, get_cache_key(None, app=APP, action=ACTION, rate=rate, key=key))
        for rate in get_rates(app=APP, action=ACTION)
        if rate.per == "key"
    ]


def login_limit_reached(*, tenant: Tenant | None, identifier: str) -> bool:
    """True when a new browser would be told to wait before this identifier's next login."""
    now = time.time()
    for rate, cache_key in _cache_keys(login_limit_key(tenant=tenant, identifier=identifier)):
        recent = [at for at in cache.get(cache_key) or [] if at > now - rate.duration]
        if len(recent) >= rate.amount:
            return True
    return False


def login_limit_lift(*, tenant: Tenant | None, identifier: str) -> None:
    """Forgets this identifier's failed logins (the per-address limits stay)."""
    for _rate, cache_key in _cache_keys(login_limit_key(tenant=tenant, identifier=identifier)):
        cache.delete(cache_key)
