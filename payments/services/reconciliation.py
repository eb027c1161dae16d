"""Reconciliation of a tenant's ledger as a stored run (payments.ledger.ledger_reconcile): started
by a network administrator from the admin and run by a Celery task, or nightly for every
tenant. The run keeps what it found, so the last result stays visible; a discrepancy is logged
at ERROR (the project has no other alerting: logs are where operations look)."""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from payments.ledger import ledger_reconcile
from payments.ledger_verify import ledger_seals_verify
from payments.models import ReconciliationRun
from portal.jobs import JobStatus, job_claim, job_done, job_enqueue_on_commit, job_failed
from tenants.models import Tenant

logger = logging.getLogger(__name__)

# A run still waiting or running after this long is taken for lost (its worker died): the
# next request starts a new one instead of showing it.
STALE_AFTER = timedelta(minutes=15)


def reconciliation_start(*, tenant: Tenant, by: User) -> ReconciliationRun:
    """A run of the active tenant queued after commit, or the one already under way."""
    from payments.tasks import run_reconciliation

    under_way = (
        ReconciliationRun.objects.filter(
            status__in=[JobStatus.PENDING, JobStatus.RUNNING],
            created_at__gt=timezone.now() - STALE_AFTER,
        )
        .order_by("-created_at")
        .first()
    )
    if under_way is not None:
        return under_way
    run = ReconciliationRun.objects.create(tenant=tenant, created_by=by)
    job_enqueue_on_commit(run_reconciliation, ReconciliationRun, run.pk)
    return run


def reconciliation_run(*, run_id: int, full: bool = False) -> ReconciliationRun:
    """Worker: check the ledger of the run's tenant (the active scope) and keep the findings;
    the seals written since the last clean check, or all of them when `full`."""
    claimed = job_claim(ReconciliationRun, run_id)
    run = ReconciliationRun.objects.select_related("tenant").get(pk=run_id)
    if not claimed:
        return run
    try:
        mismatches, unbalanced = ledger_reconcile()
        seal_breaks = ledger_seals_verify(tenant=run.tenant, full=full)
    except Exception as exc:
        job_failed(ReconciliationRun, run.pk, exc)
    else:
        job_done(
            ReconciliationRun,
            run.pk,
            mismatches=[asdict(m) for m in mismatches],
            unbalanced=unbalanced,
            seal_breaks=[asdict(b) for b in seal_breaks],
        )
        if mismatches or unbalanced or seal_breaks:
            logger.error(
                "payments: reconciliation %s of tenant %s: %d wallet(s) off their ledger, "
                "%d unbalanced transaction(s), %d line(s) with a wrong seal",
                run.pk,
                run.tenant.slug,
                len(mismatches),
                len(unbalanced),
                len(seal_breaks),
            )
    run.refresh_from_db()
    return run


def reconciliation_nightly(*, tenant: Tenant) -> ReconciliationRun:
    """The nightly check of a tenant (in its scope), run here and now by the periodic task:
    every seal, not only those since the last check (payments.ledger_verify)."""
    run = ReconciliationRun.objects.create(tenant=tenant, created_by=None)
    return reconciliation_run(run_id=run.pk, full=True)
