"""Seals of the ledger: every line carries an HMAC of what it says, chained to the previous line
of its chain, keyed by `settings.CARTABLE_LEDGER_KEY` (in the environment, never in the
database).

A chain is a wallet's lines (key `w<wallet id>`), in id order: each seal covers the line and the
seal before it, so a line inserted, altered or removed by someone who can write rows but does not
hold the key breaks the chain where it happened. The wallet row keeps the seal of its last line
(`Wallet.ledger_seal`), read and written under the wallet lock that posting already takes
(payments.locks): chains of different wallets never wait for one another.

Lines without a wallet (the bank, an activity's income or refunds) are sealed alone (key `""`,
no previous seal): chaining them per account would make every payment of an activity wait for
the one before.

Verification (`seals_verify`) streams the lines of a tenant in chain order and recomputes every
seal in Python; the key never reaches the database server.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def _key() -> bytes:
    return settings.CARTABLE_LEDGER_KEY.encode()


def chain_key(wallet_id: int | None) -> str:
    """A wallet's lines form one chain; a line without a wallet is sealed alone ("")."""
    return "" if wallet_id is None else f"w{wallet_id}"


def _message(
    previous: bytes,
    chain: str,
    tenant_id: int,
    transaction_id: int,
    kind: str,
    account: str,
    wallet_id: int | None,
    activity_id: int | None,
    amount_cents: int,
    balance_after_cents: int | None,
    created_at: datetime,
) -> bytes:
    return (
        f"cartable-ledger-v1|{tenant_id}|{chain}|{transaction_id}|{kind}|{account}|"
        f"{'' if wallet_id is None else wallet_id}|{'' if activity_id is None else activity_id}|"
        f"{amount_cents}|{'' if balance_after_cents is None else balance_after_cents}|"
        f"{(created_at - EPOCH) // MICROSECOND}|"
    ).encode() + previous


@dataclass(frozen=True, slots=True)
class SealedLine:
    """What a seal covers, as stored: a line and its transaction's id and kind."""

    tenant_id: int
    transaction_id: int
    kind: str
    account: str
    wallet_id: int | None
    activity_id: int | None
    amount_cents: int
    balance_after_cents: int | None
    created_at: datetime

    @property
    def chain(self) -> str:
        return chain_key(self.wallet_id)

    def message(self, previous: bytes) -> bytes:
        return _message(
            previous,
            self.chain,
            self.tenant_id,
            self.transaction_id,
            self.kind,
            self.account,
            self.wallet_id,
            self.activity_id,
            self.amount_cents,
            self.balance_after_cents,
            self.created_at,
        )


def seal(line: SealedLine, previous: bytes, *, key: bytes | None = None) -> bytes:
    """The line's seal, chained to `previous` (b"" for the first line of a chain)."""
    return hmac.digest(key or _key(), line.message(previous), "sha256")


@dataclass(frozen=True)
class SealBreak:
    """A line whose seal is wrong: forged, altered, or the first line after a removed one."""

    line_id: int
    transaction_id: int
    wallet_id: int | None
    account: str
    reason: str  # "seal" (not sealed by this key) or "running" (running balance off)


# The columns `seals_verify` reads, in this order (payments.ledger_verify.ledger_seals_verify).
COLUMNS = (
    "pk",
    "seal",
    "tenant_id",
    "transaction_id",
    "transaction__kind",
    "account",
    "wallet_id",
    "activity_id",
    "amount_cents",
    "balance_after_cents",
    "created_at",
)


def seals_verify(
    rows: Iterable[tuple], starts: Mapping[str, tuple[bytes, int]] | None = None
) -> Iterator[SealBreak]:
    """Check rows of `COLUMNS` given in chain order (chain key, then id). `starts` gives, for a
    chain checked from the middle, the seal and running balance it continues from (its last
    line before a checkpoint); other chains start from nothing.

    A line is valid when its seal matches with the previous line's stored seal, or with the
    last valid seal of its chain (so a forged line is reported and the genuine line after it is
    not). Wallet lines' running balances must follow one another."""
    key = _key()
    digest = hmac.digest
    compare = hmac.compare_digest
    chain: str | None = None
    previous = last_valid = b""
    running = 0
    for row in rows:
        pk, stored, tenant_id, tx_id, kind, account, wallet_id, activity_id, amount, after, at = row
        stored = bytes(stored or b"")
        here = chain_key(wallet_id)
        if here != chain or not here:
            chain, running = here, 0
            previous = b""
            if starts and here in starts:
                previous, running = starts[here]
            last_valid = previous
        fields = (here, tenant_id, tx_id, kind, account, wallet_id, activity_id, amount, after, at)
        ok = compare(digest(key, _message(previous, *fields), "sha256"), stored)
        if not ok and last_valid != previous:
            ok = compare(digest(key, _message(last_valid, *fields), "sha256"), stored)
        if ok:
            last_valid = stored
        else:
            yield SealBreak(pk, tx_id, wallet_id, account, "seal")
        if after is not None:
            running += amount
            if after != running:
                yield SealBreak(pk, tx_id, wallet_id, account, "running")
                running = after
        previous = stored


