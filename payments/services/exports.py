"""The accounting export: paid (and refunded) invitations as CSV, one row per payment.

A selection of at most `DIRECT_ROWS_MAX` rows is written in the request (`payments_csv_text`);
a larger one becomes an `ExportJob` (`export_start`) that a Celery task writes to a private
file chunk by chunk, reporting progress (`export_run`); the files are deleted after
`FILE_DAYS` days by a periodic job (`exports_purge`).

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
from typing import IO, Any

from django.core import signing
from django.core.files import File
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from payments.models import ExportJob, Invitation
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


def _row(inv: Invitation) -> list[str]:
    return [
        csv_cell(v)
        for v in [
            timezone.localtime(inv.paid_at).strftime("%Y-%m-%d %H:%M") if inv.paid_at else "",
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


def payments_csv_write(
    rows: Iterable[Invitation],
    out: IO[str],
    *,
    progress: Callable[[int], None] | None = None,
    every: int = CHUNK_ROWS,
) -> int:
    """Write the CSV (UTF-8 with a BOM, which Excel reads; `;` separated) of these rows;
    `progress(n)` after every `every` rows. Returns the number of rows."""
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";")
    writer.writerow(HEADER)
    n = 0
    for n, inv in enumerate(rows, start=1):
        writer.writerow(_row(inv))
        if progress is not None and n % every == 0:
            progress(n)
    return n


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
    *, selection: QuerySet[Invitation], filename: str, tenant: Tenant, by: User
) -> ExportJob:
    """An ExportJob of this selection, written by a Celery task once the transaction commits."""
    from payments.tasks import run_export_job

    job = ExportJob.objects.create(
        tenant=tenant,
        created_by=by,
        kind=ExportJob.Kind.PAYMENTS,
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
        with tempfile.TemporaryFile() as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
            written = payments_csv_write(
                rows.iterator(chunk_size=CHUNK_ROWS),
                text,
                progress=lambda n: job_progress(ExportJob, job.pk, done=n),
            )
            text.flush()
            text.detach()  # `raw` stays open for the storage to read
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
