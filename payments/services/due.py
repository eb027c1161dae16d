"""The periodic job (Celery beat): automatic payments on the due date, then the reminders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from payments import notifications
from payments.exceptions import (
    InsufficientCredit,
    InvitationNotPending,
    PaymentsDisabled,
    WalletInDebt,
)
from payments.models import Invitation, InvitationStatus
from payments.services.invitations import invitation_pay, invitation_remind

# The due-date reminder goes out this many days before the due date.
REMINDER_DAYS_BEFORE = 3


@dataclass
class DueRun:
    paid: int = 0
    failed: int = 0
    reminded: int = 0


def invitations_run_due(*, today: date | None = None) -> DueRun:
    """Pay the ticked invitations that are due when the credit allows (and mail the parent
    either way, once), then send the due-date reminders."""
    today = today or timezone.localdate()
    run = DueRun()
    due = (
        Invitation.objects.filter(
            status=InvitationStatus.PENDING,
            due_on__lte=today,
            autopay_attempted_on__isnull=True,
            tenant__payments=True,  # the payments feature, as a filter
        )
        .filter(
            Q(auto_pay=True)
            | Q(
                auto_pay__isnull=True,
                debtor__wallets__auto_pay_default=True,
                debtor__wallets__tenant=F("tenant"),
            )
        )
        .select_related("tenant", "activity", "debtor", "beneficiary")
        .order_by("due_on", "pk")
    )
    for invitation in due:
        claimed = Invitation.objects.filter(
            pk=invitation.pk, autopay_attempted_on__isnull=True
        ).update(autopay_attempted_on=today)
        if not claimed:
            continue
        try:
            invitation_pay(
                invitation=invitation,
                by=None,
                idempotency_key=f"auto:{invitation.pk}",
                automatic=True,
            )
            run.paid += 1
        except InsufficientCredit as exc:
            run.failed += 1
            with transaction.atomic():
                notifications.autopay_failed(invitation=invitation, missing_cents=exc.missing_cents)
        except (InvitationNotPending, PaymentsDisabled, WalletInDebt):
            # In debt: nothing is paid until a top-up settles it (the wallet page says why).
            continue

    soon = today + timedelta(days=REMINDER_DAYS_BEFORE)
    to_remind = Invitation.objects.filter(
        status=InvitationStatus.PENDING,
        due_on__lte=soon,
        due_on__gte=today,
        reminded_at__isnull=True,
        tenant__payments=True,
    ).select_related("tenant", "activity", "debtor", "beneficiary")
    for invitation in to_remind:
        if invitation_remind(invitation=invitation):
            run.reminded += 1
    return run
