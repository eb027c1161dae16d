"""Writes on people."""

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User


@transaction.atomic
def users_mark_migrated(*, users: QuerySet[User], by: User) -> int:
    """Legacy accounts become migrated: from now on recovery mails reach them."""
    pending = User.objects.filter(pk__in=users.values("pk"), is_migrated=False)
    return pending.update(is_migrated=True, migrated_at=timezone.now())


@transaction.atomic
def user_password_replace(*, user: User, password: str) -> None:
    """The user's own new password after a forced change (policy already checked by the form)."""
    user.set_password(password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
