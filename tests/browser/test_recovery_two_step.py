"""Microsoft 365-style recovery in a real browser: "Votre compte n'est pas accessible ?" →
address → SMS to the full number → code → secondary e-mail → code → new password with the live
strength meter → done → login. Codes are read where a person would read them: the dev inbox,
open in a second tab (the "phone"). axe-core runs on every page of the flow."""

import re

import pytest
from playwright.sync_api import expect

from outbox.models import Channel, Message
from recovery.codes import PhoneDevice, SecondaryEmailDevice
from tests.factories import SchoolFactory, TenantFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOST = "m365.localhost"
LOGIN = "/accounts/login/"
NUMBER = "+32470123467"
SECONDARY = "pmartin@charleroi.be"
NEW_PASSWORD = "Soleil-Couchant-2024!"
CODE_RE = re.compile(r"\b(\d{6})\b")


@pytest.fixture
def m365(db):
    return TenantFactory(
        slug="m365", display_name="École de Charleroi", two_step_reset=True,
        identifier_reset=False, password_rules="m365", two_step_methods_required=2,
        primary_colour="#123456",
    )  # fmt: skip


@pytest.fixture
def teacher(m365):
    school = SchoolFactory(tenant=m365, name="Athénée de Charleroi", code="ATH1")
    user = UserFactory(
        tenant=m365, identifier="pierre.martin", first_name="Pierre", last_name="Martin",
        email="pierre.martin@m365.localhost", is_school_staff=True, schools=[school],
    )  # fmt: skip
    PhoneDevice.objects.create(user=user, name="phone", number=NUMBER, confirmed=True)
    SecondaryEmailDevice.objects.create(user=user, name="email", email=SECONDARY, confirmed=True)
    return user


def _code_from_inbox(phone, tenant_url, *, to: str) -> str:
    """Opens the newest message to `to` in the dev inbox and reads the 6-digit code in it."""
    message = Message.objects.filter(to=to).order_by("-created_at", "-id").first()
    assert message is not None, f"nothing was sent to {to}"
    phone.goto(tenant_url(HOST, "/dev-inbox/"))
    row = phone.locator("tbody tr", has_text=to).first
    row.get_by_role("link").click()
    expect(phone).to_have_url(re.compile(rf"/dev-inbox/{message.pk}/$"))
    body = phone.locator(".message-body").inner_text()
    code = CODE_RE.search(body).group(1)
    assert code in message.body_text
    return code


def _login(page, identifier: str, password: str) -> None:
    page.get_by_label("Identifiant").fill(identifier)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Connexion").click()


