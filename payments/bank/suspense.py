"""What waits in suspense, resolved by a secretary: assigned to a wallet, or discarded with a
reason. Each resolution is one ledger transaction out of the suspense account, and the bank
transaction keeps who resolved it, when and why (the audit trail).

(Refunds to the payer's IBAN, leaving as a pain.001 file, are the next step.)
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from payments import locks
from payments.exceptions import BankLineNotWaiting, InvalidAmount
from payments.ledger import LineSpec, ledger_post
from payments.models import Account, BankLine, BankLineStatus, TransactionKind, Wallet
from payments.services.wallets import top_up_lines

WAITING = (BankLineStatus.SUSPENSE, BankLineStatus.HELD)


def suspense_waiting() -> QuerySet[BankLine]:
    """Credits booked to suspense that a secretary has not resolved yet (active tenant scope)."""
    return BankLine.objects.filter(booked=True, credit=True, status__in=WAITING).order_by(
        "booking_date", "pk"
    )


def _waiting_line_lock(line_id: int) -> BankLine:
    locked = BankLine.objects.select_for_update(of=("self",)).get(pk=line_id)
    if not (locked.booked and locked.credit and locked.status in WAITING):
        raise BankLineNotWaiting()
    if locked.amount_cents <= 0:
        raise InvalidAmount()
    return locked


def suspense_assign(*, line: BankLine, wallet: Wallet, by: User, note: str = "") -> BankLine:
    """Credit the transfer to `wallet` (settling its debt first), out of suspense."""
    if wallet.tenant_id != line.tenant_id:
        raise BankLineNotWaiting()
    with transaction.atomic():
        locked = _waiting_line_lock(line.pk)
        wallet_locked = locks.wallet_lock(wallet_id=wallet.pk)
        amount = locked.amount_cents
        lines = top_up_lines(wallet_locked, amount)
        # The money comes from suspense, not from the bank a second time.
        lines[0] = LineSpec(Account.SUSPENSE, -amount)
        tx = ledger_post(
            tenant=locked.tenant,
            kind=TransactionKind.TOP_UP,
            memo=_("Virement %(who)s attribué par le secrétariat")
            % {"who": locked.debtor_name or locked.entry_ref},
            by=by,
            lines=lines,
        )
        locked.status = BankLineStatus.ASSIGNED
        locked.wallet = wallet_locked
        locked.resolved_by, locked.resolved_at = by, timezone.now()
        locked.resolution_note, locked.resolution = note[:300], tx
        locked.save(
            update_fields=[
                "status",
                "wallet",
                "resolved_by",
                "resolved_at",
                "resolution_note",
                "resolution",
            ]
        )
    return locked


def suspense_discard(*, line: BankLine, by: User, reason: str) -> BankLine:
    """Take the transfer out of the wallets' books (not a wallet's money: a gift, a payment for
    something else), with a reason. The money stays on the school's account."""
    reason = reason.strip()
    if not reason:
        raise BankLineNotWaiting(_("Indiquez pourquoi ce virement est écarté."))
    with transaction.atomic():
        locked = _waiting_line_lock(line.pk)
        tx = ledger_post(
            tenant=locked.tenant,
            kind=TransactionKind.SUSPENSE,
            memo=_("Virement %(who)s écarté : %(reason)s")
            % {"who": locked.debtor_name or locked.entry_ref, "reason": reason[:150]},
            by=by,
            lines=[
                LineSpec(Account.SUSPENSE, -locked.amount_cents),
                LineSpec(Account.BANK, locked.amount_cents),
            ],
        )
        locked.status = BankLineStatus.DISCARDED
        locked.resolved_by, locked.resolved_at = by, timezone.now()
        locked.resolution_note, locked.resolution = reason[:300], tx
        locked.save(
            update_fields=["status", "resolved_by", "resolved_at", "resolution_note", "resolution"]
        )
    return locked
