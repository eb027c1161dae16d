"""Exports a French or Belgian spreadsheet reads right (issue 11, item 6): the CSV has decimal
commas, dates as dd/mm/yyyy and states as words; the Excel file has number cells in euros and
date cells. Both from the admin's action (downloaded at once) and through the background job
(over the threshold), and text that a spreadsheet would run stays text in both."""

import csv
import io
import re
import zipfile
from datetime import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from payments.models import ExportJob, Invitation, InvitationStatus
from payments.services import exports
from payments.services.invitations import invitation_pay, invitation_refund
from tests.payments.conftest import invite, make_activity
from tests.payments.test_export_jobs import paid  # noqa: F401 — fixture

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_DATE = re.compile(r"^\d\d/\d\d/\d{4} \d\d:\d\d$")


@pytest.fixture
def ledger(paid, tenant_a, school_a, child1, parent):  # noqa: F811 — the imported fixture
    """The five paid invitations of `paid` (5,00 € and 8,00 €, two children named "=Formule"),
    one of them refunded, and "@Goûter & co" paid 12,50 €: seven rows."""
    invitation_refund(invitation=paid[1], by=None)
    snack = make_activity(tenant=tenant_a, school=school_a, title="@Goûter & co", amount_cents=1250)
    extra = invite(snack, child1, parent)
    invitation_pay(invitation=extra, by=None, idempotency_key="export-snack" * 2)
    rows = list(Invitation.objects.filter(payment__isnull=False).order_by("paid_at", "pk"))
    assert len(rows) == 6
    return rows


def export(client, action: str):
    """The invitations list, "select all", the action `export_csv` or `export_xlsx`."""
    first = Invitation.objects.order_by("pk").first()
    return client.post(
        reverse("admin:payments_invitation_changelist"),
        {"action": action, "select_across": "1", "index": "0", "_selected_action": [first.pk]},
    )