def checkpoint_signature(*, tenant_id: int, up_to_line_id: int, line_count: int) -> bytes:
    """What vouches for a checkpoint of the seal check (payments.ledger_verify)."""
    message = f"cartable-ledger-checkpoint-v1|{tenant_id}|{up_to_line_id}|{line_count}"
    return hmac.digest(_key(), message.encode(), "sha256")


# The two UPDATEs of `seal_existing`, per vendor: (PostgreSQL, one statement per batch; SQLite).
_UPDATES = {
    "line": (
        "UPDATE payments_ledgerline AS t SET seal = v.seal "
        "FROM unnest(%s::bigint[], %s::bytea[]) AS v(id, seal) WHERE t.id = v.id",
        "UPDATE payments_ledgerline SET seal = %s WHERE id = %s",
    ),
    "wallet": (
        "UPDATE payments_wallet AS t SET ledger_seal = v.seal "
        "FROM unnest(%s::bigint[], %s::bytea[]) AS v(id, seal) WHERE t.id = v.id",
        "UPDATE payments_wallet SET ledger_seal = %s WHERE id = %s",
    ),
}


def _update_seals(
    connection: BaseDatabaseWrapper, what: str, rows: Sequence[tuple[bytes, int]]
) -> None:
    postgres_sql, sqlite_sql = _UPDATES[what]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(postgres_sql, [[pk for _s, pk in rows], [s for s, _pk in rows]])
        else:
            cursor.executemany(sqlite_sql, rows)


def seal_existing(
    *,
    connection: BaseDatabaseWrapper,
    line_model: type[models.Model],
    batch: int = 5000,
) -> int:
    """Seal every line as it stands, chain by chain, and keep each wallet's last seal on the
    wallet: lines written before seals existed (migration 0009) or loaded in bulk (bench). Run by
    the tables' owner: on PostgreSQL the append-only trigger is off for this UPDATE only.
    Returns the number of lines sealed."""
    key = settings.CARTABLE_LEDGER_KEY.encode()
    postgres = connection.vendor == "postgresql"
    trigger = "payments_ledgerline_append_only"
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE payments_ledgerline DISABLE TRIGGER {trigger}")
    lines = (
        line_model._base_manager.using(connection.alias)
        .order_by("wallet_id", "account", "pk")
        .values_list(*COLUMNS)
    )
    # SQLite: read everything first (the table is updated while it would still be read).
    rows = lines.iterator(chunk_size=batch) if postgres else list(lines)
    updates: list[tuple[bytes, int]] = []
    heads: list[tuple[bytes, int]] = []
    chain, previous, head_of, count = None, b"", None, 0
    for (
        pk,
        _old,
        tenant_id,
        tx_id,
        kind,
        account,
        wallet_id,
        activity_id,
        amount,
        after,
        at,
    ) in rows:
        here = chain_key(wallet_id)
        if here != chain or not here:
            if head_of is not None:
                heads.append((previous, head_of))
            chain, previous, head_of = here, b"", None
        fields = (here, tenant_id, tx_id, kind, account, wallet_id, activity_id, amount, after, at)
        previous = hmac.digest(key, _message(previous, *fields), "sha256")
        head_of = wallet_id
        updates.append((previous, pk))
        count += 1
        if len(updates) >= batch:
            _update_seals(connection, "line", updates)
            updates.clear()
        if len(heads) >= batch:
            _update_seals(connection, "wallet", heads)
            heads.clear()
    if head_of is not None:
        heads.append((previous, head_of))
    if updates:
        _update_seals(connection, "line", updates)
    if heads:
        _update_seals(connection, "wallet", heads)
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE payments_ledgerline ENABLE TRIGGER {trigger}")
    return count
