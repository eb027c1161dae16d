"""Argon2id at OWASP's minimum (19 MiB, 2 passes, 1 lane) instead of Django's 100 MiB × 8 lanes.

The algorithm name stays "argon2", so hashes made with Django's defaults still verify, and
`must_update` sees their other parameters and rehashes them at the next login.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class OwaspArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
