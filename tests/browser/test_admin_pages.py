"""Issue 13, the admin on a phone and on a desktop: the demo secretary's first login works at
once in plain words (no « Please select a device. », no OTP jargon), and the admin's pages she
uses — front page, invitations list and form, recovery log, people list — neither scroll
sideways nor fail axe-core, in French and in English, with one date convention per language."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOST = "creos.localhost"
SECRETARY = "secretariat.creos"
# Data, not interface: the demo's people, schools, activities and their words.
DEMO_DATA = frozenset(
    {
        "creos", "secrétariat", "jacqueline", "dubois", "camille", "nolan", "muller", "legrand",
        "dupont", "parent", "nouveau", "musée", "jouet", "activité", "handball", "temps", "midi",
        "école", "ecole", "sainte", "saint", "marie", "athénée", "royal", "lycée",
    }
)  # fmt: skip
JARGON = ("OTP", "Please select a device", "Appareil", "Jeton", "défi", "device", "token")


@pytest.fixture
def demo(settings, tmp_path):
    """The demo tenants and people, with the demo secretaries' TOTP devices."""
    from django.utils.functional import empty

    from demo.seed import DEMO_PASSWORD, seed_demo
    from payments.models import private_storage

    settings.MEDIA_ROOT = tmp_path / "media"
    private_storage._wrapped = empty
    seed_demo()
    yield DEMO_PASSWORD
    private_storage._wrapped = empty


def current_code(identifier: str = SECRETARY, tenant: str = "creos") -> str:
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user__identifier=identifier, user__tenant__slug=tenant)
    return f"{totp(device.bin_key):06d}"


LOGIN_LABELS = {
    "fr": ("^Identifiant", "^Mot de passe", "^Code à 6 chiffres", "Connexion"),
    "en": ("^Username", "^Password", "^6-digit code", "Log in"),
}


def admin_login(
    page, tenant_url, password: str, *, language: str = "fr", next_url: str = "/admin/"
):
    identifier_label, password_label, code_label, button = LOGIN_LABELS[language]
    page.goto(tenant_url(HOST, f"/admin/login/?next={next_url}"))
    page.get_by_label(re.compile(identifier_label)).fill(SECRETARY)
    page.get_by_label(re.compile(password_label)).fill(password)
    page.get_by_label(re.compile(code_label)).fill(current_code())
    page.get_by_role("button", name=button).click()
    expect(page).to_have_url(re.compile(rf"^http://[^/?]+{re.escape(next_url)}$"))


def _no_jargon(page) -> None:
    text = page.evaluate("document.body.innerText")
    for word in JARGON:
        assert word not in text, f"« {word} » on {page.url}"


