"""What the payments admins share: read-only rows, the context of their own views, and the
access helper of those views."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from tenants.http import request_tenant
from tenants.models import Tenant


class ReadOnlyMixin:
    """Rows written by the services only: no add, change or delete in the admin, for anyone."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


def admin_context(model_admin, request: HttpRequest, **extra) -> dict:
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        **extra,
    }


def needs_tenant(request: HttpRequest) -> Tenant:
    """The host's tenant; a 404 on the platform host."""
    tenant = request_tenant(request)
    if tenant is None:
        raise Http404
    return tenant


def own_object(model_admin: admin.ModelAdmin, request: HttpRequest, pk: int):
    """The access helper of the admin's own views: an object of this tenant (and this
    secretary's schools) that she may view, else 404 / 403."""
    needs_tenant(request)
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    return get_object_or_404(model_admin.get_queryset(request), pk=pk)
