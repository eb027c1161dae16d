"""Celery tasks of payments: thin wrappers around one service each."""

from celery import shared_task

from payments.services.due import invitations_run_due


@shared_task(acks_late=True, ignore_result=True)
def run_due_invitations() -> dict[str, int]:
    """Periodic (CELERY_BEAT_SCHEDULE): automatic payments on the due date, reminders."""
    run = invitations_run_due()
    return {"paid": run.paid, "failed": run.failed, "reminded": run.reminded}
