"""The shared core of the recovery flows: the request log, the refusals and limits every mailed
flow applies, the notices, and the one way a recovered password is set. Each flow's own logic
lives in its package (`recovery/<flow>/services.py`).

The web request only records what was asked (same response, same timing for every account);
lookups, tokens and mails happen in the worker (`*_process`)."""

from datetime import timedelta
from functools import partial

from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone

from accounts.directory.services import user_password_set
from accounts.models import User
from outbox.services import email_queue
from portal.celery import task_publish
from recovery import throttle
from recovery.models import Flow, Outcome, RecoveryEvent, RecoveryRequest
from recovery.tokens import link_tokens_revoke
from tenants.models import Tenant


def recovery_event_log(
    *,
    tenant: Tenant,
    flow: str,
    kind: str,
    outcome: str,
    request: RecoveryRequest | None = None,
    user: User | None = None,
    ip: str | None = None,
    detail: str = "",
    actor: User | None = None,
) -> RecoveryEvent:
    return RecoveryEvent.objects.create(
        tenant=tenant,
        request=request,
        user=user,
        flow=flow,
        kind=kind,
        outcome=outcome,
        detail=detail[:200],
        ip=ip,
        actor=actor,
    )


def recovery_request_start(
    *, tenant: Tenant, flow: str, method: str, login: str, ip: str | None
) -> RecoveryRequest:
    """Records the request and hands it to the worker after commit. No lookup here."""
    from recovery.tasks import process_recovery_request

    request = RecoveryRequest.objects.create(
        tenant=tenant, flow=flow, method=method, login=login.strip()[:254], ip=ip
    )
    # The row is committed: a broker outage leaves it to recovery_sweep, never a 500.
    transaction.on_commit(partial(task_publish, process_recovery_request, args=(request.pk,)))
    return request


def recovery_request_claim(*, request_id: int) -> RecoveryRequest:
    """The request, locked until the worker's transaction ends (a task run twice waits, then
    sees `processed_at` set and does nothing)."""
    return RecoveryRequest.objects.select_for_update().select_related("tenant").get(pk=request_id)


def recovery_request_open(*, request_id: int) -> tuple[RecoveryRequest, str | None]:
    """Worker, inside its transaction: the claimed request, stamped as processed, and its
    outcome if that is already settled (processed before, or over the per-IP limit); None
    while the flow still has to decide."""
    request = recovery_request_claim(request_id=request_id)
    if request.processed_at is not None:
        return request, request.outcome
    request.processed_at = timezone.now()
    if not recovery_ip_within_limit(request=request):
        return request, recovery_request_finish(request, Outcome.THROTTLED, "ip")
    return request, None


def recovery_ip_within_limit(*, request: RecoveryRequest) -> bool:
    return not request.ip or throttle.throttle_hit(
        tenant=request.tenant, limit=throttle.REQUESTS_PER_IP, subject=request.ip
    )


def recovery_request_finish(request: RecoveryRequest, outcome: str, reason: str = "") -> str:
    """Records the worker's outcome (and, unless a mail left, an audit event saying why)."""
    request.outcome = outcome
    request.reason = reason
    request.save(update_fields=["outcome", "reason", "processed_at", "user", "message"])
    if outcome != Outcome.MAIL_SENT:
        recovery_event_log(
            tenant=request.tenant, flow=request.flow, kind="request_processed",
            outcome=outcome, request=request, user=request.user, ip=request.ip, detail=reason,
        )  # fmt: skip
    return outcome


def recovery_refusal(user: User, *, email_required: bool) -> str | None:
    """Why no recovery mail goes to this account (None: it may go)."""
    if not user.is_active:
        return Outcome.INACTIVE
    if not user.is_migrated:
        return Outcome.NOT_MIGRATED
    if email_required and not user.email:
        return Outcome.NO_ADDRESS
    return None


def recovery_accounts_sendable(
    *, request: RecoveryRequest, users: list[User], email_required: bool
) -> tuple[list[User], list[str]]:
    """The accounts a recovery mail may go to, in order, each counted against its hourly mail
    limit; every other one is logged as refused. Returns (sendable, refusals in order)."""
    sendable: list[User] = []
    refusals: list[str] = []
    for user in users:
        refusal = recovery_refusal(user, email_required=email_required)
        if refusal is None and not throttle.throttle_hit(
            tenant=request.tenant, limit=throttle.MAILS_PER_ACCOUNT, subject=str(user.pk)
        ):
            refusal = Outcome.THROTTLED
        if refusal:
            refusals.append(refusal)
            recovery_event_log(
                tenant=request.tenant, flow=request.flow, kind="request_refused",
                outcome=refusal, request=request, user=user, ip=request.ip,
            )  # fmt: skip
        else:
            sendable.append(user)
    return sendable, refusals


def user_notification_addresses(user: User, *, with_school_mailbox: bool = False) -> list[str]:
    """Every address a "your password was changed" notice goes to (a student's school mailbox
    too where the flow runs through it)."""
    from recovery.codes import SecondaryEmailDevice

    candidates = [user.email]
    candidates += SecondaryEmailDevice.objects.filter(user=user, confirmed=True).values_list(
        "email", flat=True
    )
    if with_school_mailbox:
        candidates.append(user.school_email)
    addresses: list[str] = []
    for address in candidates:
        if address and address.lower() not in {a.lower() for a in addresses}:
            addresses.append(address)
    return addresses


def user_notice_send(
    *, user: User, template: str, ip: str | None, with_school_mailbox: bool = False
) -> None:
    """One notice (never a password) to every address of the person, through the outbox."""
    context = {"identifier": user.identifier, "when": timezone.now(), "ip": ip}
    for address in user_notification_addresses(user, with_school_mailbox=with_school_mailbox):
        email_queue(tenant=user.tenant, to=address, template=template, context=context, user=user)


@transaction.atomic
def password_reset_complete(
    *,
    user: User,
    password: str,
    flow: str,
    ip: str | None,
    request: RecoveryRequest | None = None,
    actor: User | None = None,
) -> None:
    """Sets the new password (policy enforced), ends every session (their auth hash no longer
    matches), kills outstanding links, tells every address, and writes the audit event."""
    validate_password(password, user)
    user_password_set(user=user, password=password)  # the directory's too, or DirectoryError
    link_tokens_revoke(user=user)
    user_notice_send(user=user, template="recovery/email/password_changed", ip=ip)
    if request is not None:
        request.outcome = Outcome.COMPLETED
        request.save(update_fields=["outcome"])
    recovery_event_log(
        tenant=user.member_tenant, flow=flow, kind="password_reset", outcome=Outcome.COMPLETED,
        request=request, user=user, ip=ip, actor=actor,
    )  # fmt: skip


def recovery_sweep(*, older_than_seconds: int = 60) -> int:
    """Requests whose task a lost broker or a killed worker dropped are processed again."""
    from recovery.tasks import process_recovery_request

    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    stale = RecoveryRequest.objects.filter(
        processed_at__isnull=True,
        created_at__lt=cutoff,
        flow__in=[Flow.IDENTIFIER, Flow.STUDENT_MAILBOX],
    ).values_list("pk", flat=True)[:500]
    for request_id in stale:
        task_publish(process_recovery_request, args=(request_id,))
    return len(stale)
