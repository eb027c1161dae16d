"""A secretary resolves what waits in suspense: assigns it to a parent's wallet (found by search),
or discards it with a reason — each audited, the suspense account and the ledger kept right."""

from __future__ import annotations

from html import unescape

import pytest
from django.urls import reverse

from payments import bank
from payments.bank.suspense import suspense_assign, suspense_discard, suspense_waiting
from payments.exceptions import BankLineNotWaiting
from payments.ledger import ledger_reconcile
from payments.models import BankLine, BankLineStatus, Wallet
from payments.services.wallets import wallet_get_or_create
from tests.payments.bank.test_bank_cases import bank_cents, suspense_cents
from tests.payments.camt import IBAN, Entry, Statement, Tx, camt


@pytest.fixture
def waiting(tenant_a, secretary):
    tenant_a.iban = IBAN
    tenant_a.save(update_fields=["iban"])
    entries = [
        Entry("25.00", txs=[Tx("25.00", e2e="U1", payer="MME DUBOIS", ustrd=("pour Camille",))]),
        Entry("8.00", txs=[Tx("8.00", e2e="U2", payer="ANONYME", ustrd=("don",))]),
    ]
    data = camt([Statement(entries)])
    preview = bank.bank_import_preview(tenant=tenant_a, filename="r.xml", data=data, by=secretary)
    bank.bank_import_apply(bank_import=preview, by=secretary)
    return list(suspense_waiting())


def test_assign_then_discard_keeps_the_books(tenant_a, secretary, parent, waiting):
    wallet = wallet_get_or_create(tenant=tenant_a, owner=parent)
    assert suspense_cents() == 3300
    first, second = waiting
    suspense_assign(line=first, wallet=wallet, by=secretary, note="Camille = fille de Mme Dubois")
    assert Wallet.objects.get(pk=wallet.pk).balance_cents == 2500
    assert suspense_cents() == 800
    suspense_discard(line=second, by=secretary, reason="Don à l'association des parents")
    assert suspense_cents() == 0 and bank_cents() == 2500
    first.refresh_from_db(), second.refresh_from_db()
    assert (first.status, first.resolved_by, first.resolution_note) == (
        BankLineStatus.ASSIGNED,
        secretary,
        "Camille = fille de Mme Dubois",
    )
    assert second.status == BankLineStatus.DISCARDED and second.resolved_at is not None
    assert list(suspense_waiting()) == []
    assert ledger_reconcile() == ([], [])
    # resolved once only
    with pytest.raises(BankLineNotWaiting):
        suspense_assign(line=first, wallet=wallet, by=secretary)
    with pytest.raises(BankLineNotWaiting):
        suspense_discard(line=first, by=secretary, reason="encore")
    assert Wallet.objects.get(pk=wallet.pk).balance_cents == 2500


def test_discard_needs_a_reason(secretary, waiting):
    with pytest.raises(BankLineNotWaiting, match="pourquoi"):
        suspense_discard(line=waiting[0], by=secretary, reason="  ")
    assert BankLine.objects.get(pk=waiting[0].pk).status == BankLineStatus.SUSPENSE


def test_secretary_searches_the_parent_and_assigns_on_the_page(
    secretary_client, parent, parent_client, tenant_a, waiting
):
    wallet = wallet_get_or_create(tenant=tenant_a, owner=parent)
    url = reverse("admin:payments_bankline_resolve", args=[waiting[0].pk])
    page = unescape(secretary_client.get(url, {"q": "Dubois"}).content.decode())
    assert "MME DUBOIS" in page and "pour Camille" in page
    assert wallet.structured_communication in page
    response = secretary_client.post(
        url, {"action": "assign", "wallet": wallet.pk, "note": ""}, follow=True
    )
    assert "Virement attribué au portefeuille de Dubois Jacqueline" in unescape(
        response.content.decode()
    )
    # the parent sees the credit
    balance = parent_client.get(reverse("payments:wallet")).content.decode()
    assert "25,00" in balance
    assert ledger_reconcile() == ([], [])


def test_outsider_cannot_resolve(outsider_admin_client, waiting):
    url = reverse("admin:payments_bankline_resolve", args=[waiting[0].pk])
    assert outsider_admin_client.post(url, {"action": "discard", "reason": "x"}).status_code in (
        403,
        404,
    )
    assert BankLine.objects.get(pk=waiting[0].pk).status == BankLineStatus.SUSPENSE
