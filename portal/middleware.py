"""Response headers the whole portal shares, and the web requests' statement timeout."""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control

# No inline script anywhere: scripts are self-hosted files. Inline styles are allowed for the
# tenant's colour variables only.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "media-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response


class RejectNulMiddleware:
    """A NUL character has no place in an address: PostgreSQL refuses it in any text, so a
    `%00` in a path or a query parameter that a view looked up was a 500 there (and a plain
    404 on SQLite). Forms refuse it in their own fields (Django's CharField validator)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or any(
            "\x00" in key or "\x00" in value
            for key, values in request.GET.lists()
            for value in values
        ):
            return render(request, "400.html", status=400)
        return self.get_response(request)


class SignedInNoStoreMiddleware:
    """A page rendered for a signed-in person (profile, wallet, invitations, receipts) is theirs
    alone: neither a shared proxy nor the browser's disk keeps it, so the back button on a
    family computer after logging out shows nothing. A response that chose its own caching (the
    calendar feed, the admin's never_cache) keeps it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if "Cache-Control" not in response and user is not None and user.is_authenticated:
            patch_cache_control(
                response, no_store=True, no_cache=True, must_revalidate=True, private=True
            )
        return response


def statement_timeout_set(*, connection: BaseDatabaseWrapper, **_kwargs: Any) -> None:
    """A web request's SQL statement runs at most DATABASE_WEB_STATEMENT_TIMEOUT_MS on
    PostgreSQL (set once per connection; workers and commands, which never load the middleware,
    keep no limit)."""
    timeout = settings.DATABASE_WEB_STATEMENT_TIMEOUT_MS
    if connection.vendor == "postgresql" and timeout:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('statement_timeout', %s, false)", [f"{timeout}ms"])


class StatementTimeoutMiddleware:
    """One slow page must not hold a web worker (and every other tenant's visitors) for long:
    its statement is cancelled and the visitor gets a 503 page that says why."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        connection_created.connect(statement_timeout_set, dispatch_uid="portal.statement_timeout")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, OperationalError) and _is_cancelled(exception):
            return render(request, "503.html", status=503)
        return None


def _is_cancelled(error: OperationalError) -> bool:
    cause = error.__cause__
    return type(cause).__name__ == "QueryCanceled"  # psycopg.errors, without importing psycopg
