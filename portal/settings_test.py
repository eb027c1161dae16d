"""Test settings: the real settings with a fast hasher, eager Celery whose errors propagate, and
for each pytest-xdist worker its own var/ folder and Redis database.

With REDIS_URL set (the PostgreSQL + Redis pass of `make test`), the cache is Redis, as in
production, so throttles and rate limits run on it. The worker `gwN` uses database base + N of
that URL: the cache is flushed around every test (tests/conftest.py), and a flush must not wipe
another worker's keys.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.core.exceptions import ImproperlyConfigured

os.environ.setdefault("CARTABLE_DEMO", "1")

# "gw0", "gw1", ... under pytest-xdist; unset in a plain run.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER") or "gw0"
_WORKER_INDEX = int(_WORKER.removeprefix("gw") or 0)
_REDIS_MAX_DB = 15  # Redis' default configuration has 16 databases

# Media, PDFs, mail files and broker folders of one worker never meet another's. Set before the
# real settings are read so that every path derived from VAR_DIR follows, in subprocesses too
# (which, reading these settings again, keep their parent's folder).
_var = Path(os.environ.get("CARTABLE_VAR_DIR", Path(__file__).resolve().parent.parent / "var"))
if _var.parent.name != "test":
    os.environ["CARTABLE_VAR_DIR"] = str(_var / "test" / _WORKER)

from portal.settings import *  # noqa: E402, F403
from portal.settings import CACHES, REDIS_URL, VAR_DIR  # noqa: E402


def worker_redis_url(url: str, index: int) -> str:
    """`redis://host:6379/14` for worker 1 → `redis://host:6379/15`."""
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    if base + index > _REDIS_MAX_DB:
        raise ImproperlyConfigured(
            f"REDIS_URL {url}: worker {index} would need Redis database {base + index}; "
            f"choose a base database of at most {_REDIS_MAX_DB - index} or fewer workers"
        )
    return urlunsplit(parts._replace(path=f"/{base + index}"))


PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The database cache that stands in for Redis during an outage (portal.cache) exists on both
# passes: the fault suite (tests/portal/test_faults.py) starts its own Redis in front of it.
_FALLBACK_CACHE = {
    "BACKEND": "portal.cache.DatabaseCache",
    "LOCATION": "cartable_cache",
    "KEY_PREFIX": "cartable",
}
if REDIS_URL:
    REDIS_URL = worker_redis_url(REDIS_URL, _WORKER_INDEX)
    # The shared Redis of a loaded test machine may stall past production's half second: a
    # failover to the database cache would change a page's query count. The fault suite sets
    # its own short timeouts.
    _options = {**CACHES["default"]["OPTIONS"], "socket_timeout": 5, "socket_connect_timeout": 5}
    CACHES = {
        "default": {**CACHES["default"], "LOCATION": REDIS_URL, "OPTIONS": _options},
        "fallback": _FALLBACK_CACHE,
    }
    CELERY_BROKER_URL = REDIS_URL
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "fallback": _FALLBACK_CACHE,
    }
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
MEDIA_ROOT = VAR_DIR / "media"
