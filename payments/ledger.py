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
from payments.bulk import rows_update
from payments.exceptions import InsufficientCredit
from payments.ledger_seal import SealBreak, SealedLine, seal
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
    # What the wallet owes (cached) and what its receivable lines say (equal when all is well).
    debt_cents: int = 0
    receivable_cents: int = 0


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
    _check_balanced([lines])
    created_at = created_at or timezone.now()
    tx = LedgerTransaction.objects.create(
        tenant=tenant, kind=kind, memo=memo, created_by=by, created_at=created_at
    )
    rows = [_line_row(tenant, tx, kind, line, created_at, save=True) for line in lines]
    LedgerLine.objects.bulk_create(rows)
    return tx


def _check_balanced(postings: Sequence[Sequence[LineSpec]]) -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ledger postings happen inside transaction.atomic()")
    for lines in postings:
        if sum(line.amount_cents for line in lines) != 0 or len(lines) < 2:
            raise ValueError("a ledger transaction's lines sum to zero")


def _line_row(
    tenant: Tenant,
    tx: LedgerTransaction,
    kind: str,
    line: LineSpec,
    created_at: datetime,
    *,
    save: bool,
) -> LedgerLine:
    """The row of one line, sealed (payments.ledger_seal), its wallet's balance (or debt) and
    last seal moved by it; `save` writes the wallet now, else the caller writes every wallet it
    touched once, at the end."""
    balance_after = None
    if line.account == Account.WALLET:
        balance_after = _wallet_move(line.wallet, line.amount_cents)
    elif line.account == Account.RECEIVABLE:
        _debt_move(line.wallet, line.amount_cents)
    sealed = SealedLine(
        tenant_id=tenant.pk,
        transaction_id=tx.pk,
        kind=kind,
        account=line.account,
        wallet_id=line.wallet.pk if line.wallet is not None else None,
        activity_id=line.activity.pk if line.activity is not None else None,
        amount_cents=line.amount_cents,
        balance_after_cents=balance_after,
        created_at=created_at,
    )
    # The seal chains to the wallet's last one (a line without a wallet is sealed alone).
    previous = bytes(line.wallet.ledger_seal or b"") if line.wallet is not None else b""
    line_seal = seal(sealed, previous)
    if line.wallet is not None:
        # The wallet's chain moves in memory (one object per wallet, locked by the caller); the
        # lines are written in the order they were sealed.
        line.wallet.ledger_seal = line_seal
        if save:
            Wallet.objects.filter(pk=line.wallet.pk).update(
                balance_cents=line.wallet.balance_cents,
                debt_cents=line.wallet.debt_cents,
                ledger_seal=line_seal,
            )
    return LedgerLine(
        tenant=tenant,
        transaction=tx,
        account=line.account,
        wallet=line.wallet,
        activity=line.activity,
        amount_cents=line.amount_cents,
        balance_after_cents=balance_after,
        created_at=created_at,
        seal=line_seal,
    )


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
    wallet.balance_cents = balance_after
    return balance_after


def _debt_move(wallet: Wallet | None, amount_cents: int) -> int:
    """A receivable line: negative, the wallet owes more; positive, it settles. Never below 0."""
    if wallet is None:
        raise ValueError("a receivable line names its wallet")
    debt_after = wallet.debt_cents - amount_cents
    if debt_after < 0:
        raise ValueError("a settlement larger than the wallet's debt")
    wallet.debt_cents = debt_after
    return debt_after


@dataclass(frozen=True)
class Posting:
    kind: str
    memo: str
    lines: list[LineSpec]


