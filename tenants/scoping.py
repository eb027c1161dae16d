"""The one tenancy guard (DESIGN.md §1): every model a tenant owns is read through a manager that
filters by the active tenant and refuses to run when none is active (django-scopes).

The middleware opens the scope per request; tasks and commands open it explicitly with
`tenant_scope(...)`; the few cross-tenant jobs (host lookup, sweeps, the platform's admin) say so
with `scopes_disabled()`.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from django.db import models
from django_scopes import ScopedManager, ScopeError, scope, scopes_disabled

from portal.append_only import AppendOnlyQuerySet
from portal.scopes import no_scope

T = TypeVar("T")
_M = TypeVar("_M", bound=models.Model)

__all__ = [
    "AppendOnlyTenantScopedManager",
    "TenantScopedManager",
    "formfield_outside_scope",
    "in_each_tenant",
    "in_scope_of",
    "is_tenant_scoped",
    "no_scope",
    "scoped_manager_class",
    "scopes_disabled",
    "tenant_scope",
    "tenant_scoped_manager",
]


def scoped_manager_class(manager_class: type[models.Manager[Any]]) -> Any:
    """The class of django-scopes' manager built on `manager_class`, filtering on `tenant`."""
    return type(ScopedManager(_manager_class=manager_class, tenant="tenant"))


# django-scopes builds its manager class inside a function, where django-stubs' plugin (which
# types a model's managers from their runtime class) cannot find it: these module-level
# subclasses give it a name, and mypy their typed face.
if TYPE_CHECKING:

    class TenantScopedManager(models.Manager[_M]):
        def with_scope(self, **scope: Any) -> Self: ...
        def with_scopes_disabled(self) -> Self: ...

    class AppendOnlyTenantScopedManager(TenantScopedManager[_M]):
        def get_queryset(self) -> AppendOnlyQuerySet[_M]: ...

else:

    class TenantScopedManager(scoped_manager_class(models.Manager)):
        pass

    class AppendOnlyTenantScopedManager(
        scoped_manager_class(models.Manager.from_queryset(AppendOnlyQuerySet))
    ):
        pass


def tenant_scoped_manager() -> "TenantScopedManager[Any]":
    """`objects` of a model with a `tenant` key."""
    return TenantScopedManager()


@contextmanager
def tenant_scope(tenant: Any) -> Iterator[None]:
    """Queries of tenant-owned rows see only `tenant` (a Tenant or its id) inside the block."""
    if tenant is None:
        # django-scopes reads a None dimension as "no filter": never what a caller means here.
        raise ValueError("tenant_scope needs a tenant")
    with scope(tenant=tenant):
        yield


def is_tenant_scoped(manager: models.Manager) -> bool:
    """True when `manager` refuses to query outside a tenant scope."""
    with no_scope():
        try:
            manager.all().count()
        except ScopeError:
            return True
    return False


def formfield_outside_scope(db_field: models.Field, **kwargs: Any) -> Any:
    """`Meta.formfield_callback` of a ModelForm declared at import time, when no tenant is active:
    its relation fields start empty. The admin (or the form's `__init__`) gives them their
    tenant's rows per request."""
    if db_field.is_relation and "queryset" not in kwargs:
        # A relation's model is resolved (a class, not "self") once the apps are loaded.
        related_model = cast(type[models.Model], db_field.related_model)
        kwargs["queryset"] = related_model._base_manager.none()
    return db_field.formfield(**kwargs)


def in_each_tenant() -> Iterator[Any]:
    """Periodic jobs: each tenant in turn, inside its own scope."""
    from tenants.models import Tenant

    for tenant in Tenant.objects.order_by("pk"):
        with tenant_scope(tenant):
            yield tenant


def in_scope_of(model: type[models.Model]) -> Callable[[Callable[..., T]], Callable[..., T | None]]:
    """A task whose first argument is the id of a `model` row runs in that row's tenant scope
    (a platform row, without tenant, in the platform's unscoped view); a vanished row is a no-op."""

    def decorator(task: Callable[..., T]) -> Callable[..., T | None]:
        @wraps(task)
        def wrapped(pk: int, *args: Any, **kwargs: Any) -> T | None:
            manager = cast("TenantScopedManager[Any]", model._default_manager)  # a scoped model's
            found = list(
                manager.with_scopes_disabled().filter(pk=pk).values_list("tenant_id", flat=True)
            )
            if not found:
                return None
            context = scopes_disabled() if found[0] is None else tenant_scope(found[0])
            with context:
                return task(pk, *args, **kwargs)

        return wrapped

    return decorator
