"""The request of a signed-in person, typed for the views (see `tenants.http`)."""

from typing import cast

from django.http import HttpRequest

from accounts.models import User
from tenants.http import TenantRequest
from tenants.models import Tenant


class AuthenticatedRequest(TenantRequest):
    """A request behind `login_required` or the admin's login: `user` is a person, not
    anonymous. On the platform host (a platform superuser) the tenant is None."""

    user: User


class MemberRequest(AuthenticatedRequest):
    """A signed-in member of the host's tenant (TenantUserGuardMiddleware logs out anyone else)
    on a page of the tenant's host."""

    tenant: Tenant


def request_user(request: HttpRequest) -> User:
    """The signed-in person of a request Django types as its own (an admin method's argument:
    the admin site lets only signed-in staff in)."""
    return cast(AuthenticatedRequest, request).user
