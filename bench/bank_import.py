"""Bank statement import at scale (issue 11): a camt.053 of N transactions previewed and applied
through the same services as the secretary's import page, on a fresh database.

The statement: 80 % credits with a wallet's structured communication (written the usual ways),
15 % unknown communications (suspense), 5 % debits (not ours), spread over 2,000 wallets. Printed:
the time to parse alone (the floor, measured in the same run), to preview, to apply; the queries
of each step, for N and for N/5 — the queries grow with the number of batches (500 transactions),
not with the transactions; and the ledger check (`ledger_reconcile`) afterwards.

    .venv/bin/python bench/bank_import.py [--transactions 10000] [--sqlite]
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.payments_common import django_env, make_tenant  # noqa: E402

WALLETS = 2000


class QueryCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def make_wallets(tenant, n: int):
    from accounts.models import User
    from payments.models import Wallet

    users = User.objects.bulk_create(
        [
            User(
                tenant=tenant,
                identifier=f"parent{i}",
                first_name="Parent",
                last_name=f"N{i}",
                is_parent=True,
                password="!",
            )
            for i in range(n)
        ]
    )
    return Wallet.objects.bulk_create(
        [
            Wallet(tenant=tenant, owner=u, reference=f"{i * 7919 + 13:010d}")
            for i, u in enumerate(users)
        ]
    )


def statement(wallets, n: int, *, tag: str) -> bytes:
    from payments.money import structured_digits
    from tests.payments.camt import Entry, Statement, Tx, camt

    entries = []
    for i in range(n):
        wallet = wallets[i % len(wallets)]
        digits = structured_digits(wallet.reference)
        kind = i % 20
        if kind < 16:
            text = (
                f"+++{digits[:3]}/{digits[3:7]}/{digits[7:]}+++"
                if i % 2
                else f"Repas {digits[:3]} {digits[3:7]} {digits[7:]}"
            )
            tx = Tx(f"{5 + i % 40}.00", payer=f"PAYEUR {i}", e2e=f"{tag}-{i}", ustrd=(text,))
            entries.append(Entry(tx.amount or "1", txs=[tx]))
        elif kind < 19:
            tx = Tx("12.00", payer=f"INCONNU {i}", e2e=f"{tag}-{i}", ustrd=(f"Don {i}",))
            entries.append(Entry("12.00", txs=[tx]))
        else:
            tx = Tx("3.00", e2e=f"{tag}-{i}")
            entries.append(Entry("3.00", direction="DBIT", txs=[tx]))
    return camt([Statement(entries, id=f"BENCH-{tag}")])


def measure(tenant, wallets, n: int, tag: str) -> dict[str, float]:
    from django.db import connection

    from payments import bank
    from payments.models import BankLine, BankLineStatus

    data = statement(wallets, n, tag=tag)
    started = time.perf_counter()
    parsed = bank.statement_parse(data)
    parse_s = time.perf_counter() - started
    assert len(parsed.transactions) == n
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        preview = bank.bank_import_preview(tenant=tenant, filename=f"{tag}.xml", data=data, by=None)
        preview_s = time.perf_counter() - started
        preview_q = counter.count
        started = time.perf_counter()
        credited = bank.bank_import_apply(bank_import=preview, by=None)
        apply_s = time.perf_counter() - started
        apply_q = counter.count - preview_q
    suspense = BankLine.objects.filter(bank_import=preview, status=BankLineStatus.SUSPENSE).count()
    return {
        "n": n,
        "bytes": len(data),
        "parse_s": parse_s,
        "preview_s": preview_s,
        "apply_s": apply_s,
        "preview_q": preview_q,
        "apply_q": apply_q,
        "credited": credited,
        "suspense": suspense,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--transactions", type=int, default=10_000)
    parser.add_argument("--sqlite", action="store_true")
    args = parser.parse_args()
    with django_env(postgres=not args.sqlite) as vendor:
        from payments.ledger import ledger_reconcile
        from tenants.scoping import tenant_scope

        tenant, _school = make_tenant()
        with tenant_scope(tenant):
            wallets = make_wallets(tenant, WALLETS)
            run = secrets.token_hex(2)
            small = measure(tenant, wallets, args.transactions // 5, f"s{run}")
            big = measure(tenant, wallets, args.transactions, f"b{run}")
            started = time.perf_counter()
            check = ledger_reconcile()
            reconcile_s = time.perf_counter() - started
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"database: {vendor}; {WALLETS} wallets; machine load average {load}")
        for r in (small, big):
            total = r["preview_s"] + r["apply_s"]
            print(
                f"{r['n']:>6} transactions ({r['bytes'] / 1e6:.1f} MB): "
                f"parse alone (floor) {r['parse_s']:.2f} s; preview {r['preview_s']:.2f} s "
                f"({r['preview_q']} queries); apply {r['apply_s']:.2f} s "
                f"({r['apply_q']} queries); import total {total:.2f} s = "
                f"{total / r['parse_s']:.1f}× the parse; {r['credited']} credited, "
                f"{r['suspense']} in suspense"
            )
        batches = (big["n"] - small["n"]) / 500
        per_batch = (big["apply_q"] - small["apply_q"]) / batches
        print(
            f"apply: {per_batch:.1f} more queries per 500 more transactions "
            f"(constant per batch, none per transaction)"
        )
        print(f"ledger_reconcile: {'clean' if check == ([], []) else check} ({reconcile_s:.2f} s)")
        total = big["preview_s"] + big["apply_s"]
        print(f"target: {big['n']} transactions under 10 s — {'met' if total < 10 else 'MISSED'}")


if __name__ == "__main__":
    main()
