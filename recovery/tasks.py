"""Celery tasks of recovery: thin wrappers that take ids, open the row's tenant scope
(tenants.scoping), and call one flow's service."""

from celery import shared_task

from accounts.models import LetterBatch
from recovery.models import Flow, RecoveryRequest
from tenants.scoping import in_each_tenant, in_scope_of, scopes_disabled, tenant_scope


@shared_task(acks_late=True)
@in_scope_of(RecoveryRequest)
def process_recovery_request(request_id: int) -> str | None:
    flow = RecoveryRequest.objects.filter(pk=request_id).values_list("flow", flat=True).first()
    if flow == Flow.IDENTIFIER:
        from recovery.identifier.services import identifier_request_process

        return identifier_request_process(request_id=request_id)
    if flow == Flow.STUDENT_MAILBOX:
        from recovery.student.services import student_link_request_process

        return student_link_request_process(request_id=request_id)
    return None


@shared_task
def sweep_recovery_requests() -> int:
    from recovery.services import recovery_sweep

    # Ids of every tenant's stale requests; each is processed in its own tenant's scope.
    with scopes_disabled():
        return recovery_sweep()


@shared_task(acks_late=True, ignore_result=True)
@in_scope_of(LetterBatch)
def render_letter_batch(batch_id: int) -> str:
    """A large print run of activation letters (recovery.activation.letters)."""
    from recovery.activation.letters import activation_batch_run

    return activation_batch_run(batch_id=batch_id).status


@shared_task(acks_late=True, ignore_result=True)
def process_student_activation(
    tenant_id: int, student_number: str, username: str, ip: str | None
) -> str:
    """A student's self-activation request: the link to her school mailbox, if it is hers."""
    from recovery.activation.student import student_activation_process

    with tenant_scope(tenant_id):
        return student_activation_process(
            tenant_id=tenant_id, student_number=student_number, username=username, ip=ip
        )


@shared_task(ignore_result=True)
def purge_letter_batches() -> int:
    """Daily: the PDFs of letter batches whose codes have expired are deleted, tenant by tenant."""
    from recovery.activation.letters import letter_batches_purge

    return sum(letter_batches_purge() for _tenant in in_each_tenant())
