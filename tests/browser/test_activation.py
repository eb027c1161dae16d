"""Account activation in a real browser: a never-activated parent types the code of his letter,
chooses a password with the live checklist and is logged in; a student activates through her
school mailbox. axe-core runs on every activation page."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from outbox.models import Message
from recovery.activation.services import activation_code_issue
from tests.conftest import HOST_A
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "Nouveau-Secret-42"
PASSWORD_LABEL = re.compile(r"^Mot de passe\s*:?$")


@pytest.fixture
def creos(tenant_a, live_server, settings):
    """Tenant A with the CREOS rules; mailed links point at the live server."""
    settings.PUBLIC_SCHEME = "http"
    settings.PUBLIC_PORT = str(urlsplit(live_server.url).port)
    tenant_a.password_rules = "creos"
    tenant_a.save()
    return tenant_a


@pytest.fixture
def newcomer(creos, school_a):
    """Like the demo's nouveau.parent: created by the secretary, never activated."""
    user = UserFactory(
        tenant=creos, identifier="nouveau.parent", first_name="Nicolas", last_name="Nouveau",
        email="nouveau.parent@example.be", is_parent=True, schools=[school_a],
    )  # fmt: skip
    user.set_unusable_password()
    user.save()
    return user


def _fill_code(page, identifier: str, code: str) -> None:
    page.get_by_label("Identifiant").fill(identifier)
    page.get_by_label("Code d'activation").fill(code)
    page.get_by_role("button", name="Continuer").click()


def test_parent_activates_his_account_from_the_letter(page, tenant_url, newcomer, axe_check):
    # given the code printed on his letter, and the address of its QR code
    code = activation_code_issue(user=newcomer)
    page.goto(tenant_url(HOST_A, "/activation/?identifiant=nouveau.parent"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Activer votre compte")
    expect(page.get_by_label("Identifiant")).to_have_value("nouveau.parent")
    axe_check(page)

    # when he mistypes the code, he is told without learning which part was wrong
    _fill_code(page, "nouveau.parent", "ABCD-EFGH-JKMN")
    expect(page.get_by_role("alert")).to_contain_text("L'identifiant ou le code d'activation")
    axe_check(page)

    # and when he types it right (lower case, spaces: it does not matter)
    _fill_code(page, "nouveau.parent", code.lower().replace("-", " "))
    expect(page).to_have_url(re.compile(r"/activation/mot-de-passe/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Choisissez votre mot de passe")
    axe_check(page)

    # then the checklist follows what he types
    page.get_by_label(PASSWORD_LABEL).fill("court")
    expect(page.locator('[data-rule="digit"]')).not_to_have_class(re.compile("rule-ok"))
    page.get_by_label(PASSWORD_LABEL).fill(NEW_PASSWORD)
    expect(page.locator('[data-rule="digit"]')).to_have_class(re.compile("rule-ok"))
    page.get_by_label("Confirmer mot de passe").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Activer mon compte").click()

    # and he is logged in, on his profile
    expect(page).to_have_url(re.compile(r"/profil/$"))
    expect(page.get_by_text("Votre compte est activé")).to_be_visible()
    expect(page.get_by_role("navigation", name="Menu principal")).to_contain_text("Nouveau")
    axe_check(page)
    newcomer.refresh_from_db()
    assert newcomer.check_password(NEW_PASSWORD)

    # and the code is spent: the password page is gone
    page.goto(tenant_url(HOST_A, "/activation/mot-de-passe/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Cette activation n'est plus valable")
    axe_check(page)


def test_two_step_tenant_invites_to_register_recovery_methods(
    page, tenant_url, newcomer, axe_check
):
    newcomer.tenant.two_step_reset = True
    newcomer.tenant.save()
    code = activation_code_issue(user=newcomer)
    page.goto(tenant_url(HOST_A, "/activation/"))
    _fill_code(page, "nouveau.parent", code)
    page.get_by_label(PASSWORD_LABEL).fill(NEW_PASSWORD)
    page.get_by_label("Confirmer mot de passe").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Activer mon compte").click()
    expect(page).to_have_url(re.compile(r"/activation/bienvenue/$"))
    axe_check(page)
    page.get_by_role("link", name="Enregistrer mes méthodes de récupération").click()
    expect(page).to_have_url(re.compile(r"/profil/methodes/$"))
    page.go_back()
    page.get_by_role("link", name="Plus tard").click()
    expect(page).to_have_url(re.compile(r"/profil/$"))


def test_student_activates_through_her_school_mailbox(page, tenant_url, creos, school_a, axe_check):
    creos.student_self_activation = True
    creos.save()
    student = UserFactory(
        tenant=creos, identifier="abc123456", first_name="Léa", last_name="Gagnon",
        is_student=True, schools=[school_a], student_number="3100111222",
        school_email="lea.gagnon@eleves.alpha.localhost",
    )  # fmt: skip
    student.set_unusable_password()
    student.save()

    page.goto(tenant_url(HOST_A, "/activation/"))
    page.get_by_role(
        "link", name="Élève sans lettre ? Activez votre compte avec votre boîte scolaire."
    ).click()
    expect(page).to_have_url(re.compile(r"/activation/eleve/$"))
    axe_check(page)
    page.get_by_label("Numéro d'élève").fill("3100111222")
    page.get_by_label("Nom d'utilisateur sur le portail").fill("abc123456")
    page.get_by_role("button", name="Recevoir le lien d'activation").click()
    expect(page).to_have_url(re.compile(r"/activation/eleve/envoye/$"))
    axe_check(page)

    message = Message.objects.get(template="recovery/activation/email/student_link")
    assert message.to == student.school_email
    link = re.search(r"https?://\S+/activation/lien/\S+/", message.body_text).group(0)
    page.goto(link)
    expect(page).to_have_url(re.compile(r"/activation/mot-de-passe/$"))
    axe_check(page)
    page.get_by_label(PASSWORD_LABEL).fill(NEW_PASSWORD)
    page.get_by_label("Confirmer mot de passe").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Activer mon compte").click()
    expect(page).to_have_url(re.compile(r"/profil/$"))
    student.refresh_from_db()
    assert student.check_password(NEW_PASSWORD)


def test_letter_batch_progress_page_is_accessible(
    page, context, tenant_url, creos, secretary, axe_check
):
    from accounts.models import LetterBatch
    from tests.conftest import verified_admin_client

    batch = LetterBatch.objects.create(tenant=creos, created_by=secretary, total=120, done=30)
    client = verified_admin_client(secretary, HOST_A)
    context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": tenant_url(HOST_A),
            }
        ]
    )
    page.clock.install()  # the script polls every second: the test moves the clock instead
    page.goto(tenant_url(HOST_A, f"/admin/accounts/letterbatch/{batch.pk}/progression/"))
    expect(page.get_by_role("progressbar", name="Progression")).to_have_attribute("value", "25")
    expect(page.locator("#letter-batch-percent")).to_have_text("25 % (30 / 120)")
    axe_check(page)
    # the job moves on: the script follows it, then shows the download link once finished
    LetterBatch.objects.filter(pk=batch.pk).update(done=60)
    page.clock.fast_forward(1_000)
    expect(page.locator("#letter-batch-percent")).to_have_text("50 % (60 / 120)")
    LetterBatch.objects.filter(pk=batch.pk).update(status="failed")
    page.clock.fast_forward(1_000)
    expect(page.get_by_text("La préparation des lettres a échoué")).to_be_visible()
    axe_check(page)
