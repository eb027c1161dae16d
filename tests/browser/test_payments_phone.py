"""Issue 13: a parent pays from a phone. The demo parent's payment pages at a phone's (390×844)
and a desktop's (1280×800) size, in French and in English: nothing scrolls sideways, every action
button lies inside the viewport, axe-core finds nothing, a screenshot of each page; an English
page keeps no French word but the data (names, activity titles); at 320px nothing scrolls
sideways either. « Payer » on an invitation the balance cannot cover is replaced, before any
click, by the missing amount and a way to top up; the server's refusal stays."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser import test_payments as seeded
from tests.browser.conftest import french_left_on_page

# The demo seed's fixtures, shared with test_payments.py.
demo = seeded.demo
short_of_credit = seeded.short_of_credit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOST = "creos.localhost"
README = Path(__file__).resolve().parents[2] / "README.md"
README_REFERENCE = re.search(
    r"structured reference\s+`(\+\+\+\d{3}/\d{4}/\d{5}\+\+\+)`", README.read_text(encoding="utf-8")
).group(1)
MUSEUM, HANDBALL = "Musée du jouet", "Activité handball temps de midi"

# What the parent reads and clicks, in each language of the portal.
UI = {
    "fr": {
        "pay": "Payer",
        "decline": "Décliner",
        "paid": "Paiement effectué",
        "declined": "Invitation déclinée",
        "sure_pay": "Êtes-vous sûr de vouloir payer cette invitation ?",
        "sure_decline": "Êtes-vous sûr de vouloir décliner cette invitation ?",
        "history": "Historique des invitations",
        "wallet": "Mon portefeuille",
        "calendar": "Mon calendrier",
        "qr_amount": "Montant du virement (facultatif)",
        "qr_update": "Mettre à jour le code QR",
        "withdraw": "Demander le remboursement de mon solde sur mon compte bancaire",
        "iban": "IBAN de votre compte",
        "send": "Envoyer la demande",
        "top_up": "Recharger mon portefeuille",
        "short": "Crédit insuffisant : il manque 1,00 €.",
        "museum_amount": "5,00 €",
        "balance_after": "15,00 €",
        "refused": "Crédit insuffisant",
    },
    "en": {
        "pay": "Pay",
        "decline": "Decline",
        "paid": "Payment made",
        "declined": "Payment request declined",
        "sure_pay": "Are you sure you want to pay this payment request?",
        "sure_decline": "Are you sure you want to decline this payment request?",
        "history": "Payment request history",
        "wallet": "My wallet",
        "calendar": "My calendar",
        "qr_amount": "Transfer amount (optional)",
        "qr_update": "Update the QR code",
        "withdraw": "Ask for my balance to be paid back to my bank account",
        "iban": "Your account's IBAN",
        "send": "Send the request",
        "top_up": "Top up my wallet",
        "short": "Insufficient credit: €1.00 missing.",
        "museum_amount": "€5.00",
        "balance_after": "€15.00",
        "refused": "Insufficient credit",
    },
}

# Data, not interface: the people's, the schools' and the activities' names, the bank memo of the
# seed's transfer, the tenant's own support text (typed by its administrator, in French).
DATA_WORDS = frozenset(
    {"muller", "camille", "nolan", "dubois", "jacqueline", "creos", "virement"}
    | {"musée", "jouet", "activité", "handball", "temps", "midi", "photo", "classe"}
)


def _login(page, tenant_url, password: str) -> None:
    page.goto(tenant_url(HOST, "/accounts/login/"))
    page.locator("input[name=login]").fill("jacqueline.dubois")
    page.locator("input[name=password]").fill(password)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url(re.compile(r"/profil/"))


def _card(page, title: str, child: str):
    """One invitation of « Mes invitations »: a card on a phone, a row on a desktop."""
    return page.locator("table.invitations tbody tr").filter(has_text=title).filter(has_text=child)


def _no_french(page, french_words, language: str) -> None:
    if language == "en":
        support = page.locator(".site-footer .support")
        allow = set(DATA_WORDS)
        if support.count():
            allow |= set(re.findall(r"[a-zàâäçéèêëîïôöùûüÿœæ]{4,}", support.inner_text().lower()))
        left = french_left_on_page(page, french_words, frozenset(allow))
        assert not left, f"French words left on the English page {page.url}: {left}"


def _check(page, check_layout, french_words, language: str, name: str) -> None:
    check_layout(page, f"pay-{name}-{language}")
    _no_french(page, french_words, language)


@pytest.mark.parametrize("ui_locale", ["fr-BE", "en-GB"])
def test_parent_pays_declines_tops_up_and_reads_her_history_on_any_screen(
    sized_page,
    ui_locale,
    tenant_url,
    demo,
    check_layout,
    french_words,
):
    page, language = sized_page, ui_locale[:2]
    ui = UI[language]
    _login(page, tenant_url, demo)

    # « Mes invitations »: one card (or row) per invitation, every action within reach
    page.goto(tenant_url(HOST, "/paiements/invitations/"))
    museum = _card(page, MUSEUM, "Muller Camille")
    expect(museum).to_contain_text(ui["museum_amount"])
    expect(museum.get_by_role("link", name=re.compile(f"^{ui['decline']}"))).to_have_count(0)
    _check(page, check_layout, french_words, language, "invitations")

    # she pays the museum visit after the confirmation
    museum.get_by_role("link", name=re.compile(f"^{ui['pay']}")).click()
    expect(page.get_by_text(ui["sure_pay"])).to_be_visible()
    _check(page, check_layout, french_words, language, "confirm-pay")
    page.get_by_role("button", name=ui["pay"], exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(ui["paid"])
    expect(page.get_by_test_id("balance")).to_have_text(ui["balance_after"])
    expect(_card(page, MUSEUM, "Muller Camille")).to_have_count(0)

    # and declines the optional handball for Camille
    handball = _card(page, HANDBALL, "Muller Camille")
    handball.get_by_role("link", name=re.compile(f"^{ui['decline']}")).click()
    expect(page.get_by_text(ui["sure_decline"])).to_be_visible()
    _check(page, check_layout, french_words, language, "confirm-decline")
    page.get_by_role("button", name=ui["decline"], exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(ui["declined"])
    expect(_card(page, HANDBALL, "Muller Camille")).to_have_count(0)
    expect(_card(page, HANDBALL, "Muller Nolan")).to_have_count(1)

    # the history lists both answers, with the receipt and the programme within reach
    page.get_by_role("link", name=ui["history"]).first.click()
    history = page.locator("table.history tbody tr")
    expect(history.filter(has_text=MUSEUM)).to_have_count(1)
    expect(history.filter(has_text=HANDBALL)).to_have_count(1)
    _check(page, check_layout, french_words, language, "history")

    # the wallet: the top-up instructions with the amount she chose in the QR code
    page.get_by_role("navigation", name=re.compile(".")).get_by_role(
        "link", name=ui["wallet"]
    ).first.click()
    expect(page.get_by_test_id("balance")).to_have_text(ui["balance_after"])
    page.get_by_label(ui["qr_amount"]).fill("12,50" if language == "fr" else "12.50")
    page.get_by_role("button", name=ui["qr_update"]).click()
    # the structured communication is the README's example: the demo wallet's
    expect(page.get_by_test_id("communication")).to_have_text(README_REFERENCE)
    expect(page.locator(".wallet-history tbody tr").filter(has_text=MUSEUM)).to_have_count(1)
    _check(page, check_layout, french_words, language, "wallet")

    # the withdrawal request: a wrong IBAN is refused with its message, on a page that fits
    page.get_by_text(ui["withdraw"]).click()
    page.get_by_label(ui["iban"]).fill("BE00 0000")
    page.get_by_role("button", name=ui["send"]).click()
    expect(page.locator(".field-error, .error-summary").first).to_be_visible()
    _check(page, check_layout, french_words, language, "withdrawal-request")

    # and the calendar
    page.goto(tenant_url(HOST, "/paiements/calendrier/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(ui["calendar"])
    _check(page, check_layout, french_words, language, "calendar")


@pytest.mark.parametrize("ui_locale", ["fr-BE", "en-GB"])
def test_pay_is_replaced_by_the_missing_amount_before_the_click(
    sized_page,
    ui_locale,
    tenant_url,
    short_of_credit,
    check_layout,
    french_words,
):
    page, language = sized_page, ui_locale[:2]
    ui = UI[language]
    # given Jacqueline with 4,00 € and the museum visit at 5,00 €
    _login(page, tenant_url, short_of_credit)
    page.goto(tenant_url(HOST, "/paiements/invitations/"))
    museum = _card(page, MUSEUM, "Muller Camille")
    # then the museum card says what is missing instead of offering « Payer »
    expect(museum).to_contain_text(ui["short"])
    expect(museum.get_by_role("link", name=re.compile(f"^{ui['pay']}"))).to_have_count(0)
    top_up = museum.get_by_role("link", name=re.compile(f"^{ui['top_up']}"))
    expect(top_up).to_be_visible()
    _check(page, check_layout, french_words, language, "credit-short")
    # and its link opens the wallet with the missing amount in the QR code
    top_up.click()
    expect(page).to_have_url(re.compile(r"/paiements/portefeuille/\?montant=1\.00$"))
    expect(page.get_by_label(ui["qr_amount"])).to_have_value("1.00")

    # the confirmation page, reached all the same, says it before the click too; and the server
    # still refuses a payment the balance cannot cover
    from payments.models import Invitation

    museum_pk = Invitation.objects.get(
        debtor__identifier="jacqueline.dubois", activity__title=MUSEUM
    ).pk
    page.goto(tenant_url(HOST, f"/paiements/invitations/{museum_pk}/payer/"))
    expect(page.locator(".confirm-short")).to_contain_text(ui["short"])
    page.get_by_role("button", name=ui["pay"], exact=True).click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text(ui["refused"])
    expect(alert.get_by_role("link").first).to_be_visible()
    _check(page, check_layout, french_words, language, "confirm-refused")


@pytest.mark.parametrize("viewport_name", ["phone"])
def test_nothing_scrolls_sideways_at_320px_nor_on_a_tablet(
    sized_page, tenant_url, demo, check_layout
):
    page = sized_page
    _login(page, tenant_url, demo)
    pages = {
        "invitations": "/paiements/invitations/",
        "history": "/paiements/invitations/historique/",
        "wallet": "/paiements/portefeuille/",
        "calendar": "/paiements/calendrier/",
    }
    # the smallest phones still sold: every check of the issue
    page.set_viewport_size({"width": 320, "height": 640})
    for name, path in pages.items():
        page.goto(tenant_url(HOST, path))
        check_layout(page, f"pay-{name}-fr")
    # between a phone and a desktop (cards side by side, or the table from 72rem)
    for width in (768, 1024, 1152):
        page.set_viewport_size({"width": width, "height": 800})
        for path in pages.values():
            page.goto(tenant_url(HOST, path))
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            assert scroll_width <= width, f"{path} is {scroll_width}px wide at {width}px"
