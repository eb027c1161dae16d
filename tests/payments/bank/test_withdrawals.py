"""A secretary pays a wallet's balance back to a parent's bank account (a family leaving the
school): the money leaves the wallet at once, the parent sees it in the history, and the transfer
leaves in the next pain.001 file beside the suspense refunds; earlier files can be downloaded
again, by their own tenant only."""

from __future__ import annotations

import os
import re
from html import unescape

import pytest
import sepaxml
import xmlschema
from defusedxml import ElementTree as ET
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from payments import locks
from payments.bank.refunds import suspense_refund
from payments.bank.transfers import transfers_export
from payments.bank.withdrawals import wallet_withdraw
from payments.exceptions import InsufficientCredit, InvalidIban, WithdrawalInDebt
from payments.ledger import LineSpec, ledger_post, ledger_reconcile
from payments.models import (
    Account,
    LedgerTransaction,
    SepaTransferFile,
    TransactionKind,
    Wallet,
    WalletWithdrawal,
)
from tests.payments.bank.test_bank_cases import bank_cents
from tests.payments.bank.test_suspense import waiting  # noqa: F401 - the fixture
from tests.payments.conftest import fund

SCHEMA = os.path.join(os.path.dirname(sepaxml.__file__), "schemas", "pain.001.001.03.xsd")
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}
PARENT_IBAN = "BE71096123456769"


def _form_key(client, url: str) -> str:
    page = client.get(url).content.decode()
    return re.search(r'name="key" value="([^"]+)"', page).group(1)


def _post(client, wallet, **data):
    url = reverse("admin:payments_wallet_withdraw", args=[wallet.pk])
    payload = {
        "amount": "12,50",
        "iban": "be71 0961 2345 6769",
        "holder_name": "Jacqueline Dubois",
        "reason": "Départ de l'école en juin",
        "key": _form_key(client, url),
    }
    payload.update(data)
    return client.post(url, payload)


def test_secretary_pays_part_of_the_balance_back(
    secretary_client, secretary, parent_client, wallet
):
    funded = fund(wallet, 2000)
    url = reverse("admin:payments_wallet_withdraw", args=[funded.pk])
    # given the form, filled with the whole balance and the wallet's owner
    form_page = unescape(secretary_client.get(url).content.decode())
    assert 'value="20,00"' in form_page and 'value="Dubois Jacqueline"' in form_page
    # when she pays 12,50 € back (French decimal comma, IBAN typed with spaces)
    response = _post(secretary_client, funded)
    assert response.status_code == 302
    page = unescape(secretary_client.get(response["Location"]).content.decode())
    assert "Remboursement de 12,50 € vers BE71 0961 2345 6769 enregistré" in page
    # then the wallet holds the rest, the books reconcile, a payout waits for the next file
    assert Wallet.objects.get(pk=funded.pk).balance_cents == 750
    assert bank_cents() == 750
    withdrawal = WalletWithdrawal.objects.get()
    assert (withdrawal.iban, withdrawal.amount_cents, withdrawal.transfer_file) == (
        PARENT_IBAN,
        1250,
        None,
    )
    assert (withdrawal.created_by, withdrawal.reason) == (secretary, "Départ de l'école en juin")
    assert withdrawal.transaction.kind == TransactionKind.WITHDRAWAL
    assert withdrawal.transaction.created_by == secretary
    assert ledger_reconcile() == ([], [])
    # the parent sees it in the wallet's history, with a clear label
    history = unescape(parent_client.get(reverse("payments:wallet")).content.decode())
    assert (
        "Remboursement du solde — Virement vers le compte BE71 0961 2345 6769 "
        "(Jacqueline Dubois)" in history
    )
    assert "-12,50" in history and "7,50" in history


def test_a_double_submit_pays_back_once(secretary_client, wallet):
    funded = fund(wallet, 2000)
    url = reverse("admin:payments_wallet_withdraw", args=[funded.pk])
    key = _form_key(secretary_client, url)
    for _ in range(2):
        _post(secretary_client, funded, key=key, amount="5")
    assert WalletWithdrawal.objects.count() == 1
    assert Wallet.objects.get(pk=funded.pk).balance_cents == 1500


def test_more_than_the_balance_is_a_form_error_and_writes_nothing(secretary_client, wallet):
    funded = fund(wallet, 2000)
    before = LedgerTransaction.objects.count()
    response = _post(secretary_client, funded, amount="20,01")
    assert response.status_code == 400
    html = unescape(response.content.decode()).replace("\u202f", " ")
    assert "Le solde disponible est de 20,00 € : impossible de rembourser 20,01 €." in html
    assert Wallet.objects.get(pk=funded.pk).balance_cents == 2000
    assert LedgerTransaction.objects.count() == before
    assert not WalletWithdrawal.objects.exists()


