"""Portal-wide pages: home, health probe, CSRF failure."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from tenants.selectors import demo_tenants


def home(request: HttpRequest) -> HttpResponse:
    if request.tenant is None:
        tenants = demo_tenants() if settings.DEMO_MODE else []
        return render(request, "portal/platform_home.html", {"tenants": tenants})
    if not request.user.is_authenticated:
        return redirect("account_login")
    return redirect("profile")


@login_required
def floor(request: HttpRequest) -> HttpResponse:
    """The bare base template for an authenticated user: the benchmarks' floor page."""
    return render(request, "base.html")


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _database_ok(), "broker": _broker_ok()}
    status = 200 if all(checks.values()) else 503
    return JsonResponse(
        {name: "ok" if ok else "down" for name, ok in checks.items()}, status=status
    )


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        return False


def _broker_ok() -> bool:
    from portal.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        return False


@require_GET
def tenant_logo(request: HttpRequest) -> FileResponse:
    """The host's tenant's logo: the only uploaded file served without a further check."""
    tenant = getattr(request, "tenant", None)
    if tenant is None or not tenant.logo:
        raise Http404
    try:
        response = FileResponse(tenant.logo.open("rb"))
    except FileNotFoundError as error:
        raise Http404 from error
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", status=403)
