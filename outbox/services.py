"""The outbox (DESIGN.md §5): queue a message with the change that causes it, deliver it once.

A message is a row written in the caller's transaction; its delivery task is queued on commit, so
a rolled-back change sends nothing. Delivery claims the row (pending → sending) with a conditional
UPDATE, so a task that runs twice sends once. Failures go back to pending with a capped backoff for
as long as the message is useful (`useful_until`), then to failed, where the help desk lists them;
the periodic sweep re-queues rows whose task was lost and rows whose worker died.

Bodies hold links and codes: they never reach logs or `last_error`.
"""

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template import TemplateDoesNotExist
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation

from outbox.exceptions import DeliveryError, MessageNotResendable
from outbox.models import Channel, Message, Status, mask_recipient
from outbox.sms import get_sms_backend
from portal.celery import task_publish
from tenants.models import Tenant
from tenants.selectors import tenant_public_base_url

logger = logging.getLogger(__name__)

# A due row whose task was queued longer ago than this is presumed lost (the sweep runs every
# minute, see CELERY_BEAT_SCHEDULE).
ENQUEUE_GRACE = timedelta(seconds=60)
SWEEP_BATCH = 500
# The template engine of subjects, plain-text bodies and SMS (settings.TEMPLATES).
TEXT_ENGINE = "text"
# `last_error` of a message that was never sent before it stopped being useful.
EXPIRED_UNSENT = "expiré avant d'avoir pu partir"


class Outcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"  # back to pending, due again at `retry_at`
    FAILED = "failed"  # given up: permanent error, no longer useful, or interrupted too often
    ALREADY_DONE = "already_done"  # sent or failed before this run
    NOT_DUE = "not_due"
    BUSY = "busy"  # another worker holds it
    MISSING = "missing"


@dataclass(frozen=True)
class Delivery:
    outcome: Outcome
    retry_at: datetime | None = None


# --- Queueing ---------------------------------------------------------------------------------


def email_queue(
    *,
    tenant: Tenant | None,
    to: str,
    template: str,
    context: dict[str, Any],
    user: AbstractBaseUser | None = None,
    language: str | None = None,
    not_before: datetime | None = None,
    useful_until: datetime | None = None,
    sensitive: bool = False,
) -> Message:
    """Render `{template}_subject.txt`, `_message.txt` and `_message.html` (else the branded
    layout around the text) in the recipient's language (`message_language`), store the mail,
    send it after commit.
    `language` overrides the recipient's when the mail has no single `user` (one address shared
    by several accounts). `useful_until`: when what it carries expires (a link, a code); else a
    day after it is due.

    The subject and the text are plain text, never HTML-escaped; the HTML part escapes them (and
    its own variables) once."""
    to = _clean_recipient(to)
    render_context = _render_context(tenant, context)
    with translation.override(language or message_language(tenant=tenant, user=user)):
        subject = _one_line(_render_text(f"{template}_subject.txt", render_context))
        body_text = _render_text(f"{template}_message.txt", render_context).strip() + "\n"
        render_context |= {"subject": subject, "body_text": body_text}
        try:
            html_template = get_template(f"{template}_message.html")
        except TemplateDoesNotExist:
            html_template = get_template("emails/layout.html")
        body_html = html_template.render(render_context)
    return _store(
        tenant=tenant,
        user=user,
        channel=Channel.EMAIL,
        template=template,
        to=to,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        not_before=not_before,
        useful_until=useful_until,
        sensitive=sensitive,
    )


def sms_queue(
    *,
    tenant: Tenant | None,
    to: str,
    template: str,
    context: dict[str, Any],
    channel: str = Channel.SMS,
    user: AbstractBaseUser | None = None,
    not_before: datetime | None = None,
    useful_until: datetime | None = None,
    sensitive: bool = True,
) -> Message:
    """Render `{template}_sms.txt` in the recipient's language (`message_language`); `channel`
    is "sms" or "voice".
    `useful_until` as for `email_queue`."""
    if channel not in (Channel.SMS, Channel.VOICE):
        raise ValueError(f"unknown SMS channel {channel!r}")
    to = _clean_recipient(to).replace(" ", "")
    with translation.override(message_language(tenant=tenant, user=user)):
        text = _render_text(f"{template}_sms.txt", _render_context(tenant, context)).strip()
    return _store(
        tenant=tenant,
        user=user,
        channel=channel,
        template=template,
        to=to,
        subject="",
        body_text=text,
        body_html="",
        not_before=not_before,
        useful_until=useful_until,
        sensitive=sensitive,
    )


def message_resend(*, message: Message) -> Message:
    """A secretary sends a failed message again: a fresh series of attempts, queued on commit,
    for as long a life as it had at first."""
    now = timezone.now()
    life = max(message.useful_until - message.not_before, timedelta(minutes=10))
    with transaction.atomic():
        resent = Message.objects.filter(pk=message.pk, status=Status.FAILED).update(
            status=Status.PENDING, attempts=0, next_attempt_at=now, enqueued_at=now,
            claimed_at=None, useful_until=now + life,
        )  # fmt: skip
        if not resent:
            raise MessageNotResendable(message.pk)
        _schedule(message.pk, eta=None)
    message.refresh_from_db()
    return message


