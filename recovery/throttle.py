"""Fixed-window counters in the cache (Redis in production), with tenant-prefixed keys.

A throttle only stops *sending*: the page a person sees is the same, and a link already in the
owner's mailbox keeps working, so throttles cannot be used to lock anyone out.
"""

from dataclasses import dataclass

from django.core.cache import cache

from tenants.models import Tenant


@dataclass(frozen=True)
class Limit:
    scope: str
    count: int
    seconds: int


# DESIGN.md §3: at most 5 reset messages per account per hour, per-IP limits on top.
MAILS_PER_ACCOUNT = Limit("mail-account", 5, 3600)
REQUESTS_PER_IP = Limit("request-ip", 30, 600)
ANSWERS_PER_IP = Limit("answer-ip", 20, 600)
ANSWERS_PER_ACCOUNT = Limit("answer-account", 10, 3600)


def _key(tenant: Tenant, limit: Limit, subject: str) -> str:
    return f"{tenant.slug}:throttle:{limit.scope}:{subject.lower()}"


def throttle_hit(*, tenant: Tenant, limit: Limit, subject: str) -> bool:
    """Counts one more event; True while the count stays within the limit."""
    key = _key(tenant, limit, subject)
    cache.add(key, 0, limit.seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, limit.seconds)
        count = 1
    return count <= limit.count


def throttle_exceeded(*, tenant: Tenant, limit: Limit, subject: str) -> bool:
    return (cache.get(_key(tenant, limit, subject)) or 0) >= limit.count


def throttle_lift(*, tenant: Tenant, limit: Limit, subject: str) -> None:
    cache.delete(_key(tenant, limit, subject))