@pytest.mark.parametrize(
    ("iban", "message"),
    [
        ("BE71 0961 2345 6760", "les chiffres de contrôle ne correspondent pas"),
        ("BE71 0961 2345 676", "il n'a pas le bon nombre de caractères pour ce pays"),
        ("XX71 0961 2345 6769", "le code pays (les deux lettres du début) est inconnu"),
        ("TR33 0006 1005 1978 6457 8413 26", "ce compte est hors de la zone SEPA"),
    ],
)
def test_an_invalid_iban_is_a_form_error_in_french(secretary_client, wallet, iban, message):
    funded = fund(wallet, 2000)
    response = _post(secretary_client, funded, iban=iban)
    assert response.status_code == 400
    assert f"IBAN invalide : {message}" in unescape(response.content.decode())
    assert not WalletWithdrawal.objects.exists()
    assert Wallet.objects.get(pk=funded.pk).balance_cents == 2000


def test_a_reason_and_a_positive_amount_are_required(secretary_client, wallet):
    funded = fund(wallet, 2000)
    response = _post(secretary_client, funded, reason="", amount="0")
    html = unescape(response.content.decode())
    assert response.status_code == 400
    assert "Ce champ est obligatoire." in html and "Le montant doit être positif." in html
    assert not WalletWithdrawal.objects.exists()


def _owe(wallet: Wallet, cents: int) -> None:
    """A reversal of money already spent, as the bank import books it: the wallet owes it."""
    with transaction.atomic():
        locked = locks.wallet_lock(wallet_id=wallet.pk)
        ledger_post(
            tenant=locked.tenant,
            kind=TransactionKind.REVERSAL,
            memo="contre-passation",
            by=None,
            lines=[
                LineSpec(Account.RECEIVABLE, -cents, wallet=locked),
                LineSpec(Account.BANK, cents),
            ],
        )


def test_a_wallet_in_debt_pays_nothing_back(secretary_client, secretary, wallet):
    funded = fund(wallet, 2000)
    _owe(funded, 300)
    with pytest.raises(WithdrawalInDebt):
        wallet_withdraw(
            wallet=funded,
            amount_cents=500,
            iban=PARENT_IBAN,
            holder_name="",
            reason="départ",
            by=secretary,
        )
    response = _post(secretary_client, funded, amount="5")
    assert response.status_code == 400
    assert "Ce portefeuille doit 3,00" in unescape(response.content.decode())
    assert not WalletWithdrawal.objects.exists()
    assert Wallet.objects.get(pk=funded.pk).balance_cents == 2000
    assert ledger_reconcile() == ([], [])


def test_the_service_refuses_beyond_the_balance_and_bad_ibans(secretary, wallet):
    funded = fund(wallet, 1000)
    with pytest.raises(InsufficientCredit):
        wallet_withdraw(
            wallet=funded,
            amount_cents=1001,
            iban=PARENT_IBAN,
            holder_name="",
            reason="départ",
            by=secretary,
        )
    with pytest.raises(InvalidIban):
        wallet_withdraw(
            wallet=funded, amount_cents=100, iban="BE00", holder_name="", reason="x", by=secretary
        )
    # the whole balance may go; the holder defaults to the wallet's owner
    withdrawal = wallet_withdraw(
        wallet=funded,
        amount_cents=1000,
        iban=PARENT_IBAN,
        holder_name="  ",
        reason="départ",
        by=secretary,
    )
    assert withdrawal.holder_name == "Dubois Jacqueline"
    assert Wallet.objects.get(pk=funded.pk).balance_cents == 0


def test_another_tenant_never_sees_the_wallet_nor_the_withdrawal(
    outsider_admin_client, secretary, wallet
):
    funded = fund(wallet, 2000)
    url = reverse("admin:payments_wallet_withdraw", args=[funded.pk])
    assert outsider_admin_client.get(url).status_code == 404
    payload = {
        "amount": "5",
        "iban": PARENT_IBAN,
        "holder_name": "x",
        "reason": "y",
        "key": "k" * 20,
    }
    assert outsider_admin_client.post(url, payload).status_code == 404
    assert not WalletWithdrawal.objects.exists()
    withdrawal = wallet_withdraw(
        wallet=funded,
        amount_cents=500,
        iban=PARENT_IBAN,
        holder_name="",
        reason="départ",
        by=secretary,
    )
    listing = outsider_admin_client.get(reverse("admin:payments_walletwithdrawal_changelist"))
    assert listing.status_code == 200 and "Dubois" not in listing.content.decode()
    change = reverse("admin:payments_walletwithdrawal_change", args=[withdrawal.pk])
    assert outsider_admin_client.get(change).status_code == 404


