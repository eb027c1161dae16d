"""Pages that depend on the host's tenant: the home redirect (or, on the platform host, the demo
networks) and the tenant's logo."""

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from tenants.http import TenantRequest
from tenants.selectors import demo_tenants


def home(request: TenantRequest) -> HttpResponse:
    if request.tenant is None:
        tenants = demo_tenants() if settings.DEMO_MODE else []
        return render(request, "tenants/platform_home.html", {"tenants": tenants})
    if not request.user.is_authenticated:
        return redirect("account_login")
    return redirect("profile")


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
