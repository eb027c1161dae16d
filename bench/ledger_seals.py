"""Cost of checking the ledger's seals (payments.ledger_seal) on a loaded database: the balance
check `ledger_reconcile` (set-based, in PostgreSQL: the floor) against `ledger_seals_verify`,
every line (the nightly check: each HMAC recomputed in Python) and from the checkpoint that
check leaves (payments.ledger_verify), with nothing new and after a busy day's top-ups.

    # a database loaded by bench/scale_load.py (its lines sealed by it, as migration 0009 would):
    .venv/bin/python bench/scale_load.py --prepare --database cartable_ledger_scale --scale 0.1
    .venv/bin/python bench/ledger_seals.py --database cartable_ledger_scale [--runs 3]

The key is the one scale_load.py sealed with (DJANGO_DEBUG=1, derived from the debug
SECRET_KEY). Nothing is kept: each run's checkpoints and top-ups are rolled back.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--tenant", default="creos")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--day", type=int, default=1000, help="wallets topped up between two checks"
    )
    args = parser.parse_args()
    os.environ.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        DATABASE_URL=f"{SERVER}/{args.database}",
        CARTABLE_DEMO="1",
        DJANGO_DEBUG="1",
        LOG_LEVEL="WARNING",
    )
    for name in ("REDIS_URL", "DJANGO_SECRET_KEY", "CARTABLE_LEDGER_KEY"):
        os.environ.pop(name, None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False  # no query log
    from django.db import transaction

    from payments.ledger import ledger_reconcile
    from payments.ledger_verify import ledger_seals_verify
    from payments.models import LedgerLine, Wallet
    from payments.services.wallets import wallet_top_up
    from tenants.models import Tenant
    from tenants.scoping import tenant_scope

    tenant = Tenant.objects.get(slug=args.tenant)
    timings: dict[str, list[float]] = {"reconcile": [], "full": [], "none": [], "day": []}
    found: dict[str, object] = {}

    def timed(label: str, check) -> None:  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        found[label] = check()
        timings[label].append(time.perf_counter() - started)

    with tenant_scope(tenant):
        lines, wallets = LedgerLine.objects.count(), Wallet.objects.count()
        day = list(Wallet.objects.order_by("pk").values_list("pk", flat=True)[: args.day])
        for _ in range(args.runs):
            # Everything below is rolled back: the database is left as it was.
            with transaction.atomic():
                timed("reconcile", ledger_reconcile)
                timed("full", lambda: ledger_seals_verify(tenant=tenant, full=True))
                timed("none", lambda: ledger_seals_verify(tenant=tenant))
                for pk in day:  # a busy day: one top-up on each of these wallets
                    wallet = Wallet.objects.select_for_update().get(pk=pk)
                    wallet_top_up(wallet=wallet, amount_cents=1000, by=None)
                timed("day", lambda: ledger_seals_verify(tenant=tenant))
                transaction.set_rollback(True)
    median = {label: statistics.median(values) for label, values in timings.items()}
    floor = median["reconcile"]
    mismatches, unbalanced = found["reconcile"]  # type: ignore[misc]
    breaks = [found[label] for label in ("full", "none", "day")]
    print(f"tenant {args.tenant}: {wallets:,} wallets, {lines:,} ledger lines; {args.runs} runs")
    print(
        f"ledger_reconcile (balances, set-based; the floor): {floor:.2f} s median "
        f"({len(mismatches)} mismatches, {len(unbalanced)} unbalanced)"
    )
    print(
        f"seals, every line (nightly, --full): {median['full']:.2f} s median, "
        f"{median['full'] / lines * 1e6:.2f} µs a line, {median['full'] / floor:.1f}× the floor"
    )
    print(f"seals from the checkpoint, nothing new: {median['none']:.2f} s median")
    print(
        f"seals from the checkpoint after {len(day):,} top-ups ({2 * len(day):,} lines): "
        f"{median['day']:.2f} s median"
    )
    print(
        f"payments_reconcile between nightly checks: {floor + median['day']:.2f} s "
        f"(the floor + the checkpoint check); "
        f"lines with a wrong seal: {', '.join(str(len(b)) for b in breaks)}"  # type: ignore[arg-type]
    )
    return 0 if not (mismatches or unbalanced or any(breaks)) else 1


if __name__ == "__main__":
    sys.exit(main())
