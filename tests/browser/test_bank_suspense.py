"""The bank boundary in a real browser: a secretary imports a statement with two transfers that
match no wallet, assigns one to a parent (who then sees the credit) and refunds the other, which
appears in a downloaded pain.001 file that validates against its schema; she pays a wallet's
balance back to a family's account, finds it in the file, and downloads that file again later.
axe-core checks the pages."""

import os
import re

import pytest
import sepaxml
import xmlschema
from django.test import Client
from playwright.sync_api import expect

from payments.services.wallets import wallet_get_or_create
from tests.browser.test_background_jobs import logged_in
from tests.conftest import HOST_A
from tests.payments.camt import IBAN, Entry, Statement, Tx, camt
from tests.payments.conftest import fund

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCHEMA = os.path.join(os.path.dirname(sepaxml.__file__), "schemas", "pain.001.001.03.xsd")


def test_secretary_assigns_one_transfer_and_refunds_another(
    page, context, browser, tenant_url, live_server, tenant_a, secretary, parent, axe_check,
    tmp_path,
):  # fmt: skip
    tenant_a.iban, tenant_a.payments, tenant_a.creditor_name = IBAN, True, "École Alpha ASBL"
    tenant_a.save()
    wallet_get_or_create(tenant=tenant_a, owner=parent)
    statement = tmp_path / "juin.xml"
    statement.write_bytes(
        camt(
            [
                Statement(
                    [
                        Entry("25.00", txs=[Tx("25.00", e2e="A1", payer="MME DUBOIS",
                                               ustrd=("cantine Camille",))]),
                        Entry("8.00", txs=[Tx("8.00", e2e="A2", payer="M. ERREUR",
                                              payer_iban="BE71096123456769",
                                              ustrd=("mauvais compte",))]),
                    ]
                )
            ]
        )
    )  # fmt: skip
    logged_in(context, tenant_url, secretary)

    # the secretary imports the statement: both transfers go to suspense
    page.goto(tenant_url(HOST_A, "/admin/payments/bankimport/add/"))
    page.get_by_label("Relevé camt.053 (XML)").set_input_files(str(statement))
    page.get_by_role("button", name="Voir l’aperçu").click()
    expect(page.get_by_text("Communication inconnue : ira au compte d'attente (2)")).to_be_visible()
    page.get_by_role("button", name="Importer le relevé").click()
    expect(page.get_by_text("2 virements attendent le secrétariat")).to_be_visible()

    # she finds them in the bank transactions, waiting
    page.goto(tenant_url(HOST_A, "/admin/payments/bankline/?status__exact=suspense"))
    row = page.get_by_role("row").filter(has_text="MME DUBOIS")
    row.get_by_role("link", name="Attribuer ou écarter").click()
    axe_check(page)
    page.get_by_label("Rechercher un parent").fill("Dubois")
    page.get_by_role("button", name="Rechercher").click()
    page.get_by_label(re.compile("^Dubois Jacqueline")).check()
    page.get_by_role("button", name=re.compile("^Créditer 25,00")).click()
    expect(
        page.get_by_text("Virement attribué au portefeuille de Dubois Jacqueline.")
    ).to_be_visible()

    # the parent sees the credit
    parent_client = Client(HTTP_HOST=HOST_A)
    parent_client.force_login(parent)
    parent_context = browser.new_context()
    parent_context.add_cookies(
        [{"name": "sessionid", "value": parent_client.cookies["sessionid"].value,
          "url": tenant_url(HOST_A)}]
    )  # fmt: skip
    parent_page = parent_context.new_page()
    parent_page.goto(tenant_url(HOST_A, "/paiements/portefeuille/"))
    expect(parent_page.get_by_test_id("balance")).to_have_text("25,00\xa0€")
    parent_context.close()

    # the other one is refunded and leaves in a pain.001 file
    page.goto(tenant_url(HOST_A, "/admin/payments/bankline/?status__exact=suspense"))
    axe_check(page)
    page.get_by_role("row").filter(has_text="M. ERREUR").get_by_role(
        "link", name="Attribuer ou écarter"
    ).click()
    expect(page.get_by_label("IBAN du remboursement")).to_have_value("BE71096123456769")
    page.get_by_role("button", name=re.compile("^Rembourser 8,00")).click()
    expect(page.get_by_text("Remboursement enregistré")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role(
            "button", name="Télécharger les remboursements à envoyer (pain.001)"
        ).click()
    content = download.value.path().read_text(encoding="utf-8")
    xmlschema.XMLSchema(SCHEMA).validate(content)
    assert "BE71096123456769" in content and "8.00" in content


def test_secretary_pays_a_balance_back_and_downloads_the_file_again(
    page, context, browser, tenant_url, live_server, tenant_a, secretary, parent, axe_check
):
    tenant_a.iban, tenant_a.payments, tenant_a.creditor_name = IBAN, True, "École Alpha ASBL"
    tenant_a.save()
    wallet = fund(wallet_get_or_create(tenant=tenant_a, owner=parent), 3000)
    logged_in(context, tenant_url, secretary)

    # from the parent's wallet, she pays 20 € of the 30 € back to the family's account
    page.goto(tenant_url(HOST_A, f"/admin/payments/wallet/{wallet.pk}/change/"))
    page.get_by_role("link", name="Rembourser le solde sur un compte bancaire").click()
    expect(page.get_by_label("Montant à rembourser")).to_have_value("30,00")
    expect(page.get_by_label("Titulaire du compte")).to_have_value("Dubois Jacqueline")
    axe_check(page)
    page.get_by_label("Montant à rembourser").fill("20,00")
    page.get_by_label("IBAN du compte à créditer").fill("BE71 0961 2345 6760")
    page.get_by_label("Motif").fill("Départ de l'école en juin")
    page.get_by_role("button", name="Enregistrer le remboursement").click()
    expect(page.get_by_text("IBAN invalide : les chiffres de contrôle")).to_be_visible()
    axe_check(page)
    page.get_by_label("IBAN du compte à créditer").fill("BE71 0961 2345 6769")
    page.get_by_role("button", name="Enregistrer le remboursement").click()
    expect(page.get_by_text("Remboursement de 20,00 € vers BE71 0961 2345 6769")).to_be_visible()

    # the parent sees it in the wallet's history
    parent_client = Client(HTTP_HOST=HOST_A)
    parent_client.force_login(parent)
    parent_context = browser.new_context()
    parent_context.add_cookies(
        [{"name": "sessionid", "value": parent_client.cookies["sessionid"].value,
          "url": tenant_url(HOST_A)}]
    )  # fmt: skip
    parent_page = parent_context.new_page()
    parent_page.goto(tenant_url(HOST_A, "/paiements/portefeuille/"))
    expect(parent_page.get_by_test_id("balance")).to_have_text("10,00\xa0€")
    expect(
        parent_page.get_by_role("rowheader", name=re.compile("^Remboursement du solde — Virement"))
    ).to_be_visible()
    parent_context.close()

    # it leaves in the pain.001 file of the bank transactions' page
    page.goto(tenant_url(HOST_A, "/admin/payments/bankline/"))
    with page.expect_download() as download:
        page.get_by_role(
            "button", name="Télécharger les remboursements à envoyer (pain.001)"
        ).click()
    content = download.value.path().read_text(encoding="utf-8")
    xmlschema.XMLSchema(SCHEMA).validate(content)
    assert "BE71096123456769" in content and "20.00" in content

    # and can be downloaded again, the same, from the list of files already made
    page.get_by_role("link", name="Fichiers de virements déjà créés").click()
    axe_check(page)
    row = page.get_by_role("row").filter(has_text="20,00")
    with page.expect_download() as again:
        row.get_by_role("link", name="Télécharger (pain.001)").click()
    assert again.value.path().read_text(encoding="utf-8") == content
    assert again.value.suggested_filename.startswith("virements-")


def test_parent_asks_for_the_balance_and_the_secretary_records_it(
    page, context, browser, tenant_url, live_server, tenant_a, secretary, parent, axe_check
):
    tenant_a.iban, tenant_a.payments = IBAN, True
    tenant_a.save()
    fund(wallet_get_or_create(tenant=tenant_a, owner=parent), 3000)

    # the parent asks, from the wallet page, for 25 € back (a wrong IBAN first)
    parent_client = Client(HTTP_HOST=HOST_A)
    parent_client.force_login(parent)
    parent_context = browser.new_context()
    parent_context.add_cookies(
        [{"name": "sessionid", "value": parent_client.cookies["sessionid"].value,
          "url": tenant_url(HOST_A)}]
    )  # fmt: skip
    parent_page = parent_context.new_page()
    parent_page.goto(tenant_url(HOST_A, "/paiements/portefeuille/"))
    parent_page.get_by_text("Demander le remboursement de mon solde").click()
    expect(parent_page.get_by_label("Titulaire du compte")).to_have_value("Dubois Jacqueline")
    axe_check(parent_page)
    parent_page.get_by_label(re.compile(r"^Montant\W*$")).fill("25,00")
    parent_page.get_by_label("IBAN de votre compte").fill("BE71 0961 2345 6760")
    parent_page.get_by_role("button", name="Envoyer la demande").click()
    expect(parent_page.get_by_role("alert")).to_contain_text("IBAN invalide")
    axe_check(parent_page)
    parent_page.get_by_label("IBAN de votre compte").fill("BE71 0961 2345 6769")
    parent_page.get_by_role("button", name="Envoyer la demande").click()
    expect(parent_page.get_by_test_id("withdrawal-request")).to_contain_text(
        "attend le secrétariat"
    )
    expect(parent_page.get_by_test_id("balance")).to_have_text("30,00\xa0€")

    # the secretary finds it among the requests and records it, prefilled
    logged_in(context, tenant_url, secretary)
    page.goto(tenant_url(HOST_A, "/admin/payments/withdrawalrequest/"))
    axe_check(page)
    page.get_by_role("link", name="Vérifier et rembourser ou refuser").click()
    expect(page.get_by_label("Montant à rembourser")).to_have_value("25,00")
    expect(page.get_by_label("IBAN du compte à créditer")).to_have_value("BE71 0961 2345 6769")
    axe_check(page)
    page.get_by_role("button", name="Enregistrer le remboursement").click()
    expect(page.get_by_text("Remboursement de 25,00 € vers BE71 0961 2345 6769")).to_be_visible()

    # the parent sees it done, the money gone from the wallet
    parent_page.reload()
    expect(parent_page.get_by_test_id("withdrawal-request")).to_contain_text("est traitée")
    expect(parent_page.get_by_test_id("balance")).to_have_text("5,00\xa0€")
    parent_context.close()
