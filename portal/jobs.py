"""Long work the admin follows with a progress bar (DESIGN.md §7: no page stalls the others):
letter batches, payment exports, reconciliations. Each job is a row with a state, `done` of
`total`, an error and the time it finished; this module holds the steps every such job shares.

- `job_enqueue_on_commit`: the job's task is queued once the row is committed; if the broker
  is down the row is marked failed with `QUEUE_DOWN`, so the page says so instead of waiting.
- `job_claim` → `job_progress`* → `job_done` | `job_failed`: the worker's steps, each one
  `UPDATE` of the row (a second delivery of the same task finds the row claimed and stops).
- `job_state`: what the progress page shows and its JSON twin returns.

The admin pages themselves are `portal.job_admin.JobAdmin`.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any, Protocol

from django.db import models, transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.celery import task_publish

logger = logging.getLogger(__name__)

# Stored in `error` when the task could not be queued (the page explains it in the user's
# language, see `job_error_text`).
QUEUE_DOWN = "file d'attente indisponible"


class JobStatus(models.TextChoices):
    PENDING = "pending", _("en attente")
    RUNNING = "running", _("en cours")
    DONE = "done", _("terminé")
    FAILED = "failed", _("échec")


FINISHED = (JobStatus.DONE, JobStatus.FAILED)


class Job(Protocol):
    """The columns a job model has (LetterBatch, ExportJob, ReconciliationRun)."""

    pk: Any
    status: str
    done: int
    total: int
    error: str


class _Delayable(Protocol):
    name: str

    def apply_async(self, *args: Any, **kwargs: Any) -> Any: ...


def _rows(model: type[models.Model], pk: int) -> models.QuerySet[Any]:
    return model._default_manager.filter(pk=pk)


def job_enqueue_on_commit(task: _Delayable, model: type[models.Model], pk: int) -> None:
    """Queue `task(pk)` after the current transaction commits (at once outside one)."""
    transaction.on_commit(partial(job_enqueue, task, model, pk))


def job_enqueue(task: _Delayable, model: type[models.Model], pk: int) -> None:
    if not task_publish(task, args=(pk,)):
        # The broker is down: the page says so instead of waiting forever.
        logger.warning("job %s %s not queued", model._meta.label_lower, pk)
        _rows(model, pk).filter(status=JobStatus.PENDING).update(
            status=JobStatus.FAILED, error=QUEUE_DOWN, finished_at=timezone.now()
        )


def job_claim(model: type[models.Model], pk: int) -> bool:
    """pending → running; False when another delivery of the task (or nobody) has it."""
    return bool(
        _rows(model, pk).filter(status=JobStatus.PENDING).update(status=JobStatus.RUNNING, done=0)
    )


def job_progress(
    model: type[models.Model], pk: int, *, done: int, total: int | None = None
) -> None:
    fields: dict[str, int] = {"done": done}
    if total is not None:
        fields["total"] = total
    _rows(model, pk).update(**fields)


def job_done(model: type[models.Model], pk: int, **fields: Any) -> None:
    _rows(model, pk).update(status=JobStatus.DONE, finished_at=timezone.now(), **fields)


def job_failed(model: type[models.Model], pk: int, exc: BaseException) -> None:
    """Logged with its traceback; the row keeps the exception's class name only (a message
    may hold personal data)."""
    logger.exception("job %s %s failed", model._meta.label_lower, pk)
    _rows(model, pk).update(
        status=JobStatus.FAILED, error=type(exc).__name__[:255], finished_at=timezone.now()
    )


def job_percent(job: Job) -> int:
    if job.status == JobStatus.DONE:
        return 100
    return int(100 * job.done / job.total) if job.total else 0


def job_error_text(job: Job) -> str:
    if job.status != JobStatus.FAILED:
        return ""
    if job.error == QUEUE_DOWN:
        return gettext(
            "Le service des tâches de fond ne répond pas : la tâche n'a pas démarré. "
            "Réessayez dans quelques minutes ; si cela se reproduit, prévenez le support."
        )
    return gettext(
        "La tâche a échoué (%(error)s). Relancez-la ; si cela se reproduit, prévenez le support."
    ) % {"error": job.error or "?"}


def grouped(n: int) -> str:
    """12000 → "12 000" in French, "12,000" in English."""
    return number_format(n, force_grouping=True)


def job_state(job: Job, *, progress_text: str, download_url: str | None = None) -> dict[str, Any]:
    """The progress page's figures, also returned as JSON to its script."""
    return {
        "status": job.status,
        "status_label": str(JobStatus(job.status).label),
        "done": job.done,
        "total": job.total,
        "percent": job_percent(job),
        "progress_text": progress_text,
        "finished": job.status in FINISHED,
        "error_text": job_error_text(job),
        "download_url": download_url,
    }
