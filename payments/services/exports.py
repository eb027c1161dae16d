"""The accounting export: paid (and refunded) invitations, one row per payment, as a CSV for
French and Belgian spreadsheets or as an Excel workbook.

- CSV: UTF-8 with a BOM, `;` between cells, amounts with a decimal comma (`12,50`), dates as
  `31/12/2024 14:30`: a spreadsheet set to French reads numbers and dates, and sums the amounts.
- Excel (.xlsx, openpyxl): amounts are number cells with a euro format, dates are date cells.
- In both, states are words in the secretary's language ("payée", "remboursée"), and text that
  a spreadsheet would run (= + - @) stays text (`csv_cell`; in the workbook, text cells).

A selection of at most `DIRECT_ROWS_MAX` rows is written in the request
(`payments_export_content`); a larger one becomes an `ExportJob` (`export_start`) that a
Celery task writes to a private file chunk by chunk, reporting progress (`export_run`); the
files are deleted after `FILE_DAYS` days by a periodic job (`exports_purge`).

The job keeps the selection as its query (the admin's filters, search and the secretary's
schools included), pickled as Django documents for rebuilding a QuerySet, and signed with the
secret key: the worker unpickles only what this code wrote.
"""

from __future__ import annotations

import csv
import io
import pickle
import tempfile
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import IO, Any

from django.core import signing
from django.core.files import File
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from accounts.models import User
from payments.models import ExportFormat, ExportJob, Invitation, InvitationStatus
from payments.money import decimal_from_cents
from portal.jobs import job_claim, job_done, job_enqueue_on_commit, job_failed, job_progress
from tenants.models import Tenant

# Above this many rows an export runs as a job with a progress bar instead of in the request.
DIRECT_ROWS_MAX = 2000
# Rows fetched per database round trip, and written between two progress reports.
CHUNK_ROWS = 2000
# An export file is deleted this many days after it was written (it lists people and amounts).
FILE_DAYS = 2

HEADER = [
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
# Excel's column widths (characters), in HEADER's order.
XLSX_WIDTHS = [17, 10, 32, 24, 26, 26, 12, 13, 19, 12, 12]
# How a spreadsheet set to French reads a date and time typed in a cell.
CSV_DATETIME = "%d/%m/%Y %H:%M"
XLSX_DATETIME = "dd/mm/yyyy hh:mm"
# Two decimals, thousands grouped, the euro sign after: shown per the reader's locale.
XLSX_EUROS = '#,##0.00 "€";-#,##0.00 "€"'

CONTENT_TYPES = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

Value = str | int | Decimal | datetime | None


def csv_cell(value: object) -> str:
    """Spreadsheets run cells that start with = + - @: neutralise them (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def payment_rows(selection: QuerySet[Invitation]) -> QuerySet[Invitation]:
    """The paid and refunded invitations of a selection, in the export's order."""
    return (
        selection.filter(payment__isnull=False)
        .select_related("activity", "activity__school", "beneficiary", "debtor")
        .order_by("paid_at", "pk")
    )


def _local(moment: datetime | None) -> datetime | None:
    """Local wall-clock time without a time zone (what a spreadsheet cell holds)."""
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


def _values(inv: Invitation) -> list[Value]:
    """One row, typed: dates, ids and the amount as such, the rest as the words shown."""
    return [
        _local(inv.paid_at),
        inv.payment_id,
        inv.activity.title,
        inv.activity.school.name,
        inv.beneficiary.full_name,
        inv.debtor.full_name,
        decimal_from_cents(inv.amount_cents),
        str(InvitationStatus(inv.status).label),
        _local(inv.refunded_at),
        inv.refund_id,
        gettext("oui") if inv.paid_automatically else gettext("non"),
    ]


def _csv_text(value: Value) -> str:
    if isinstance(value, datetime):
        return value.strftime(CSV_DATETIME)
    if isinstance(value, Decimal):
        return f"{value:.2f}".replace(".", ",")  # our own number: nothing to neutralise
    if isinstance(value, int):
        return str(value)
    return csv_cell(value)


def payments_csv_write(
    rows: Iterable[Invitation],
    out: IO[str],
    *,
    progress: Callable[[int], None] | None = None,
    every: int = CHUNK_ROWS,
) -> int:
    """Write the CSV (UTF-8 with a BOM, which Excel reads; `;` separated, decimal comma) of
    these rows; `progress(n)` after every `every` rows. Returns the number of rows."""
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";")
    writer.writerow(HEADER)
    n = 0
    for n, inv in enumerate(rows, start=1):
        writer.writerow([_csv_text(value) for value in _values(inv)])
        if progress is not None and n % every == 0:
            progress(n)
    return n


def _xlsx_cell(sheet: WriteOnlyWorksheet, value: Value) -> Cell:
    cell = WriteOnlyCell(sheet)
    if isinstance(value, str):
        # A text cell, whatever it starts with: "=…" would otherwise become a formula.
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.data_type = "s"
        return cell
    cell.value = value
    if isinstance(value, datetime):
        cell.number_format = XLSX_DATETIME
    elif isinstance(value, Decimal):
        cell.number_format = XLSX_EUROS
    return cell


