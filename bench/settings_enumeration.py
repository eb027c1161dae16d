"""The real settings (Argon2id at OWASP's minimum, the real login form) for
bench/enumeration_timing.py: debug off (no query log), a per-process cache, no rate limits (every
request comes from one address, and a limit would answer them all alike)."""

from portal.settings import *  # noqa: F403

DEBUG = False
ACCOUNT_RATE_LIMITS = False
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_TASK_ALWAYS_EAGER = True
