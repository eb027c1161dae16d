"""The accounting export of the payments admin: paid (and refunded) invitations as CSV."""

from __future__ import annotations

import csv
import io

from django.http import HttpResponse
from django.utils import timezone

from payments.money import decimal_from_cents


def csv_cell(value) -> str:
    """Spreadsheets run cells that start with = + - @: neutralise them (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def payments_csv(queryset, *, filename: str) -> HttpResponse:
    """Paid and refunded invitations for accounting: one row per payment (and refund)."""
    rows = (
        queryset.filter(payment__isnull=False)
        .select_related("activity", "activity__school", "beneficiary", "debtor")
        .order_by("paid_at", "pk")
    )
    buffer = io.StringIO()
    buffer.write("\ufeff")  # Excel reads UTF-8 with a BOM
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(
        [
            "date_paiement",
            "ecriture",
            "activite",
            "ecole",
            "beneficiaire",
            "debiteur",
            "montant",
            "etat",
            "date_remboursement",
            "ecriture_remboursement",
            "automatique",
        ]
    )
    for inv in rows:
        writer.writerow(
            [
                csv_cell(v)
                for v in [
                    timezone.localtime(inv.paid_at).strftime("%Y-%m-%d %H:%M"),
                    inv.payment_id,
                    inv.activity.title,
                    inv.activity.school.name,
                    inv.beneficiary.full_name,
                    inv.debtor.full_name,
                    str(decimal_from_cents(inv.amount_cents)),
                    inv.status,
                    timezone.localtime(inv.refunded_at).strftime("%Y-%m-%d %H:%M")
                    if inv.refunded_at
                    else "",
                    inv.refund_id or "",
                    "oui" if inv.paid_automatically else "non",
                ]
            ]
        )
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
