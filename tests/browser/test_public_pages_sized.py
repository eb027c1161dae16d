"""ISSUE 13 ("Real people on real phones"), the public pages: the CREOS reset (by identifier, and
by e-mail address typed with either mode ticked), the SEPNE student reset, the Créteil identifier
lookup and first login with the NUMEN, account activation and the portal login — at a phone's
size (390×844) and a desktop's (1280×800), in French and in English.

Every page of each flow goes through `check_layout` (no sideways scroll, every action button in
the viewport, 0 axe-core violations, a screenshot in test-artifacts/screens/). In English, no
French word of the catalogue is left on those pages (`french_left_on_page`), the tenants' names
and the people's data aside. Fields and buttons are found by their names, not their labels, so
that one test body serves both languages."""

import re
from urllib.parse import urlsplit

import pytest
from captcha.models import CaptchaStore
from playwright.sync_api import expect

from accounts.numen import numen_hash
from outbox.models import Message
from outbox.services import outbox_sweep
from recovery.activation.services import activation_code_issue
from tests.browser.conftest import check_layout, french_left_on_page
from tests.factories import PASSWORD, SchoolFactory, TenantFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANGUAGES = ["fr-BE", "en-GB"]
CREOS, SEPNE, CRETEIL = "creos.localhost", "sepne.localhost", "creteil.localhost"
LOGIN = "/accounts/login/"
NEW_PASSWORD = "Nouveau-Secret-42"
NUMEN = "05E0512345ABC"
# Data, not interface: the tenants' and schools' names and the people's names.
DATA = frozenset(
    {"réseau", "école", "communale", "centre", "académie", "créteil", "lycée", "voltaire",
     "élèves", "portail", "sepne", "jacqueline", "dubois", "gagnon", "nouveau", "dupont",
     "français"}
)  # fmt: skip
SUBMIT = "main form button[type=submit].primary"


def _english(ui_locale: str) -> bool:
    return ui_locale.startswith("en")


def _check(page, name: str, ui_locale: str, french_words) -> None:
    """The issue's checks for this page; in English, no French string left."""
    language = "en" if _english(ui_locale) else "fr"
    check_layout(page, f"pub-{language}-{name}")
    if _english(ui_locale):
        expect(page.locator("html")).to_have_attribute("lang", "en")
        left = french_left_on_page(page, french_words, allow=DATA)
        assert left == [], f"{name}: French words left on the English page: {left}"


def _public_links(settings, live_server) -> None:
    settings.PUBLIC_SCHEME = "http"
    settings.PUBLIC_PORT = str(urlsplit(live_server.url).port)


# --- CREOS ------------------------------------------------------------------------------------


@pytest.fixture
def creos(db, live_server, settings):
    _public_links(settings, live_server)
    return TenantFactory(
        slug="creos", display_name="CREOS", identifier_reset=True, password_rules="creos",
        support_text="Contactez votre pouvoir organisateur.",
        support_text_en="Contact your organising authority.", primary_colour="#1f5aa6",
    )  # fmt: skip


@pytest.fixture
def jacqueline(creos):
    school = SchoolFactory(tenant=creos, name="École communale du Centre", code="CENTRE")
    return UserFactory(
        tenant=creos, identifier="jacqueline.dubois", first_name="Jacqueline",
        last_name="Dubois", email="jacqueline@example.be", is_parent=True, schools=[school],
    )  # fmt: skip


def _reset_mail_for(user) -> Message:
    return Message.objects.get(to=user.email, template="recovery/identifier/email/reset_link")


