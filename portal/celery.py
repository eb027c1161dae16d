"""The Celery app: configured from Django settings (CELERY_*), tasks found in each app."""

import logging
import os
from datetime import datetime
from typing import Any

from celery import Celery, Task
from celery.signals import worker_init
from kombu.exceptions import OperationalError

from portal.breaker import Breaker
from portal.scopes import no_scope

logger = logging.getLogger(__name__)

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

_publish_breaker: Breaker | None = None


def publish_breaker() -> Breaker:
    """The process's breaker of the broker: after a failed publish, the next ones skip the
    broker for a few seconds (a hung Redis would cost each of them its timeout)."""
    global _publish_breaker
    if _publish_breaker is None:
        from django.conf import settings

        _publish_breaker = Breaker("broker", retry_after=settings.REDIS_RETRY_AFTER_SECONDS)
    return _publish_breaker


def task_publish(task: Any, *, args: tuple[Any, ...], eta: datetime | None = None) -> bool:
    """Queue `task(*args)`. A broker outage must not break the caller: False (logged) when the
    broker is down, and the caller's row waits for its sweep. A task's own error (eager in
    tests) is not caught."""
    breaker = publish_breaker()
    eager = app.conf.task_always_eager
    if not eager and not breaker.allow():
        logger.warning("broker: %s not queued (broker down)", task.name)
        return False
    try:
        task.apply_async(args=args, eta=eta)
    except BROKER_ERRORS as exc:
        if not eager:
            breaker.failure()
        logger.warning("broker: %s not queued (%s)", task.name, type(exc).__name__)
        return False
    breaker.success()
    return True


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
