"""A transfer nobody claims is refunded to the payer: out of suspense at once, then in a pain.001
file (sepaxml) that validates against its schema."""

from __future__ import annotations

import os

import pytest
import sepaxml
import xmlschema
from defusedxml import ElementTree as ET
from django.urls import reverse

from payments.bank.refunds import refunds_export, suspense_refund
from payments.exceptions import InvalidIban
from payments.ledger import ledger_reconcile
from payments.models import BankLine, BankLineStatus, SepaTransferFile
from tests.payments.bank.test_bank_cases import bank_cents, suspense_cents
from tests.payments.bank.test_suspense import waiting  # noqa: F401 - the fixture

SCHEMA = os.path.join(os.path.dirname(sepaxml.__file__), "schemas", "pain.001.001.03.xsd")
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}


def test_refund_then_pain001_file(tenant_a, secretary, waiting):  # noqa: F811
    tenant_a.creditor_name = "École Saint-Joseph ASBL"
    tenant_a.save(update_fields=["creditor_name"])
    first = waiting[0]
    with pytest.raises(InvalidIban, match="IBAN invalide : les chiffres de contrôle"):
        suspense_refund(line=first, iban="BE71 0961 2345 6760", by=secretary)
    suspense_refund(line=first, iban="be71 0961 2345 6769", by=secretary, note="erreur")
    assert suspense_cents() == 800 and bank_cents() == 800
    exported = refunds_export(tenant=tenant_a, by=secretary)
    assert exported is not None and exported.transfers == 1 and exported.total_cents == 2500
    xmlschema.XMLSchema(SCHEMA).validate(exported.content)
    root = ET.fromstring(exported.content.encode())
    assert root.find(".//p:CdtrAcct/p:Id/p:IBAN", NS).text == "BE71096123456769"
    assert root.find(".//p:InstdAmt", NS).text == "25.00"
    assert root.find(".//p:DbtrAcct/p:Id/p:IBAN", NS).text == "BE68539007547034"
    line = BankLine.objects.get(pk=first.pk)
    assert (line.status, line.refund_file) == (BankLineStatus.REFUNDED, exported)
    # nothing twice
    assert refunds_export(tenant=tenant_a, by=secretary) is None
    assert ledger_reconcile() == ([], [])


def test_secretary_refunds_and_downloads_the_file(secretary_client, waiting):  # noqa: F811
    url = reverse("admin:payments_bankline_resolve", args=[waiting[1].pk])
    secretary_client.post(url, {"action": "refund", "iban": "BE71096123456769", "note": ""})
    response = secretary_client.post(reverse("admin:payments_bankline_refunds_file"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="remboursements-')
    xmlschema.XMLSchema(SCHEMA).validate(response.content.decode())
    assert b"BE71096123456769" in response.content and b"8.00" in response.content
    assert SepaTransferFile.objects.count() == 1
