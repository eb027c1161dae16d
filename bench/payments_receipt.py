"""Receipt PDF: median render time against WeasyPrint rendering a one-line document (same run).

.venv/bin/python bench/payments_receipt.py [--runs 30]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.payments_common import (  # noqa: E402
    django_env,
    make_family,
    make_invitations,
    make_tenant,
    median_ms,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    with django_env(postgres=False):
        from weasyprint import HTML

        from payments.documents import receipt_pdf
        from payments.services.invitations import invitation_pay
        from payments.services.wallets import wallet_get_or_create, wallet_top_up
        from tenants.scoping import tenant_scope

        tenant, school = make_tenant()
        # As in the receipt view, whose request runs in its tenant's scope.
        with tenant_scope(tenant):
            parent, kids = make_family(tenant, school, 1)
            (invitation,) = make_invitations(tenant, school, parent, kids, 1, amount_cents=500)
            wallet = wallet_get_or_create(tenant=tenant, owner=parent)
            wallet_top_up(wallet=wallet, amount_cents=2000, by=None)
            invitation_pay(invitation=invitation, by=parent, idempotency_key="bench-receipt-1")
            invitation.refresh_from_db()

            one_line = "<!doctype html><html lang=fr><meta charset=utf-8><p>Reçu n° 1</p></html>"
            floor_ms = median_ms(lambda: HTML(string=one_line).write_pdf(), runs=args.runs)
            receipt_ms = median_ms(lambda: receipt_pdf(invitation=invitation), runs=args.runs)
            size = len(receipt_pdf(invitation=invitation))
            print(f"WeasyPrint one-line document: {floor_ms:.1f} ms (median of {args.runs})")
            print(f"receipt PDF (query + template + WeasyPrint): {receipt_ms:.1f} ms, {size} bytes")
            print(f"ratio: {receipt_ms / floor_ms:.2f}×")


if __name__ == "__main__":
    main()
