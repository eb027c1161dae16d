"""Reads for the dev inbox: the outbox's messages and the demo staff's current TOTP codes."""

import time
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from outbox.models import Message
from tenants.models import Tenant

INBOX_LIMIT = 200


def inbox_messages(*, tenant: Tenant | None) -> QuerySet[Message]:
    """The tenant's messages, newest first (tenants.scoping); at the platform host (no tenant)
    every message, with its tenant."""
    messages = Message.objects.order_by("-created_at", "-id").defer("body_text", "body_html")
    return messages if tenant is not None else messages.select_related("tenant")


def inbox_message_get(*, message_id: int) -> Message:
    """One message of the host's tenant (tenants.scoping), else 404."""
    return get_object_or_404(Message, pk=message_id)


@dataclass(frozen=True)
class DemoCode:
    identifier: str
    code: str
    seconds_left: int


def demo_totp_codes(*, tenant: Tenant | None) -> list[DemoCode]:
    """Current TOTP codes of this tenant's staff demo devices (the seed names them "demo")."""
    staff = Q(user__is_secretary=True) | Q(user__is_tenant_admin=True) | Q(user__is_superuser=True)
    devices = (
        TOTPDevice.objects.filter(staff, name="demo", confirmed=True, user__is_active=True)
        .filter(Q(user__tenant=tenant) if tenant is not None else Q(user__tenant__isnull=True))
        .select_related("user")
        .order_by("user__identifier")
    )
    now = int(time.time())
    codes = []
    for device in devices:
        code = totp(bytes.fromhex(device.key), step=device.step, t0=device.t0, digits=device.digits)
        codes.append(
            DemoCode(
                identifier=device.user.identifier,
                code=str(code).zfill(device.digits),
                seconds_left=device.step - (now - device.t0) % device.step,
            )
        )
    return codes
