"""The real settings (Argon2id at OWASP's minimum first), for the login benchmark.

Only change: allauth's default "login" rate limit (30 POSTs per minute per IP) is lifted, since
every benchmark client shares 127.0.0.1; the limit on failed logins stays as configured.
"""

from portal.settings import *  # noqa: F403
from portal.settings import ACCOUNT_RATE_LIMITS

ACCOUNT_RATE_LIMITS = {**ACCOUNT_RATE_LIMITS, "login": None}
