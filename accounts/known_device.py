"""A browser where a person logged in before: its per-identifier login count is its own.

Both logins (the portal's, through allauth, and the admin's) count failures per identifier, so
that nobody can guess one person's password from many addresses. That count alone would let a
stranger lock the owner out with a few wrong passwords; NIST SP 800-63B asks to throttle, never
to lock. So a successful login leaves a signed cookie naming the person's login key and a random
nonce (OWASP "device cookies"), and in that browser the identifier's failures are counted under
the nonce: the stranger's failures elsewhere never reach the owner's browser, and a stolen or
forged cookie buys its holder no more tries than anyone. The per-address limit applies to all.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponseBase

KNOWN_DEVICE_COOKIE = "cartable_known_device"
KNOWN_DEVICE_SALT = "cartable.known-device"
KNOWN_DEVICE_MAX_AGE = 180 * 24 * 3600


def known_device_login(request: HttpRequest) -> tuple[str, str] | None:
    """(login key, nonce) of this browser's known-device cookie, if it is genuine."""
    value = request.COOKIES.get(KNOWN_DEVICE_COOKIE)
    if not value:
        return None
    try:
        data = signing.loads(value, salt=KNOWN_DEVICE_SALT, max_age=KNOWN_DEVICE_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    login, nonce = data.get("login"), data.get("nonce")
    return (login, nonce) if isinstance(login, str) and isinstance(nonce, str) else None


def known_device_key(request: HttpRequest, login_key: str) -> str:
    """The key failures of `login_key` count under in this browser."""
    known = known_device_login(request)
    if known is not None and known[0] == login_key:
        return f"{login_key}:device:{known[1]}"
    return login_key


def known_device_remember(response: HttpResponseBase, login_key: str) -> None:
    """After a successful login: this browser becomes a known device of that login."""
    value = signing.dumps(
        {"login": login_key, "nonce": secrets.token_urlsafe(16)}, salt=KNOWN_DEVICE_SALT
    )
    response.set_cookie(
        KNOWN_DEVICE_COOKIE,
        value,
        max_age=KNOWN_DEVICE_MAX_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
