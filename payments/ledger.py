"""The ledger's primitives: posting one balanced transaction, and reconciling balances with lines.

Every movement of money goes through `ledger_post`, inside `transaction.atomic()`, with the
wallets it touches already locked by the caller (`payments.locks`). The services decide what
moves; this module only writes it and keeps a wallet's cached balance equal to its lines, ≥ 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User
from payments.exceptions import InsufficientCredit
from payments.models import Account, Activity, LedgerLine, LedgerTransaction, Wallet
from payments.money import format_cents
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
    mismatches, unbalanced tx ids). A few set-based queries, whatever the number of wallets."""
    last_line = (
        LedgerLine.objects.filter(wallet=OuterRef("pk"))
        .order_by("-pk")
        .values("balance_after_cents")[:1]
    )
    rows = (
        Wallet.objects.annotate(
            ledger=Coalesce(Sum("lines__amount_cents"), 0), last=Subquery(last_line)
        )
        .order_by("pk")
        .values_list("pk", "balance_cents", "ledger", "last")
    )
    wrong = [
        (pk, balance, ledger, last)
        for pk, balance, ledger, last in rows.iterator(chunk_size=5000)
        if ledger != balance or (last is not None and last != ledger)
    ]
    owners = {
        wallet.pk: str(wallet.owner)
        for wallet in Wallet.objects.filter(pk__in=[row[0] for row in wrong]).select_related(
            "owner"
        )
    }
    mismatches = [
        Mismatch(pk, owners[pk], balance, ledger, last) for pk, balance, ledger, last in wrong
    ]
    transactions = LedgerTransaction.objects.annotate(total=Sum("lines__amount_cents"))
    unbalanced = transactions.filter(~Q(total=0) | Q(total__isnull=True))
    return mismatches, sorted(unbalanced.values_list("pk", flat=True))


def ledger_report_lines(mismatches: Sequence[Mismatch], unbalanced: Sequence[int]) -> list[str]:
    """One line per finding of `ledger_reconcile`, as `manage.py payments_reconcile` prints them
    and the admin's reconciliation page shows them."""
    lines = [
        f"ÉCART portefeuille #{m.wallet_id} ({m.owner}) : "
        f"solde {format_cents(m.balance_cents)}, écritures {format_cents(m.ledger_cents)}, "
        "dernier solde courant "
        + (format_cents(m.last_running_cents) if m.last_running_cents is not None else "—")
        for m in mismatches
    ]
    lines += [f"ÉCRITURE DÉSÉQUILIBRÉE #{pk}" for pk in unbalanced]
    return lines
