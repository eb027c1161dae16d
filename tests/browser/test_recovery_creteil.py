"""Académie de Créteil in a real browser: "Retrouver mon identifiant" (surname + NUMEN behind a
captcha), then the two-step reset (captcha, then identifier + NUMEN + new password), the done
page, and a login with the new password. The captcha is solved from the test side (its answer is
in CaptchaStore); "Autre code" swaps the image and the hidden key without a reload.
axe-core runs on every page of the flow."""

import re

import pytest
from captcha.models import CaptchaStore
from playwright.sync_api import expect

from accounts.numen import numen_hash
from tests.factories import SchoolFactory, TenantFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOST = "creteil.localhost"
LOGIN = "/accounts/login/"
NUMEN = "05E0512345ABC"
NEW_PASSWORD = "Nouveau-Secret-42"


@pytest.fixture
def academy(db):
    return TenantFactory(
        slug="creteil", display_name="Académie de Créteil", numen_lookup=True,
        identifier_reset=False, primary_colour="#123456",
    )  # fmt: skip


@pytest.fixture
def teacher(academy):
    school = SchoolFactory(tenant=academy, name="Lycée Voltaire", code="VOLT1")
    user = UserFactory(
        tenant=academy, identifier="jdalembert", first_name="Jean",
        last_name="D'Alembert Dupont", is_school_staff=True, schools=[school],
    )  # fmt: skip
    user.numen_hash = numen_hash(tenant_id=academy.id, numen=NUMEN)
    user.save(update_fields=["numen_hash"])
    return user


def _captcha_key(page) -> str:
    return page.locator("input[type=hidden][name=captcha_0]").input_value()


def _solve_captcha(page) -> None:
    """Types the answer of the captcha the page shows (read from the server's store)."""
    answer = CaptchaStore.objects.get(hashkey=_captcha_key(page)).response
    page.get_by_label("Saisir le code affiché").fill(answer.upper())


def _login(page, identifier: str, password: str) -> None:
    page.get_by_label("Identifiant").fill(identifier)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Connexion").click()


def test_staff_member_finds_her_identifier_then_resets_her_password(
    page, tenant_url, teacher, axe_check
):
    # given the Académie's login page, which offers both recovery links
    page.goto(tenant_url(HOST, LOGIN))
    axe_check(page)
    expect(page.get_by_role("link", name="Mot de passe oublié")).to_have_count(1)

    # when she follows "Retrouver mon identifiant"
    page.get_by_role("link", name="Retrouver mon identifiant").click()
    expect(page).to_have_url(re.compile(r"/identifiant/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Retrouver votre identifiant")
    axe_check(page)

    # and types her surname with a typographic apostrophe and a hyphen, her NUMEN with spaces
    page.get_by_label("Votre nom").fill("d’alembert-dupont")
    page.get_by_label("Votre NUMEN").fill("05e 0512345 abc")
    _solve_captcha(page)
    page.get_by_role("button", name="Valider").click()

    # then her identifier is shown
    expect(page.get_by_role("heading", level=1)).to_have_text("Votre identifiant")
    expect(page.locator("#found-identifier")).to_have_text(teacher.identifier)
    axe_check(page)

    # when she goes on to the login page and follows "Mot de passe oublié"
    page.get_by_role("link", name="Se connecter").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    page.get_by_role("link", name="Mot de passe oublié").click()

    # then step 1 asks for a captcha
    expect(page).to_have_url(re.compile(r"/identifiant/mot-de-passe/$"))
    expect(page.locator(".steps")).to_have_text("Étape 1/2")
    axe_check(page)
    _solve_captcha(page)
    page.get_by_role("button", name="Continuer").click()

    # and step 2 for her identifier, NUMEN and new password
    expect(page).to_have_url(re.compile(r"/identifiant/mot-de-passe/etape-2/$"))
    expect(page.locator(".steps")).to_have_text("Étape 2/2")
    axe_check(page)
    page.get_by_label("Votre identifiant").fill(teacher.identifier)
    page.get_by_label("Votre NUMEN").fill(NUMEN)
    page.get_by_label(re.compile(r"^Mot de passe\s*:?$")).fill(NEW_PASSWORD)
    expect(page.locator("li[data-rule='length']")).to_have_class(re.compile(r"\brule-ok\b"))
    page.get_by_label("Confirmer mot de passe").fill(NEW_PASSWORD)
    page.clock.install()  # the done page's countdown runs on a clock the test moves
    page.get_by_role("button", name="Réinitialiser").click()

    # then it is done
    expect(page).to_have_url(re.compile(r"/mot-de-passe-oublie/termine/$"))
    expect(page.get_by_role("status")).to_contain_text("Votre mot de passe a été réinitialisé")
    axe_check(page)

    # and back at the login page (on its own, after about 5 s) the new password works
    page.clock.fast_forward("00:05")
    expect(page).to_have_url(re.compile(r"/accounts/login/$"), timeout=3_000)
    _login(page, teacher.identifier, NEW_PASSWORD)
    expect(page).to_have_url(re.compile(r"/profil/$"))
    expect(page.locator("dl.facts")).to_contain_text(teacher.identifier)


def test_wrong_surname_is_refused_with_a_new_captcha(page, tenant_url, teacher, axe_check):
    page.goto(tenant_url(HOST, "/identifiant/"))
    first_key = _captcha_key(page)
    page.get_by_label("Votre nom").fill("Martin")
    page.get_by_label("Votre NUMEN").fill(NUMEN)
    _solve_captcha(page)
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_role("alert").first).to_contain_text("Aucun compte ne correspond")
    expect(page.locator("#found-identifier")).to_have_count(0)
    assert _captcha_key(page) != first_key
    axe_check(page)