def test_the_demo_secretarys_first_login_works_in_plain_french(
    sized_page, tenant_url, demo, check_layout, viewport_name
):
    page = sized_page
    # given the admin's login page on a fresh browser
    page.goto(tenant_url(HOST, "/admin/login/?next=/admin/"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_layout(page, f"admin-login-{viewport_name}")
    _no_jargon(page)
    # when she types her identifier, password and her app's code, once
    page.get_by_label(re.compile("^Identifiant")).fill(SECRETARY)
    page.get_by_label(re.compile("^Mot de passe")).fill(demo)
    page.get_by_label(re.compile("Code à 6 chiffres")).fill(current_code())
    page.get_by_role("button", name="Connexion").click()
    # then she is in the admin at her first try
    expect(page).to_have_url(re.compile(r"^http://[^/?]+/admin/$"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    _no_jargon(page)
    check_layout(page, f"admin-index-{viewport_name}")


def test_a_wrong_code_says_so_in_plain_french(
    sized_page, tenant_url, demo, check_layout, viewport_name
):
    page = sized_page
    page.goto(tenant_url(HOST, "/admin/login/"))
    page.get_by_label(re.compile("^Identifiant")).fill(SECRETARY)
    page.get_by_label(re.compile("^Mot de passe")).fill(demo)
    page.get_by_label(re.compile("Code à 6 chiffres")).fill("000000")
    page.get_by_role("button", name="Connexion").click()
    expect(page.get_by_role("alert")).to_have_text("Identifiant, mot de passe ou code incorrect.")
    _no_jargon(page)
    check_layout(page, f"admin-login-error-{viewport_name}")


@pytest.mark.parametrize("ui_locale", ["en-GB"])
def test_the_admin_login_and_front_page_in_english(
    sized_page, tenant_url, demo, check_layout, viewport_name, french_words
):
    page = sized_page
    page.goto(tenant_url(HOST, "/admin/login/?next=/admin/"))
    check_layout(page, f"admin-login-en-{viewport_name}")
    _no_jargon(page)
    assert french_left_on_page_(page, french_words) == []
    admin_login(page, tenant_url, demo, language="en")
    check_layout(page, f"admin-index-en-{viewport_name}")
    assert french_left_on_page_(page, french_words) == []


def french_left_on_page_(page, words):
    from tests.browser.conftest import french_left_on_page

    return french_left_on_page(page, words, allow=DEMO_DATA)


def _invitation_pk() -> int:
    from payments.models import Invitation
    from tenants.models import Tenant
    from tenants.scoping import tenant_scope

    with tenant_scope(Tenant.objects.get(slug="creos")):
        return Invitation.objects.order_by("pk").values_list("pk", flat=True).first()


ADMIN_PAGES = [
    ("admin-invitations", "/admin/payments/invitation/"),
    ("admin-recovery-requests", "/admin/recovery/recoveryrequest/"),
    ("admin-recovery-log", "/admin/recovery/recoveryevent/"),
    ("admin-persons", "/admin/accounts/user/"),
    ("admin-activity-add", "/admin/payments/activity/add/"),
    ("admin-activities", "/admin/payments/activity/"),
]


def _pages_of_one_activity_and_person(viewport_name: str) -> list[tuple[str, str]]:
    from accounts.models import User
    from payments.models import Activity
    from tenants.models import Tenant
    from tenants.scoping import tenant_scope

    with tenant_scope(Tenant.objects.get(slug="creos")):
        activity = Activity.objects.order_by("pk").first()
    parent = User.objects.get(tenant__slug="creos", identifier="jacqueline.dubois")
    pages = [
        ("admin-invitation-form", f"/admin/payments/invitation/{_invitation_pk()}/change/"),
        ("admin-person-form", f"/admin/accounts/user/{parent.pk}/change/"),
    ]
    # Its link in a sentence (« liste des invitations »); on a phone its seven-column table
    # scrolls in its own box.
    pages.append(("admin-activity-follow-up", f"/admin/payments/activity/{activity.pk}/suivi/"))
    return pages


def _class_of_blanks() -> None:
    """A class typed as a blank (a spreadsheet's cell): the class filter offers no nameless link."""
    from accounts.models import User

    User.objects.filter(tenant__slug="creos", identifier="camille.muller").update(classroom="  ")


def _recovery_events() -> None:
    """A reset as the log shows it: a link sent, then the password changed."""
    from accounts.models import User
    from recovery.models import Flow, Outcome
    from recovery.services import recovery_event_log

    parent = User.objects.get(tenant__slug="creos", identifier="jacqueline.dubois")
    for kind, outcome in (("link_sent", Outcome.MAIL_SENT), ("password_reset", Outcome.COMPLETED)):
        recovery_event_log(
            tenant=parent.tenant, flow=Flow.IDENTIFIER, kind=kind, outcome=outcome, user=parent
        )


def test_the_admin_pages_a_secretary_uses_fit_and_pass_axe(
    sized_page, tenant_url, demo, check_layout, viewport_name
):
    page = sized_page
    _recovery_events()
    _class_of_blanks()
    admin_login(page, tenant_url, demo)
    pages = [*ADMIN_PAGES, *_pages_of_one_activity_and_person(viewport_name)]
    assert_layouts(page, tenant_url, pages, check_layout, viewport_name)


def zoomed_out(page) -> str:
    """A phone shows a page wider than its screen zoomed out: `innerWidth` grows with the page
    and check_layout's sideways-scroll test passes. Measured against the screen, it does not."""
    screen = page.viewport_size["width"]
    inner = page.evaluate("window.innerWidth")
    if inner > screen:
        return f"{page.url}: wider than the {screen} px screen (the phone zooms out to {inner} px)"
    return ""


def layout_problems(page, tenant_url, pages, check_layout, viewport_name) -> list[str]:
    """Every page's layout checked: each failure, not only the first page's."""
    problems = []
    for name, path in pages:
        page.goto(tenant_url(HOST, path))
        try:
            check_layout(page, f"{name}-{viewport_name}")
        except pytest.fail.Exception as failure:
            problems.append(str(failure))
        if zoomed_out(page):
            problems.append(zoomed_out(page))
    return problems


def assert_layouts(page, tenant_url, pages, check_layout, viewport_name) -> None:
    problems = layout_problems(page, tenant_url, pages, check_layout, viewport_name)
    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)


def test_the_recovery_log_and_the_lists_speak_french_not_codes(page, tenant_url, demo):
    # given a reset in the recovery log
    _recovery_events()
    admin_login(page, tenant_url, demo)
    # when the secretary reads the log
    page.goto(tenant_url(HOST, "/admin/recovery/recoveryevent/"))
    log = page.locator("#result_list")
    # then every column and event is in words, none in English or in the code's own names
    expect(log.locator("thead")).to_contain_text("Compte")
    expect(log.locator("thead")).not_to_contain_text("User")
    expect(log).to_contain_text("lien envoyé")
    expect(log).to_contain_text("mot de passe réinitialisé")
    expect(page.locator(".paginator")).to_contain_text("2 événements")
    expect(page.locator("#changelist-filter")).to_contain_text("Par date")
    expect(page.locator("#content")).not_to_contain_text("password_reset")
    expect(page.locator("#content")).not_to_contain_text("link_sent")
    # the invitations list's columns are all French
    page.goto(tenant_url(HOST, "/admin/payments/invitation/"))
    expect(page.locator("#result_list thead")).to_contain_text("Activité")
    expect(page.locator("#result_list thead")).not_to_contain_text("Activity")
    # and so is the form of an invitation, with its dates as dates and nothing as « - »
    page.goto(tenant_url(HOST, f"/admin/payments/invitation/{_invitation_pk()}/change/"))
    form = page.locator("#content-main")
    expect(form).to_contain_text("Paiement automatique tenté le")
    expect(form).not_to_contain_text("Autopay")
    expect(form).not_to_contain_text("None")
    # a parent's children are named in French
    from accounts.models import User

    parent = User.objects.get(tenant__slug="creos", identifier="jacqueline.dubois")
    page.goto(tenant_url(HOST, f"/admin/accounts/user/{parent.pk}/change/"))
    expect(page.locator(".inline-group")).not_to_contain_text("Child")
    # the add pages say what they add, with its article
    page.goto(tenant_url(HOST, "/admin/payments/activity/add/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Ajouter une activité")
    page.goto(tenant_url(HOST, "/admin/payments/activity/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Activités")
    expect(page.get_by_role("link", name="Ajouter une activité")).to_be_visible()


def test_dates_are_day_first_with_24_hour_time_in_english_too(page, tenant_url, demo):
    from django.utils import timezone

    from recovery.models import RecoveryEvent

    _recovery_events()
    when = timezone.make_aware(timezone.datetime(2026, 1, 12, 15, 28))
    RecoveryEvent.objects.update(created_at=when)
    page.context.add_cookies(
        [{"name": "django_language", "value": "en", "domain": HOST, "path": "/"}]
    )
    admin_login(page, tenant_url, demo, language="en")
    page.goto(tenant_url(HOST, "/admin/recovery/recoveryevent/"))
    log = page.locator("#result_list")
    expect(log).to_contain_text("12 January 2026, 15:28")
    expect(log).not_to_contain_text("p.m.")
    expect(log).not_to_contain_text("Jan. 12")


@pytest.mark.parametrize("ui_locale", ["en-GB"])
def test_the_admin_pages_in_english_leave_no_french(
    sized_page, tenant_url, demo, check_layout, viewport_name, french_words
):
    page = sized_page
    _recovery_events()
    admin_login(page, tenant_url, demo, language="en")
    pages = [
        ("admin-index-en", "/admin/"),
        *((f"{name}-en", path) for name, path in ADMIN_PAGES),
        *((f"{name}-en", path) for name, path in _pages_of_one_activity_and_person(viewport_name)),
    ]
    problems = []
    for _name, path in pages:
        page.goto(tenant_url(HOST, path))
        left = french_left_on_page_(page, french_words)
        if left:
            problems.append(f"{path}: French left: {left}")
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)
    assert_layouts(page, tenant_url, pages, check_layout, viewport_name)
