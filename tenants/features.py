"""Which flows a tenant has switched on (DESIGN.md §1), asked one way everywhere."""

from collections.abc import Callable
from functools import wraps
from typing import Any, Literal, TypeGuard, TypeVar, cast

from django.http import Http404, HttpRequest, HttpResponseBase

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


def tenant_has_feature(tenant: Tenant | None, feature: Feature) -> TypeGuard[Tenant]:
    return tenant is not None and bool(getattr(tenant, feature))


_View = TypeVar("_View", bound=Callable[..., HttpResponseBase])


def feature_required(feature: Feature) -> Callable[[_View], _View]:
    """A view of a flow the request's tenant has not switched on is a plain 404 (so the view
    may type its request as a `tenants.http.TenantHostRequest`)."""

    def decorator(view: _View) -> _View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not tenant_has_feature(getattr(request, "tenant", None), feature):
                raise Http404
            return view(request, *args, **kwargs)

        return cast(_View, wrapped)

    return decorator
