"""The help desk in the admin site: its pages are mounted at /admin/helpdesk/ by this ModelAdmin
(`PortalAdminSite.get_urls` asks every registered ModelAdmin for `get_site_urls`), so `portal`
never imports the help desk. The audit trail itself is read on each person's card, never as a
list: the ModelAdmin grants no page of its own."""

from django.contrib import admin
from django.http import HttpRequest
from django.urls import URLPattern, URLResolver, include, path

from helpdesk.models import HelpdeskAction
from helpdesk.urls import helpdesk_urlpatterns
from portal.admin_site import TenantScopedAdmin, admin_site


@admin.register(HelpdeskAction, site=admin_site)
class HelpdeskActionAdmin(TenantScopedAdmin):
    secretary_permissions = frozenset()

    def get_site_urls(self) -> list[URLPattern | URLResolver]:
        return [path("helpdesk/", include(helpdesk_urlpatterns(self.admin_site)))]

    def _allowed(self, request: HttpRequest, action: str) -> bool:
        return False
