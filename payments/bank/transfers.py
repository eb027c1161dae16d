"""Money leaving for a bank account: the IBAN check (schwifty) and the SEPA credit-transfer
file (pain.001.001.03, written and validated against its schema by `sepaxml`, never
hand-written XML) that gathers every refund of a suspense transfer and every wallet withdrawal
not sent yet, for the school to upload to its bank.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from schwifty import IBAN
from schwifty import exceptions as iban_errors
from sepaxml import SepaTransfer

from accounts.models import User
from payments.exceptions import BankLineNotWaiting, InvalidIban
from payments.models import BankLine, BankLineStatus, SepaTransferFile, WalletWithdrawal
from payments.money import format_cents
from tenants.models import Tenant

SCHEMA = "pain.001.001.03"


def iban_checked(text: str) -> IBAN:
    """The IBAN typed (spaces and case as people write them), if a SEPA transfer can reach it;
    else InvalidIban with the reason in words a secretary can act on."""
    if not (text or "").strip():
        raise InvalidIban(_("indiquez l'IBAN du compte (par exemple BE71 0961 2345 6769)."))
    try:
        iban = IBAN(text)
    except iban_errors.InvalidCountryCode as exc:
        raise InvalidIban(_("le code pays (les deux lettres du début) est inconnu.")) from exc
    except iban_errors.InvalidLength as exc:
        raise InvalidIban(_("il n'a pas le bon nombre de caractères pour ce pays.")) from exc
    except (iban_errors.InvalidChecksumDigits, iban_errors.InvalidBBANChecksum) as exc:
        raise InvalidIban(
            _("les chiffres de contrôle ne correspondent pas : un caractère est mal recopié.")
        ) from exc
    except iban_errors.SchwiftyException as exc:
        raise InvalidIban(_("sa forme ne correspond pas à un IBAN de ce pays.")) from exc
    if not iban.in_sepa_zone:
        raise InvalidIban(
            _("ce compte est hors de la zone SEPA : un virement SEPA ne l'atteint pas.")
        )
    return iban


def transfers_export(*, tenant: Tenant, by: User | None) -> SepaTransferFile | None:
    """One pain.001 file with every refund and wallet withdrawal not sent yet (each marked as
    sent in it); None if there is none."""
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
        withdrawals = list(
            WalletWithdrawal.objects.select_for_update(of=("self",))
            .filter(tenant=tenant, transfer_file=None)
            .select_related("wallet__owner")
            .order_by("pk")
        )
        if not lines and not withdrawals:
            return None
        sepa = _sepa_transfer(tenant)
        today = timezone.localdate()
        for line in lines:
            sepa.add_payment(
                _payment(
                    name=line.debtor_name or _("Donneur d'ordre"),
                    iban=line.refund_iban,
                    amount_cents=line.amount_cents,
                    day=today,
                    description=_("Remboursement de votre virement du %(date)s (%(amount)s)")
                    % {
                        "date": line.booking_date.strftime("%d/%m/%Y") if line.booking_date else "",
                        "amount": format_cents(line.amount_cents),
                    },
                    endtoend_id=f"CARTABLE-{line.pk}",
                )
            )
        for withdrawal in withdrawals:
            owner = withdrawal.wallet.owner
            sepa.add_payment(
                _payment(
                    name=withdrawal.holder_name,
                    iban=withdrawal.iban,
                    amount_cents=withdrawal.amount_cents,
                    day=today,
                    description=_("Remboursement du solde du portefeuille de %(name)s")
                    % {"name": owner.full_name or owner.identifier},
                    endtoend_id=f"CARTABLE-W{withdrawal.pk}",
                )
            )
        content = sepa.export(validate=True).decode()
        exported = SepaTransferFile.objects.create(
            tenant=tenant,
            message_id=sepa.msg_id[:35],
            transfers=len(lines) + len(withdrawals),
            total_cents=sum(line.amount_cents for line in lines)
            + sum(withdrawal.amount_cents for withdrawal in withdrawals),
            content=content,
            created_by=by,
        )
        BankLine.objects.filter(pk__in=[line.pk for line in lines]).update(
            status=BankLineStatus.REFUNDED, refund_file=exported
        )
        WalletWithdrawal.objects.filter(pk__in=[w.pk for w in withdrawals]).update(
            transfer_file=exported
        )
    return exported


def _sepa_transfer(tenant: Tenant) -> SepaTransfer:
    own = IBAN(tenant.iban)
    config: dict[str, Any] = {
        "name": (tenant.creditor_name or tenant.display_name or tenant.name)[:70],
        "IBAN": own.compact,
        "batch": True,
        "currency": "EUR",
    }
    if own.bic is not None:
        config["BIC"] = str(own.bic)
    return SepaTransfer(config, schema=SCHEMA, clean=True)


def _payment(
    *, name: str, iban: str, amount_cents: int, day: date, description: str, endtoend_id: str
) -> dict[str, Any]:
    target = IBAN(iban)
    payment: dict[str, Any] = {
        "name": name[:70],
        "IBAN": target.compact,
        "amount": amount_cents,
        "execution_date": day,
        "description": description[:140],
        "endtoend_id": endtoend_id,
    }
    if target.bic is not None:
        payment["BIC"] = str(target.bic)
    return payment
