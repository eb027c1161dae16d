"""PDFs: payment receipts, wallet statements and the top-up sheet (rendered with WeasyPrint),
and an activity's uploaded programme."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.http import FileResponse, Http404
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import slugify

from payments.epc import epc_payload, qr_svg_data_uri
from payments.models import Activity, Invitation, Wallet
from payments.money import iban_display
from payments.selectors import wallet_balance_before, wallet_lines_between
from portal.pdf import pdf_from_html


def activity_document_response(activity: Activity) -> FileResponse:
    """The activity's PDF programme as a download (to the debtor or the school's staff: the
    caller checks who asks); 404 if it has none."""
    if not activity.document:
        raise Http404
    return FileResponse(
        activity.document.open("rb"),
        as_attachment=True,
        filename=f"{slugify(activity.title) or 'document'}.pdf",
        content_type="application/pdf",
    )


def render_pdf(template: str, context: dict) -> bytes:
    """A tagged PDF/UA document (portal.pdf) in the active language: the one of the page that
    asked for it. Dates and amounts follow that language's conventions."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    context = {"language": language, "generated_at": timezone.now(), **context}
    return pdf_from_html(render_to_string(template, context))


def receipt_pdf(*, invitation: Invitation) -> bytes:
    wallet = Wallet.objects.filter(owner=invitation.debtor).first()
    return render_pdf(
        "payments/pdf/receipt.html",
        {
            "tenant": invitation.tenant,
            "invitation": invitation,
            "activity": invitation.activity,
            "payment": invitation.payment,
            "wallet": wallet,
            "generated_at": timezone.now(),
        },
    )


def statement_pdf(*, wallet: Wallet, start: date, end: date) -> bytes:
    lines = wallet_lines_between(wallet=wallet, start=start, end=end)
    opening = wallet_balance_before(wallet=wallet, start=start)
    closing = lines[-1].balance_after_cents if lines else opening
    return render_pdf(
        "payments/pdf/statement.html",
        {
            "tenant": wallet.tenant,
            "wallet": wallet,
            "start": start,
            "end": end,
            "lines": lines,
            "opening_cents": opening,
            "closing_cents": closing,
            "generated_at": timezone.now(),
        },
    )


def top_up_context(*, wallet: Wallet, amount_cents: int | None = None) -> dict[str, Any]:
    tenant = wallet.tenant
    context: dict[str, Any] = {
        "iban": iban_display(tenant.iban),
        "creditor_name": tenant.creditor_name or tenant.display_name,
        "communication": wallet.structured_communication,
        "qr_amount_cents": amount_cents,
        "qr_src": "",
    }
    if tenant.iban:
        context["qr_src"] = qr_svg_data_uri(
            epc_payload(
                creditor_name=context["creditor_name"],
                iban=tenant.iban,
                reference=wallet.reference,
                amount_cents=amount_cents,
            )
        )
    return context


def top_up_sheet_pdf(*, wallet: Wallet) -> bytes:
    return render_pdf(
        "payments/pdf/top_up_sheet.html",
        {
            "tenant": wallet.tenant,
            "wallet": wallet,
            "generated_at": timezone.now(),
            **top_up_context(wallet=wallet),
        },
    )
