"""SEPNE student reset in a real browser: start page → school mailbox address → the one-time
link from the dev inbox → student number + username → "jusqu'à 10 minutes" → the temporary
password mailed to the school mailbox → login with it → forced new password → profile.
axe-core runs on every page of the flow."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from outbox.models import Message, Status
from outbox.services import outbox_sweep
from tests.factories import SchoolFactory, TenantFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOST = "sepne.localhost"
LOGIN = "/accounts/login/"
NUMBER = "3100111222"
SCHOOL_EMAIL = "lea.gagnon@eleves.sepne.localhost"
NEW_PASSWORD = "Mon-Nouveau-Secret-7"
TEMPORARY_RE = re.compile(r"Mot de passe temporaire : (\S+)")


@pytest.fixture
def sepne(db, live_server, settings):
    """A SEPNE-style tenant without the delay; mailed links point at the live server."""
    settings.PUBLIC_SCHEME = "http"
    settings.PUBLIC_PORT = str(urlsplit(live_server.url).port)
    return TenantFactory(
        slug="sepne", display_name="Centre de services scolaire SEPNE",
        student_mailbox_reset=True, student_reset_delay_seconds=0, identifier_reset=False,
        primary_colour="#123456", voice="tu",
    )  # fmt: skip


@pytest.fixture
def student(sepne):
    school = SchoolFactory(
        tenant=sepne, name="École secondaire du Parc", code="PARC1",
        mail_domain="eleves.sepne.localhost",
    )  # fmt: skip
    # Her personal address is not the school mailbox: nothing of this flow may go there.
    return UserFactory(
        tenant=sepne, identifier="abc123456", first_name="Léa", last_name="Gagnon",
        email="lea.perso@example.org", is_student=True, schools=[school],
        student_number=NUMBER, school_email=SCHOOL_EMAIL,
    )  # fmt: skip


def _open_newest_mail(page, tenant_url, *, template: str) -> Message:
    """Opens, in the dev inbox, the newest message of this template (and returns its row)."""
    message = Message.objects.filter(template=template).order_by("-created_at", "-id").first()
    assert message is not None, f"no {template} message"
    page.goto(tenant_url(HOST, "/dev-inbox/"))
    page.get_by_role("link", name=message.subject).first.click()
    expect(page).to_have_url(re.compile(rf"/dev-inbox/{message.pk}/$"))
    return message


def _login(page, identifier: str, password: str) -> None:
    page.get_by_label("Identifiant").fill(identifier)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Connexion").click()


def test_student_resets_her_password_through_her_school_mailbox(
    page, tenant_url, student, axe_check
):
    # given the login page
    page.goto(tenant_url(HOST, LOGIN))
    axe_check(page)
    # when Léa follows the students' recovery link
    page.get_by_role("link", name="Nom d'utilisateur ou mot de passe oublié ?").click()
    expect(page).to_have_url(re.compile(r"/eleve/$"))
    expect(page.get_by_role("heading", name="Nom d'utilisateur oublié ?")).to_be_visible()
    axe_check(page)

    # and gives her school mailbox address
    page.get_by_label("Ton adresse de courriel SEPNE").fill(SCHOOL_EMAIL)
    page.get_by_role("button", name=re.compile("Réinitialise ton mot de passe")).click()

    # then she is sent to her school mailbox
    expect(page).to_have_url(re.compile(r"/eleve/envoye/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Consulte ta boîte SEPNE")
    axe_check(page)

    # where the link awaits (and nothing went to her personal address)
    link_mail = _open_newest_mail(page, tenant_url, template="recovery/student/email/link")
    assert link_mail.to == SCHOOL_EMAIL
    assert not Message.objects.filter(to=student.email).exists()
    page.locator(".message-body a[href*='/eleve/lien/']").click()

    # then the link's secret leaves the address bar, and she types her number and username
    expect(page).to_have_url(re.compile(r"/eleve/reinitialiser/$"))
    assert "/lien/" not in page.url
    axe_check(page)
    page.get_by_label("Numéro d'élève").fill(NUMBER)
    page.get_by_label("Nom d'utilisateur sur le portail").fill(student.identifier)
    page.get_by_role("button", name="Réinitialiser le mot de passe").click()

    # then she is told the temporary password may take up to 10 minutes
    expect(page).to_have_url(re.compile(r"/eleve/demande-envoyee/$"))
    expect(page.get_by_role("main")).to_contain_text("Il faut compter jusqu'à 10 minutes")
    axe_check(page)

    # and (the tenant's delay being 0 here) it is in her school mailbox
    outbox_sweep()
    mail = _open_newest_mail(page, tenant_url, template="recovery/student/email/temporary_password")
    mail.refresh_from_db()
    assert mail.to == SCHOOL_EMAIL and mail.status == Status.SENT
    temporary = TEMPORARY_RE.search(page.locator(".message-body").inner_text()).group(1)
    assert temporary in mail.body_text

    # when she logs in with it
    page.goto(tenant_url(HOST, LOGIN))
    _login(page, student.identifier, temporary)

    # then she must choose a new password before anything else
    expect(page).to_have_url(re.compile(r"/profil/nouveau-mot-de-passe/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Choisis ton mot de passe")
    axe_check(page)
    page.goto(tenant_url(HOST, "/profil/"))
    expect(page).to_have_url(re.compile(r"/profil/nouveau-mot-de-passe/$"))

    password1 = page.get_by_label(re.compile(r"^Mot de passe\s*:?$"))
    password1.fill(NEW_PASSWORD)
    expect(page.locator("li[data-rule='length']")).to_have_class(re.compile(r"\brule-ok\b"))
    page.get_by_label("Confirmer mot de passe").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Enregistrer").click()

    # then she reaches her profile
    expect(page).to_have_url(re.compile(r"/profil/$"))
    expect(page.get_by_role("status")).to_contain_text("Ton nouveau mot de passe est enregistré")
    expect(page.locator("dl.facts")).to_contain_text(student.identifier)
    axe_check(page)

    # and the temporary password does not work a second time, the new one does
    page.get_by_role("button", name="Déconnexion").click()
    page.goto(tenant_url(HOST, LOGIN))
    _login(page, student.identifier, temporary)
    expect(page.get_by_role("alert")).to_be_visible()
    _login(page, student.identifier, NEW_PASSWORD)
    expect(page).to_have_url(re.compile(r"/profil/$"))


def test_wrong_answers_get_the_same_page_and_no_password(page, tenant_url, student, axe_check):
    page.goto(tenant_url(HOST, "/eleve/"))
    page.get_by_label("Ton adresse de courriel SEPNE").fill(SCHOOL_EMAIL)
    page.get_by_role("button", name=re.compile("Réinitialise ton mot de passe")).click()
    expect(page).to_have_url(re.compile(r"/eleve/envoye/$"))
    _open_newest_mail(page, tenant_url, template="recovery/student/email/link")
    page.locator(".message-body a[href*='/eleve/lien/']").click()
    expect(page).to_have_url(re.compile(r"/eleve/reinitialiser/$"))

    # a malformed number is explained in place, accessibly
    page.get_by_label("Numéro d'élève").fill("31001")
    page.get_by_label("Nom d'utilisateur sur le portail").fill(student.identifier)
    page.get_by_role("button", name="Réinitialiser le mot de passe").click()
    expect(page.get_by_role("alert")).to_contain_text("10 chiffres")
    axe_check(page)

    # a well-formed but wrong number gets the same page as the right one, and no password
    page.get_by_label("Numéro d'élève").fill("3100111223")
    page.get_by_role("button", name="Réinitialiser le mot de passe").click()
    expect(page).to_have_url(re.compile(r"/eleve/demande-envoyee/$"))
    outbox_sweep()
    assert not Message.objects.filter(template="recovery/student/email/temporary_password")
