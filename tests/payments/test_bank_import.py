"""camt.053 import: matched by structured communication, previewed, and never credited twice."""

from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from payments import bank
from payments.exceptions import BankStatementAlreadyImported, BankStatementInvalid
from payments.ledger import ledger_reconcile
from payments.models import BankImport, BankLineStatus, Wallet
from payments.money import structured_digits
from payments.services.wallets import wallet_get_or_create
from tenants.scoping import tenant_scope
from tests.payments.camt import camt053


@pytest.fixture(autouse=True)
def tenant_ibans(tenant_a, tenant_b):
    tenant_a.iban = tenant_b.iban = "BE68539007547034"
    tenant_a.save(update_fields=["iban"]), tenant_b.save(update_fields=["iban"])


@pytest.fixture
def wallets(tenant_a, parent, other_parent):
    return (
        wallet_get_or_create(tenant=tenant_a, owner=parent),
        wallet_get_or_create(tenant=tenant_a, owner=other_parent),
    )


def statement_for(w1, w2, **kwargs) -> bytes:
    return camt053(
        [
            ("REF-1", "20.00", w1.structured_communication, "DUBOIS JACQUELINE"),
            ("REF-2", "12.50", f"Portefeuille {w2.structured_communication} merci", "AUTRE ANNE"),
            ("REF-3", "7.00", "+++999/9999/99948+++", "INCONNU"),
            ("REF-4", "3.00", w1.structured_communication, "FRAIS", "DBIT"),
        ],
        **kwargs,
    )


def test_parse_reads_entries(wallets):
    w1, w2 = wallets
    parsed = bank.statement_parse(statement_for(w1, w2))
    assert parsed.statement_ids == ["STMT-2024-001"]
    entries = parsed.transactions
    assert [e.amount_cents for e in entries] == [2000, 1250, 700, 300]
    assert entries[0].communication == structured_digits(w1.reference)
    assert entries[0].payer_name == "DUBOIS JACQUELINE"
    assert entries[3].credit is False


def test_import_credits_the_right_wallets_and_a_reimport_credits_nothing(
    tenant_a, secretary, wallets
):
    w1, w2 = wallets
    data = statement_for(w1, w2)
    # when the statement is previewed
    preview = bank.bank_import_preview(
        tenant=tenant_a, filename="juin.xml", data=data, by=secretary
    )
    statuses = {line.entry_ref: line.status for line in preview.lines.all()}
    # then two lines match a wallet, one is unknown, the debit is ignored; nothing credited yet
    assert statuses == {
        "REF-1": BankLineStatus.MATCHED,
        "REF-2": BankLineStatus.MATCHED,
        "REF-3": BankLineStatus.UNMATCHED,
        "REF-4": BankLineStatus.IGNORED,
    }
    w1.refresh_from_db()
    assert w1.balance_cents == 0
    # when it is applied
    assert bank.bank_import_apply(bank_import=preview, by=secretary) == 2
    w1.refresh_from_db(), w2.refresh_from_db()
    assert (w1.balance_cents, w2.balance_cents) == (2000, 1250)
    # then the same file again is refused at the preview…
    with pytest.raises(BankStatementAlreadyImported):
        bank.bank_import_preview(tenant=tenant_a, filename="juin.xml", data=data, by=secretary)
    # …and applying the old preview again credits nothing
    with pytest.raises(BankStatementAlreadyImported):
        bank.bank_import_apply(bank_import=preview, by=secretary)
    w1.refresh_from_db()
    assert w1.balance_cents == 2000
    assert ledger_reconcile() == ([], [])


