"""Receipts, statements and top-up sheets are tagged PDF/UA documents in the reader's language,
with dates and amounts written the way that language writes them."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone, translation

from payments.documents import render_pdf
from payments.services.invitations import invitation_pay
from tests.payments.pdf_checks import check_tagged_pdf
from tests.payments.test_documents_and_mails import pdf_text


@pytest.fixture
def english(parent_client):
    parent_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return parent_client


@pytest.fixture
def paid(funded_wallet, museum_invitation):
    invitation_pay(invitation=museum_invitation, by=None, idempotency_key="p" * 20)
    museum_invitation.refresh_from_db()
    return museum_invitation


def _statement(client):
    today = timezone.localdate()
    return client.get(
        reverse("payments:statement"),
        {"start": (today - timedelta(days=1)).isoformat(), "end": today.isoformat()},
    )


def test_receipt_is_a_tagged_pdf_in_french(parent_client, paid, tmp_path):
    # given a paid invitation, when the parent downloads its receipt on the French portal
    response = parent_client.get(reverse("payments:receipt", args=[paid.pk]))
    # then the PDF is tagged, in French, titled, with a heading and row headers
    tagged = check_tagged_pdf(response.content, tmp_path)
    assert tagged.lang == "fr"
    assert tagged.title.startswith(f"Reçu de paiement n° {paid.payment.pk}")
    assert tagged.count("H1") == 1 and tagged.count("TH") >= 6
    text = pdf_text(response.content, tmp_path)
    with translation.override("fr"):
        paid_on = formats.date_format(timezone.localtime(paid.paid_at), "DATETIME_FORMAT")
    assert paid_on in text and "5,00 €" in text


def test_receipt_in_english_follows_english_conventions(english, paid, tmp_path):
    # given the parent reads the portal in English, when she downloads the receipt
    response = english.get(reverse("payments:receipt", args=[paid.pk]))
    # then the PDF says it is English, and its words, date and amount are English
    tagged = check_tagged_pdf(response.content, tmp_path)
    assert tagged.lang == "en" and tagged.title.startswith("Payment receipt")
    text = pdf_text(response.content, tmp_path)
    with translation.override("en"):
        paid_on = formats.date_format(timezone.localtime(paid.paid_at), "DATETIME_FORMAT")
        produced = formats.date_format(timezone.localdate(), "DATE_FORMAT")
    assert paid_on in text and "€5.00" in text
    assert "Document produced on " + produced in text
    assert "Reçu" not in text and "Document produit" not in text
    assert ".." not in text  # « 11:29 p.m.. »: the sentence ends with the date


def test_statement_is_tagged_with_column_headers(english, paid, tmp_path):
    response = _statement(english)
    tagged = check_tagged_pdf(response.content, tmp_path)
    assert tagged.lang == "en" and tagged.title.startswith("Wallet statement")
    assert tagged.count("Table") == 1 and tagged.count("TH") == 4 and tagged.count("H1") == 1
    text = pdf_text(response.content, tmp_path)
    with translation.override("en"):
        today = formats.date_format(timezone.localdate(), "DATE_FORMAT")
    assert today in text and "€20.00" in text and "-€5.00" in text


def test_top_up_sheet_is_tagged_and_its_qr_code_has_an_alt_text(
    parent_client, wallet, tenant_a, tmp_path
):
    tenant_a.iban, tenant_a.creditor_name = "BE68539007547034", "CREOS ASBL"
    tenant_a.save()
    response = parent_client.get(reverse("payments:top_up_sheet"))
    tagged = check_tagged_pdf(response.content, tmp_path)
    assert tagged.lang == "fr" and tagged.title.startswith("Recharger mon portefeuille")
    assert tagged.alts == ["Code QR de virement"]


def test_a_document_without_its_own_date_still_says_when_it_was_produced(tenant_a, tmp_path):
    # given a PDF rendered from the shared layout with no date of its own (the demo programme)
    with translation.override("fr"):
        content = render_pdf("demo/pdf/programme.html", {"tenant": tenant_a, "language": "fr"})
        today = formats.date_format(timezone.localdate(), "DATE_FORMAT")
    # then its footer names the day, not « Document produit le . »
    text = " ".join(pdf_text(content, tmp_path).split())
    assert "Document produit le ." not in text
    assert f"Document produit le {today}" in text
    assert check_tagged_pdf(content, tmp_path).lang == "fr"
