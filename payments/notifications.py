"""Mails of payments, all through the outbox: written in the caller's transaction, sent on commit.

A debtor without an e-mail address gets no mail (the portal still shows everything).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils import translation
from django.utils.functional import lazy

from outbox.services import email_queue, message_language
from payments.money import format_cents

if TYPE_CHECKING:
    from payments.models import Invitation, Wallet


def _invitation_context(invitation: Invitation) -> dict:
    return {
        "invitation": invitation,
        "activity": invitation.activity,
        "child_name": invitation.beneficiary.get_full_name(),
        "parent_name": invitation.debtor.get_full_name(),
        "amount": format_cents(invitation.amount_cents),
        "invitations_path": reverse("payments:invitations"),
        "wallet_path": reverse("payments:wallet"),
    }


def _send(*, invitation: Invitation | None, wallet: Wallet | None, template: str, **extra) -> None:
    source: Invitation | Wallet
    if invitation is not None:
        person, source = invitation.debtor, invitation
    elif wallet is not None:
        person, source = wallet.owner, wallet
    else:
        raise ValueError("a mail about an invitation, a wallet, or both")
    if not person.email:
        return
    # Amounts are written the recipient's way, not the way of whoever caused the mail.
    with translation.override(message_language(tenant=source.tenant, user=person)):
        context = _invitation_context(invitation) if invitation is not None else {}
        if wallet is not None:
            context |= {
                "wallet": wallet,
                "balance": format_cents(wallet.balance_cents),
                "wallet_path": reverse("payments:wallet"),
                "parent_name": wallet.owner.get_full_name(),
            }
    context |= extra
    email_queue(
        tenant=source.tenant,
        to=person.email,
        template=f"payments/email/{template}",
        context=context,
        user=person,
    )


def invitation_received(*, invitation: Invitation) -> None:
    _send(invitation=invitation, wallet=None, template="invitation_received")


def due_reminder(*, invitation: Invitation) -> None:
    _send(invitation=invitation, wallet=None, template="due_reminder")


def payment_receipt(*, invitation: Invitation, wallet: Wallet) -> None:
    _send(
        invitation=invitation,
        wallet=wallet,
        template="payment_receipt",
        receipt_path=reverse("payments:receipt", args=[invitation.pk]),
    )


def autopay_done(*, invitation: Invitation, wallet: Wallet) -> None:
    _send(
        invitation=invitation,
        wallet=wallet,
        template="autopay_done",
        receipt_path=reverse("payments:receipt", args=[invitation.pk]),
    )


def autopay_failed(*, invitation: Invitation, missing_cents: int) -> None:
    _send(
        invitation=invitation,
        wallet=None,
        template="autopay_failed",
        # Formatted when the mail is rendered, in the recipient's language.
        missing=lazy(format_cents, str)(missing_cents),
    )


def low_balance(*, wallet: Wallet) -> None:
    _send(invitation=None, wallet=wallet, template="low_balance")
