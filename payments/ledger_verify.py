"""The seal check of a tenant's ledger (payments.ledger_seal), whole or from its last checkpoint.

Recomputing every seal costs about 1.5 s per 100,000 lines (the HMACs are computed here: the
key never reaches the database). So the nightly check reads every line, and the checks in between
(the admin's "vérifier le journal", `payments_reconcile`) read only the lines written since the
last clean check, each wallet's chain continuing from its last line before it. A checkpoint is
signed with the ledger's key; the lines before it are counted each time, so a row inserted or
removed below it (a forgery given an old id) sends the check back to reading everything.

A check runs in one snapshot (REPEATABLE READ on PostgreSQL, when it has a transaction of its
own), so the lines it counts are the lines it read; it writes a new checkpoint only when it found
nothing wrong, so a break stays reported until it is dealt with.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import OuterRef, QuerySet, Subquery

from payments.ledger_seal import (
    COLUMNS,
    SealBreak,
    chain_key,
    checkpoint_signature,
    seals_verify,
)
from payments.models import Account, LedgerLine, LedgerSealCheckpoint, Wallet
from tenants.models import Tenant

CHUNK = 10_000


def ledger_seals_verify(*, tenant: Tenant, full: bool = False) -> list[SealBreak]:
    """Every seal of `tenant`'s ledger written since its last clean check (all of them when
    `full`, or when that checkpoint no longer covers what it covered)."""
    snapshot = not connection.in_atomic_block
    with transaction.atomic():
        if snapshot and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        lines = LedgerLine.objects.filter(tenant=tenant)
        checkpoint = None if full else _checkpoint_valid(tenant)
        if checkpoint is not None and (
            lines.filter(pk__lte=checkpoint.up_to_line_id).count() != checkpoint.line_count
        ):
            checkpoint = None
        after = checkpoint.up_to_line_id if checkpoint is not None else None
        counted = checkpoint.line_count if checkpoint is not None else 0
        tally = _Tally()
        # (all lines when there is no checkpoint: ids are not trusted to be positive)
        fresh = lines.filter(pk__gt=after) if after is not None else lines
        wallet_lines = fresh.filter(wallet__isnull=False).order_by("wallet_id", "pk")
        other_lines = fresh.filter(wallet__isnull=True).order_by("account", "pk")
        starts = _chain_starts(lines, after) if after is not None else {}
        breaks = list(seals_verify(tally.rows(wallet_lines), starts))
        breaks += seals_verify(tally.rows(other_lines))
        if not breaks and tally.count and tally.last_id > (after or 0):
            # The lines read, never a fresh count: a line committed meanwhile below the last
            # one read makes the next check's count differ, and that check reads everything.
            _checkpoint_write(tenant, tally.last_id, counted + tally.count)
    return breaks


class _Tally:
    """Counts the rows streamed through it and keeps the highest id."""

    def __init__(self) -> None:
        self.count = 0
        self.last_id = -(2**63)

    def rows(self, queryset: QuerySet[LedgerLine]) -> Iterable[tuple]:
        for row in queryset.values_list(*COLUMNS).iterator(chunk_size=CHUNK):
            self.count += 1
            self.last_id = max(self.last_id, row[0])
            yield row


def _checkpoint_valid(tenant: Tenant) -> LedgerSealCheckpoint | None:
    for checkpoint in LedgerSealCheckpoint.objects.filter(tenant=tenant).order_by("-up_to_line_id")[
        :5
    ]:
        expected = checkpoint_signature(
            tenant_id=tenant.pk,
            up_to_line_id=checkpoint.up_to_line_id,
            line_count=checkpoint.line_count,
        )
        if hmac.compare_digest(expected, bytes(checkpoint.signature)):
            return checkpoint
    return None


def _checkpoint_write(tenant: Tenant, up_to_line_id: int, line_count: int) -> None:
    LedgerSealCheckpoint.objects.create(
        tenant=tenant,
        up_to_line_id=up_to_line_id,
        line_count=line_count,
        signature=checkpoint_signature(
            tenant_id=tenant.pk, up_to_line_id=up_to_line_id, line_count=line_count
        ),
    )
    # Older checkpoints are never read again once a newer one is valid.
    LedgerSealCheckpoint.objects.filter(tenant=tenant, up_to_line_id__lt=up_to_line_id).delete()


def _chain_starts(lines: QuerySet[LedgerLine], after: int) -> dict[str, tuple[bytes, int]]:
    """For each wallet with lines after the checkpoint: the seal of its last line before it and
    its running balance there (one query, each wallet's two lines found on the (wallet, id)
    index)."""
    before = LedgerLine.objects.filter(wallet=OuterRef("pk"), pk__lte=after).order_by("-pk")
    heads = (
        Wallet.objects.filter(pk__in=lines.filter(pk__gt=after).values("wallet_id"))
        .annotate(
            last_seal=Subquery(before.values("seal")[:1]),
            running=Subquery(
                before.filter(account=Account.WALLET).values("balance_after_cents")[:1]
            ),
        )
        .values_list("pk", "last_seal", "running")
    )
    return {
        chain_key(pk): (
            bytes(seal or b""),
            running or 0,
        )
        for pk, seal, running in heads.iterator(chunk_size=CHUNK)
    }
