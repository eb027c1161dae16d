"""Cost of checking the ledger's seals (payments.ledger_seal) on a loaded database: the balance
check `ledger_reconcile` (set-based, in PostgreSQL: the floor) against `ledger_seals_verify`
(every line streamed and its HMAC recomputed in Python), in one process, on one tenant.

    # a database loaded by bench/scale_load.py (its lines sealed by it, as migration 0009 would):
    .venv/bin/python bench/scale_load.py --prepare --database cartable_ledger_scale --scale 0.1
    .venv/bin/python bench/ledger_seals.py --database cartable_ledger_scale [--runs 3]

The key is the one scale_load.py sealed with (DJANGO_DEBUG=1, derived from the debug
SECRET_KEY). Read-only: nothing is written.
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
    from payments.ledger import ledger_reconcile, ledger_seals_verify
    from payments.models import LedgerLine, Wallet
    from tenants.models import Tenant
    from tenants.scoping import tenant_scope

    tenant = Tenant.objects.get(slug=args.tenant)
    with tenant_scope(tenant):
        lines, wallets = LedgerLine.objects.count(), Wallet.objects.count()
        timings: dict[str, list[float]] = {"reconcile": [], "seals": []}
        found = {}
        for _ in range(args.runs):
            for label, check in (("reconcile", ledger_reconcile), ("seals", ledger_seals_verify)):
                started = time.perf_counter()
                found[label] = check()
                timings[label].append(time.perf_counter() - started)
    floor = statistics.median(timings["reconcile"])
    seals = statistics.median(timings["seals"])
    mismatches, unbalanced = found["reconcile"]
    print(f"tenant {args.tenant}: {wallets:,} wallets, {lines:,} ledger lines; {args.runs} runs")
    print(
        f"ledger_reconcile (balances, set-based; the floor): {floor:.2f} s median "
        f"({len(mismatches)} mismatches, {len(unbalanced)} unbalanced)"
    )
    print(
        f"ledger_seals_verify (every seal): {seals:.2f} s median, "
        f"{seals / lines * 1e6:.2f} µs a line, {seals / floor:.1f}× the floor "
        f"({len(found['seals'])} lines with a wrong seal)"
    )
    print(f"payments_reconcile does both: {floor + seals:.2f} s")
    return 0 if not (mismatches or unbalanced or found["seals"]) else 1


if __name__ == "__main__":
    sys.exit(main())
