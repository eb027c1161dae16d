"""Celery tasks of payments: thin wrappers around one service each."""

from celery import shared_task

from payments.models import ExportJob, ReconciliationRun
from payments.services.due import invitations_run_due
from tenants.scoping import in_each_tenant, in_scope_of


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


@shared_task(acks_late=True, ignore_result=True)
@in_scope_of(ExportJob)
def run_export_job(job_id: int) -> str:
    """A CSV export too large for the request (payments.services.exports)."""
    from payments.services.exports import export_run

    return export_run(job_id=job_id).status


@shared_task(ignore_result=True)
def purge_exports() -> int:
    """Daily: export files older than a few days are deleted, tenant by tenant."""
    from payments.services.exports import exports_purge

    return sum(exports_purge() for _tenant in in_each_tenant())


@shared_task(acks_late=True, ignore_result=True)
@in_scope_of(ReconciliationRun)
def run_reconciliation(run_id: int) -> str:
    """A reconciliation started from the admin (payments.services.reconciliation)."""
    from payments.services.reconciliation import reconciliation_run

    return reconciliation_run(run_id=run_id).status


@shared_task(ignore_result=True)
def reconcile_every_tenant() -> int:
    """Nightly: every tenant's ledger is checked; a discrepancy is logged at ERROR. Returns
    how many tenants have one."""
    from payments.services.reconciliation import reconciliation_nightly

    return sum(not reconciliation_nightly(tenant=t).is_clean for t in in_each_tenant())