def test_wrong_captcha_answer_is_explained_accessibly(page, tenant_url, teacher, axe_check):
    page.goto(tenant_url(HOST, "/identifiant/mot-de-passe/"))
    page.get_by_label("Saisir le code affiché").fill("ZZZZZ")
    page.get_by_role("button", name="Continuer").click()
    expect(page.get_by_role("alert")).to_contain_text("Le code de sécurité est incorrect")
    expect(page).to_have_url(re.compile(r"/identifiant/mot-de-passe/$"))
    axe_check(page)
    _solve_captcha(page)
    page.get_by_role("button", name="Continuer").click()
    expect(page).to_have_url(re.compile(r"/identifiant/mot-de-passe/etape-2/$"))


def test_wrong_numen_at_step_2_costs_a_new_captcha(page, tenant_url, teacher, axe_check):
    page.goto(tenant_url(HOST, "/identifiant/mot-de-passe/"))
    _solve_captcha(page)
    page.get_by_role("button", name="Continuer").click()
    page.get_by_label("Votre identifiant").fill(teacher.identifier)
    page.get_by_label("Votre NUMEN").fill("05E0512345ABD")
    page.get_by_label(re.compile(r"^Mot de passe\s*:?$")).fill(NEW_PASSWORD)
    page.get_by_label("Confirmer mot de passe").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Réinitialiser").click()
    expect(page.get_by_role("alert")).to_contain_text("L'identifiant ou le NUMEN est incorrect")
    expect(page.locator(".steps")).to_have_text("Étape 1/2")
    axe_check(page)
    teacher.refresh_from_db()
    assert not teacher.check_password(NEW_PASSWORD)


@pytest.mark.parametrize("path", ["/identifiant/", "/identifiant/mot-de-passe/"])
def test_other_code_swaps_the_captcha_without_reloading(page, tenant_url, teacher, path):
    # given a page with a captcha, and something already typed in it
    page.goto(tenant_url(HOST, path))
    image = page.locator("#captcha-image")
    old_key, old_src = _captcha_key(page), image.get_attribute("src")
    assert old_key in old_src
    answer = page.get_by_label("Saisir le code affiché")
    answer.fill("ABCDE")
    page.evaluate("window.__sameDocument = true")

    # when "Autre code" is pressed
    page.get_by_role("button", name="Autre code").click()

    # then the image and the hidden key change, the answer is emptied and focused, in place
    expect(image).not_to_have_attribute("src", old_src)
    new_key = _captcha_key(page)
    assert new_key != old_key
    assert new_key in image.get_attribute("src")
    expect(answer).to_have_value("")
    expect(answer).to_be_focused()
    assert page.evaluate("window.__sameDocument === true")
    assert CaptchaStore.objects.filter(hashkey=new_key).exists()

    # and the new image loads
    # (waited on with the load event: wait_for_function polls with eval, which our CSP refuses)
    width = image.evaluate(
        """img => img.complete ? img.naturalWidth : new Promise(resolve => {
            img.addEventListener("load", () => resolve(img.naturalWidth), {once: true});
            img.addEventListener("error", () => resolve(0), {once: true});
        })"""
    )
    assert width > 0

    # and the new captcha is the one that counts
    if path == "/identifiant/mot-de-passe/":
        _solve_captcha(page)
        page.get_by_role("button", name="Continuer").click()
        expect(page).to_have_url(re.compile(r"/identifiant/mot-de-passe/etape-2/$"))
