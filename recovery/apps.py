from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecoveryConfig(AppConfig):
    name = "recovery"
    verbose_name = _("Récupération de compte")

    def ready(self) -> None:
        # The login decides whether the page asking for recovery methods is due.
        from recovery.registration import middleware  # noqa: F401
