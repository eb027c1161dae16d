"""A large export written by a real Celery worker process over Redis, on PostgreSQL (skipped
elsewhere, as tests/outbox/test_real_infrastructure.py whose worker fixtures it uses)."""

import io
import time

import pytest
from django.core.files.storage import FileSystemStorage
from django.urls import reverse
from django.utils.functional import empty
from openpyxl import load_workbook

from payments.models import ExportJob, Invitation, private_storage
from payments.services import exports
from tests.outbox.test_real_infrastructure import (  # noqa: F401 — fixtures
    real_broker,
    smtp_server,
    start_worker,
    worker,
)
from tests.payments.test_export_jobs import export_everything, paid  # noqa: F401 — fixture

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def private_files(tmp_path):
    """The worker's private storage (its CARTABLE_VAR_DIR is tmp_path/var), read from here too."""
    private_storage._wrapped = FileSystemStorage(location=tmp_path / "var" / "media-private")
    yield
    private_storage._wrapped = empty


def test_a_worker_writes_a_large_export_while_the_page_returns_at_once(
    secretary_client,
    tenant_a,
    paid,  # noqa: F811 — the imported fixture
    worker,  # noqa: F811 — the imported fixture
    monkeypatch,
):
    monkeypatch.setattr(exports, "DIRECT_ROWS_MAX", 2)
    # when the secretary exports everything: the page answers with the job, not the file
    response = export_everything(secretary_client)
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"].endswith("/progression/")
    # then the worker picks the job up and writes the file
    deadline = time.monotonic() + 20
    while job.status not in ("done", "failed") and time.monotonic() < deadline:
        time.sleep(0.1)
        job.refresh_from_db()
    assert job.status == "done", worker.log_path.read_text()[-3000:]
    assert (job.done, job.total) == (5, 5)
    download = secretary_client.get(reverse("admin:payments_exportjob_download", args=[job.pk]))
    written = b"".join(download.streaming_content).decode("utf-8")
    assert written == exports.payments_csv_text(Invitation.objects.filter(tenant=tenant_a))

    # and the same selection as an Excel file: the worker writes number cells
    first = Invitation.objects.order_by("pk").first()
    response = secretary_client.post(
        reverse("admin:payments_invitation_changelist"),
        {
            "action": "export_xlsx",
            "select_across": "1",
            "index": "0",
            "_selected_action": [first.pk],
        },
    )
    job = ExportJob.objects.get(file_format="xlsx")
    deadline = time.monotonic() + 20
    while job.status not in ("done", "failed") and time.monotonic() < deadline:
        time.sleep(0.1)
        job.refresh_from_db()
    assert job.status == "done", worker.log_path.read_text()[-3000:]
    download = secretary_client.get(reverse("admin:payments_exportjob_download", args=[job.pk]))
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    amounts = [row[6] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(amounts) == [5, 5, 5, 8, 8]
