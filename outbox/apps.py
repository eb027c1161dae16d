from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutboxConfig(AppConfig):
    name = "outbox"
    verbose_name = _("Messages")

    def ready(self) -> None:
        # The embedded filesystem broker needs its folders before the web server queues a task.
        from portal.celery import ensure_broker_folders

        ensure_broker_folders()
