"""Student self-activation: a student of a tenant with `student_self_activation` gives her
student number and portal username and receives a one-time link (recovery.tokens, purpose
"activation") in her school mailbox; the link lets her choose her first password."""

from datetime import timedelta
from functools import partial

from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from outbox.services import email_queue
from portal.celery import task_publish
from recovery import throttle
from recovery.activation.services import activation_password_set, user_is_activatable
from recovery.models import LinkToken
from recovery.tokens import link_token_consume, link_token_issue
from tenants.features import tenant_has_feature
from tenants.models import Tenant
from tenants.selectors import tenant_public_base_url

LINK_PURPOSE = "activation"
LINK_LIFETIME = timedelta(hours=1)


def student_activation_request(
    *, tenant: Tenant, student_number: str, username: str, ip: str | None
) -> None:
    """Records nothing and answers nothing: the lookup and the mail happen in the worker after
    commit, so every answer takes the same time."""
    from recovery.tasks import process_student_activation

    transaction.on_commit(
        partial(
            task_publish, process_student_activation, args=(tenant.pk, student_number, username, ip)
        )
    )


def student_activation_process(
    *, tenant_id: int, student_number: str, username: str, ip: str | None
) -> str:
    """Worker: a one-time link to the school mailbox of the student these answers name, if her
    account is not active yet. Returns what happened (for logs; never shown)."""
    tenant = Tenant.objects.filter(pk=tenant_id, is_active=True).first()
    if not tenant_has_feature(tenant, "student_self_activation"):
        return "disabled"
    if not throttle.throttle_hit(tenant=tenant, limit=throttle.REQUESTS_PER_IP, subject=ip or "-"):
        return "throttled"
    student = (
        User.objects.filter(
            is_student=True,
            student_number=student_number,
            identifier__lower_exact=username.strip(),
        )
        .select_related("tenant")
        .first()
    )
    if student is None or not (student.student_number and student.school_email):
        return "no_account"
    if not user_is_activatable(student):
        return "already_active"
    if not throttle.throttle_hit(
        tenant=tenant, limit=throttle.MAILS_PER_ACCOUNT, subject=str(student.pk)
    ):
        return "throttled"
    with transaction.atomic():
        secret = link_token_issue(user=student, purpose=LINK_PURPOSE, lifetime=LINK_LIFETIME)
        link = reverse("activation:link", args=[secret])
        email_queue(
            tenant=tenant,
            to=student.school_email,
            template="recovery/activation/email/student_link",
            context={
                "url": f"{tenant_public_base_url(tenant)}{link}",
                "identifier": student.identifier,
                "lifetime_minutes": int(LINK_LIFETIME.total_seconds() // 60),
            },
            user=student,
            useful_until=timezone.now() + LINK_LIFETIME,
            sensitive=True,
        )
    return "mail_sent"


@transaction.atomic
def activation_link_redeem(*, token: LinkToken, password: str, ip: str | None) -> User | None:
    """Uses the mailbox link and sets the password; None if the link died meanwhile."""
    user = User.objects.select_for_update().get(pk=token.user_id)
    if not user_is_activatable(user):
        return None
    validate_password(password, user)
    if not link_token_consume(token=token):
        return None
    activation_password_set(user=user, password=password, ip=ip)
    return user
