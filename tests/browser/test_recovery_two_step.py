"""Microsoft 365-style recovery in a real browser: "Votre compte n'est pas accessible ?" →
address → SMS to the full number → code → secondary e-mail → code → new password with the live
strength meter → done → login. Codes are read where a person would read them: the dev inbox,
open in a second tab (the "phone"). axe-core runs on every page of the flow."""

import re

import pytest
from playwright.sync_api import expect

from outbox.models import Channel, Message
from recovery.codes import PhoneDevice, SecondaryEmailDevice
from tests.browser.conftest import french_left_on_page
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
    expect(page.locator("label.radio-block", has_text="p*****@charleroi.be")).to_be_visible()
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


# --- Issue 13: real people on real phones (390×844 and 1280×800, French and English) -----------
#
# The demo's ECEPS tenant (eceps.localhost): pierre.martin has a phone and a secondary address,
# nadia.lambert only a phone; the tenant asks for two methods. Fields are found by their ids so
# that one test reads both languages; what a person reads is checked in her language.

ECEPS = "eceps.localhost"
NADIA_NUMBER = "+32475987654"
PIERRE_NUMBER = "+32470123467"
PIERRE_SECONDARY = "pierre.martin@charleroi.be"
SECRETARY = "secretariat.eceps"

TEXTS = {
    "fr": {
        "second_method": "Une deuxième méthode est nécessaire",
        "help_sent": "Demande transmise",
        "reset_done": "Votre mot de passe a été réinitialisé",
        "step2": "deuxième méthode",
    },
    "en": {
        "second_method": "A second method is needed",
        "help_sent": "Request forwarded",
        "reset_done": "Your password has been reset",
        "step2": "second contact method",
    },
}


@pytest.fixture
def demo_eceps(settings, tmp_path):
    """The demo tenants and people; returns the demo password."""
    from django.utils.functional import empty

    from demo.seed import DEMO_PASSWORD, seed_demo
    from payments.models import private_storage

    settings.MEDIA_ROOT = tmp_path / "media"
    private_storage._wrapped = empty
    seed_demo()
    yield DEMO_PASSWORD
    private_storage._wrapped = empty


@pytest.fixture
def lang(ui_locale) -> str:
    return ui_locale.split("-")[0]


@pytest.fixture
def page_checks(check_layout, french_words, lang, viewport_name):
    """check_layout on every page, and on an English page no French word of the catalogue but
    the data's (people's, schools' and the tenant's own words: its name and support text)."""
    from accounts.models import User
    from tenants.models import School, Tenant

    data = " ".join(
        [
            *(f"{u.first_name} {u.last_name} {u.identifier}" for u in User.objects.all()),
            *(s.name for s in School.objects.all()),
            *(f"{t.name} {t.display_name} {t.support_text}" for t in Tenant.objects.all()),
        ]
    ).lower()
    allow = frozenset(re.findall(r"[a-zàâäçéèêëîïôöùûüÿœæ]{4,}", data))

    def check(page, name: str, *, data: str = "") -> None:
        check_layout(page, f"twostep-{name}-{lang}")
        if lang == "en":
            more = frozenset(re.findall(r"[a-zàâäçéèêëîïôöùûüÿœæ]{4,}", data.lower()))
            left = french_left_on_page(page, french_words, allow=allow | more)
            assert not left, f"{name}: French left on the English page: {left}"

    return check


def _newest_code(to: str) -> str:
    message = Message.objects.filter(to=to).order_by("-id").first()
    assert message is not None, f"nothing was sent to {to}"
    return CODE_RE.search(message.body_text).group(1)


def _start(page, tenant_url, address: str) -> None:
    page.goto(tenant_url(ECEPS, "/compte-inaccessible/"))
    page.locator("#id_address").fill(address)
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/compte-inaccessible/verification/$"))


def _submit(page) -> None:
    page.locator("main form button.primary").first.click()


