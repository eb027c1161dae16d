"""Single-use link tokens: 256-bit secrets, stored as SHA-256, bound to user, tenant and state."""

import secrets
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from accounts.models import User
from accounts.services import secret_hash
from recovery.models import LinkToken, RecoveryRequest

LINK_LIFETIME = timedelta(hours=1)


def user_fingerprint(user: User) -> str:
    """Changes whenever the password, the e-mail or the school mailbox changes: older links
    die with it (a link proves control of the mailbox it was sent to)."""
    value = (
        f"{user.pk}:{user.tenant_id}:{user.password}:{user.email.lower()}"
        f":{user.school_email.lower()}"
    )
    return salted_hmac("cartable.recovery.link", value, algorithm="sha256").hexdigest()


def link_token_issue(
    *,
    user: User,
    request: RecoveryRequest | None = None,
    purpose: str = "reset",
    lifetime: timedelta = LINK_LIFETIME,
) -> str:
    """Revokes the user's earlier links for this purpose and returns a new secret."""
    now = timezone.now()
    LinkToken.objects.filter(
        user=user, purpose=purpose, used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    secret = secrets.token_urlsafe(32)
    LinkToken.objects.create(
        tenant_id=user.member_tenant_id,
        user=user,
        request=request,
        purpose=purpose,
        secret_hash=secret_hash(secret),
        fingerprint=user_fingerprint(user),
        created_at=now,
        expires_at=now + lifetime,
    )
    return secret


def link_token_check(
    *, secret: str, purpose: str = "reset", now: datetime | None = None
) -> LinkToken | None:
    """The live token this secret names in the host's tenant (tenants.scoping), or None
    (unknown, used, expired, revoked, another tenant's, or the account changed since)."""
    if not secret or len(secret) > 100:
        return None
    now = now or timezone.now()
    token = (
        LinkToken.objects.select_related("user")
        .filter(
            secret_hash=secret_hash(secret),
            purpose=purpose,
            used_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=now,
        )
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    if not constant_time_compare(token.fingerprint, user_fingerprint(token.user)):
        return None
    return token


def link_token_consume(*, token: LinkToken) -> bool:
    """Marks the token used. True for exactly one caller, however many race."""
    assert transaction.get_connection().in_atomic_block, "consume inside the reset transaction"
    now = timezone.now()
    return bool(
        LinkToken.objects.filter(
            pk=token.pk, used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
        ).update(used_at=now)
    )


def link_tokens_revoke(*, user: User, purpose: str | None = None) -> None:
    tokens = LinkToken.objects.filter(user=user, used_at__isnull=True, revoked_at__isnull=True)
    if purpose:
        tokens = tokens.filter(purpose=purpose)
    tokens.update(revoked_at=timezone.now())
