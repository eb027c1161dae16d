"""The help desk's "À traiter" list: messages the outbox gave up on (an SMTP or SMS outage that
outlasted their useful life, a refused address), which now need a person."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from accounts.models import User
from accounts.selectors import people_visible_condition
from outbox.models import Message, Status
from tenants.models import Tenant

ATTENTION_DAYS = 7
ATTENTION_SHOWN = 20


@dataclass(frozen=True)
class Attention:
    messages: list[Message]
    more: bool  # more failed messages than shown (the admin's message list has them all)


def messages_needing_attention(
    *, viewer: User, tenant: Tenant | None, now: datetime | None = None
) -> Attention:
    """Failed messages of the last days to people this viewer may see (and to no account, as
    in the admin's message list), newest first. One query; bodies are never read."""
    visible = people_visible_condition(viewer=viewer, tenant=tenant, key="user", unowned=True)
    if visible is None:
        return Attention(messages=[], more=False)
    since = (now or timezone.now()) - timedelta(days=ATTENTION_DAYS)
    rows = list(
        Message.objects.filter(visible, status=Status.FAILED, created_at__gte=since)
        .defer("subject", "body_text", "body_html")
        .select_related("user")
        .order_by("-created_at", "-id")[: ATTENTION_SHOWN + 1]
    )
    return Attention(messages=rows[:ATTENTION_SHOWN], more=len(rows) > ATTENTION_SHOWN)