@pytest.mark.parametrize("ui_locale", ["fr-BE", "en-GB"])
def test_pierre_two_methods_through_to_the_new_password(
    sized_page, tenant_url, demo_eceps, page_checks, lang
):
    from accounts.models import User

    page = sized_page
    page.goto(tenant_url(ECEPS, "/compte-inaccessible/"))
    page_checks(page, "start")
    _start(page, tenant_url, "pierre.martin@eceps.localhost")
    expect(page.get_by_role("radio")).to_have_count(3)
    expect(page.locator("input[name=method]:checked")).to_have_count(0)
    page_checks(page, "pierre-step1")

    # step 1: an SMS to the number typed in full
    page.locator("input[name=method][value='sms:1']").check()
    page.locator("#id_full_number").fill("0470 12 34 67")
    _submit(page)
    expect(page).to_have_url(re.compile(r"/verification/code/$"))
    page_checks(page, "pierre-code1")
    page.locator("#id_code").fill(_newest_code(PIERRE_NUMBER))
    _submit(page)

    # step 2: the only method left is chosen already, and only its field is asked
    expect(page).to_have_url(re.compile(r"/compte-inaccessible/verification/$"))
    expect(page.get_by_role("group")).to_contain_text(TEXTS[lang]["step2"])
    expect(page.locator("input[name=method][value='email:1']")).to_be_checked()
    expect(page.locator("#id_full_number")).to_have_count(0)
    expect(page.locator("#id_full_email_helptext")).to_contain_text("p*****@charleroi.be")
    page_checks(page, "pierre-step2")
    page.locator("#id_full_email").fill(PIERRE_SECONDARY)
    _submit(page)
    expect(page).to_have_url(re.compile(r"/verification/code/$"))
    page.locator("#id_code").fill(_newest_code(PIERRE_SECONDARY))
    _submit(page)

    # the new password, then done
    expect(page).to_have_url(re.compile(r"/nouveau-mot-de-passe/$"))
    page.wait_for_load_state()  # the strength meter's deferred script listens from "load" on
    page.locator("#id_password1").fill(NEW_PASSWORD)
    page.locator("#id_password2").fill(NEW_PASSWORD)
    expect(page.locator("#strength-label")).not_to_have_text("—")
    page_checks(page, "pierre-password")
    _submit(page)
    expect(page).to_have_url(re.compile(r"/compte-inaccessible/termine/$"))
    expect(page.get_by_role("status")).to_contain_text(TEXTS[lang]["reset_done"])
    page_checks(page, "pierre-done")
    assert User.objects.get(identifier="pierre.martin").check_password(NEW_PASSWORD)