@pytest.mark.parametrize("ui_locale", LANGUAGES)
def test_creos_reset_by_identifier(
    sized_page, tenant_url, jacqueline, ui_locale, french_words, viewport_name
):
    page = sized_page
    page.goto(tenant_url(CREOS, "/mot-de-passe-oublie/"))
    _check(page, "creos-start", ui_locale, french_words)
    expect(page.locator("#id_method_0")).to_be_checked()
    page.locator("#id_login").fill(jacqueline.identifier)
    page.locator(SUBMIT).click()
    expect(page).to_have_url(re.compile(r"/mot-de-passe-oublie/envoye/$"))
    _check(page, "creos-sent", ui_locale, french_words)

    link = re.search(
        r"https?://\S+/mot-de-passe-oublie/lien/\S+/", _reset_mail_for(jacqueline).body_text
    )
    page.goto(link.group(0))
    expect(page).to_have_url(re.compile(r"/mot-de-passe-oublie/nouveau/$"))
    _check(page, "creos-reset", ui_locale, french_words)

    # a wrong address and a weak password: the errors too are laid out and accessible
    page.locator("#id_email").fill("quelquun@example.org")
    page.locator("#id_password1").fill("motdepasse")
    page.locator("#id_password2").fill("motdepasse")
    page.locator(SUBMIT).click()
    expect(page.get_by_role("alert")).to_be_visible()
    _check(page, "creos-reset-errors", ui_locale, french_words)

    page.locator("#id_email").fill(jacqueline.email)
    page.locator("#id_password1").fill(NEW_PASSWORD)
    page.locator("#id_password2").fill(NEW_PASSWORD)
    page.clock.install()  # the done page's countdown waits for the test
    page.locator(SUBMIT).click()
    expect(page).to_have_url(re.compile(r"/mot-de-passe-oublie/termine/$"))
    _check(page, "creos-done", ui_locale, french_words)
    status = page.get_by_role("status")
    expect(status).to_contain_text(
        "Your password has been reset"
        if _english(ui_locale)
        else "Votre mot de passe a été réinitialisé"
    )
    expect(status.get_by_role("link")).to_have_attribute("href", LOGIN)


@pytest.mark.parametrize("ui_locale", LANGUAGES)
@pytest.mark.parametrize("mode", ["identifier", "email"])
def test_creos_reset_by_address_typed_in_either_mode_sends_the_mail(
    sized_page, tenant_url, jacqueline, ui_locale, french_words, mode
):
    # given Jacqueline, who types her address — under « Nom d'utilisateur » (left ticked) or
    # « Email »
    page = sized_page
    page.goto(tenant_url(CREOS, "/mot-de-passe-oublie/"))
    if mode == "email":
        page.locator("#id_method_1").check()
    page.locator("#id_login").fill(jacqueline.email)
    page.locator(SUBMIT).click()
    # then she is told to check her mail
    expect(page).to_have_url(re.compile(r"/mot-de-passe-oublie/envoye/$"))
    _check(page, f"creos-sent-{mode}-mode", ui_locale, french_words)
    # and the mail really arrives: in the outbox, sent, and in the (demo) inbox
    outbox_sweep()
    message = _reset_mail_for(jacqueline)
    assert message.status == "sent"
    assert jacqueline.identifier in message.body_text
    page.goto(tenant_url(CREOS, "/dev-inbox/"))
    page.get_by_role("link", name=message.subject).first.click()
    expect(page.locator(".message-body")).to_contain_text(jacqueline.identifier)


@pytest.mark.parametrize("ui_locale", LANGUAGES)
def test_creos_unknown_address_gets_the_same_page_and_no_mail(
    sized_page, tenant_url, jacqueline, ui_locale
):
    page = sized_page
    page.goto(tenant_url(CREOS, "/mot-de-passe-oublie/"))
    page.locator("#id_login").fill("personne@example.be")
    page.locator(SUBMIT).click()
    expect(page).to_have_url(re.compile(r"/mot-de-passe-oublie/envoye/$"))
    assert not Message.objects.exists()


# --- Portal login and activation --------------------------------------------------------------


