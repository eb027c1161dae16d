"""The request's host picks the tenant; nothing else (form, header, query) can."""

from collections.abc import Callable
from contextlib import AbstractContextManager

from django.conf import settings
from django.contrib.auth import logout
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotFound
from django.utils import translation

from tenants.http import TenantRequest
from tenants.scoping import no_scope, scopes_disabled, tenant_scope
from tenants.selectors import is_platform_host, tenant_for_host

# Paths served on any allowed host, tenant or not (load balancer probes, static files).
_HOSTLESS_PREFIXES = ("/healthz", "/static/")


class TenantMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: TenantRequest) -> HttpResponse:
        host = request.get_host()
        request.tenant = tenant_for_host(host)
        request.is_platform_host = request.tenant is None and is_platform_host(host)
        if (
            request.tenant is None
            and not request.is_platform_host
            and not request.path.startswith(_HOSTLESS_PREFIXES)
        ):
            # A plain page: an unknown host must never see any tenant's branding.
            return HttpResponseNotFound(
                b"<!doctype html><html lang=fr><title>404</title><h1>404</h1></html>",
                content_type="text/html; charset=utf-8",
            )
        with _request_scope(request):
            return self.get_response(request)


def _request_scope(request: TenantRequest) -> AbstractContextManager[None]:
    """The request's tenant scopes every query of tenant-owned rows (tenants.scoping); the
    platform host works across tenants; a host-less path (health check) sees no tenant data."""
    if request.tenant is not None:
        return tenant_scope(request.tenant)
    if request.is_platform_host:
        return scopes_disabled()
    return no_scope()


class TenantLocaleMiddleware:
    """The visitor's chosen language (cookie), else the tenant's default, else French.

    The browser's Accept-Language is not used: a school network speaks its own language first.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        supported = {code for code, _name in settings.LANGUAGES}
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        tenant = getattr(request, "tenant", None)
        if chosen not in supported:
            chosen = tenant.default_language if tenant else settings.LANGUAGE_CODE
        translation.activate(chosen)
        request.LANGUAGE_CODE = chosen
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", chosen)
        response.headers.setdefault("Vary", "Cookie")
        return response


class TenantUserGuardMiddleware:
    """A session opened at one tenant is worthless at another (and on the platform host)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: TenantRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and user.tenant_id != getattr(request.tenant, "id", None):
            logout(request)
        return self.get_response(request)


def require_tenant(request: HttpRequest) -> None:
    if getattr(request, "tenant", None) is None:
        raise Http404