def ledger_post_many(
    *, tenant: Tenant, by: User | None, postings: Sequence[Posting]
) -> list[LedgerTransaction]:
    """Write many balanced transactions in a constant number of queries (a bank import's batch).
    The same rules as `ledger_post`: the wallets named are locked by the caller (each one Python
    object per wallet), balances never below zero, debts never below zero; each wallet row is
    written once, at the end, with its final balance and debt."""
    if not postings:
        return []
    _check_balanced([posting.lines for posting in postings])
    created_at = timezone.now()
    txs = LedgerTransaction.objects.bulk_create(
        [
            LedgerTransaction(
                tenant=tenant, kind=p.kind, memo=p.memo[:255], created_by=by, created_at=created_at
            )
            for p in postings
        ]
    )
    rows = []
    touched: dict[int, Wallet] = {}
    for tx, posting in zip(txs, postings, strict=True):
        for line in posting.lines:
            rows.append(_line_row(tenant, tx, posting.kind, line, created_at, save=False))
            if line.wallet is not None:
                touched[line.wallet.pk] = line.wallet
    LedgerLine.objects.bulk_create(rows, batch_size=2000)
    if touched:
        rows_update(
            Wallet,
            sorted(touched.values(), key=lambda w: w.pk),
            ["balance_cents", "debt_cents", "ledger_seal"],
        )
    return txs


def ledger_reconcile() -> tuple[list[Mismatch], list[int]]:
    """Every wallet's balance against the sum of its wallet lines (and its last running balance),
    its debt against its receivable lines, and
    every transaction's lines summing to zero, in the active tenant scope. Returns (wallet
    mismatches, unbalanced tx ids). A few set-based queries, whatever the number of wallets."""
    last_line = (
        LedgerLine.objects.filter(wallet=OuterRef("pk"), account=Account.WALLET)
        .order_by("-pk")
        .values("balance_after_cents")[:1]
    )
    rows = (
        Wallet.objects.annotate(
            ledger=Coalesce(Sum("lines__amount_cents", filter=Q(lines__account=Account.WALLET)), 0),
            owed=Coalesce(
                Sum("lines__amount_cents", filter=Q(lines__account=Account.RECEIVABLE)), 0
            ),
            last=Subquery(last_line),
        )
        .order_by("pk")
        .values_list("pk", "balance_cents", "ledger", "last", "debt_cents", "owed")
    )
    wrong = [
        (pk, balance, ledger, last, debt, -owed)
        for pk, balance, ledger, last, debt, owed in rows.iterator(chunk_size=5000)
        if ledger != balance or (last is not None and last != ledger) or debt != -owed
    ]
    owners = {
        wallet.pk: str(wallet.owner)
        for wallet in Wallet.objects.filter(pk__in=[row[0] for row in wrong]).select_related(
            "owner"
        )
    }
    mismatches = [
        Mismatch(pk, owners[pk], balance, ledger, last, debt, owed)
        for pk, balance, ledger, last, debt, owed in wrong
    ]
    transactions = LedgerTransaction.objects.annotate(total=Sum("lines__amount_cents"))
    unbalanced = transactions.filter(~Q(total=0) | Q(total__isnull=True))
    return mismatches, sorted(unbalanced.values_list("pk", flat=True))


def ledger_report_lines(
    mismatches: Sequence[Mismatch],
    unbalanced: Sequence[int],
    seal_breaks: Sequence[SealBreak] = (),
) -> list[str]:
    """One line per finding of `ledger_reconcile`, as `manage.py payments_reconcile` prints them
    and the admin's reconciliation page shows them."""
    lines = [
        f"ÉCART portefeuille #{m.wallet_id} ({m.owner}) : "
        f"solde {format_cents(m.balance_cents)}, écritures {format_cents(m.ledger_cents)}, "
        "dernier solde courant "
        + (format_cents(m.last_running_cents) if m.last_running_cents is not None else "—")
        + (
            f", dette {format_cents(m.debt_cents)}, créance {format_cents(m.receivable_cents)}"
            if m.debt_cents != m.receivable_cents
            else ""
        )
        for m in mismatches
    ]
    lines += [f"ÉCRITURE DÉSÉQUILIBRÉE #{pk}" for pk in unbalanced]
    lines += [
        (
            f"SCEAU INVALIDE ligne #{b.line_id} (écriture #{b.transaction_id}"
            if b.reason == "seal"
            else f"SOLDE COURANT ROMPU ligne #{b.line_id} (écriture #{b.transaction_id}"
        )
        + (f", portefeuille #{b.wallet_id})" if b.wallet_id is not None else f", {b.account})")
        for b in seal_breaks
    ]
    return lines
