"""The help desk in a real browser: the demo secretary logs in to the admin with her TOTP code,
finds the demo parent who was never migrated, migrates him and sends him a reset link; the help
desk's pages (front page with charts, search results, person card) pass axe-core."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOST = "creos.localhost"
SECRETARY = "secretariat.creos"


@pytest.fixture
def demo(settings, tmp_path):
    """The demo tenants and people (CREOS: Marc Legrand is the parent not yet migrated)."""
    from django.utils.functional import empty

    from demo.seed import DEMO_PASSWORD, seed_demo
    from payments.models import private_storage

    settings.MEDIA_ROOT = tmp_path / "media"
    private_storage._wrapped = empty
    seed_demo()
    yield DEMO_PASSWORD
    private_storage._wrapped = empty


def _admin_login(page, tenant_url, password: str, axe_check=None) -> None:
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user__identifier=SECRETARY, user__tenant__slug="creos")
    page.goto(tenant_url(HOST, "/admin/login/?next=/admin/helpdesk/"))
    if axe_check is not None:
        axe_check(page)
    # one submit: identifier, password and the code of her app together
    page.get_by_label("Identifiant").fill(SECRETARY)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_label("Code à 6 chiffres de votre application d'authentification").fill(
        f"{totp(device.bin_key):06d}"
    )
    page.get_by_role("button", name="Connexion").click()
    expect(page).to_have_url(re.compile(r"^http://[^/?]+/admin/helpdesk/$"))


def test_secretary_finds_migrates_and_resets_the_non_migrated_demo_parent(
    page, tenant_url, demo, axe_check
):
    from accounts.models import User
    from helpdesk.models import ActionKind, HelpdeskAction
    from outbox.models import Message
    from recovery.models import Flow, RecoveryRequest

    marc = User.objects.get(tenant__slug="creos", identifier="marc.legrand")
    assert not marc.is_migrated

    # given the demo secretary of CREOS, logged in to the admin with her second factor
    _admin_login(page, tenant_url, demo, axe_check)
    expect(page.get_by_role("heading", level=1)).to_have_text("Guichet d'aide")
    expect(page.get_by_role("img", name=re.compile("Demandes de récupération"))).to_be_visible()
    expect(
        page.get_by_role("img", name=re.compile("Messages des 7 derniers jours"))
    ).to_be_visible()
    axe_check(page)

    # when she searches for the parent by name
    page.get_by_label("Rechercher une personne").fill("legrand")
    page.get_by_role("button", name="Rechercher").click()
    result = page.get_by_role("row").filter(has_text="marc.legrand")
    expect(result).to_contain_text("non migré")
    axe_check(page)

    # and opens his card
    result.get_by_role("link", name="Legrand Marc").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Legrand Marc")
    expect(page.locator(".helpdesk-facts").first).to_contain_text("non migré")
    axe_check(page)

    # and migrates him
    page.get_by_role("button", name="Migrer le compte").click()
    expect(page.locator(".messagelist")).to_contain_text("est migré")
    expect(page.get_by_role("button", name="Migrer le compte")).to_have_count(0)

    # and sends him a reset link
    page.get_by_role("button", name="Envoyer un lien de réinitialisation").click()
    expect(page.locator(".messagelist")).to_contain_text(
        "Un lien de réinitialisation part vers m*****@example.be"
    )
    attempts = page.locator("#attempts")
    expect(attempts).to_contain_text("lancée par le secrétariat")
    expect(attempts).to_contain_text("message envoyé")
    expect(page.locator("#messages")).to_contain_text("m•••@example.be")
    axe_check(page)

    # then he is migrated, a reset mail is in the outbox, and both actions are audited
    marc.refresh_from_db()
    assert marc.is_migrated
    assert RecoveryRequest.objects.filter(user=marc, flow=Flow.ADMIN).count() == 1
    assert (
        Message.objects.filter(user=marc, template="recovery/identifier/email/reset_link").count()
        == 1
    )
    assert list(
        HelpdeskAction.objects.filter(target=marc).order_by("pk").values_list("action", flat=True)
    ) == [ActionKind.MIGRATE, ActionKind.SEND_RESET]


def test_help_desk_pages_work_with_the_keyboard(page, tenant_url, demo, axe_check):
    # the admin's front page links to the help desk
    _admin_login(page, tenant_url, demo)
    page.goto(tenant_url(HOST, "/admin/"))
    axe_check(page)
    page.get_by_role("link", name="Ouvrir le guichet d'aide").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"^http://[^/?]+/admin/helpdesk/$"))
    search = page.get_by_label("Rechercher une personne")
    search.focus()
    page.keyboard.type("jacqueline")
    page.keyboard.press("Enter")
    link = page.get_by_role("link", name="Dubois Jacqueline")
    link.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dubois Jacqueline")
    expect(page.get_by_role("heading", name="Paiements")).to_be_visible()


# --- Issue 13: the help desk on a phone and on a desktop, in French and in English ------------


def _helpdesk_pages(page, tenant_url, check_layout, viewport_name, suffix="") -> list[str]:
    """The front page, a search and a person's card, each checked; the failures, all of them."""
    from accounts.models import User
    from tests.browser.test_admin_pages import layout_problems

    jacqueline = User.objects.get(tenant__slug="creos", identifier="jacqueline.dubois")
    pages = [
        (f"helpdesk-index{suffix}", "/admin/helpdesk/"),
        (f"helpdesk-search{suffix}", "/admin/helpdesk/?q=dubois"),
        (f"helpdesk-person{suffix}", f"/admin/helpdesk/personne/{jacqueline.pk}/"),
    ]
    return layout_problems(page, tenant_url, pages, check_layout, viewport_name)


def test_help_desk_pages_fit_a_phone_and_a_desktop(
    sized_page, tenant_url, demo, check_layout, viewport_name
):
    from tests.browser.test_admin_pages import admin_login

    admin_login(sized_page, tenant_url, demo, next_url="/admin/helpdesk/")
    problems = _helpdesk_pages(sized_page, tenant_url, check_layout, viewport_name)
    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)


@pytest.mark.parametrize("ui_locale", ["en-GB"])
def test_help_desk_pages_in_english_leave_no_french(
    sized_page, tenant_url, demo, check_layout, viewport_name, french_words
):
    from accounts.models import User
    from tests.browser.conftest import french_left_on_page
    from tests.browser.test_admin_pages import DEMO_DATA, admin_login

    page = sized_page
    admin_login(page, tenant_url, demo, language="en", next_url="/admin/helpdesk/")
    jacqueline = User.objects.get(tenant__slug="creos", identifier="jacqueline.dubois")
    left = {}
    for path in (
        "/admin/helpdesk/",
        "/admin/helpdesk/?q=dubois",
        f"/admin/helpdesk/personne/{jacqueline.pk}/",
    ):
        page.goto(tenant_url(HOST, path))
        found = french_left_on_page(page, french_words, allow=DEMO_DATA)
        if found:
            left[path] = found
    problems = _helpdesk_pages(page, tenant_url, check_layout, viewport_name, suffix="-en")
    if left:
        problems.insert(0, f"French left: {left}")
    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)
