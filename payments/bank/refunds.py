"""Refunds of transfers that waited in suspense, leaving as a SEPA credit-transfer file.

`suspense_refund` takes a waiting transfer out of suspense towards the payer's IBAN (checked by
schwifty); `refunds_export` gathers every refund not sent yet into one pain.001.001.03 file,
written and validated against its schema by `sepaxml` (never hand-written XML), for the school
to upload to its bank.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from sepaxml import SepaTransfer

from accounts.models import User
from payments.bank.suspense import _waiting_line_lock
from payments.exceptions import BankLineNotWaiting
from payments.ledger import LineSpec, ledger_post
from payments.models import (
    Account,
    BankLine,
    BankLineStatus,
    SepaTransferFile,
    TransactionKind,
)
from payments.money import format_cents, iban_display
from tenants.models import Tenant

SCHEMA = "pain.001.001.03"


def iban_checked(text: str) -> IBAN:
    try:
        return IBAN(text)
    except SchwiftyException as exc:
        raise BankLineNotWaiting(_("IBAN invalide (%(reason)s).") % {"reason": str(exc)}) from exc


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


def refunds_export(*, tenant: Tenant, by: User | None) -> SepaTransferFile | None:
    """One pain.001 file with every refund not sent yet; None if there is none."""
    if not tenant.iban:
        raise BankLineNotWaiting(
            _("L'IBAN de l'établissement n'est pas configuré : aucun fichier de virements.")
        )
    with transaction.atomic():
        lines = list(
            BankLine.objects.select_for_update(of=("self",))
            .filter(tenant=tenant, status=BankLineStatus.REFUND_PENDING, refund_file=None)
            .order_by("pk")
        )
        if not lines:
            return None
        own = IBAN(tenant.iban)
        config = {
            "name": (tenant.creditor_name or tenant.display_name or tenant.name)[:70],
            "IBAN": own.compact,
            "batch": True,
            "currency": "EUR",
        }
        if own.bic is not None:
            config["BIC"] = str(own.bic)
        sepa = SepaTransfer(config, schema=SCHEMA, clean=True)
        today = timezone.localdate()
        for line in lines:
            target = IBAN(line.refund_iban)
            payment = {
                "name": (line.debtor_name or _("Donneur d'ordre"))[:70],
                "IBAN": target.compact,
                "amount": line.amount_cents,
                "execution_date": today,
                "description": (
                    _("Remboursement de votre virement du %(date)s (%(amount)s)")
                    % {
                        "date": line.booking_date.strftime("%d/%m/%Y") if line.booking_date else "",
                        "amount": format_cents(line.amount_cents),
                    }
                )[:140],
                "endtoend_id": f"CARTABLE-{line.pk}",
            }
            if target.bic is not None:
                payment["BIC"] = str(target.bic)
            sepa.add_payment(payment)
        content = sepa.export(validate=True).decode()
        exported = SepaTransferFile.objects.create(
            tenant=tenant,
            message_id=sepa.msg_id[:35],
            transfers=len(lines),
            total_cents=sum(line.amount_cents for line in lines),
            content=content,
            created_by=by,
        )
        BankLine.objects.filter(pk__in=[line.pk for line in lines]).update(
            status=BankLineStatus.REFUNDED, refund_file=exported
        )
    return exported


__all__ = ["iban_checked", "iban_display", "refunds_export", "suspense_refund"]
