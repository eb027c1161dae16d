"""SEPNE student reset (DESIGN.md §4, flow 3).

1. The student gives her school mailbox address. The web request only records it; the worker
   (`student_link_request_process`) finds the student, applies the throttles and mails a one-time
   link to that school address.
2. Whoever opens the link types the 10-digit student number and the portal username
   (`student_reset_answer`). The link is consumed either way; only right answers create a
   temporary password, mailed to the school mailbox after the tenant's delay. Right and wrong
   answers get the same page.
3. The temporary password logs in once, within 24 hours (`temporary_password_redeem`, called by
   the login backend, `recovery.backends`). Until then the account's own password keeps
   working, so requesting resets cannot lock anyone out; once it is used, the old password is
   gone and a new one must be chosen at once.
"""

import secrets
from datetime import timedelta

from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from accounts.models import User
from outbox.models import Message
from outbox.services import email_queue
from recovery.models import (
    Flow,
    LinkToken,
    Outcome,
    RecoveryRequest,
    TemporaryPassword,
)
from recovery.services import (
    recovery_accounts_sendable,
    recovery_event_log,
    recovery_request_finish,
    recovery_request_open,
    recovery_request_start,
    user_notice_send,
)
from recovery.tokens import link_token_consume, link_token_issue, link_tokens_revoke
from tenants.features import tenant_has_feature
from tenants.models import Tenant
from tenants.selectors import tenant_public_base_url

LINK_PURPOSE = "student_mailbox"
LINK_LIFETIME = timedelta(hours=1)
TEMPORARY_PASSWORD_LIFETIME = timedelta(hours=24)

# No look-alike characters (0/O, 1/l/I): the password is read in a mail and typed by hand.
_UPPER = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_LOWER = "abcdefghijkmnopqrstuvwxyz"
_DIGITS = "23456789"
_ALPHABET = _UPPER + _LOWER + _DIGITS
_GROUP = 4
_SEPARATOR = "-"


# --- Step 1: the one-time link to the school mailbox ------------------------------------------


def student_link_request_start(*, tenant: Tenant, address: str, ip: str | None) -> RecoveryRequest:
    """Records the request; the worker looks the address up after commit."""
    return recovery_request_start(
        tenant=tenant, flow=Flow.STUDENT_MAILBOX, method="mailbox", login=address, ip=ip
    )


def _students_with_mailbox(*, address: str) -> list[User]:
    if not address:
        return []
    return list(
        User.objects.filter(is_student=True, school_email__lower_exact=address)
        .select_related("tenant")
        .order_by("pk")
    )


@transaction.atomic
def student_link_request_process(*, request_id: int) -> str:
    """Worker: one link per student whose school mailbox is the address typed."""
    request, settled = recovery_request_open(request_id=request_id)
    if settled is not None:
        return settled
    if not tenant_has_feature(request.tenant, "student_mailbox_reset"):
        return recovery_request_finish(request, Outcome.NO_ACCOUNT, "parcours désactivé")

    students = _students_with_mailbox(address=request.login)
    if not students:
        return recovery_request_finish(request, Outcome.NO_ACCOUNT)
    request.user = students[0]

    sendable, refusals = recovery_accounts_sendable(
        request=request, users=students, email_required=False
    )
    for student in sendable:
        request.message = _send_link(request=request, student=student)
        request.user = student
    if sendable:
        return recovery_request_finish(
            request, Outcome.MAIL_SENT, "lien envoyé à la boîte scolaire"
        )
    return recovery_request_finish(request, refusals[0])


