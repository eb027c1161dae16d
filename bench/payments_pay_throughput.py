"""Pay throughput on PostgreSQL: 16 concurrent clients on distinct wallets, then on one shared
wallet, through the real pay view (POST with a fresh idempotency key); the integrity check
(`ledger_reconcile`, and every line's seal: `ledger_seals_verify`) afterwards; payments/s and
the ratio to the floor page's requests/s measured with the same clients in the same run.

Clients are threads of this process, each with its own Django test client and database
connection (the GIL is shared: absolute figures are a floor, the ratios are the point).

    .venv/bin/python bench/payments_pay_throughput.py [--clients 16] [--payments 40]
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.payments_common import (  # noqa: E402
    django_env,
    logged_in_client,
    make_family,
    make_invitations,
    make_tenant,
)


def run_clients(jobs) -> float:
    """Run each job (a list of callables) in its own thread; returns elapsed seconds."""
    from django.db import connections

    barrier = threading.Barrier(len(jobs) + 1)
    errors: list[BaseException] = []

    def worker(calls):
        try:
            barrier.wait()
            for call in calls:
                call()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(calls,)) for calls in jobs]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return time.perf_counter() - started


def pay_call(client, invitation_pk: int, n: int):
    from django.urls import reverse

    url = reverse("payments:pay", args=[invitation_pk])
    key = f"bench-{invitation_pk:010d}-{n:06d}"

    def call():
        response = client.post(url, {"key": key})
        assert response.status_code == 302, response.status_code

    return call


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--payments", type=int, default=40, help="per client")
    args = parser.parse_args()
    with django_env(postgres=True) as vendor:
        from django.urls import reverse

        from payments.ledger import ledger_reconcile, ledger_seals_verify
        from payments.models import Invitation, InvitationStatus
        from payments.services.wallets import wallet_get_or_create, wallet_top_up
        from tenants.scoping import tenant_scope

        tenant, school = make_tenant()
        n, per = args.clients, args.payments
        # Seeding and the integrity check run in the tenant's scope; the clients' requests open
        # their own (the middleware), in their own threads.
        with tenant_scope(tenant):
            # Distinct wallets: one parent per client.
            distinct = []
            for i in range(n):
                parent, kids = make_family(tenant, school, i)
                invitations = make_invitations(tenant, school, parent, kids, per)
                wallet = wallet_get_or_create(tenant=tenant, owner=parent)
                wallet_top_up(wallet=wallet, amount_cents=100 * per, by=None)
                distinct.append((logged_in_client(parent), invitations))
            # One shared wallet: one parent, n sessions, n × per invitations.
            shared_parent, shared_kids = make_family(tenant, school, 999, children=4)
            shared_invitations = make_invitations(
                tenant, school, shared_parent, shared_kids, n * per
            )
            shared_wallet = wallet_get_or_create(tenant=tenant, owner=shared_parent)
            wallet_top_up(wallet=shared_wallet, amount_cents=100 * n * per, by=None)
            shared_clients = [logged_in_client(shared_parent) for _ in range(n)]

        floor = reverse("floor")
        warm = [(c, c.get(floor)) for c, _ in distinct]  # sessions and caches warm
        floor_s = run_clients([[lambda c=c: c.get(floor) for _ in range(per)] for c, _ in warm])
        floor_rps = n * per / floor_s

        distinct_s = run_clients(
            [[pay_call(c, inv.pk, k) for k, inv in enumerate(invs)] for c, invs in distinct]
        )
        shared_s = run_clients(
            [
                [pay_call(c, inv.pk, k) for k, inv in enumerate(shared_invitations[i::n])]
                for i, c in enumerate(shared_clients)
            ]
        )
        with tenant_scope(tenant):
            mismatches, unbalanced = ledger_reconcile()
            seal_breaks = ledger_seals_verify()
            paid = Invitation.objects.filter(status=InvitationStatus.PAID).count()
            shared_wallet.refresh_from_db()

        total = n * per
        print(f"database: {vendor}; {n} concurrent clients, {per} requests each")
        print(f"floor page (/_floor/): {floor_rps:.0f} requests/s")
        for label, seconds in (("distinct wallets", distinct_s), ("one shared wallet", shared_s)):
            rate = total / seconds
            print(f"pay, {label}: {rate:.0f} payments/s ({rate / floor_rps:.2f}× the floor)")
        print(
            f"integrity: {paid} invitations paid (expected {2 * total}), "
            f"{len(mismatches)} wallet mismatches, {len(unbalanced)} unbalanced transactions, "
            f"{len(seal_breaks)} lines with a wrong seal, "
            f"shared wallet balance {shared_wallet.balance_cents} (expected 0)"
        )


if __name__ == "__main__":
    main()
