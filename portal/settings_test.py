"""Test settings: the real settings with a fast hasher, eager-free Celery and a local cache."""

import os

os.environ.setdefault("CARTABLE_DEMO", "1")

from portal.settings import *  # noqa: E402, F403
from portal.settings import VAR_DIR  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = False
MEDIA_ROOT = VAR_DIR / "test-media"
ACCOUNT_RATE_LIMITS = False