def payments_xlsx_write(
    rows: Iterable[Invitation],
    out: IO[bytes],
    *,
    progress: Callable[[int], None] | None = None,
    every: int = CHUNK_ROWS,
) -> int:
    """Write the Excel workbook of these rows (one sheet, a bold header row that stays in view,
    amounts as numbers in euros, dates as dates); `progress(n)` after every `every` rows.
    Rows stream to a temporary file (openpyxl's write-only mode). Returns the number of rows."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(gettext("Paiements"))
    sheet.freeze_panes = "A2"
    for column, width in zip("ABCDEFGHIJK", XLSX_WIDTHS, strict=True):
        sheet.column_dimensions[column].width = width
    bold = Font(bold=True)
    header = []
    for name in HEADER:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    n = 0
    for n, inv in enumerate(rows, start=1):
        sheet.append([_xlsx_cell(sheet, value) for value in _values(inv)])
        if progress is not None and n % every == 0:
            progress(n)
    book.save(out)
    return n


def payments_export_write(
    rows: Iterable[Invitation],
    out: IO[bytes],
    *,
    file_format: str,
    progress: Callable[[int], None] | None = None,
    every: int = CHUNK_ROWS,
) -> int:
    """The export of these rows in this format, to a binary file. Returns the number of rows."""
    if file_format == ExportFormat.XLSX:
        return payments_xlsx_write(rows, out, progress=progress, every=every)
    if file_format != ExportFormat.CSV:
        raise ValueError(f"unknown export format {file_format!r}")
    text = io.TextIOWrapper(out, encoding="utf-8", newline="")
    try:
        return payments_csv_write(rows, text, progress=progress, every=every)
    finally:
        text.flush()
        text.detach()  # `out` stays open for the caller


def payments_export_content(selection: QuerySet[Invitation], *, file_format: str) -> bytes:
    """The whole export of a small selection, in memory, in the active language."""
    buffer = io.BytesIO()
    payments_export_write(payment_rows(selection), buffer, file_format=file_format)
    return buffer.getvalue()


def payments_csv_text(selection: QuerySet[Invitation]) -> str:
    """The whole CSV of a small selection, in memory."""
    buffer = io.StringIO()
    payments_csv_write(payment_rows(selection), buffer)
    return buffer.getvalue()


def export_is_direct(selection: QuerySet[Invitation]) -> bool:
    """At most DIRECT_ROWS_MAX rows, counted without counting them all."""
    return payment_rows(selection).order_by()[: DIRECT_ROWS_MAX + 1].count() <= DIRECT_ROWS_MAX


# --- The job ------------------------------------------------------------------------------------


class _PickleSerializer:
    """For `signing`: the signature is checked before `loads` runs."""

    def dumps(self, obj: Any) -> bytes:
        return pickle.dumps(obj)

    def loads(self, data: bytes) -> Any:
        return pickle.loads(data)  # noqa: S301 — only data signed by this module


_SELECTION = signing.Signer(salt="payments.services.exports.selection")


def export_start(
    *,
    selection: QuerySet[Invitation],
    filename: str,
    tenant: Tenant,
    by: User,
    file_format: str = ExportFormat.CSV,
) -> ExportJob:
    """An ExportJob of this selection, written by a Celery task once the transaction commits,
    in this format and the active language."""
    from payments.tasks import run_export_job

    job = ExportJob.objects.create(
        tenant=tenant,
        created_by=by,
        kind=ExportJob.Kind.PAYMENTS,
        file_format=ExportFormat(file_format),
        language=translation.get_language() or tenant.default_language,
        filename=filename,
        selection=_SELECTION.sign_object(
            selection.query, serializer=_PickleSerializer, compress=True
        ),
    )
    job_enqueue_on_commit(run_export_job, ExportJob, job.pk)
    return job


def _selection(job: ExportJob) -> QuerySet[Invitation]:
    selection = Invitation.objects.all()
    selection.query = _SELECTION.unsign_object(job.selection, serializer=_PickleSerializer)
    return selection.filter(tenant_id=job.tenant_id)  # already in the query: said again


def export_run(*, job_id: int) -> ExportJob:
    """Worker: count the rows, write them to a temporary file chunk by chunk (progress after
    each), then keep the file in the private storage."""
    claimed = job_claim(ExportJob, job_id)
    job = ExportJob.objects.get(pk=job_id)
    if not claimed:
        return job
    try:
        rows = payment_rows(_selection(job))
        total = rows.count()
        job_progress(ExportJob, job.pk, done=0, total=total)
        with tempfile.TemporaryFile() as raw, translation.override(job.language):
            written = payments_export_write(
                rows.iterator(chunk_size=CHUNK_ROWS),
                raw,
                file_format=job.file_format,
                progress=lambda n: job_progress(ExportJob, job.pk, done=n),
            )
            raw.seek(0)
            job.file.save(job.filename, File(raw), save=False)
    except Exception as exc:
        job_failed(ExportJob, job.pk, exc)
    else:
        job_done(ExportJob, job.pk, file=job.file.name, done=written, total=written)
    # The query carries copies of the rows it filters by (the tenant's): not kept once used.
    ExportJob.objects.filter(pk=job.pk).update(selection="")
    job.refresh_from_db()
    return job


def exports_purge(*, now: datetime | None = None) -> int:
    """Delete the files of the active tenant's exports finished more than FILE_DAYS ago (the
    rows stay, as the record of who exported what and when). Returns how many files went."""
    cutoff = (now or timezone.now()) - timedelta(days=FILE_DAYS)
    purged = 0
    for job in ExportJob.objects.exclude(file="").filter(finished_at__lt=cutoff):
        job.file.delete(save=False)
        ExportJob.objects.filter(pk=job.pk).update(file="")
        purged += 1
    return purged
