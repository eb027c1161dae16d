"""Login through the real form in a real browser: identifier login, tenant isolation, the
e-mail hint, the notice, accessibility (axe-core) and keyboard-only use."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import HOST_A, HOST_B

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LOGIN = "/accounts/login/"
ALPHA_PRIMARY_RGB = "rgb(18, 52, 86)"  # tenant_a.primary_colour = #123456
ERROR_RGB = "rgb(176, 0, 32)"  # --error in portal.css


def _submit_login(page, identifier: str, password: str) -> None:
    page.get_by_label("Identifiant").fill(identifier)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Connexion").click()


def _expect_profile_of(page, identifier: str) -> None:
    expect(page).to_have_url(re.compile(r"/profil/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon profil")
    expect(page.locator("dl.facts")).to_contain_text(identifier)


def test_parent_logs_in_by_identifier_and_sees_her_tenant_branding(
    page, tenant_url, parent, tenant_a, password
):
    # given the parent of tenant A at tenant A's login page
    page.goto(tenant_url(HOST_A, LOGIN))
    # when she types her identifier and password
    _submit_login(page, parent.identifier, password)
    # then she lands on "Mon profil", showing her identifier, in tenant A's colours
    _expect_profile_of(page, parent.identifier)
    header = page.locator(".site-header")
    expect(header).to_contain_text("Réseau Alpha")
    expect(header).to_have_css("background-color", ALPHA_PRIMARY_RGB)
    expect(page.get_by_role("navigation", name="Menu principal")).to_contain_text("Jacqueline")


def test_same_credentials_are_refused_at_another_tenant(
    page, tenant_url, parent, tenant_b, password
):
    # given tenant B exists, and the parent belongs to tenant A only
    page.goto(tenant_url(HOST_B, LOGIN))
    expect(page.locator(".site-header")).to_contain_text("Réseau Bêta")
    # when her tenant A credentials are typed at tenant B
    _submit_login(page, parent.identifier, password)
    # then they are refused, the error is shown, and she stays on the login page, logged out
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("L'identifiant ou le mot de passe est incorrect.")
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_role("navigation", name="Menu principal")).to_have_count(0)
    expect(page.locator(".site-header")).not_to_contain_text("Réseau Alpha")


def test_email_typed_instead_of_identifier_gets_the_helpful_hint(
    page, tenant_url, parent, password
):
    page.goto(tenant_url(HOST_A, LOGIN))
    _submit_login(page, parent.email, password)
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("adresse e-mail")
    expect(summary).to_contain_text("identifiant")
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))


def test_identifier_notice_is_visible_and_not_an_error(page, tenant_url, tenant_a):
    page.goto(tenant_url(HOST_A, LOGIN))
    notice = page.get_by_role("note")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("Veuillez utiliser votre identifiant et non votre email")
    # a note, not an alert: nothing is announced as an error and no error summary is shown
    expect(notice).not_to_have_attribute("aria-live", re.compile(".*"))
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(page.locator(".error-summary, .field-error")).to_have_count(0)
    assert "error" not in (notice.get_attribute("class") or "")
    # and it is not painted in the error colour
    expect(notice).not_to_have_css("color", ERROR_RGB)
    expect(notice).not_to_have_css("border-left-color", ERROR_RGB)


def test_login_page_has_no_axe_violations(page, tenant_url, tenant_a, axe_check):
    page.goto(tenant_url(HOST_A, LOGIN))
    axe_check(page)


def test_login_page_with_errors_has_no_axe_violations(page, tenant_url, tenant_a, axe_check):
    page.goto(tenant_url(HOST_A, LOGIN))
    _submit_login(page, "nobody@example.org", "wrong-password")
    expect(page.get_by_role("alert")).to_be_visible()
    axe_check(page)


def test_profile_page_has_no_axe_violations(page, tenant_url, parent, password, axe_check):
    page.goto(tenant_url(HOST_A, LOGIN))
    _submit_login(page, parent.identifier, password)
    _expect_profile_of(page, parent.identifier)
    axe_check(page)


def test_login_form_can_be_completed_with_the_keyboard_alone(page, tenant_url, parent, password):
    page.goto(tenant_url(HOST_A, LOGIN))
    # the first Tab reaches the skip link
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Aller au contenu")).to_be_focused()
    # Tab on until the identifier field has the focus
    login_field = page.get_by_label("Identifiant")
    for _ in range(10):
        if login_field.evaluate("el => el === document.activeElement"):
            break
        page.keyboard.press("Tab")
    expect(login_field).to_be_focused()
    page.keyboard.type(parent.identifier)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Mot de passe")).to_be_focused()
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    _expect_profile_of(page, parent.identifier)