def message_schedule(*, message_id: int, eta: datetime | None) -> None:
    """(Re)queue the delivery task of a stored message, after the current transaction."""
    Message.objects.filter(pk=message_id).update(enqueued_at=timezone.now())
    _schedule(message_id, eta=eta)


# --- Delivery ---------------------------------------------------------------------------------


def message_deliver(*, message_id: int) -> Delivery:
    """Send one message at most once. Safe to call any number of times for the same id."""
    claimed_at = timezone.now()
    claimed = Message.objects.filter(
        pk=message_id,
        status=Status.PENDING,
        next_attempt_at__lte=claimed_at,
        useful_until__gt=claimed_at,
    ).update(status=Status.SENDING, claimed_at=claimed_at)
    if not claimed:
        return Delivery(_why_not_claimed(message_id, now=claimed_at))

    message = Message.objects.get(pk=message_id)
    try:
        _send(message)
    except Exception as exc:
        return _record_failure(message, exc)

    done = {"status": Status.SENT, "sent_at": timezone.now(), "attempts": message.attempts + 1}
    if message.sensitive and not settings.OUTBOX_KEEP_BODIES:
        done |= {"body_text": "", "body_html": "", "bodies_erased": True}
    # Pending too: if the lease ran out meanwhile, the row must not be handed out again.
    Message.objects.filter(pk=message_id, status__in=[Status.SENDING, Status.PENDING]).update(
        last_error="", claimed_at=None, **done
    )
    logger.info("outbox: message %s (%s) sent", message_id, message.channel)
    return Delivery(Outcome.SENT)


def outbox_sweep(*, now: datetime | None = None) -> int:
    """Hand out again what a lost task or a killed worker left behind; returns how many."""
    now = now or timezone.now()
    count = 0

    lease = timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    stale = Message.objects.filter(status=Status.SENDING, claimed_at__lte=now - lease)
    rows = stale.values_list("pk", "attempts", "claimed_at", "useful_until")[:SWEEP_BATCH]
    for pk, attempts, claimed_at, useful_until in rows:
        attempts += 1
        gives_up = attempts >= settings.OUTBOX_MAX_ATTEMPTS or useful_until <= now
        released = Message.objects.filter(
            pk=pk, status=Status.SENDING, claimed_at=claimed_at
        ).update(
            status=Status.FAILED if gives_up else Status.PENDING,
            attempts=attempts,
            last_error="interrompu : aucune réponse du processus d'envoi",
            claimed_at=None,
            next_attempt_at=now,
            enqueued_at=now,
        )
        if released and not gives_up:
            _schedule(pk, eta=None)
            count += 1

    messages_expire(now=now)
    cutoff = now - ENQUEUE_GRACE
    lost = Message.objects.filter(status=Status.PENDING, next_attempt_at__lte=cutoff).exclude(
        enqueued_at__gt=cutoff
    )
    for pk in lost.values_list("pk", flat=True)[:SWEEP_BATCH]:
        if Message.objects.filter(pk=pk, status=Status.PENDING).update(enqueued_at=now):
            _schedule(pk, eta=None)
            count += 1

    if count:
        logger.info("outbox: sweep re-queued %s message(s)", count)
    return count


def messages_expire(*, now: datetime, message_id: int | None = None) -> int:
    """Pending messages past their useful life (or this one, if it is) are failed: the help
    desk lists them."""
    expired = Message.objects.filter(status=Status.PENDING, useful_until__lte=now)
    if message_id is not None:
        expired = expired.filter(pk=message_id)
    count = expired.filter(last_error="").update(status=Status.FAILED, last_error=EXPIRED_UNSENT)
    count += expired.update(status=Status.FAILED)
    if count:
        logger.warning("outbox: %s message(s) failed, no longer useful", count)
    return count


# --- Helpers ----------------------------------------------------------------------------------


def _store(*, not_before: datetime | None, useful_until: datetime | None, **fields: Any) -> Message:
    now = timezone.now()
    due = max(not_before, now) if not_before else now
    if useful_until is None:
        useful_until = due + timedelta(hours=settings.OUTBOX_USEFUL_HOURS)
    message = Message.objects.create(
        not_before=due, next_attempt_at=due, useful_until=useful_until, enqueued_at=now,
        created_at=now, **fields,
    )  # fmt: skip
    _schedule(message.pk, eta=due if due > now else None)
    return message


def _schedule(message_id: int, *, eta: datetime | None) -> None:
    transaction.on_commit(partial(_enqueue, message_id, eta))


def _enqueue(message_id: int, eta: datetime | None) -> None:
    """Publish the task. A broker outage must not break the caller: the sweep will retry."""
    from outbox.tasks import deliver_message

    if eta is not None and eta <= timezone.now():
        eta = None
    task_publish(deliver_message, args=(message_id,), eta=eta)


