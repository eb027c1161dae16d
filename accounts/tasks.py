"""Celery tasks of accounts: thin wrappers that take ids, open the tenant's scope, load, and call
one service."""

from celery import shared_task

from accounts.models import LetterBatch
from tenants.scoping import in_each_tenant, in_scope_of, tenant_scope


@shared_task(acks_late=True, ignore_result=True)
@in_scope_of(LetterBatch)
def render_letter_batch(batch_id: int) -> str:
    """A large print run of activation letters (accounts.activation.activation_batch_run)."""
    from accounts.activation import activation_batch_run

    return activation_batch_run(batch_id=batch_id).status


@shared_task(acks_late=True, ignore_result=True)
def process_student_activation(
    tenant_id: int, student_number: str, username: str, ip: str | None
) -> str:
    """A student's self-activation request: the link to her school mailbox, if it is hers."""
    from accounts.activation import student_activation_process

    with tenant_scope(tenant_id):
        return student_activation_process(
            tenant_id=tenant_id, student_number=student_number, username=username, ip=ip
        )


@shared_task(ignore_result=True)
def purge_letter_batches() -> int:
    """Daily: the PDFs of letter batches whose codes have expired are deleted."""
    from accounts.activation import letter_batches_purge

    return sum(letter_batches_purge() for _tenant in in_each_tenant())
