"""Argon2id at OWASP's minimum instead of Django's 100 MiB × 8 lanes (DESIGN.md §2).

OWASP's Password Storage Cheat Sheet gives five Argon2id settings of equal strength: m=47104 (46
MiB) t=1, m=19456 (19 MiB) t=2, m=12288 t=3, m=9216 t=4 and m=7168 (7 MiB) t=5, all with one
lane. Their memory × passes is about the same, but argon2 allocates (and the kernel zeroes and
maps) the whole memory afresh at every verification, and that part grows with memory alone: on the
project's 2-core machine (bench/argon2_options.py, CPU time per verification, three runs)
m=7168 t=5 costs 16–19 ms, m=9216 t=4 and m=12288 t=3 ×1.05–1.2, m=19456 t=2 22–26 ms (×1.3–1.4),
m=47104 t=1 56–66 ms (×3.3–3.5), Django's default 213–236 ms. The smallest memory with the most
passes is the fastest, so it is this one (bench/README.md, "Which Argon2id").

The algorithm name stays "argon2", so hashes made with other parameters (Django's defaults, or
the 19 MiB × 2 passes this portal used before) still verify, and `must_update` sees their
parameters and rehashes them at the next login.
"""

import functools
import secrets

from django.contrib.auth.hashers import Argon2PasswordHasher, make_password


class OwaspArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 5
    memory_cost = 7 * 1024  # KiB
    parallelism = 1


@functools.cache
def dummy_password_hash() -> str:
    """A hash of the default hasher at its current cost, checked when there is no account (or no
    usable password): a verification like a real account's, not a hash, whose cost and memory
    pattern differ slightly (bench/README.md, "Public forms")."""
    return make_password(secrets.token_urlsafe(32))