@pytest.mark.parametrize("ui_locale", LANGUAGES)
def test_portal_login(sized_page, tenant_url, jacqueline, ui_locale, french_words):
    page = sized_page
    page.goto(tenant_url(CREOS, LOGIN))
    _check(page, "login", ui_locale, french_words)
    # an address typed instead of the identifier: the hint
    page.locator("#id_login").fill(jacqueline.email)
    page.locator("#id_password").fill("pas-le-bon")
    page.locator(SUBMIT).click()
    expect(page.get_by_role("alert")).to_be_visible()
    _check(page, "login-error", ui_locale, french_words)
    page.locator("#id_login").fill(jacqueline.identifier)
    page.locator("#id_password").fill(PASSWORD)
    page.locator(SUBMIT).click()
    expect(page).to_have_url(re.compile(r"/profil/$"))


@pytest.mark.parametrize("ui_locale", LANGUAGES)
def test_activation(sized_page, tenant_url, creos, ui_locale, french_words):
    newcomer = UserFactory(
        tenant=creos, identifier="nouveau.parent", first_name="Nicolas", last_name="Nouveau",
        email="nouveau.parent@example.be", is_parent=True,
    )  # fmt: skip
    newcomer.set_unusable_password()
    newcomer.save()
    code = activation_code_issue(user=newcomer)
    page = sized_page
    page.goto(tenant_url(CREOS, "/activation/"))
    _check(page, "activation-start", ui_locale, french_words)
    page.locator("#id_identifier").fill(newcomer.identifier)
    page.locator("#id_code").fill(code)
    page.locator(SUBMIT).click()
    expect(page).to_have_url(re.compile(r"/activation/mot-de-passe/$"))
    _check(page, "activation-password", ui_locale, french_words)
    page.locator("#id_password1").fill(NEW_PASSWORD)
    page.locator("#id_password2").fill(NEW_PASSWORD)
    page.locator(SUBMIT).click()
    # signed in (a tenant without two-step recovery has no « bienvenue » page)
    expect(page).to_have_url(re.compile(r"/profil/$"))
    expect(page.get_by_role("status")).to_contain_text(
        "activated" if _english(ui_locale) else "activé"
    )


# --- SEPNE ------------------------------------------------------------------------------------

SCHOOL_EMAIL = "lea.gagnon@eleves.sepne.localhost"


@pytest.fixture
def lea(db, live_server, settings):
    _public_links(settings, live_server)
    sepne = TenantFactory(
        slug="sepne", display_name="Portail des élèves SEPNE", identifier_reset=False,
        student_mailbox_reset=True, student_reset_delay_seconds=0, voice="tu",
        support_text="S'il te manque des informations, demande de l'aide à ton école.",
        support_text_en="If you are missing any information, ask your school for help.",
        primary_colour="#00695c",
    )  # fmt: skip
    school = SchoolFactory(
        tenant=sepne, name="École secondaire Champlain", code="CHAMPLAIN",
        mail_domain="eleves.sepne.localhost",
    )  # fmt: skip
    return UserFactory(
        tenant=sepne, identifier="abc123456", first_name="Léa", last_name="Gagnon",
        email="lea.perso@example.org", is_student=True, schools=[school],
        student_number="3100111222", school_email=SCHOOL_EMAIL,
    )  # fmt: skip


@pytest.mark.parametrize("ui_locale", LANGUAGES)
def test_sepne_student_reset(sized_page, tenant_url, lea, ui_locale, french_words):
    page = sized_page
    page.goto(tenant_url(SEPNE, "/eleve/"))
    _check(page, "sepne-start", ui_locale, french_words)
    if not _english(ui_locale):
        # one voice: « tu », never « vous », on the student's pages
        expect(page.get_by_role("main")).not_to_contain_text(re.compile(r"\b(vous|votre)\b"))
    page.locator("#id_address").fill(SCHOOL_EMAIL)
    page.locator(SUBMIT).click()
    expect(page).to_have_url(re.compile(r"/eleve/envoye/$"))
    _check(page, "sepne-sent", ui_locale, french_words)

    mail = Message.objects.get(template="recovery/student/email/link")
    page.goto(re.search(r"https?://\S+/eleve/lien/\S+/", mail.body_text).group(0))
    expect(page).to_have_url(re.compile(r"/eleve/reinitialiser/$"))
    _check(page, "sepne-reset", ui_locale, french_words)
    if not _english(ui_locale):
        expect(page.get_by_role("main")).not_to_contain_text(re.compile(r"\b(vous|votre)\b"))
    page.locator("#id_student_number").fill("3100111222")
    page.locator("#id_username").fill(lea.identifier)
    page.locator(SUBMIT).click()
    expect(page).to_have_url(re.compile(r"/eleve/demande-envoyee/$"))
    _check(page, "sepne-requested", ui_locale, french_words)


