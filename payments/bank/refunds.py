"""Refunds of transfers that waited in suspense, leaving as a SEPA credit-transfer file.

`suspense_refund` takes a waiting transfer out of suspense towards the payer's IBAN (checked by
schwifty); `payments.bank.transfers.transfers_export` (also `refunds_export` here) gathers every
refund and wallet withdrawal not sent yet into one pain.001.001.03 file for the school's bank.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from payments.bank.suspense import _waiting_line_lock
from payments.bank.transfers import SCHEMA, iban_checked, transfers_export
from payments.ledger import LineSpec, ledger_post
from payments.models import Account, BankLine, BankLineStatus, TransactionKind
from payments.money import iban_display


def suspense_refund(*, line: BankLine, iban: str, by: User, note: str = "") -> BankLine:
    """Send the transfer back to `iban`: out of suspense now, in the next pain.001 file."""
    target = iban_checked(iban)
    with transaction.atomic():
        locked = _waiting_line_lock(line.pk)
        tx = ledger_post(
            tenant=locked.tenant,
            kind=TransactionKind.REFUND,
            memo=_("Remboursement du virement %(who)s vers %(iban)s")
            % {"who": locked.debtor_name or locked.entry_ref, "iban": target.formatted},
            by=by,
            lines=[
                LineSpec(Account.SUSPENSE, -locked.amount_cents),
                LineSpec(Account.BANK, locked.amount_cents),
            ],
        )
        locked.status = BankLineStatus.REFUND_PENDING
        locked.refund_iban = target.compact
        locked.resolved_by, locked.resolved_at = by, timezone.now()
        locked.resolution_note, locked.resolution = note[:300], tx
        locked.save(
            update_fields=[
                "status",
                "refund_iban",
                "resolved_by",
                "resolved_at",
                "resolution_note",
                "resolution",
            ]
        )
    return locked


# The file now carries wallet withdrawals too (payments.bank.transfers); the old name stays.
refunds_export = transfers_export


__all__ = [
    "SCHEMA",
    "iban_checked",
    "iban_display",
    "refunds_export",
    "suspense_refund",
    "transfers_export",
]
