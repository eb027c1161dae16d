"""The real settings (Argon2id at OWASP's minimum, the real login form) for
bench/enumeration_timing.py: debug off (no query log), a per-process cache, no rate limits (every
request comes from one address, and a limit would answer them all alike)."""

import os

from portal.settings import *  # noqa: F403

DEBUG = False
ACCOUNT_RATE_LIMITS = False
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Not eager: a recovery request is looked up by the worker, never in the request it answers
# (the filesystem broker takes the task; no worker runs here).
CELERY_TASK_ALWAYS_EAGER = False

# `--fast-hasher`: the test settings' hasher, so that what is left is the code path around the
# hash (on a busy machine Argon2's 19 MiB pass varies by milliseconds from one call to the next).
if os.environ.get("BENCH_FAST_HASHER"):
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
