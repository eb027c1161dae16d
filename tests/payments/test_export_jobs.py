"""CSV exports too large for a web request (issue 10, "no page can stall the others"): above
DIRECT_ROWS_MAX rows the secretary is sent to a job's progress page, a Celery task writes the
file, the download is hers (and her network administrator's) only, old files are deleted."""

import os
from datetime import timedelta
from html import unescape

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from payments.models import ExportJob, Invitation
from payments.services import exports
from payments.services.invitations import invitation_pay
from portal.jobs import QUEUE_DOWN
from tests.conftest import HOST_A, verified_admin_client
from tests.factories import UserFactory, link_guardian
from tests.payments.conftest import fund, invite

pytestmark = pytest.mark.django_db

NBSP = "\xa0"  # French groups thousands with a no-break space


@pytest.fixture
def paid(tenant_a, school_a, parent, museum, handball, child1, child2, private_files):
    """Five paid invitations at tenant A (and one pending, which the export leaves out)."""
    wallet = fund(parent, 10_000)
    invitations = [invite(museum, child1, parent), invite(handball, child1, parent)]
    invitations.append(invite(handball, child2, parent))
    for n in range(2):
        child = UserFactory(
            tenant=tenant_a, first_name=f"Enfant{n}", last_name="=Formule", is_student=True,
            schools=[school_a], email="",
        )  # fmt: skip
        link_guardian(parent, child)
        invitations.append(invite(museum, child, parent))
    for n, invitation in enumerate(invitations):
        invitation_pay(invitation=invitation, by=None, idempotency_key=f"export-{n:02d}" * 2)
    pending = UserFactory(
        tenant=tenant_a, first_name="Sans", last_name="Paiement", is_student=True,
        schools=[school_a], email="",
    )  # fmt: skip
    link_guardian(parent, pending)
    invite(handball, pending, parent)
    assert wallet.pk
    return invitations


@pytest.fixture
def small_threshold(monkeypatch):
    monkeypatch.setattr(exports, "DIRECT_ROWS_MAX", 3)
    monkeypatch.setattr(exports, "CHUNK_ROWS", 2)


def export_everything(client):
    """The invitations list, "select all" across pages, action "Exporter les paiements (CSV)"."""
    first = Invitation.objects.order_by("pk").first()
    return client.post(
        reverse("admin:payments_invitation_changelist"),
        {
            "action": "export_csv",
            "select_across": "1",
            "index": "0",
            "_selected_action": [first.pk],
        },
    )


def test_a_small_export_is_still_downloaded_at_once(secretary_client, paid):
    # given fewer paid invitations than the threshold
    response = export_everything(secretary_client)
    # then the CSV comes in the response and no job is made
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert len(response.content.decode("utf-8-sig").strip().splitlines()) == 1 + 5
    assert not ExportJob.objects.exists()


def test_a_large_export_runs_as_a_job_and_writes_the_same_rows_as_the_direct_export(
    secretary_client, secretary, tenant_a, paid, small_threshold, on_commit
):
    # when the secretary exports more rows than the threshold
    with on_commit():
        response = export_everything(secretary_client)
    # then she is sent to the job's progress page, and the task (eager here) wrote the file
    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/admin/payments/exportjob/{job.pk}/progression/"
    job.refresh_from_db()
    assert (job.status, job.done, job.total) == ("done", 5, 5)
    assert (job.tenant, job.created_by, job.kind) == (tenant_a, secretary, "payments")
    assert job.selection == ""  # the pickled query is dropped once used
    with job.file.open("rb") as handle:
        written = handle.read().decode("utf-8")
    direct = exports.payments_csv_text(Invitation.objects.filter(tenant=tenant_a))
    assert written == direct
    rows = written.lstrip("\ufeff").strip().splitlines()
    assert rows[0].startswith("date_paiement;ecriture;activite") and len(rows) == 6
    assert "'=Formule Enfant0" in written  # the CSV-injection guard holds in the job too
    assert "Paiement Sans" not in written


def export_listed(client, query: str):
    first = Invitation.objects.order_by("pk").first()
    return client.post(
        reverse("admin:payments_invitation_changelist") + query,
        {
            "action": "export_csv",
            "select_across": "1",
            "index": "0",
            "_selected_action": [first.pk],
        },
    )


def test_the_job_exports_what_the_list_showed(secretary_client, paid, monkeypatch, on_commit):
    monkeypatch.setattr(exports, "DIRECT_ROWS_MAX", 2)
    museum = paid[0].activity
    # when the list is filtered to the museum (3 paid invitations, over the threshold of 2)
    with on_commit():
        response = export_listed(secretary_client, f"?activity__id__exact={museum.pk}")
    # then the job's file holds the museum's payments only
    job = ExportJob.objects.get()
    assert response.status_code == 302 and job.total == 3
    with job.file.open("rb") as handle:
        rows = handle.read().decode("utf-8-sig").strip().splitlines()[1:]
    assert len(rows) == 3 and all(";Musée du jouet;" in row for row in rows)
    # and a search for the two "=Formule" children (2 rows) is downloaded at once, searched
    response = export_listed(secretary_client, "?q=Formule")
    rows = response.content.decode("utf-8-sig").strip().splitlines()[1:]
    assert response.status_code == 200 and len(rows) == 2
    assert all("'=Formule" in row for row in rows)


