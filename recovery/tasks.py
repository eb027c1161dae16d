from celery import shared_task

from recovery.models import Flow, RecoveryRequest
from tenants.scoping import in_scope_of, scopes_disabled


@shared_task(acks_late=True)
@in_scope_of(RecoveryRequest)
def process_recovery_request(request_id: int) -> str | None:
    from recovery import services

    flow = RecoveryRequest.objects.filter(pk=request_id).values_list("flow", flat=True).first()
    if flow == Flow.IDENTIFIER:
        return services.identifier_request_process(request_id=request_id)
    if flow == Flow.STUDENT_MAILBOX:
        from recovery import student_services

        return student_services.student_link_request_process(request_id=request_id)
    return None


@shared_task
def sweep_recovery_requests() -> int:
    from recovery import services

    # Ids of every tenant's stale requests; each is processed in its own tenant's scope.
    with scopes_disabled():
        return services.recovery_sweep()