@pytest.mark.parametrize("ui_locale", ["fr-BE", "en-GB"])
def test_nadia_one_method_passes_step_one_then_asks_for_help(
    sized_page, tenant_url, demo_eceps, page_checks, lang
):
    from recovery.models import ContactRequest

    page = sized_page
    _start(page, tenant_url, "nadia.lambert@eceps.localhost")
    # her own phone, twice (SMS, call), and no e-mail she does not have
    expect(page.get_by_role("radio")).to_have_count(2)
    expect(page.locator("label.radio-block").first).to_contain_text("*****54")
    expect(page.locator("#id_full_email")).to_have_count(0)
    page_checks(page, "nadia-step1")

    # her real, verified number passes: the code arrives
    page.locator("input[name=method][value='sms:1']").check()
    page.locator("#id_full_number").fill("0475 98 76 54")
    _submit(page)
    expect(page).to_have_url(re.compile(r"/verification/code/$"))
    page_checks(page, "nadia-code")
    page.locator("#id_code").fill(_newest_code(NADIA_NUMBER))
    _submit(page)

    # then a plain page: a second method is needed, and the help request
    expect(page).to_have_url(re.compile(r"/compte-inaccessible/verification/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(TEXTS[lang]["second_method"])
    expect(page.get_by_role("radio")).to_have_count(0)
    page_checks(page, "nadia-second-method")
    page.locator("main form button.primary").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TEXTS[lang]["help_sent"])
    page_checks(page, "nadia-help-sent")
    assert ContactRequest.objects.get().user.identifier == "nadia.lambert"


def _nadia_asks_for_help() -> None:
    """Nadia's step 1 and help request, as the test above walks them (here without a browser)."""
    from django.test import Client

    client = Client(HTTP_HOST=ECEPS)
    client.post("/compte-inaccessible/", {"address": "nadia.lambert"})
    client.post(
        "/compte-inaccessible/verification/", {"method": "sms:1", "full_number": "0475987654"}
    )
    client.post("/compte-inaccessible/verification/code/", {"code": _newest_code(NADIA_NUMBER)})
    client.post("/compte-inaccessible/contact/")


@pytest.mark.parametrize("ui_locale", ["fr-BE", "en-GB"])
def test_secretary_hands_nadia_a_one_time_code_and_she_sets_her_password(
    sized_page, sized_context, tenant_url, demo_eceps, page_checks, lang
):
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import User
    from helpdesk.models import ActionKind, HelpdeskAction

    nadia = User.objects.get(identifier="nadia.lambert")
    _nadia_asks_for_help()

    # the secretary logs in to the admin with her second factor and opens Nadia's card
    desk = sized_page
    device = TOTPDevice.objects.get(user__identifier=SECRETARY)
    desk.goto(tenant_url(ECEPS, f"/admin/login/?next=/admin/helpdesk/personne/{nadia.pk}/"))
    desk.locator("#id_username").fill(SECRETARY)
    desk.locator("#id_password").fill(demo_eceps)
    desk.locator("#id_otp_token").fill(f"{totp(device.bin_key):06d}")
    desk.locator("#login-form [type=submit]").click()
    expect(desk).to_have_url(re.compile(rf"/admin/helpdesk/personne/{nadia.pk}/$"))
    attempts = desk.locator("#attempts")
    expect(attempts).to_contain_text(
        "une seule méthode enregistrée" if lang == "fr" else "only one method registered"
    )
    page_checks(desk, "desk-card")

    # she checks Nadia's identity and hands over a one-time code (no mail leaves)
    form = desk.locator("form.helpdesk-desk-code")
    form.locator("input[name=handover][value=in_person]").check()
    form.locator("#id_identity_checked").check()
    form.locator("button[type=submit]").click()
    code = desk.locator("#desk-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    expect(desk.locator("#desk-identifier")).to_have_text("nadia.lambert")
    # (the address where she types the code is data: the portal's paths are French)
    page_checks(desk, "desk-code-sheet", data=desk.locator("#desk-url").inner_text())
    (row,) = HelpdeskAction.objects.filter(target=nadia)
    assert row.action == ActionKind.DESK_CODE and row.actor.identifier == SECRETARY
    assert code not in row.detail and code.replace("-", "") not in row.detail
    assert not Message.objects.filter(to=nadia.email).exists()

    # Nadia, on her phone, types her identifier and the code, then chooses her password
    phone = sized_context.new_page()
    phone.goto(tenant_url(ECEPS, "/compte-inaccessible/code-secretariat/"))
    page_checks(phone, "desk-code-entry")
    phone.locator("#id_identifier").fill("nadia.lambert")
    phone.locator("#id_code").fill(code)
    phone.locator("main form button.primary").click()
    expect(phone).to_have_url(re.compile(r"/code-secretariat/mot-de-passe/$"))
    phone.locator("#id_password1").fill(NEW_PASSWORD)
    phone.locator("#id_password2").fill(NEW_PASSWORD)
    page_checks(phone, "desk-code-password")
    phone.locator("main form button.primary").click()
    expect(phone).to_have_url(re.compile(r"/compte-inaccessible/termine/$"))
    expect(phone.get_by_role("status")).to_contain_text(TEXTS[lang]["reset_done"])
    page_checks(phone, "desk-code-done")
    nadia.refresh_from_db()
    assert nadia.check_password(NEW_PASSWORD)

    # and the card shows the code's use, never the code
    desk.goto(tenant_url(ECEPS, f"/admin/helpdesk/personne/{nadia.pk}/"))
    expect(desk.locator("#attempts")).not_to_contain_text(code)
    expect(desk.locator(".helpdesk-main")).not_to_contain_text(code)