def test_the_activitys_export_link_makes_a_job_too(secretary_client, paid, monkeypatch, on_commit):
    monkeypatch.setattr(exports, "DIRECT_ROWS_MAX", 2)
    museum = paid[0].activity  # 3 paid invitations
    with on_commit():
        response = secretary_client.get(reverse("admin:payments_activity_export", args=[museum.pk]))
    job = ExportJob.objects.get()
    assert response.status_code == 302 and (job.status, job.total) == ("done", 3)
    assert job.filename == "paiements-musee-du-jouet.csv"


def test_the_progress_page_shows_the_bar_the_rows_and_later_the_download(
    secretary_client, secretary, tenant_a, private_files
):
    # given an export under way
    job = ExportJob.objects.create(
        tenant=tenant_a, created_by=secretary, filename="paiements.csv", status="running",
        total=40_000, done=12_000, selection="-",
    )  # fmt: skip
    url = f"/admin/payments/exportjob/{job.pk}/progression/"
    html = secretary_client.get(url).content.decode()
    # then the page has a labelled bar, the figures in a live region, a link without JavaScript
    assert '<label for="export-progress">Progression</label>' in html
    assert '<progress id="export-progress" max="100" value="30">' in html
    assert f'aria-live="polite">30 % — 12{NBSP}000 / 40{NBSP}000 lignes</span>' in html
    assert "Rafraîchir" in html and "Télécharger" not in html
    assert 'src="/static/js/job-progress.js"' in html and "<script>" not in html
    state = secretary_client.get(f"/admin/payments/exportjob/{job.pk}/etat.json").json()
    assert (state["percent"], state["finished"], state["download_url"]) == (30, False, None)
    assert state["progress_text"] == f"30 % — 12{NBSP}000 / 40{NBSP}000 lignes"
    download = f"/admin/payments/exportjob/{job.pk}/telecharger/"
    assert secretary_client.get(download).status_code == 404
    # when it is done
    job.file.save("paiements.csv", ContentFile(b"\xef\xbb\xbfdate_paiement;ecriture\n"))
    ExportJob.objects.filter(pk=job.pk).update(status="done", done=40_000)
    html = secretary_client.get(url).content.decode()
    # then the page offers the file, which downloads under its name
    assert "Télécharger le fichier CSV" in html and download in html
    response = secretary_client.get(download)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert 'filename="paiements.csv"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"\xef\xbb\xbfdate_paiement")
    assert "no-store" in response["Cache-Control"]


def test_an_export_is_its_authors_and_her_network_administrators_only(
    secretary, secretary_client, outsider_admin_client, tenant_a, school_a, private_files
):
    job = ExportJob.objects.create(
        tenant=tenant_a, created_by=secretary, filename="p.csv", status="done", total=1,
        done=1, selection="-",
    )  # fmt: skip
    job.file.save("p.csv", ContentFile(b"x"))
    urls = [
        f"/admin/payments/exportjob/{job.pk}/progression/",
        f"/admin/payments/exportjob/{job.pk}/etat.json",
        f"/admin/payments/exportjob/{job.pk}/telecharger/",
        f"/admin/payments/exportjob/{job.pk}/change/",
    ]
    assert [secretary_client.get(u).status_code for u in urls] == [200] * 4
    # another tenant's staff get 404 on the job and its file
    assert [outsider_admin_client.get(u).status_code for u in urls] == [404] * 4
    # a colleague of the same tenant too; the network administrator sees it
    colleague = UserFactory(tenant=tenant_a, is_secretary=True, schools=[school_a])
    assert [verified_admin_client(colleague, HOST_A).get(u).status_code for u in urls] == [404] * 4
    boss = UserFactory(tenant=tenant_a, is_tenant_admin=True, schools=[school_a])
    assert [verified_admin_client(boss, HOST_A).get(u).status_code for u in urls] == [200] * 4


def test_a_broker_outage_fails_the_job_with_a_clear_message_and_no_error_page(
    secretary_client, paid, small_threshold, on_commit, unreachable_broker
):
    # when the export is asked while the broker cannot be reached
    with on_commit():
        response = export_everything(secretary_client)
    # then the page is the progress page, which says what happened
    job = ExportJob.objects.get()
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.error) == ("failed", QUEUE_DOWN) and not job.file
    page = secretary_client.get(response["Location"])
    html = unescape(page.content.decode())
    assert page.status_code == 200
    assert "Le service des tâches de fond ne répond pas : la tâche n'a pas démarré." in html
    assert "Relancez l'export" in html and "Rafraîchir" not in html


def test_export_files_are_deleted_after_a_few_days(secretary, tenant_a, private_files):
    from payments.tasks import purge_exports

    now = timezone.now()

    def export_made(days_ago: float) -> ExportJob:
        job = ExportJob.objects.create(
            tenant=tenant_a, created_by=secretary, filename="p.csv", status="done",
            selection="-", finished_at=now - timedelta(days=days_ago),
        )  # fmt: skip
        job.file.save("p.csv", ContentFile(b"rows"))
        return job

    old, recent = export_made(exports.FILE_DAYS + 0.5), export_made(exports.FILE_DAYS - 0.5)
    old_path = old.file.path
    # when the daily job runs
    assert purge_exports.apply().get() == 1
    # then the old file is gone, its row stays (who exported what, when), the recent one stays
    old.refresh_from_db()
    recent.refresh_from_db()
    assert not old.file and old.status == "done"
    assert recent.file and recent.file.storage.exists(recent.file.name)
    assert not os.path.exists(old_path)
