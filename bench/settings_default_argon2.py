"""The benchmark settings with Django's default Argon2 (100 MiB, 2 passes, 8 lanes) first.

Listed first, it both makes the hashes and decides `must_update`, so hashes at Django's default
parameters are not upgraded during the run.
"""

from bench.settings_owasp import *  # noqa: F403

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