def _send(message: Message) -> None:
    if message.channel == Channel.EMAIL:
        mail = EmailMultiAlternatives(
            subject=message.subject,
            body=message.body_text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.to],
            headers={"Auto-Submitted": "auto-generated"},
        )
        if message.body_html:
            mail.attach_alternative(message.body_html, "text/html")
        mail.send(fail_silently=False)
    else:
        get_sms_backend().send(to=message.to, text=message.body_text, channel=message.channel)


def _record_failure(message: Message, exc: Exception) -> Delivery:
    attempts = message.attempts + 1
    error = _describe(exc)
    next_try = timezone.now() + timedelta(seconds=retry_delay(attempts=attempts))
    # Retried while what it carries is still worth having (an SMTP outage of an hour must not
    # cost a parent her receipt); a permanent refusal is not retried at all.
    gives_up = _is_permanent(exc) or next_try >= message.useful_until
    retry_at = None if gives_up else next_try
    Message.objects.filter(pk=message.pk, status=Status.SENDING).update(
        status=Status.FAILED if gives_up else Status.PENDING,
        attempts=attempts,
        last_error=error,
        claimed_at=None,
        next_attempt_at=retry_at or message.next_attempt_at,
    )
    logger.warning(
        "outbox: message %s (%s) to %s failed, attempt %s: %s",
        message.pk,
        message.channel,
        mask_recipient(message.to),
        attempts,
        error,
    )
    if gives_up:
        return Delivery(Outcome.FAILED)
    return Delivery(Outcome.RETRY, retry_at=retry_at)


def retry_delay(*, attempts: int) -> int:
    """Seconds before the next try after `attempts` failures: doubling, capped."""
    base = settings.OUTBOX_RETRY_BASE_SECONDS
    return int(min(base * 2 ** min(attempts - 1, 30), settings.OUTBOX_RETRY_MAX_SECONDS))


def _why_not_claimed(message_id: int, *, now: datetime) -> Outcome:
    row = Message.objects.filter(pk=message_id).values_list("status", "useful_until").first()
    if row is None:
        return Outcome.MISSING
    status, useful_until = row
    if status in (Status.SENT, Status.FAILED):
        return Outcome.ALREADY_DONE
    if status == Status.SENDING:
        return Outcome.BUSY
    if useful_until <= now and messages_expire(now=now, message_id=message_id):
        return Outcome.FAILED
    return Outcome.NOT_DUE


def _is_permanent(exc: Exception) -> bool:
    if isinstance(exc, DeliveryError):
        return exc.permanent
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _reply in exc.recipients.values())
    return False


def _describe(exc: Exception) -> str:
    """A short reason for the admin. Only our own errors carry text: another exception's text may
    quote the message (a codec error quotes the string it choked on)."""
    if isinstance(exc, DeliveryError):
        text = str(exc)
    elif isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _reply in exc.recipients.values()})
        text = f"destinataire refusé par le serveur (SMTP {', '.join(map(str, codes))})"
    elif isinstance(exc, smtplib.SMTPResponseException):
        text = f"{type(exc).__name__} (SMTP {exc.smtp_code})"
    elif isinstance(exc, OSError) and exc.strerror:
        text = f"{type(exc).__name__}: {exc.strerror}"
    else:
        text = type(exc).__name__
    return text[:255]


def _render_text(template_name: str, context: dict[str, Any]) -> str:
    """A subject, a plain-text body or an SMS: through the template engine without autoescaping
    (settings.TEMPLATES, "text"). A plain `str`, so that the HTML layout escapes it."""
    return str(render_to_string(template_name, context, using=TEXT_ENGINE))


def _render_context(tenant: Tenant | None, context: dict[str, Any]) -> dict[str, Any]:
    return {**context, "tenant": tenant, "base_url": _base_url(tenant)}


def _base_url(tenant: Tenant | None) -> str:
    if tenant is not None:
        return tenant_public_base_url(tenant)
    port = f":{settings.PUBLIC_PORT}" if settings.PUBLIC_PORT else ""
    return f"{settings.PUBLIC_SCHEME}://{settings.PLATFORM_HOSTS[0]}{port}"


def message_language(*, tenant: Tenant | None, user: AbstractBaseUser | None = None) -> str:
    """The language a message to this person is written in, subject, dates and amounts
    included: the one she chose on the portal (`preferred_language`), else her tenant's
    default, else the platform's."""
    supported = {code for code, _name in settings.LANGUAGES}
    preferred = getattr(user, "preferred_language", "") or ""
    if preferred in supported:
        return preferred
    if tenant is not None:
        return tenant.default_language
    return settings.LANGUAGE_CODE


def _one_line(text: str) -> str:
    """Subjects are headers: no CR/LF, ever."""
    return " ".join(text.split())[:255]


def _clean_recipient(to: str) -> str:
    to = to.strip()
    if not to or any(c in to for c in "\r\n,;"):
        raise ValueError("a message has exactly one recipient, on one line")
    return to