def test_one_file_carries_a_suspense_refund_and_a_withdrawal(
    tenant_a,
    secretary,
    wallet,
    waiting,  # noqa: F811
):
    funded = fund(wallet, 2000)
    suspense_refund(line=waiting[0], iban="BE62 5100 0754 7061", by=secretary)
    withdrawal = wallet_withdraw(
        wallet=funded,
        amount_cents=1250,
        iban=PARENT_IBAN,
        holder_name="Jacqueline Dubois",
        reason="départ",
        by=secretary,
    )
    exported = transfers_export(tenant=tenant_a, by=secretary)
    assert exported is not None
    assert (exported.transfers, exported.total_cents) == (2, 2500 + 1250)
    xmlschema.XMLSchema(SCHEMA).validate(exported.content)
    root = ET.fromstring(exported.content.encode())
    transfers = {
        tx.find("p:PmtId/p:EndToEndId", NS).text: tx for tx in root.iterfind(".//p:CdtTrfTxInf", NS)
    }
    assert set(transfers) == {f"CARTABLE-{waiting[0].pk}", f"CARTABLE-W{withdrawal.pk}"}
    paid_back = transfers[f"CARTABLE-W{withdrawal.pk}"]
    assert paid_back.find("p:CdtrAcct/p:Id/p:IBAN", NS).text == PARENT_IBAN
    assert paid_back.find("p:Amt/p:InstdAmt", NS).text == "12.50"
    assert paid_back.find("p:Cdtr/p:Nm", NS).text == "Jacqueline Dubois"
    assert "du portefeuille de Dubois Jacqueline" in paid_back.find("p:RmtInf/p:Ustrd", NS).text
    withdrawal.refresh_from_db()
    assert withdrawal.transfer_file == exported
    # nothing leaves twice
    assert transfers_export(tenant=tenant_a, by=secretary) is None
    assert ledger_reconcile() == ([], [])


def test_earlier_files_are_listed_and_downloaded_again(
    tenant_a, secretary, secretary_client, outsider_admin_client, wallet, waiting  # noqa: F811
):  # fmt: skip
    funded = fund(wallet, 2000)
    wallet_withdraw(
        wallet=funded, amount_cents=1250, iban=PARENT_IBAN, holder_name="", reason="x", by=secretary
    )
    # the suspense page's export button downloads it, and links to the earlier files
    suspense_page = secretary_client.get(reverse("admin:payments_bankline_changelist"))
    files_url = reverse("admin:payments_sepatransferfile_changelist")
    assert f'href="{files_url}"' in suspense_page.content.decode()
    first = secretary_client.post(reverse("admin:payments_bankline_refunds_file"))
    assert first.status_code == 200
    exported = SepaTransferFile.objects.get()
    # the list: date, number of transfers, total in euros, who made it
    listing = unescape(secretary_client.get(files_url).content.decode()).replace("\u202f", " ")
    assert "12,50 €" in listing and "Lambert Sophie" in listing
    with translation.override("fr"):
        made = date_format(timezone.localtime(exported.created_at), "j F Y H:i")
    assert made in listing and '<td class="field-transfers">1</td>' in listing
    download = reverse("admin:payments_sepatransferfile_download", args=[exported.pk])
    assert f'href="{download}"' in listing
    # the same bytes again, as XML, named after the file
    again = secretary_client.get(download)
    assert again.status_code == 200
    assert again["Content-Type"] == "application/xml; charset=utf-8"
    assert exported.message_id in again["Content-Disposition"]
    assert again.content == first.content == exported.content.encode()
    # read-only: no add, no delete
    assert secretary_client.get(reverse("admin:payments_sepatransferfile_add")).status_code == 403
    delete = reverse("admin:payments_sepatransferfile_delete", args=[exported.pk])
    assert secretary_client.post(delete, {"post": "yes"}).status_code in (403, 404)
    assert SepaTransferFile.objects.count() == 1
    # another tenant: 404, and not in its list
    assert outsider_admin_client.get(download).status_code == 404
    other = outsider_admin_client.get(files_url)
    assert other.status_code == 200 and "12,50" not in other.content.decode()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_withdrawals_and_exports_never_overdraw_nor_send_twice(
    tenant_a, secretary, parent
):
    from django.db import connection

    from tests.payments.test_concurrency import run_in_threads

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks)")
    tenant_a.iban = "BE68539007547034"
    tenant_a.save(update_fields=["iban"])
    funded = fund(parent, 1000, tenant=tenant_a)

    def withdraw():
        return wallet_withdraw(
            wallet=funded,
            amount_cents=400,
            iban=PARENT_IBAN,
            holder_name="",
            reason="départ",
            by=secretary,
        )

    # given a wallet of 10 €, when four secretaries pay 4 € back at the same moment
    results = run_in_threads([withdraw] * 4, tenant=tenant_a)
    # then two pass and two are refused: never below zero
    outcomes = sorted(type(value).__name__ for _kind, value in results)
    assert outcomes == ["InsufficientCredit", "InsufficientCredit"] + ["WalletWithdrawal"] * 2
    assert Wallet.objects.get(pk=funded.pk).balance_cents == 200
    # and two exports at once put each withdrawal in exactly one file
    exports = run_in_threads(
        [lambda: transfers_export(tenant=tenant_a, by=secretary)] * 2, tenant=tenant_a
    )
    files = [value for kind, value in exports if kind == "ok" and value is not None]
    assert len(files) == 1 and files[0].transfers == 2
    assert set(WalletWithdrawal.objects.values_list("transfer_file", flat=True)) == {files[0].pk}
    assert ledger_reconcile() == ([], [])
