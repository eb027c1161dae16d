"""Passkeys in a real Chromium with its virtual WebAuthn authenticator (the DevTools Protocol's
`WebAuthn` domain): add one in Mon profil, log in with it alone, remove it, and see it refused at
another tenant's host."""

import re

import pytest
from playwright.sync_api import expect

from tenants.models import PasskeyPolicy
from tests.conftest import HOST_A, HOST_B

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LOGIN = "/accounts/login/"
PROFILE = "/profil/"


def _virtual_authenticator(page) -> tuple:
    """A platform authenticator that keeps discoverable credentials and verifies the user."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    result = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp, result["authenticatorId"]


def _login_with_password(page, tenant_url, user, password) -> None:
    page.goto(tenant_url(HOST_A, LOGIN))
    page.get_by_label("Identifiant").fill(user.identifier)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Connexion", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon profil")


def _add_passkey(page, tenant_url, name: str) -> None:
    page.goto(tenant_url(HOST_A, PROFILE))
    section = page.locator("#cles-d-acces")
    expect(section).to_contain_text("Aucune clé d'accès pour l'instant.")
    section.get_by_label("Nom de la nouvelle clé").fill(name)
    section.get_by_role("button", name="Ajouter une clé d'accès").click()
    expect(section.get_by_label("Nom de la clé")).to_have_value(name)


def _log_out(page) -> None:
    page.get_by_role("button", name=re.compile("Se déconnecter|Déconnexion")).first.click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))


def test_passkey_added_in_profile_logs_in_alone_then_removed_no_longer_works(
    page, tenant_url, parent, password
):
    cdp, authenticator = _virtual_authenticator(page)
    # given the parent, logged in with her password, adds a passkey named "Mon téléphone"
    _login_with_password(page, tenant_url, parent, password)
    _add_passkey(page, tenant_url, "Mon téléphone")
    section = page.locator("#cles-d-acces")
    expect(section).to_contain_text("jamais utilisée")
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    assert len(credentials["credentials"]) == 1
    assert credentials["credentials"][0]["rpId"] == HOST_A
    assert credentials["credentials"][0]["isResidentCredential"] is True

    # when she logs out and logs in with the passkey alone, typing nothing
    _log_out(page)
    page.get_by_role("button", name="Se connecter avec une clé d'accès").click()

    # then she is logged in as herself, and Mon profil shows when the passkey was last used
    expect(page.get_by_role("navigation", name="Menu principal")).to_contain_text("Jacqueline")
    page.goto(tenant_url(HOST_A, PROFILE))
    expect(page.locator("dl.facts")).to_contain_text(parent.identifier)
    expect(section).to_contain_text("dernière utilisation :")
    expect(section).not_to_contain_text("jamais utilisée")

    # when she removes it
    section.get_by_role("button", name="Supprimer la clé « Mon téléphone »").click()
    expect(page.get_by_text("La clé d'accès a été supprimée")).to_be_visible()
    expect(section).to_contain_text("Aucune clé d'accès pour l'instant.")

    # then the same passkey, still in the authenticator, no longer logs her in
    _log_out(page)
    page.get_by_role("button", name="Se connecter avec une clé d'accès").click()
    expect(page.locator(".passkey-login [role=status]")).to_contain_text(
        "Cette clé d'accès n'a pas permis de vous connecter."
    )
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_role("navigation", name="Menu principal")).to_have_count(0)


def test_passkey_renamed_in_profile(page, tenant_url, parent, password):
    _virtual_authenticator(page)
    _login_with_password(page, tenant_url, parent, password)
    _add_passkey(page, tenant_url, "Portable")
    section = page.locator("#cles-d-acces")
    section.get_by_label("Nom de la clé").fill("Ordinateur du bureau")
    section.get_by_role("button", name="Renommer").click()
    expect(page.get_by_text("La clé d'accès a été renommée.")).to_be_visible()
    expect(section.get_by_label("Nom de la clé")).to_have_value("Ordinateur du bureau")


def test_passkey_of_one_tenant_does_not_work_at_another_tenants_host(
    page, tenant_url, parent, tenant_b, password
):
    cdp, authenticator = _virtual_authenticator(page)
    # given the parent of tenant A has a passkey made at tenant A's host
    _login_with_password(page, tenant_url, parent, password)
    _add_passkey(page, tenant_url, "Mon téléphone")
    _log_out(page)
    # when the passkey login is tried at tenant B's host, with the same authenticator
    page.goto(tenant_url(HOST_B, LOGIN))
    expect(page.locator(".site-header")).to_contain_text("Réseau Bêta")
    page.get_by_role("button", name="Se connecter avec une clé d'accès").click()
    # then nothing logs in: the passkey belongs to tenant A's host only
    expect(page.locator(".passkey-login [role=status]")).not_to_be_empty()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_role("navigation", name="Menu principal")).to_have_count(0)
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    assert [c["rpId"] for c in credentials["credentials"]] == [HOST_A]


def test_tenant_with_passkeys_off_shows_no_passkey_button(
    page, tenant_url, parent, tenant_a, password
):
    tenant_a.passkeys = PasskeyPolicy.OFF
    tenant_a.save()
    page.goto(tenant_url(HOST_A, LOGIN))
    expect(page.get_by_role("button", name="Connexion", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Se connecter avec une clé d'accès")).to_have_count(0)
    _login_with_password(page, tenant_url, parent, password)
    expect(page.locator("#cles-d-acces")).to_have_count(0)


@pytest.mark.parametrize("ui_locale", ["fr-BE", "en-GB"])
def test_passkey_pages_fit_phone_and_desktop_in_both_languages(
    sized_page, ui_locale, viewport_name, tenant_url, parent, password, check_layout, french_words
):
    from tests.browser.conftest import french_left_on_page

    page = sized_page
    language = ui_locale.split("-")[0]
    if language != "fr":
        page.context.add_cookies(
            [{"name": "django_language", "value": language, "domain": HOST_A, "path": "/"}]
        )
    _virtual_authenticator(page)
    page.goto(tenant_url(HOST_A, LOGIN))
    page.locator("input[name=login]").fill(parent.identifier)
    page.locator("input[name=password]").fill(password)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url(re.compile(r"/profil/"))
    section = page.locator("#cles-d-acces")
    section.locator("#passkey-new-name").fill("Pixel 9")
    section.locator("button[data-passkey-start]").click()
    expect(section.locator("input[name=name]")).to_have_value("Pixel 9")
    check_layout(page, f"passkeys-profile-{language}")
    # The people's, schools' and tenant's names and the tenant's own help text are data.
    data = re.findall(r"[a-zàâäçéèêëîïôöùûüÿœæ]{4,}", " ".join(
        [parent.full_name, "Camille Nolan Muller École Alpha Réseau", page.locator(
            ".site-footer .support").all_inner_texts()[0] if page.locator(
            ".site-footer .support").count() else ""]).lower())  # fmt: skip
    if language == "en":
        expect(section.get_by_role("heading", name="Passkeys")).to_be_visible()
        left = french_left_on_page(page, french_words, frozenset(data))
        assert not left, f"French words left on the English profile: {left}"
    page.locator("form[action$='/accounts/logout/'] button").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    expect(page.locator("[data-passkey=login] button")).to_be_visible()
    check_layout(page, f"passkeys-login-{language}")
    if language == "en":
        expect(page.locator("[data-passkey=login] button")).to_have_text("Sign in with a passkey")
        left = french_left_on_page(page, french_words, frozenset(data))
        assert not left, f"French words left on the English login page: {left}"


def test_passkey_opens_the_admin_instead_of_a_totp_code(page, tenant_url, secretary, password):
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=secretary, name="app", confirmed=True)
    _virtual_authenticator(page)
    # given a secretary logged in with her password only: Mon profil asks for her code first
    _login_with_password(page, tenant_url, secretary, password)
    section = page.locator("#cles-d-acces")
    section.get_by_label("Nom de la nouvelle clé").fill("Poste du secrétariat")
    section.get_by_role("button", name="Ajouter une clé d'accès").click()
    expect(section.get_by_role("status")).to_contain_text("Confirmez d'abord votre identité")
    expect(section).to_contain_text("Aucune clé d'accès pour l'instant.")
    # when she opens the admin with her code, then adds the passkey in Mon profil
    section.get_by_role("link", name="Confirmer avec mon code").click()
    page.get_by_label("Identifiant").fill(secretary.identifier)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_label("Code à 6 chiffres de votre application d'authentification").fill(
        f"{totp(device.bin_key):06d}"
    )
    page.locator("#login-form [type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon profil")
    _add_passkey(page, tenant_url, "Poste du secrétariat")
    # then, another day, logged in with her password only, the admin asks for a second factor
    page.context.clear_cookies()
    _login_with_password(page, tenant_url, secretary, password)
    page.goto(tenant_url(HOST_A, "/admin/"))
    expect(page).to_have_url(re.compile(r"/admin/login/"))
    # and her passkey, instead of a TOTP code, opens it
    page.get_by_role("button", name="Se connecter avec une clé d'accès").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.get_by_role("heading", name="Gestion du réseau")).to_be_visible()
    # and from a fresh browser the passkey alone opens the admin
    page.context.clear_cookies()
    page.goto(tenant_url(HOST_A, "/admin/login/?next=/admin/"))
    page.get_by_role("button", name="Se connecter avec une clé d'accès").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.get_by_role("heading", name="Gestion du réseau")).to_be_visible()
