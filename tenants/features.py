"""Which flows a tenant has switched on (DESIGN.md §1), asked one way everywhere."""

from collections.abc import Callable
from functools import wraps
from typing import Any, Literal

from django.http import Http404, HttpRequest, HttpResponse

from tenants.models import Tenant

Feature = Literal[
    "identifier_reset",
    "two_step_reset",
    "student_mailbox_reset",
    "numen_lookup",
    "numen_initial_login",
    "student_self_activation",
    "payments",
]


def tenant_has_feature(tenant: Tenant | None, feature: Feature) -> bool:
    return tenant is not None and bool(getattr(tenant, feature))


def feature_required(feature: Feature) -> Callable[[Callable[..., HttpResponse]], Any]:
    """A view of a flow the request's tenant has not switched on is a plain 404."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not tenant_has_feature(getattr(request, "tenant", None), feature):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