def test_teacher_recovers_her_account_with_two_methods(
    page, context, tenant_url, teacher, axe_check
):
    phone = context.new_page()

    # given the login page
    page.goto(tenant_url(HOST, LOGIN))
    axe_check(page)
    # when she follows "Votre compte n'est pas accessible ?" and gives her address
    page.get_by_role("link", name="Votre compte n'est pas accessible ?").click()
    expect(page).to_have_url(re.compile(r"/compte-inaccessible/$"))
    axe_check(page)
    page.get_by_label("Adresse e-mail ou identifiant du compte").fill(teacher.email)
    page.get_by_role("button", name="Suivant").click()

    # then she chooses the first method among her masked ones
    expect(page).to_have_url(re.compile(r"/compte-inaccessible/verification/$"))
    steps = page.get_by_role("navigation", name="Étapes")
    expect(steps.locator("[aria-current=step]")).to_contain_text("étape de vérification 1")
    expect(page.get_by_role("radio")).to_have_count(3)
    expect(page.get_by_text("p*****@charleroi.be")).to_be_visible()
    axe_check(page)
    page.get_by_role("radio", name=re.compile(r"Envoyer un SMS .*\*\*\*\*\*67")).check()
    page.get_by_label("Numéro de téléphone mobile complet").fill("0470 12 34 67")
    page.get_by_role("button", name="Envoyer le code").click()

    # and types the code of the SMS
    expect(page).to_have_url(re.compile(r"/compte-inaccessible/verification/code/$"))
    expect(page.get_by_role("status")).to_contain_text("SMS")
    axe_check(page)
    sms = Message.objects.get(to=NUMBER)
    assert sms.channel == Channel.SMS
    page.get_by_label("Code de vérification").fill(_code_from_inbox(phone, tenant_url, to=NUMBER))
    page.get_by_role("button", name="Suivant").click()

    # then step 1 is ticked, and only the e-mail is left for step 2
    expect(page).to_have_url(re.compile(r"/compte-inaccessible/verification/$"))
    expect(steps.locator("li").first).to_have_class(re.compile(r"\bstep-done\b"))
    expect(steps.locator("li").first).to_contain_text("étape de vérification 1 ✓")
    expect(steps.locator("[aria-current=step]")).to_contain_text("étape de vérification 2")
    expect(page.get_by_role("group")).to_contain_text("deuxième méthode")
    expect(page.get_by_role("radio")).to_have_count(1)
    axe_check(page)
    page.get_by_role("radio", name=re.compile(r"courrier électronique")).check()
    page.get_by_label("Adresse de messagerie secondaire complète").fill(SECONDARY)
    page.get_by_role("button", name="Envoyer le code").click()

    # and types the code of the mail to her secondary address
    expect(page).to_have_url(re.compile(r"/compte-inaccessible/verification/code/$"))
    expect(page.get_by_role("status")).to_contain_text("courrier électronique")
    axe_check(page)
    code = _code_from_inbox(phone, tenant_url, to=SECONDARY)
    page.get_by_label("Code de vérification").fill(code)
    page.get_by_role("button", name="Suivant").click()

    # then she may choose a new password; the strength meter follows her typing
    expect(page).to_have_url(re.compile(r"/compte-inaccessible/nouveau-mot-de-passe/$"))
    expect(steps.locator("li.step-done")).to_have_count(2)
    axe_check(page)
    meter = page.locator("#strength-meter")
    label = page.locator("#strength-label")
    expect(label).to_have_text("—")
    password1 = page.get_by_label("Saisissez le nouveau mot de passe")
    password1.press_sequentially("soleil")
    expect(label).to_have_text("très faible")
    assert meter.evaluate("m => m.value") == 0
    password1.press_sequentially("-C")
    expect(label).to_have_text("moyen")
    password1.press_sequentially("ouchant-2024!")
    expect(label).to_have_text("très fort")
    assert meter.evaluate("m => m.value") == 4
    expect(page.locator("li[data-rule='classes']")).to_have_class(re.compile(r"\brule-ok\b"))
    expect(page.locator("li[data-rule='no_name']")).to_have_class(re.compile(r"\brule-ok\b"))
    axe_check(page)
    password1.fill(NEW_PASSWORD)
    page.get_by_label("Confirmez le nouveau mot de passe").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Terminer").click()

    # then it is done
    expect(page).to_have_url(re.compile(r"/compte-inaccessible/termine/$"))
    expect(page.get_by_role("status")).to_contain_text("Votre mot de passe a été réinitialisé")
    axe_check(page)

    # and the new password logs her in
    page.get_by_role("link", name="cliquez ici").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    _login(page, teacher.identifier, NEW_PASSWORD)
    expect(page).to_have_url(re.compile(r"/profil/$"))
    expect(page.locator("dl.facts")).to_contain_text(teacher.identifier)


def test_wrong_full_number_is_refused_in_place(page, tenant_url, teacher, axe_check):
    page.goto(tenant_url(HOST, "/compte-inaccessible/"))
    page.get_by_label("Adresse e-mail ou identifiant du compte").fill(teacher.identifier)
    page.get_by_role("button", name="Suivant").click()
    page.get_by_role("radio", name=re.compile(r"Envoyer un SMS")).check()
    page.get_by_label("Numéro de téléphone mobile complet").fill("0470 00 00 67")
    page.get_by_role("button", name="Envoyer le code").click()
    expect(page).to_have_url(re.compile(r"/compte-inaccessible/verification/$"))
    expect(page.get_by_role("alert")).to_contain_text("ne correspond pas")
    assert not Message.objects.filter(to=NUMBER).exists()
    axe_check(page)
