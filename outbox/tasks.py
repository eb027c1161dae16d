"""Celery tasks: ids in, one service call, nothing else (the schedule lives in the service)."""

from celery import shared_task

from outbox import services
from outbox.models import Message
from tenants.scoping import in_scope_of, scopes_disabled


@shared_task(acks_late=True, ignore_result=True)
@in_scope_of(Message)
def deliver_message(message_id: int) -> str:
    """Send one message. On a retryable failure the task queues itself again for the time the
    service chose; under eager Celery that run finds the row not yet due and stops."""
    delivery = services.message_deliver(message_id=message_id)
    if delivery.outcome == services.Outcome.RETRY:
        services.message_schedule(message_id=message_id, eta=delivery.retry_at)
    return str(delivery.outcome)


@shared_task(acks_late=True, ignore_result=True)
def sweep_outbox() -> int:
    # Ids of every tenant's stranded messages; each is delivered in its own tenant's scope.
    with scopes_disabled():
        return services.outbox_sweep()