def _send_link(*, request: RecoveryRequest, student: User) -> Message:
    secret = link_token_issue(
        user=student, request=request, purpose=LINK_PURPOSE, lifetime=LINK_LIFETIME
    )
    base_url = tenant_public_base_url(request.tenant)
    message = email_queue(
        tenant=request.tenant,
        to=student.school_email,
        template="recovery/student/email/link",
        context={
            "url": f"{base_url}{reverse('student:link', args=[secret])}",
            "lifetime_minutes": int(LINK_LIFETIME.total_seconds() // 60),
        },
        user=student,
        useful_until=timezone.now() + LINK_LIFETIME,
        sensitive=True,
    )
    recovery_event_log(
        tenant=request.tenant, flow=request.flow, kind="link_sent", outcome=Outcome.MAIL_SENT,
        request=request, user=student, ip=request.ip,
    )  # fmt: skip
    return message


def student_link_is_current(token: LinkToken) -> bool:
    """The link proves control of the mailbox it was sent to: if the school address changed
    since, the link is dead."""
    request = token.request
    address = (request.login if request else "").strip().lower()
    return bool(address) and address == (token.user.school_email or "").strip().lower()


# --- Step 2: student number and username ------------------------------------------------------


def _same(typed: str, expected: str) -> bool:
    return bool(expected) and constant_time_compare(typed, expected)


@transaction.atomic
def student_reset_answer(
    *, token: LinkToken, student_number: str, username: str, ip: str | None
) -> str | None:
    """Consumes the link and, only if both answers are the link's student's, schedules a
    temporary password to the school mailbox. None when the link was already used (a race);
    otherwise the outcome, which the page never reveals."""
    if not link_token_consume(token=token):
        return None
    student = token.user
    request = token.request
    number_ok = _same(student_number, student.student_number)
    username_ok = _same(username.lower(), student.identifier.lower())
    if not (number_ok and username_ok):
        # As slow as the right answer's hashing, so timing does not tell them apart either.
        make_password(secrets.token_urlsafe(16))
        wrong = [
            label
            for ok, label in ((number_ok, "numéro d'élève"), (username_ok, "nom d'utilisateur"))
            if not ok
        ]
        reason = f"incorrect : {', '.join(wrong)}"
        _record(request, Outcome.WRONG_ANSWER, reason)
        recovery_event_log(
            tenant=student.member_tenant, flow=Flow.STUDENT_MAILBOX, kind="answer_wrong",
            outcome=Outcome.WRONG_ANSWER, request=request, user=student, ip=ip, detail=reason,
        )  # fmt: skip
        return Outcome.WRONG_ANSWER

    message = temporary_password_issue(user=student, request=request)
    _record(request, Outcome.MAIL_SENT, "mot de passe provisoire programmé", message=message)
    recovery_event_log(
        tenant=student.member_tenant, flow=Flow.STUDENT_MAILBOX, kind="temporary_password_sent",
        outcome=Outcome.MAIL_SENT, request=request, user=student, ip=ip,
        detail=f"envoi prévu le {message.not_before:%Y-%m-%d %H:%M:%S}",
    )  # fmt: skip
    return Outcome.MAIL_SENT


def _record(
    request: RecoveryRequest | None, outcome: str, reason: str, message: Message | None = None
) -> None:
    if request is None:
        return
    request.outcome = outcome
    request.reason = reason
    fields = ["outcome", "reason"]
    if message is not None:
        request.message = message
        fields.append("message")
    request.save(update_fields=fields)


def temporary_password_generate(*, user: User) -> str:
    """Groups like "Kt7m-Qp3x-Zr9w": upper, lower, digits and a symbol, long enough for the
    tenant's minimum, and accepted by every validator of the tenant's policy."""
    min_length = user.tenant.password_min_length if user.tenant else 8
    groups = max(3, -(-(min_length + 1) // (_GROUP + 1)))
    for _attempt in range(100):
        password = _SEPARATOR.join(
            "".join(secrets.choice(_ALPHABET) for _ in range(_GROUP)) for _ in range(groups)
        )
        if not all(any(c in chars for c in password) for chars in (_UPPER, _LOWER, _DIGITS)):
            continue
        try:
            validate_password(password, user)
        except ValidationError:
            continue
        return password
    raise RuntimeError("no temporary password met the tenant's policy")  # pragma: no cover


def temporary_password_issue(*, user: User, request: RecoveryRequest | None) -> Message:
    """A new temporary password (an older unused one dies), mailed to the school mailbox after
    the tenant's delay. Only its hash is stored; the account's password is left as it is."""
    now = timezone.now()
    TemporaryPassword.objects.filter(user=user, used_at__isnull=True, expires_at__gt=now).update(
        expires_at=now
    )
    password = temporary_password_generate(user=user)
    expires_at = now + TEMPORARY_PASSWORD_LIFETIME
    TemporaryPassword.objects.create(
        tenant=user.member_tenant,
        user=user,
        request=request,
        password_hash=make_password(password),
        created_at=now,
        expires_at=expires_at,
    )
    base_url = tenant_public_base_url(user.member_tenant)
    return email_queue(
        tenant=user.tenant,
        to=user.school_email,
        template="recovery/student/email/temporary_password",
        context={
            "identifier": user.identifier,
            "password": password,
            "login_url": f"{base_url}{reverse('account_login')}",
            "expires_at": expires_at,
            "lifetime_hours": int(TEMPORARY_PASSWORD_LIFETIME.total_seconds() // 3600),
        },
        user=user,
        not_before=now + timedelta(seconds=user.member_tenant.student_reset_delay_seconds),
        useful_until=expires_at,
        sensitive=True,
    )


# --- Step 3: the first login with the temporary password --------------------------------------


@transaction.atomic
def temporary_password_redeem(*, user: User | None, password: str, ip: str | None = None) -> bool:
    """True once for a live temporary password of this user. Then the account's old password
    stops working (nothing but the forced change can follow) and every other session ends.
    Without a user (an unknown account at login) the same lookup and hash run, and find nothing."""
    now = timezone.now()
    candidate = (
        TemporaryPassword.objects.filter(
            user_id=user.pk if user is not None else 0, used_at__isnull=True, expires_at__gt=now
        )
        .order_by("-created_at")
        .first()
    )
    if candidate is None or user is None:
        make_password(password)  # the same hashing work as a check: no timing difference
        return False
    if not password or not check_password(password, candidate.password_hash):
        return False
    # Two logins racing with the same password: the conditional update lets one through.
    if not TemporaryPassword.objects.filter(
        pk=candidate.pk, used_at__isnull=True, expires_at__gt=now
    ).update(used_at=now):
        return False
    user.set_unusable_password()
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    link_tokens_revoke(user=user)
    user_notice_send(
        user=user, template="recovery/email/password_changed", ip=ip, with_school_mailbox=True
    )
    request = candidate.request
    if request is not None:
        request.outcome = Outcome.COMPLETED
        request.reason = "mot de passe provisoire utilisé"
        request.save(update_fields=["outcome", "reason"])
    recovery_event_log(
        tenant=user.member_tenant, flow=Flow.STUDENT_MAILBOX, kind="temporary_password_used",
        outcome=Outcome.COMPLETED, request=request, user=user, ip=ip,
    )  # fmt: skip
    return True
