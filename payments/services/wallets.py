"""Wallets: created with the parent's first invitation or visit, credited by top-ups (bank
clearing → wallet), debited only by the invitation services."""

from __future__ import annotations

import secrets
from datetime import datetime

from django.db import IntegrityError, transaction

from accounts.models import User
from payments import locks
from payments.exceptions import InvalidAmount
from payments.ledger import LineSpec, ledger_post
from payments.models import Account, LedgerTransaction, RequestKind, TransactionKind, Wallet
from payments.services.idempotency import wallet_request_replayed, wallet_request_store
from tenants.models import Tenant


def wallet_get_or_create(*, tenant: Tenant, owner: User) -> Wallet:
    """The owner's wallet at this tenant, created with a fresh structured communication."""
    if owner.tenant_id != tenant.id:
        raise ValueError("a wallet belongs to a person of its own tenant")
    wallet = Wallet.objects.filter(owner=owner).first()
    if wallet is not None:
        return wallet
    for _attempt in range(20):
        reference = f"{secrets.randbelow(10**10):010d}"
        try:
            with transaction.atomic():
                return Wallet.objects.create(tenant=tenant, owner=owner, reference=reference)
        except IntegrityError:
            wallet = Wallet.objects.filter(owner=owner).first()
            if wallet is not None:  # created meanwhile by a concurrent request
                return wallet
    raise RuntimeError("no free structured communication found")


def wallet_set_auto_pay_default(*, wallet: Wallet, value: bool) -> Wallet:
    Wallet.objects.filter(pk=wallet.pk).update(auto_pay_default=value)
    wallet.auto_pay_default = value
    return wallet


def wallet_calendar_token_renew(*, wallet: Wallet) -> Wallet:
    """A new private feed address; the old one stops working at once."""
    wallet.calendar_token = secrets.token_urlsafe(24)
    Wallet.objects.filter(pk=wallet.pk).update(calendar_token=wallet.calendar_token)
    return wallet


def wallet_top_up(
    *,
    wallet: Wallet,
    amount_cents: int,
    by: User | None,
    memo: str = "",
    idempotency_key: str | None = None,
    created_at: datetime | None = None,
) -> LedgerTransaction:
    """Credit a wallet with money received on the bank account (bank clearing → wallet)."""
    if amount_cents <= 0:
        raise InvalidAmount()
    with transaction.atomic():
        locked = locks.wallet_lock(wallet_id=wallet.pk)
        if idempotency_key:
            request = wallet_request_replayed(
                wallet=locked, key=idempotency_key, kind=RequestKind.TOP_UP, invitation=None
            )
            if request is not None:
                assert request.transaction is not None  # stored with its transaction
                return request.transaction
        tx = ledger_post(
            tenant=locked.tenant,
            kind=TransactionKind.TOP_UP,
            memo=memo,
            by=by,
            created_at=created_at,
            lines=top_up_lines(locked, amount_cents),
        )
        if idempotency_key:
            wallet_request_store(
                wallet=locked, key=idempotency_key, kind=RequestKind.TOP_UP, transaction_=tx
            )
    wallet.balance_cents = locked.balance_cents
    return tx


def top_up_lines(wallet: Wallet, amount_cents: int) -> list[LineSpec]:
    """Bank → wallet; what the wallet owes (a reversed transfer already spent) is settled first."""
    settle = min(wallet.debt_cents, amount_cents)
    lines = [LineSpec(Account.BANK, -amount_cents)]
    if settle:
        lines.append(LineSpec(Account.RECEIVABLE, settle, wallet=wallet))
    if amount_cents - settle:
        lines.append(LineSpec(Account.WALLET, amount_cents - settle, wallet=wallet))
    return lines