# --- Créteil ----------------------------------------------------------------------------------


@pytest.fixture
def teacher(db, live_server, settings):
    _public_links(settings, live_server)
    academy = TenantFactory(
        slug="creteil", display_name="Académie de Créteil", identifier_reset=False,
        numen_lookup=True, numen_initial_login=True, primary_colour="#a4262c",
        support_text="NUMEN perdu ? Demandez-le au gestionnaire de votre établissement.",
        support_text_en="Lost your NUMEN? Ask your school's administrator for it.",
    )  # fmt: skip
    school = SchoolFactory(tenant=academy, name="Lycée Voltaire", code="VOLT1")
    user = UserFactory(
        tenant=academy, identifier="jdupont", first_name="Jean", last_name="Dupont",
        is_school_staff=True, schools=[school],
    )  # fmt: skip
    user.numen_hash = numen_hash(tenant_id=academy.id, numen=NUMEN)
    user.set_unusable_password()
    user.save()
    return user


def _solve_captcha(page) -> None:
    key = page.locator("input[type=hidden][name=captcha_0]").input_value()
    page.locator("input[name=captcha_1]").fill(CaptchaStore.objects.get(hashkey=key).response)


@pytest.mark.parametrize("ui_locale", LANGUAGES)
def test_creteil_identifier_lookup(sized_page, tenant_url, teacher, ui_locale, french_words):
    page = sized_page
    page.goto(tenant_url(CRETEIL, "/identifiant/"))
    _check(page, "creteil-lookup", ui_locale, french_words)
    page.locator("#id_surname").fill("dupont")
    page.locator("#id_numen").fill(NUMEN.lower())
    _solve_captcha(page)
    page.locator(SUBMIT).click()
    expect(page.locator("#found-identifier")).to_have_text(teacher.identifier)
    _check(page, "creteil-lookup-found", ui_locale, french_words)


@pytest.mark.parametrize("ui_locale", LANGUAGES)
def test_creteil_first_login_with_the_numen(
    sized_page, tenant_url, teacher, ui_locale, french_words
):
    page = sized_page
    page.goto(tenant_url(CRETEIL, LOGIN))
    _check(page, "creteil-login", ui_locale, french_words)
    # the NUMEN typed in small letters: refused, with a hint about capitals
    page.locator("#id_login").fill(teacher.identifier)
    page.locator("#id_password").fill(NUMEN.lower())
    page.locator(SUBMIT).click()
    expect(page.get_by_role("alert")).to_contain_text(
        "capitals" if _english(ui_locale) else "majuscules"
    )
    _check(page, "creteil-login-hint", ui_locale, french_words)
    # in capitals: the first login, which asks for a new password at once
    page.locator("#id_login").fill(teacher.identifier)
    page.locator("#id_password").fill(NUMEN)
    page.locator(SUBMIT).click()
    expect(page).to_have_url(re.compile(r"/profil/nouveau-mot-de-passe/$"))
    _check(page, "creteil-first-password", ui_locale, french_words)
    # the NUMEN itself (here in small letters) is refused as the new password
    page.locator("#id_password1").fill(NUMEN.lower())
    page.locator("#id_password2").fill(NUMEN.lower())
    page.locator(SUBMIT).click()
    expect(page.get_by_role("alert")).to_contain_text("NUMEN")
    _check(page, "creteil-first-password-numen", ui_locale, french_words)
    page.locator("#id_password1").fill(NEW_PASSWORD)
    page.locator("#id_password2").fill(NEW_PASSWORD)
    page.locator(SUBMIT).click()
    expect(page).to_have_url(re.compile(r"/profil/$"))
