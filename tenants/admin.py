from typing import cast

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from portal.admin_site import TenantScopedAdmin, admin_site
from tenants.http import request_tenant
from tenants.models import School, Tenant, TenantHost
from tenants.selectors import Viewer, schools_visible_to, tenant_host_forget


class TenantHostInline(admin.TabularInline):
    model = TenantHost
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_staff


@admin.register(Tenant, site=admin_site)
class TenantAdmin(TenantScopedAdmin):
    add_title = _("Ajouter un réseau scolaire")
    """Platform administrators manage every network; a network's administrator edits her own
    branding, features and password policy (never its hosts)."""

    inlines = [TenantHostInline]
    list_display = ["name", "slug", "is_active"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "is_active"]}),
        (
            "Identité",
            {
                "fields": [
                    "display_name",
                    "logo",
                    "primary_colour",
                    "support_text",
                    "support_text_en",
                    "voice",
                    "default_language",
                ]
            },
        ),
        (
            "Fonctions",
            {
                "fields": [
                    "identifier_reset",
                    "two_step_reset",
                    "student_mailbox_reset",
                    "numen_lookup",
                    "numen_initial_login",
                    "payments",
                ]
            },
        ),
        (
            "Méthodes de récupération",
            {
                "fields": [
                    "two_step_methods_required",
                    "methods_registration",
                    "methods_registration_skips",
                    "methods_reconfirm_days",
                ]
            },
        ),
        ("Mot de passe", {"fields": ["password_min_length", "password_rules"]}),
        ("Activation", {"fields": ["activation_days", "student_self_activation"]}),
        ("Rechargements", {"fields": ["iban", "creditor_name"]}),
        ("Clés d'accès", {"fields": ["passkeys"]}),
    ]

    def get_queryset(self, request: HttpRequest):
        queryset = Tenant.objects.all()
        tenant = getattr(request, "tenant", None)
        if tenant is None:
            return queryset if request.user.is_superuser else queryset.none()
        return queryset.filter(pk=tenant.pk)

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return [] if request.user.is_superuser else ["slug", "is_active"]

    def _allowed(self, request: HttpRequest, action: str) -> bool:
        user = request.user
        if not user.is_authenticated:
            return False
        if user.is_superuser:
            return True
        if user.is_tenant_admin:
            return action in {"view", "change"}
        return False

    def save_model(self, request: HttpRequest, obj: Tenant, form, change: bool) -> None:
        obj.save()

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        for host in form.instance.hosts.all():
            tenant_host_forget(host.host)


@admin.register(School, site=admin_site)
class SchoolAdmin(TenantScopedAdmin):
    add_title = _("Ajouter une école")
    list_display = ["name", "code", "mail_domain"]
    search_fields = ["name", "code"]

    def get_queryset(self, request: HttpRequest):
        # The admin site lets only signed-in staff in: the user is a person (a Viewer).
        viewer = cast(Viewer, request.user)
        return schools_visible_to(viewer=viewer, tenant=request_tenant(request))

    def _allowed(self, request: HttpRequest, action: str) -> bool:
        user = request.user
        if not user.is_authenticated:
            return False
        if user.is_superuser or user.is_tenant_admin:
            return True
        return user.is_secretary and action == "view"
