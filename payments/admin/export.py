"""The accounting export of the payments admin (payments.services.exports): a small selection
is downloaded at once; a large one becomes a job whose progress page the secretary is sent to."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from accounts.http import request_user
from payments.admin.common import needs_tenant
from payments.models import Invitation
from payments.services.exports import export_is_direct, export_start, payments_csv_text


def payments_export(
    request: HttpRequest, selection: QuerySet[Invitation], *, filename: str
) -> HttpResponse:
    """Paid and refunded invitations of the selection for accounting, one row per payment."""
    if export_is_direct(selection):
        response = HttpResponse(
            payments_csv_text(selection), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "no-store"
        return response
    job = export_start(
        selection=selection,
        filename=filename,
        tenant=needs_tenant(request),
        by=request_user(request),
    )
    return redirect("admin:payments_exportjob_progress", job.pk)