def csv_rows(content: bytes) -> list[dict[str, str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def assert_csv_reads_right(content: bytes, ledger: list[Invitation]) -> None:
    rows = csv_rows(content)
    assert len(rows) == len(ledger)
    for row, invitation in zip(rows, ledger, strict=True):
        euros, cents = divmod(invitation.amount_cents, 100)
        assert row["montant"] == f"{euros},{cents:02d}"  # a decimal comma, no thousands
        assert CSV_DATE.match(row["date_paiement"])
        paid_at = timezone.localtime(invitation.paid_at)
        assert row["date_paiement"] == paid_at.strftime("%d/%m/%Y %H:%M")
        assert row["ecriture"] == str(invitation.payment_id)
    states = [row["etat"] for row in rows]
    assert states.count("payée") == 5 and states.count("remboursée") == 1
    assert "paid" not in states and "refunded" not in states
    refunded = next(row for row in rows if row["etat"] == "remboursée")
    assert CSV_DATE.match(refunded["date_remboursement"]) and refunded["ecriture_remboursement"]
    snack = next(row for row in rows if row["montant"] == "12,50")
    assert (snack["etat"], snack["automatique"]) == ("payée", "non")
    # what a spreadsheet would run stays text
    assert snack["activite"] == "'@Goûter & co"
    assert sum(row["beneficiaire"].startswith("'=Formule") for row in rows) == 2
    # the amounts add up as numbers once the comma is read as a decimal point
    total = sum(Decimal(row["montant"].replace(",", ".")) for row in rows)
    assert total == Decimal(sum(i.amount_cents for i in ledger)) / 100 == Decimal("43.50")


def assert_xlsx_reads_right(content: bytes, ledger: list[Invitation]) -> None:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml  # no formula anywhere, whatever the names start with
    book = load_workbook(io.BytesIO(content))
    sheet = book.active
    header = [cell.value for cell in sheet[1]]
    assert header == exports.HEADER
    column = {name: index for index, name in enumerate(header)}
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == len(ledger)
    for cells, invitation in zip(rows, ledger, strict=True):
        amount = cells[column["montant"]]
        # a number cell, in euros, worth the cents / 100
        assert amount.data_type == "n" and isinstance(amount.value, int | float | Decimal)
        assert Decimal(str(amount.value)) == Decimal(invitation.amount_cents) / 100
        assert "€" in amount.number_format and "0.00" in amount.number_format
        paid_on = cells[column["date_paiement"]]
        assert paid_on.is_date and isinstance(paid_on.value, datetime)
        local = timezone.localtime(invitation.paid_at).replace(tzinfo=None)
        assert abs((paid_on.value - local).total_seconds()) < 1
        assert paid_on.number_format == "dd/mm/yyyy hh:mm"
        assert cells[column["ecriture"]].value == invitation.payment_id
        state = cells[column["etat"]]
        assert state.data_type == "s"
        assert state.value == str(InvitationStatus(invitation.status).label)
    # a column a SUM adds up: every amount is a number
    amounts = [cells[column["montant"]].value for cells in rows]
    assert all(isinstance(value, int | float | Decimal) for value in amounts)
    assert Decimal(str(round(sum(amounts), 2))) == Decimal("43.50")
    states = [cells[column["etat"]].value for cells in rows]
    assert states.count("payée") == 5 and states.count("remboursée") == 1
    # text a spreadsheet would run is a text cell, kept as typed
    texts = {cells[column["activite"]].value for cells in rows}
    texts |= {cells[column["beneficiaire"]].value for cells in rows}
    assert "@Goûter & co" in texts and "=Formule Enfant0" in texts
    for cells in rows:
        for name in ("activite", "ecole", "beneficiaire", "debiteur", "etat", "automatique"):
            assert cells[column[name]].data_type == "s"


def test_the_csv_action_downloads_decimal_commas_dates_and_states_as_words(
    secretary_client, ledger
):
    response = export(secretary_client, "export_csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert re.search(r'filename="paiements-\d{8}\.csv"', response["Content-Disposition"])
    assert_csv_reads_right(response.content, ledger)
    assert not ExportJob.objects.exists()


def test_the_excel_action_downloads_number_and_date_cells(secretary_client, ledger):
    response = export(secretary_client, "export_xlsx")
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert re.search(r'filename="paiements-\d{8}\.xlsx"', response["Content-Disposition"])
    assert "no-store" in response["Cache-Control"]
    assert_xlsx_reads_right(response.content, ledger)
    assert not ExportJob.objects.exists()


@pytest.mark.parametrize(
    ("action", "file_format", "content_type", "link"),
    [
        ("export_csv", "csv", "text/csv; charset=utf-8", "Télécharger le fichier CSV"),
        ("export_xlsx", "xlsx", XLSX, "Télécharger le fichier Excel"),
    ],
)
def test_over_the_threshold_the_job_writes_the_same_file(
    secretary_client, ledger, monkeypatch, on_commit, action, file_format, content_type, link
):
    monkeypatch.setattr(exports, "DIRECT_ROWS_MAX", 3)
    monkeypatch.setattr(exports, "CHUNK_ROWS", 2)
    # when the secretary exports more rows than the threshold
    with on_commit():
        response = export(secretary_client, action)
    # then a job wrote the file in her format
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"].endswith("/progression/")
    job.refresh_from_db()
    assert (job.status, job.total, job.file_format) == ("done", 6, file_format)
    assert job.filename.endswith(f".{file_format}") and job.file.name.endswith(f".{file_format}")
    # and the progress page offers it, downloaded under its name with its type
    page = secretary_client.get(response["Location"]).content.decode()
    assert link in page
    download = secretary_client.get(reverse("admin:payments_exportjob_download", args=[job.pk]))
    assert download["Content-Type"] == content_type
    assert f'filename="{job.filename}"' in download["Content-Disposition"]
    content = b"".join(download.streaming_content)
    if file_format == "csv":
        assert_csv_reads_right(content, ledger)
        direct = exports.payments_export_content(Invitation.objects.all(), file_format="csv")
        assert content == direct
    else:
        assert_xlsx_reads_right(content, ledger)


def test_the_job_writes_in_the_language_of_whoever_asked(
    secretary, tenant_a, ledger, on_commit, private_files
):
    # given a secretary working in English
    with translation.override("en"), on_commit():
        job = exports.export_start(
            selection=Invitation.objects.all(),
            filename="payments.csv",
            tenant=tenant_a,
            by=secretary,
        )
    # then the worker (which has no request) writes the states in English too
    job.refresh_from_db()
    assert (job.status, job.language) == ("done", "en")
    with job.file.open("rb") as handle:
        states = {row["etat"] for row in csv_rows(handle.read())}
    assert states == {"paid", "refunded"}


def test_the_activitys_page_links_both_formats(secretary_client, ledger):
    museum = ledger[0].activity
    page = secretary_client.get(
        reverse("admin:payments_activity_follow_up", args=[museum.pk])
    ).content.decode()
    csv_url = reverse("admin:payments_activity_export", args=[museum.pk])
    xlsx_url = reverse("admin:payments_activity_export_xlsx", args=[museum.pk])
    assert f'href="{csv_url}"' in page and f'href="{xlsx_url}"' in page
    response = secretary_client.get(xlsx_url)
    assert response["Content-Type"] == XLSX
    assert 'filename="paiements-musee-du-jouet.xlsx"' in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    titles = [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert titles == ["Musée du jouet"] * 3
