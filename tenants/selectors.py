"""Reads of tenants and their schools: the host → tenant lookup runs on every request, so it is
cached briefly — in the process for a few seconds, in the shared cache for longer."""

import copy
import threading
import time
from typing import Any, Protocol

from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet

from tenants.models import School, Tenant, TenantHost
from tenants.scoping import scopes_disabled


class Viewer(Protocol):
    """What these reads need of a member of the admin (the AUTH_USER_MODEL, which lives in
    `accounts`, above this app)."""

    tenant_id: int | None
    is_superuser: bool
    is_tenant_admin: bool
    schools: Any  # her schools: a many-to-many manager of School


_CACHE_SECONDS = 30
_MISS = 0  # cached for unknown hosts too, so probing random hosts costs no query
# Each web process keeps the tenant of a host this long: a request then asks neither the cache
# nor the database for it (on the floor page, one query and one cache round trip of three).
# A change saved in this process is seen at once (tenants.signals clears it); another process
# sees it within these seconds.
LOCAL_SECONDS = 5.0
_clock = time.monotonic
_local: dict[str, tuple[float, Tenant | None]] = {}
_local_lock = threading.Lock()


def normalise_host(host: str) -> str:
    """'Creos.LocalHost:8000' → 'creos.localhost' (port and case do not pick a tenant)."""
    host = host.strip().lower()
    if host.startswith("["):  # IPv6 literal
        return host.split("]")[0] + "]"
    return host.rsplit(":", 1)[0] if ":" in host else host


def is_platform_host(host: str) -> bool:
    return normalise_host(host) in settings.PLATFORM_HOSTS


def tenant_for_host(host: str) -> Tenant | None:
    """The active tenant this host reaches, or None. A copy per call: a request may change its
    tenant object without the next request seeing it."""
    host = normalise_host(host)
    cached = _local.get(host)
    if cached is not None and cached[0] > _clock():
        return copy.copy(cached[1])
    tenant = _tenant_for_host(host)
    with _local_lock:
        _local[host] = (_clock() + LOCAL_SECONDS, tenant)
    return copy.copy(tenant)


def tenant_cache_clear() -> None:
    """Forget this process's host → tenant entries (a tenant or host changed)."""
    with _local_lock:
        _local.clear()


def _tenant_for_host(host: str) -> Tenant | None:
    key = f"tenant-host:{host}"
    tenant_id = cache.get(key)
    if tenant_id is None:
        tenant_id = (
            # The one query that runs before any tenant is known.
            TenantHost.objects.with_scopes_disabled()
            .filter(host=host, tenant__is_active=True)
            .values_list("tenant_id", flat=True)
            .first()
        ) or _MISS
        cache.set(key, tenant_id, _CACHE_SECONDS)
    if tenant_id == _MISS:
        return None
    return Tenant.objects.filter(pk=tenant_id, is_active=True).first()


def tenant_host_forget(host: str) -> None:
    cache.delete(f"tenant-host:{normalise_host(host)}")
    tenant_cache_clear()


def tenant_public_base_url(tenant: Tenant) -> str:
    """Absolute base URL from the tenant's configured host, never from a request's Host header."""
    port = f":{settings.PUBLIC_PORT}" if settings.PUBLIC_PORT else ""
    return f"{settings.PUBLIC_SCHEME}://{tenant.primary_host}{port}"


def demo_tenants() -> list[Tenant]:
    with scopes_disabled():  # the platform's list of every network
        return list(Tenant.objects.filter(is_active=True).prefetch_related("hosts"))


def schools_visible_to(*, viewer: Viewer, tenant: Tenant | None) -> QuerySet[School]:
    """Schools a member of the admin may see at this host: every school for a platform
    superuser on the platform host, her tenant's for a tenant administrator, else her own."""
    if viewer.is_superuser and tenant is None:
        return School.objects.all()
    if tenant is None or viewer.tenant_id != tenant.id:
        return School.objects.none()
    schools = School.objects.all()  # the host's tenant's (tenants.scoping)
    if viewer.is_superuser or viewer.is_tenant_admin:
        return schools
    return schools.filter(pk__in=viewer.schools.values("pk"))
