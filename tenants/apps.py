from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = _("Réseaux scolaires")

    def ready(self) -> None:
        from portal import checks  # noqa: F401 - registers the system checks
        from tenants import signals  # noqa: F401 - connects the receivers
