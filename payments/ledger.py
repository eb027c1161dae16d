"""The ledger's primitives: posting one balanced transaction, and reconciling balances with lines.

Every movement of money goes through `ledger_post`, inside `transaction.atomic()`, with the
wallets it touches already locked by the caller (`payments.locks`). The services decide what
moves; this module only writes it and keeps a wallet's cached balance equal to its lines, ≥ 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.models import User
from payments.exceptions import InsufficientCredit
from payments.models import Account, Activity, LedgerLine, LedgerTransaction, Wallet
from tenants.models import Tenant


@dataclass(frozen=True)
class LineSpec:
    account: str
    amount_cents: int
    wallet: Wallet | None = None
    activity: Activity | None = None


@dataclass(frozen=True)
class Mismatch:
    wallet_id: int
    owner: str
    balance_cents: int
    ledger_cents: int
    last_running_cents: int | None


def ledger_post(
    *,
    tenant: Tenant,
    kind: str,
    memo: str,
    by: User | None,
    lines: list[LineSpec],
    created_at: datetime | None = None,
) -> LedgerTransaction:
    """Write one balanced transaction. Wallets in `lines` must be locked by the caller; their
    cached balance moves with their line, and never below zero."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ledger postings happen inside transaction.atomic()")
    if sum(line.amount_cents for line in lines) != 0 or len(lines) < 2:
        raise ValueError("a ledger transaction's lines sum to zero")
    created_at = created_at or timezone.now()
    tx = LedgerTransaction.objects.create(
        tenant=tenant, kind=kind, memo=memo, created_by=by, created_at=created_at
    )
    rows = []
    for line in lines:
        balance_after = None
        if line.account == Account.WALLET:
            balance_after = _wallet_move(line.wallet, line.amount_cents)
        rows.append(
            LedgerLine(
                tenant=tenant,
                transaction=tx,
                account=line.account,
                wallet=line.wallet,
                activity=line.activity,
                amount_cents=line.amount_cents,
                balance_after_cents=balance_after,
                created_at=created_at,
            )
        )
    LedgerLine.objects.bulk_create(rows)
    return tx


def _wallet_move(wallet: Wallet | None, amount_cents: int) -> int:
    """The balance check: a wallet's balance moves by its line, and never below zero."""
    if wallet is None:
        raise ValueError("a wallet line names its wallet")
    balance_after = wallet.balance_cents + amount_cents
    if balance_after < 0:
        raise InsufficientCredit(
            missing_cents=-balance_after,
            balance_cents=wallet.balance_cents,
            amount_cents=-amount_cents,
        )
    Wallet.objects.filter(pk=wallet.pk).update(balance_cents=balance_after)
    wallet.balance_cents = balance_after
    return balance_after


def ledger_reconcile() -> tuple[list[Mismatch], list[int]]:
    """Every wallet's balance against the sum of its lines (and its last running balance), and
    every transaction's lines summing to zero, in the active tenant scope. Returns (wallet
    mismatches, unbalanced tx ids)."""
    wallets = Wallet.objects.select_related("owner").annotate(ledger=Sum("lines__amount_cents"))
    transactions = LedgerTransaction.objects.annotate(total=Sum("lines__amount_cents"))
    mismatches = []
    for wallet in wallets:
        ledger = wallet.ledger or 0
        last = (
            LedgerLine.objects.filter(wallet=wallet)
            .order_by("-pk")
            .values_list("balance_after_cents", flat=True)
            .first()
        )
        if ledger != wallet.balance_cents or (last is not None and last != ledger):
            mismatches.append(
                Mismatch(wallet.pk, str(wallet.owner), wallet.balance_cents, ledger, last)
            )
    unbalanced = list(transactions.exclude(total=0).values_list("pk", flat=True)) + list(
        transactions.filter(total__isnull=True).values_list("pk", flat=True)
    )
    return mismatches, sorted(set(unbalanced))
