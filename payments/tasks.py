"""Celery tasks of payments: thin wrappers around one service each."""

from celery import shared_task

from payments.services.due import invitations_run_due
from tenants.scoping import in_each_tenant


@shared_task(acks_late=True, ignore_result=True)
def run_due_invitations() -> dict[str, int]:
    """Periodic (CELERY_BEAT_SCHEDULE): automatic payments on the due date, reminders; each
    tenant in its own scope."""
    totals = {"paid": 0, "failed": 0, "reminded": 0}
    for _tenant in in_each_tenant():
        run = invitations_run_due()
        totals["paid"] += run.paid
        totals["failed"] += run.failed
        totals["reminded"] += run.reminded
    return totals
