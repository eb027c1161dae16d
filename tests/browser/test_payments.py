"""A demo parent pays and declines in a real browser: the CREOS seed's invitations, confirmation
pages, the new balance, the receipt PDF; every page passes axe-core."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOST = "creos.localhost"


@pytest.fixture
def demo(settings, tmp_path):
    """The demo tenants and people, with the payments seed (wallet 20,00 €)."""
    from django.utils.functional import empty

    from demo.seed import DEMO_PASSWORD, seed_demo
    from payments.models import private_storage

    settings.MEDIA_ROOT = tmp_path / "media"
    private_storage._wrapped = empty
    seed_demo()
    yield DEMO_PASSWORD
    private_storage._wrapped = empty


def _row(page, title: str, child: str):
    return page.get_by_role("row").filter(has_text=title).filter(has_text=child)


def test_demo_parent_pays_declines_and_downloads_the_receipt(
    page, tenant_url, demo, axe_check, tmp_path
):
    # given Jacqueline Dubois logged in at CREOS
    page.goto(tenant_url(HOST, "/accounts/login/"))
    page.get_by_label("Identifiant").fill("jacqueline.dubois")
    page.get_by_label("Mot de passe").fill(demo)
    page.get_by_role("button", name="Connexion").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon profil")

    # when she opens "Mes invitations" from the menu
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Mes invitations"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes invitations")
    expect(page.get_by_test_id("balance")).to_have_text("20,00 €")
    museum = _row(page, "Musée du jouet", "Muller Camille")
    expect(museum).to_contain_text("5,00 €")
    # the mandatory museum visit has no decline button
    expect(museum.get_by_role("link", name=re.compile("^Décliner"))).to_have_count(0)
    axe_check(page)

    # and pays the museum visit after the confirmation
    museum.get_by_role("link", name=re.compile("^Payer")).click()
    expect(page.get_by_text("Êtes-vous sûr de vouloir payer cette invitation ?")).to_be_visible()
    axe_check(page)
    page.get_by_role("button", name="Payer").click()
    expect(page.get_by_role("status")).to_contain_text("Paiement effectué")
    expect(page.get_by_test_id("balance")).to_have_text("15,00 €")
    expect(_row(page, "Musée du jouet", "Muller Camille")).to_have_count(0)

    # and declines the optional handball for Camille
    handball = _row(page, "Activité handball temps de midi", "Muller Camille")
    handball.get_by_role("link", name=re.compile("^Décliner")).click()
    expect(page.get_by_text("Êtes-vous sûr de vouloir décliner cette invitation ?")).to_be_visible()
    axe_check(page)
    page.get_by_role("button", name="Décliner").click()
    expect(page.get_by_role("status")).to_contain_text("Invitation déclinée")
    expect(_row(page, "Activité handball temps de midi", "Muller Camille")).to_have_count(0)
    expect(_row(page, "Activité handball temps de midi", "Muller Nolan")).to_have_count(1)

    # then her wallet shows the new balance and the payment in its history
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Mon portefeuille"
    ).click()
    expect(page.get_by_test_id("balance")).to_have_text("15,00 €")
    expect(page.get_by_test_id("communication")).to_have_text(
        re.compile(r"^\+\+\+\d{3}/\d{4}/\d{5}\+\+\+$")
    )
    history = page.locator("table.wallet-history")
    expect(history).to_contain_text("Musée du jouet")
    expect(history).to_contain_text("-5,00 €")
    axe_check(page)

    # and she downloads the receipt of the museum payment
    with page.expect_download() as download_info:
        history.get_by_role("row").filter(has_text="Musée du jouet").get_by_role(
            "link", name=re.compile("^Reçu")
        ).click()
    download = download_info.value
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")
    import subprocess

    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Musée du jouet" in text and "5,00 €" in text

    # the history of invitations lists both answers, and the calendar passes axe-core too
    page.get_by_role("link", name="Historique des invitations").click()
    expect(page.locator("table")).to_contain_text("Payée")
    expect(page.locator("table")).to_contain_text("Déclinée")
    axe_check(page)
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Mon calendrier"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon calendrier")
    axe_check(page)


@pytest.fixture
def short_of_credit(demo):
    """Both handball invitations paid (16,00 €): 4,00 € left, the museum needs 5,00 €."""
    from payments.models import Invitation
    from payments.services.invitations import invitation_pay

    for invitation in Invitation.objects.filter(
        debtor__identifier="jacqueline.dubois", activity__title__startswith="Activité"
    ):
        invitation_pay(
            invitation=invitation, by=None, idempotency_key=f"browser-test-{invitation.pk:08d}"
        )
    return demo


def test_not_enough_credit_is_explained(page, tenant_url, short_of_credit, axe_check):
    page.goto(tenant_url(HOST, "/accounts/login/"))
    page.get_by_label("Identifiant").fill("jacqueline.dubois")
    page.get_by_label("Mot de passe").fill(short_of_credit)
    page.get_by_role("button", name="Connexion").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon profil")
    page.goto(tenant_url(HOST, "/paiements/invitations/"))
    expect(page.get_by_test_id("balance")).to_have_text("4,00 €")
    museum = _row(page, "Musée du jouet", "Muller Camille")
    # the list says it before any click: no « Payer », the missing amount and a way to top up
    expect(museum).to_contain_text("Crédit insuffisant : il manque 1,00 €.")
    expect(museum.get_by_role("link", name=re.compile("^Payer"))).to_have_count(0)
    expect(
        museum.get_by_role("link", name=re.compile("^Recharger mon portefeuille"))
    ).to_be_visible()
    axe_check(page)
    # and the server still refuses the payment when the confirmation page is reached all the same
    from payments.models import Invitation

    museum_pk = Invitation.objects.get(
        debtor__identifier="jacqueline.dubois", activity__title="Musée du jouet"
    ).pk
    page.goto(tenant_url(HOST, f"/paiements/invitations/{museum_pk}/payer/"))
    page.get_by_role("button", name="Payer").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Crédit insuffisant")
    expect(alert).to_contain_text("il manque 1,00 €")
    expect(
        alert.get_by_role("link", name="Recharger mon portefeuille par virement")
    ).to_be_visible()
    axe_check(page)
