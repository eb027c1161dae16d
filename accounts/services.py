"""Writes on people."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from accounts.directory.services import user_password_set
from accounts.models import EmailChange, User
from outbox.services import email_queue
from tenants.selectors import tenant_public_base_url


@transaction.atomic
def users_mark_migrated(*, users: QuerySet[User], by: User) -> int:
    """Legacy accounts become migrated: from now on recovery mails reach them."""
    pending = User.objects.filter(pk__in=users.values("pk"), is_migrated=False)
    return pending.update(is_migrated=True, migrated_at=timezone.now())


@transaction.atomic
def user_password_replace(*, user: User, password: str) -> None:
    """The user's own new password after a forced change (policy already checked by the form)."""
    user.must_change_password = False
    user_password_set(user=user, password=password, also=["must_change_password"])


# --- e-mail changes of staff, confirmed from the old address ----------------------------------

EMAIL_CHANGE_LIFETIME = timedelta(days=3)


def secret_hash(secret: str) -> str:
    """How a random link secret is kept at rest (a plain SHA-256: the secret is long and random);
    e-mail change links and recovery links alike."""
    return hashlib.sha256(secret.encode()).hexdigest()


def email_change_needs_confirmation(*, person: User) -> bool:
    """A staff member's or administrator's address changes only once the old address agreed;
    with no old address there is nobody to ask."""
    return person.rights_rank > 0 and bool(person.email)


@transaction.atomic
def email_change_request(*, person: User, new_email: str, by: User) -> EmailChange:
    """Keeps the current address, and mails its owner a link that applies the new one. An
    earlier pending change of this person dies."""
    now = timezone.now()
    EmailChange.objects.filter(user=person, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    secret = secrets.token_urlsafe(32)
    change = EmailChange.objects.create(
        tenant_id=person.member_tenant_id,
        user=person,
        old_email=person.email,
        new_email=new_email,
        secret_hash=secret_hash(secret),
        requested_by=by,
        created_at=now,
        expires_at=now + EMAIL_CHANGE_LIFETIME,
    )
    base = tenant_public_base_url(person.member_tenant)
    email_queue(
        tenant=person.tenant,
        to=person.email,
        template="accounts/email/email_change",
        context={
            "name": person.get_full_name(),
            "identifier": person.identifier,
            "new_email": new_email,
            "by": by.get_full_name(),
            "url": base + reverse("email_change_open", args=[secret]),
            "expires_at": change.expires_at,
        },
        user=person,
        sensitive=True,
    )
    return change


def email_change_check(*, secret: str) -> EmailChange | None:
    """The live change this secret names in the host's tenant (tenants.scoping), or None:
    unknown, used, expired, replaced, or the address changed since it was asked."""
    if not secret or len(secret) > 100:
        return None
    change = (
        EmailChange.objects.select_related("user")
        .filter(
            secret_hash=secret_hash(secret),
            used_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .first()
    )
    if change is None or change.user.email.lower() != change.old_email.lower():
        return None
    return change


@transaction.atomic
def email_change_confirm(*, secret: str) -> EmailChange | None:
    """Applies the new address, once; None if the link is no longer valid."""
    change = email_change_check(secret=secret)
    if change is None:
        return None
    used = EmailChange.objects.filter(pk=change.pk, used_at__isnull=True).update(
        used_at=timezone.now()
    )
    if not used:
        return None  # confirmed twice at once: the other one applied it
    User.objects.filter(pk=change.user_id).update(email=change.new_email)
    return change


@transaction.atomic
def email_change_refuse(*, secret: str) -> bool:
    """The old address's owner refuses: the change dies, the address stays."""
    change = email_change_check(secret=secret)
    if change is None:
        return False
    EmailChange.objects.filter(pk=change.pk).update(revoked_at=timezone.now())
    return True


def user_preferred_language_set(*, user: User, language: str) -> bool:
    """Remember the language a person chose on the portal: her mails and SMS go out in it
    (outbox.services.message_language). Returns whether it changed; unknown codes are ignored."""
    if language not in {code for code, _name in settings.LANGUAGES}:
        return False
    if user.preferred_language == language:
        return False
    User.objects.filter(pk=user.pk).update(preferred_language=language)
    user.preferred_language = language
    return True
