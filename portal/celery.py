"""The Celery app: configured from Django settings (CELERY_*), tasks found in each app."""

import os

from celery import Celery, Task
from celery.signals import worker_init
from kombu.exceptions import OperationalError

from portal.scopes import no_scope

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")


class ScopeFreeTask(Task):
    """A task starts with no tenant scope, even when it runs eagerly inside a request or a
    test: it must open its tenant's scope itself (tenants.scoping), as it must in a worker."""

    def __call__(self, *args, **kwargs):
        with no_scope():
            return super().__call__(*args, **kwargs)


app = Celery("portal", task_cls=ScopeFreeTask)

# What publishing a task raises when the broker is unreachable (Redis down: kombu's
# OperationalError; the filesystem transport: an OSError). Callers that can leave the work to a
# sweep catch these, and only these: a task's own error (eager in tests) must surface.
BROKER_ERRORS: tuple[type[Exception], ...] = (OperationalError, OSError)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _create_broker_folders(**_kwargs) -> None:
    ensure_broker_folders()


def ensure_broker_folders() -> None:
    """The filesystem transport needs its folders before the first message."""
    from django.conf import settings

    for key in ("data_folder_in", "processed_folder", "control_folder"):
        folder = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}).get(key)
        if folder:
            os.makedirs(folder, exist_ok=True)
