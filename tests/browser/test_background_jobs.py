"""The progress page of a payments export and the ledger check in a real browser: the script
follows the job, the figures are read out (aria-live), the download appears when it is done;
axe-core finds no violation on either page nor on the wallets list with its button."""

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from payments.models import ExportJob, ReconciliationRun
from tests.conftest import HOST_A, verified_admin_client
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NBSP = "\xa0"


@pytest.fixture
def private_files(tmp_path):
    from django.core.files.storage import FileSystemStorage
    from django.utils.functional import empty

    from payments.models import private_storage

    private_storage._wrapped = FileSystemStorage(location=tmp_path)
    yield tmp_path
    private_storage._wrapped = empty


def logged_in(context, tenant_url, user) -> None:
    client = verified_admin_client(user, HOST_A)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value,
          "url": tenant_url(HOST_A)}]
    )  # fmt: skip


def test_export_progress_page_follows_the_job_and_offers_the_file(
    page, context, tenant_url, live_server, tenant_a, secretary, axe_check, private_files
):
    job = ExportJob.objects.create(
        tenant=tenant_a, created_by=secretary, filename="paiements.csv", status="running",
        total=40_000, done=12_000, selection="-",
    )  # fmt: skip
    logged_in(context, tenant_url, secretary)
    page.clock.install()
    page.goto(tenant_url(HOST_A, f"/admin/payments/exportjob/{job.pk}/progression/"))
    expect(page.get_by_role("progressbar", name="Progression")).to_have_attribute("value", "30")
    expect(page.locator("#export-percent")).to_have_text(f"30 % — 12{NBSP}000 / 40{NBSP}000 lignes")
    axe_check(page)
    ExportJob.objects.filter(pk=job.pk).update(done=20_000)
    page.clock.fast_forward(1_000)
    expect(page.locator("#export-percent")).to_have_text(f"50 % — 20{NBSP}000 / 40{NBSP}000 lignes")
    job.file.save("paiements.csv", ContentFile(b"date_paiement\n"))
    ExportJob.objects.filter(pk=job.pk).update(status="done", done=40_000)
    page.clock.fast_forward(1_000)
    expect(page.get_by_role("link", name="Télécharger le fichier CSV")).to_be_visible()
    axe_check(page)


def test_the_ledger_check_button_and_its_page_are_accessible(
    page, context, tenant_url, live_server, tenant_a, school_a, axe_check
):
    boss = UserFactory(tenant=tenant_a, is_tenant_admin=True, schools=[school_a])
    logged_in(context, tenant_url, boss)
    page.goto(tenant_url(HOST_A, "/admin/payments/wallet/"))
    expect(page.get_by_text("Le journal n'a pas encore été vérifié.")).to_be_visible()
    axe_check(page)
    page.get_by_role("button", name="Vérifier le journal").click()  # runs eagerly in tests
    expect(page.get_by_text("Tous les portefeuilles concordent avec le journal.")).to_be_visible()
    assert ReconciliationRun.objects.get().is_clean
    axe_check(page)
