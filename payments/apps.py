from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def runtime_role_regrant(sender: AppConfig, using: str, **kwargs: Any) -> None:
    """After every `migrate`: the runtime role's rights again (payments.db_roles), so that the
    tables of later migrations are covered and the ledger's stay restricted."""
    from django.conf import settings
    from django.db import connections

    from payments.db_roles import runtime_role_grant

    runtime_role_grant(connections[using], settings.DATABASE_RUNTIME_ROLE)


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Paiements")

    def ready(self) -> None:
        post_migrate.connect(runtime_role_regrant, sender=self)
