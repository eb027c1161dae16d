"""A parent asks, from the wallet page, for the balance back on a bank account: nothing moves
until a secretary checks the request and records the withdrawal, or refuses it with a reason the
parent then reads."""

from __future__ import annotations

from html import unescape

import pytest
from django.urls import reverse

from payments.bank.withdrawals import withdrawal_request_create
from payments.exceptions import WithdrawalRequestPending
from payments.ledger import ledger_reconcile
from payments.models import (
    LedgerTransaction,
    Wallet,
    WalletWithdrawal,
    WithdrawalRequest,
    WithdrawalRequestStatus,
)
from tests.payments.conftest import fund

PARENT_IBAN = "BE71096123456769"
ASK = {
    "amount": "15,00",
    "iban": "BE71 0961 2345 6769",
    "holder_name": "Jacqueline Dubois",
    "note": "Nous déménageons en juillet.",
}


def _ask(parent_client, **data):
    return parent_client.post(reverse("payments:wallet_withdrawal_request"), {**ASK, **data})


def test_parent_asks_and_nothing_moves_until_the_secretary_records_it(
    parent_client, secretary_client, secretary, wallet
):
    funded = fund(wallet, 2000)
    # given the wallet page offers the request, filled with the balance
    page = unescape(parent_client.get(reverse("payments:wallet")).content.decode())
    assert "Demander le remboursement de mon solde" in page and 'value="20,00"' in page
    # when the parent asks for 15 €
    response = _ask(parent_client)
    assert response.status_code == 302
    page = unescape(parent_client.get(reverse("payments:wallet")).content.decode())
    assert "Votre demande est envoyée au secrétariat" in page
    assert "(virement de 15,00 € vers BE71 0961 2345 6769) attend le secrétariat." in page
    # then nothing has moved yet
    assert Wallet.objects.get(pk=funded.pk).balance_cents == 2000
    assert not WalletWithdrawal.objects.exists()
    asked = WithdrawalRequest.objects.get()
    assert (asked.status, asked.iban, asked.note) == (
        WithdrawalRequestStatus.PENDING,
        PARENT_IBAN,
        "Nous déménageons en juillet.",
    )
    # the secretary finds it in the requests' list and opens it, prefilled
    listing = unescape(
        secretary_client.get(
            reverse("admin:payments_withdrawalrequest_changelist")
        ).content.decode()
    )
    url = reverse("admin:payments_wallet_withdraw", args=[funded.pk])
    assert f'href="{url}?demande={asked.pk}"' in listing
    form_page = unescape(secretary_client.get(url, {"demande": asked.pk}).content.decode())
    assert "Nous déménageons en juillet." in form_page and 'value="15,00"' in form_page
    key = form_page.split('name="key" value="')[1].split('"')[0]
    response = secretary_client.post(
        url,
        {
            "demande": asked.pk,
            "amount": "15,00",
            "iban": "BE71 0961 2345 6769",
            "holder_name": "Jacqueline Dubois",
            "reason": "Demande du parent",
            "key": key,
        },
    )
    assert response.status_code == 302
    asked.refresh_from_db()
    withdrawal = WalletWithdrawal.objects.get()
    assert (asked.status, asked.withdrawal, asked.handled_by) == (
        WithdrawalRequestStatus.DONE,
        withdrawal,
        secretary,
    )
    assert Wallet.objects.get(pk=funded.pk).balance_cents == 500
    page = unescape(parent_client.get(reverse("payments:wallet")).content.decode())
    assert "est traitée : le virement part avec le prochain lot" in page
    assert "Remboursement du solde — Virement vers le compte BE71 0961 2345 6769" in page
    assert ledger_reconcile() == ([], [])
    # a request answered is not answered twice
    assert secretary_client.get(url, {"demande": asked.pk}).status_code == 404


def test_the_secretary_refuses_with_a_reason_the_parent_reads(
    parent_client, secretary_client, wallet
):
    funded = fund(wallet, 2000)
    _ask(parent_client)
    asked = WithdrawalRequest.objects.get()
    url = reverse("admin:payments_wallet_withdraw", args=[funded.pk])
    # a refusal needs a reason
    response = secretary_client.post(
        url, {"demande": asked.pk, "action": "refuse", "refusal_reason": " "}
    )
    assert response.status_code == 400
    assert "Indiquez pourquoi la demande est refusée" in unescape(response.content.decode())
    response = secretary_client.post(
        url,
        {
            "demande": asked.pk,
            "action": "refuse",
            "refusal_reason": "Le compte n'est pas au nom d'un parent.",
        },
    )
    assert response.status_code == 302
    page = unescape(parent_client.get(reverse("payments:wallet")).content.decode())
    assert "a été refusée par le secrétariat : Le compte n'est pas au nom d'un parent." in page
    assert Wallet.objects.get(pk=funded.pk).balance_cents == 2000
    assert not LedgerTransaction.objects.filter(kind="withdrawal").exists()
    # and the parent may ask again
    assert _ask(parent_client).status_code == 302
    assert WithdrawalRequest.objects.filter(status="pending").count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"amount": "20,01"}, "Votre portefeuille contient 20,00 € : vous ne pouvez pas demander"),
        ({"iban": "BE71 0961 2345 6760"}, "IBAN invalide : les chiffres de contrôle"),
        ({"amount": "abc"}, "Indiquez un montant comme 12,50."),
    ],
)
def test_a_wrong_request_is_a_form_error_on_the_wallet_page(parent_client, wallet, data, message):
    fund(wallet, 2000)
    response = _ask(parent_client, **data)
    assert response.status_code == 400
    html = unescape(response.content.decode()).replace("\u202f", " ")
    assert message in html and "Veuillez corriger ce qui suit" in html
    assert not WithdrawalRequest.objects.exists()


def test_one_request_waits_at_a_time(parent, wallet):
    funded = fund(wallet, 2000)
    withdrawal_request_create(
        wallet=funded, amount_cents=500, iban=PARENT_IBAN, holder_name="", note="", by=parent
    )
    with pytest.raises(WithdrawalRequestPending):
        withdrawal_request_create(
            wallet=funded, amount_cents=500, iban=PARENT_IBAN, holder_name="", note="", by=parent
        )


def test_other_people_never_see_nor_answer_the_request(
    parent_client, wallet, other_parent, client_a, outsider_admin_client
):
    funded = fund(wallet, 2000)
    _ask(parent_client)
    asked = WithdrawalRequest.objects.get()
    # another parent of the tenant: her own wallet page, nothing of this request
    client_a.force_login(other_parent)
    assert "BE71 0961 2345 6769" not in client_a.get(reverse("payments:wallet")).content.decode()
    # another tenant's secretary: 404 on the request and the form, nothing in her list
    change = reverse("admin:payments_withdrawalrequest_change", args=[asked.pk])
    assert outsider_admin_client.get(change).status_code == 404
    url = reverse("admin:payments_wallet_withdraw", args=[funded.pk])
    refuse = {"demande": asked.pk, "action": "refuse", "refusal_reason": "non"}
    assert outsider_admin_client.post(url, refuse).status_code == 404
    listing = outsider_admin_client.get(reverse("admin:payments_withdrawalrequest_changelist"))
    assert "Dubois" not in listing.content.decode()
    assert WithdrawalRequest.objects.get().status == WithdrawalRequestStatus.PENDING
