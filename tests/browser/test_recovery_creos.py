"""CREOS "Mot de passe oublié" in a real browser: login page → request by identifier → the mail
in the dev inbox → the link (its secret leaves the address bar) → e-mail + new password with the
live rules checklist → done page that returns to the login page by itself → login works.
axe-core runs on every page of the flow."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from outbox.models import Message
from tests.conftest import HOST_A

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LOGIN = "/accounts/login/"
NEW_PASSWORD = "Nouveau-Secret-42"


@pytest.fixture
def creos(tenant_a, live_server, settings):
    """Tenant A with the CREOS rules; mailed links point at the live server."""
    settings.PUBLIC_SCHEME = "http"
    settings.PUBLIC_PORT = str(urlsplit(live_server.url).port)
    tenant_a.identifier_reset = True
    tenant_a.password_rules = "creos"
    tenant_a.save()
    return tenant_a


def _login(page, identifier: str, password: str) -> None:
    page.get_by_label("Identifiant").fill(identifier)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Connexion").click()


def test_parent_resets_her_forgotten_password_through_the_mailed_link(
    page, tenant_url, creos, parent, axe_check
):
    # given Jacqueline at her tenant's login page
    page.goto(tenant_url(HOST_A, LOGIN))
    axe_check(page)
    # when she follows "Mot de passe oublié"
    page.get_by_role("link", name="Mot de passe oublié", exact=True).click()
    expect(page).to_have_url(re.compile(r"/mot-de-passe-oublie/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Mot de passe oublié")
    axe_check(page)

    # and asks for a link by identifier
    page.get_by_role("radio", name="Nom d'utilisateur", exact=True).check()
    page.get_by_label("Nom d'utilisateur ou adresse e-mail").fill(parent.identifier)
    page.get_by_role("button", name="Valider").click()

    # then she is told to check her mail
    expect(page).to_have_url(re.compile(r"/mot-de-passe-oublie/envoye/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Vérifiez vos e-mails")
    axe_check(page)

    # and the mail is in the (demo) inbox, addressed to her
    message = Message.objects.get(to=parent.email, template="recovery/identifier/email/reset_link")
    assert "/mot-de-passe-oublie/lien/" in message.body_text
    page.goto(tenant_url(HOST_A, "/dev-inbox/"))
    page.get_by_role("link", name=message.subject).click()
    expect(page.locator(".message-body")).to_contain_text(parent.identifier)

    # when she opens the link
    page.locator(".message-body a[href*='/mot-de-passe-oublie/lien/']").click()

    # then the reset form shows, and the secret is no longer in the address bar
    expect(page).to_have_url(re.compile(r"/mot-de-passe-oublie/nouveau/$"))
    assert "/lien/" not in page.url
    expect(page.get_by_role("heading", level=1)).to_have_text("Réinitialiser le mot de passe")
    axe_check(page)

    # when she types her address and a new password, the checklist ticks the rules as she types
    page.get_by_label("E-mail").fill(parent.email)
    password1 = page.get_by_label(re.compile(r"^Mot de passe\s*:?$"))
    digit_rule = page.locator("li[data-rule='digit']")
    expect(digit_rule).not_to_have_class(re.compile(r"\brule-ok\b"))
    password1.press_sequentially("Nouveau-")
    expect(page.locator("li[data-rule='upper']")).to_have_class(re.compile(r"\brule-ok\b"))
    expect(digit_rule).not_to_have_class(re.compile(r"\brule-ok\b"))
    password1.press_sequentially("Secret-42")
    expect(digit_rule).to_have_class(re.compile(r"\brule-ok\b"))
    expect(page.locator("li.rule")).to_have_count(4)
    expect(page.locator("li.rule.rule-ok")).to_have_count(4)
    axe_check(page)
    page.get_by_label("Confirmer mot de passe").fill(NEW_PASSWORD)
    page.clock.install()  # the done page's countdown runs on a clock the test moves
    page.get_by_role("button", name="Réinitialiser").click()

    # then she is told it is done
    expect(page).to_have_url(re.compile(r"/mot-de-passe-oublie/termine/$"))
    expect(page.get_by_role("status")).to_contain_text("Votre mot de passe a été réinitialisé")
    axe_check(page)

    # and she is returned to the login page after about 5 s, without clicking anything
    page.clock.fast_forward("00:05")
    expect(page).to_have_url(re.compile(r"/accounts/login/$"), timeout=3_000)
    axe_check(page)

    # where her new password works
    _login(page, parent.identifier, NEW_PASSWORD)
    expect(page).to_have_url(re.compile(r"/profil/$"))
    expect(page.locator("dl.facts")).to_contain_text(parent.identifier)


def test_done_page_redirect_can_be_stopped(page, tenant_url, creos):
    # given the done page
    page.clock.install()
    page.goto(tenant_url(HOST_A, "/mot-de-passe-oublie/termine/"))
    # when "Rester sur cette page" is pressed
    page.get_by_role("button", name="Rester sur cette page").click()
    # then nothing moves after the 5 s (a redirect would have begun by now: give it 1 s to land)
    page.clock.fast_forward("00:06")
    page.wait_for_timeout(1_000)
    expect(page).to_have_url(re.compile(r"/mot-de-passe-oublie/termine/$"))


def test_reset_form_errors_are_shown_accessibly_and_the_link_still_works(
    page, tenant_url, creos, parent, axe_check
):
    # given the reset form, reached through a mailed link
    page.goto(tenant_url(HOST_A, "/mot-de-passe-oublie/"))
    page.get_by_label("Nom d'utilisateur ou adresse e-mail").fill(parent.identifier)
    page.get_by_role("button", name="Valider").click()
    expect(page).to_have_url(re.compile(r"/mot-de-passe-oublie/envoye/$"))
    body = Message.objects.get(to=parent.email).body_text
    link = re.search(r"https?://\S+/mot-de-passe-oublie/lien/\S+/", body).group(0)
    page.goto(link)
    expect(page).to_have_url(re.compile(r"/mot-de-passe-oublie/nouveau/$"))

    # when another address and a password breaking the rules are sent
    page.get_by_label("E-mail").fill("quelquun@example.org")
    page.get_by_label(re.compile(r"^Mot de passe\s*:?$")).fill("motdepasse")
    page.get_by_label("Confirmer mot de passe").fill("motdepasse")
    page.get_by_role("button", name="Réinitialiser").click()

    # then both are explained, on the same (still valid) form
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("n'est pas celle de ce compte")
    expect(page.locator("#id_email_error")).to_be_visible()
    password_errors = page.locator(".field-error[id^='id_password1_error']")
    expect(password_errors.first).to_be_visible()
    assert password_errors.count() >= 3  # no digit, no capital, no special character
    ids = page.locator("[id]").evaluate_all("els => els.map(e => e.id)")
    assert len(ids) == len(set(ids)), "duplicate ids"
    expect(page).to_have_url(re.compile(r"/mot-de-passe-oublie/nouveau/$"))
    axe_check(page)

    # and the corrected form goes through
    page.get_by_label("E-mail").fill(parent.email)
    page.get_by_label(re.compile(r"^Mot de passe\s*:?$")).fill(NEW_PASSWORD)
    page.get_by_label("Confirmer mot de passe").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Réinitialiser").click()
    expect(page).to_have_url(re.compile(r"/mot-de-passe-oublie/termine/$"))

    # and the link, once used, is dead
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Réinitialiser le mot de passe")
    axe_check(page)
