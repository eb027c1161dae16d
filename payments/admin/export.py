"""The accounting export of the payments admin (payments.services.exports), as CSV or Excel: a
small selection is downloaded at once; a large one becomes a job whose progress page the
secretary is sent to."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from accounts.http import request_user
from payments.admin.common import needs_tenant
from payments.models import ExportFormat, Invitation
from payments.services.exports import (
    CONTENT_TYPES,
    export_is_direct,
    export_start,
    payments_export_content,
)


def payments_export(
    request: HttpRequest,
    selection: QuerySet[Invitation],
    *,
    name: str,
    file_format: ExportFormat = ExportFormat.CSV,
) -> HttpResponse:
    """Paid and refunded invitations of the selection for accounting, one row per payment, in
    the file `name.csv` or `name.xlsx`."""
    filename = f"{name}.{file_format}"
    if export_is_direct(selection):
        response = HttpResponse(
            payments_export_content(selection, file_format=file_format),
            content_type=CONTENT_TYPES[file_format],
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "no-store"
        return response
    job = export_start(
        selection=selection,
        filename=filename,
        tenant=needs_tenant(request),
        by=request_user(request),
        file_format=file_format,
    )
    return redirect("admin:payments_exportjob_progress", job.pk)