def test_the_same_entries_in_another_file_are_not_credited_again(tenant_a, secretary, wallets):
    w1, w2 = wallets
    first = bank.bank_import_preview(
        tenant=tenant_a, filename="a.xml", data=statement_for(w1, w2), by=secretary
    )
    bank.bank_import_apply(bank_import=first, by=secretary)
    # a second file (another statement id) repeating the same bank entries
    again = bank.bank_import_preview(
        tenant=tenant_a,
        filename="b.xml",
        data=statement_for(w1, w2, statement_id="STMT-BIS"),
        by=secretary,
    )
    # every transfer already booked is a duplicate, the unknown one included (it is in suspense)
    assert {ln.status for ln in again.lines.all()} == {
        BankLineStatus.DUPLICATE,
        BankLineStatus.IGNORED,
    }
    assert bank.bank_import_apply(bank_import=again, by=secretary) == 0
    w1.refresh_from_db()
    assert w1.balance_cents == 2000


def test_two_previews_of_one_file_apply_once(tenant_a, secretary, wallets):
    w1, w2 = wallets
    data = statement_for(w1, w2)
    p1 = bank.bank_import_preview(tenant=tenant_a, filename="a.xml", data=data, by=secretary)
    p2 = bank.bank_import_preview(tenant=tenant_a, filename="a.xml", data=data, by=secretary)
    bank.bank_import_apply(bank_import=p1, by=secretary)
    with pytest.raises(BankStatementAlreadyImported):
        bank.bank_import_apply(bank_import=p2, by=secretary)
    w1.refresh_from_db()
    assert w1.balance_cents == 2000


def test_wallets_of_another_tenant_are_never_matched(tenant_b, outsider, wallets, secretary):
    w1, w2 = wallets
    with tenant_scope(tenant_b):  # as the admin's request at tenant B's host opens it
        preview = bank.bank_import_preview(
            tenant=tenant_b, filename="b.xml", data=statement_for(w1, w2), by=outsider
        )
    assert not preview.lines.filter(status=BankLineStatus.MATCHED).exists()


@pytest.mark.parametrize(
    "data",
    [
        b"not xml",
        b"<Document/>",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><Document>&a;</Document>',
    ],
)
def test_bad_files_are_refused(data):
    with pytest.raises(BankStatementInvalid):
        bank.statement_parse(data)


def test_admin_upload_preview_and_apply(secretary_client, wallets):
    w1, w2 = wallets
    upload = SimpleUploadedFile("juin.xml", statement_for(w1, w2), content_type="text/xml")
    response = secretary_client.post(reverse("admin:payments_bankimport_add"), {"file": upload})
    assert response.status_code == 302
    preview_url = response["Location"]
    html = unescape(secretary_client.get(preview_url).content.decode())
    # the unmatched line is listed, under its own heading
    assert "Communication inconnue : ira au compte d'attente (1)" in html
    assert "999999999948" in html
    assert "Créditer 2 portefeuilles" in html
    bank_import = BankImport.objects.get()
    response = secretary_client.post(
        reverse("admin:payments_bankimport_apply", args=[bank_import.pk]), follow=True
    )
    page = unescape(response.content.decode())
    assert "2 portefeuilles crédités" in page
    assert "1 virement attend le secrétariat au compte d'attente" in page
    assert Wallet.objects.get(pk=w1.pk).balance_cents == 2000
    # the same file uploaded again is refused with a message
    upload = SimpleUploadedFile("juin.xml", statement_for(w1, w2), content_type="text/xml")
    response = secretary_client.post(reverse("admin:payments_bankimport_add"), {"file": upload})
    assert response.status_code == 200
    assert "déjà été importé" in response.content.decode()


def test_outsider_cannot_see_tenant_a_imports(outsider_admin_client, secretary, tenant_a, wallets):
    w1, w2 = wallets
    preview = bank.bank_import_preview(
        tenant=tenant_a, filename="a.xml", data=statement_for(w1, w2), by=secretary
    )
    for name in ("admin:payments_bankimport_preview", "admin:payments_bankimport_change"):
        assert outsider_admin_client.get(reverse(name, args=[preview.pk])).status_code == 404
    assert (
        outsider_admin_client.post(
            reverse("admin:payments_bankimport_apply", args=[preview.pk])
        ).status_code
        == 404
    )
