"""The request as `TenantMiddleware` leaves it, typed for the views (mypy reads the attributes
the middleware sets from here; nothing here runs on a request)."""

from typing import cast

from django.http import HttpRequest

from tenants.models import Tenant


class TenantRequest(HttpRequest):
    """Any request past `TenantMiddleware`: the host's tenant, None on the platform host."""

    tenant: Tenant | None
    is_platform_host: bool


class TenantHostRequest(TenantRequest):
    """A request at a tenant's host: a view behind `feature_required` or `require_tenant`."""

    tenant: Tenant


def request_tenant(request: HttpRequest) -> Tenant | None:
    """The host's tenant of a request Django types as its own (an admin method's argument)."""
    return cast(TenantRequest, request).tenant
