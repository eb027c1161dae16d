"""The page after login that asks for recovery methods: set up by the login (a session key),
held by this middleware until the person registers, confirms or puts it off."""

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from recovery.registration.services import registration_due, registration_policy
from tenants.models import MethodsRegistration

SESSION_KEY = "recovery.registration"

# Reachable while the page is pending: the page itself, the profile's own method pages, logout,
# language, the set-password step before it, static files, the logo, and the demo's inbox (the
# codes of a demo arrive there).
_OPEN_PREFIXES = ("/static/", "/i18n/", "/logo", "/healthz", "/dev-inbox/")


def _open_paths() -> tuple[str, ...]:
    return (
        reverse("registration:prompt"),
        reverse("methods:overview"),
        reverse("account_logout"),
        reverse("password_set_required"),
        *_OPEN_PREFIXES,
    )


@receiver(user_logged_in, dispatch_uid="recovery.registration.on_login")
def registration_on_login(sender, request: HttpRequest | None, user, **kwargs) -> None:
    """At each login, decide once whether the page is due (a few indexed queries)."""
    session = getattr(request, "session", None)
    if request is None or session is None:
        return
    tenant = getattr(request, "tenant", None)
    if registration_due(user=user, tenant=tenant) is None:
        session.pop(SESSION_KEY, None)
    else:
        # `at`: the password was typed now; the page adds a missing method without asking it
        # again for a while (recovery.registration.views).
        session[SESSION_KEY] = {"next": "", "at": int(time.time())}


def safe_next(request: HttpRequest, candidate: str | None) -> str:
    """Where to go afterwards: a path of this host only (never another site, never the page
    itself or logout), else the portal's home."""
    default = resolve_url(settings.LOGIN_REDIRECT_URL)
    if not candidate or not url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return default
    if candidate.startswith((reverse("registration:prompt"), reverse("account_logout"))):
        return default
    return candidate


class MethodsRegistrationMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and SESSION_KEY in session:
            response = self._hold(request)
            if response is not None:
                return response
        return self.get_response(request)

    def _hold(self, request: HttpRequest) -> HttpResponse | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if registration_policy(getattr(request, "tenant", None)) == MethodsRegistration.OFF:
            request.session.pop(SESSION_KEY, None)  # the tenant switched it off meanwhile
            return None
        if request.path.startswith(_open_paths()):
            return None
        url = reverse("registration:prompt")
        if request.method in ("GET", "HEAD"):
            url += "?" + urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(url)
