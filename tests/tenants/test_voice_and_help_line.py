"""ISSUE 13, item 6: one voice per tenant (« tu » for SEPNE's students, « vous » elsewhere), the
footer's help line in the visitor's language, the copied mistakes of the original pages gone,
and English strings punctuated the English way."""

import html as html_lib
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from tenants.models import Tenant
from tests.conftest import HOST_A

PO_FILE = Path(__file__).resolve().parents[2] / "locale" / "en" / "LC_MESSAGES" / "django.po"
TU = re.compile(r"\b(tu|te|toi|ton|ta|tes|t'|t’)\b", re.IGNORECASE)
VOUS = re.compile(r"\b(vous|votre|vos)\b", re.IGNORECASE)
# Imperatives of the pages: « Vérifie » / « Vérifiez », « Demande » / « Demandez »…
TU_VERBS = re.compile(
    r"\b(vérifie|ouvre|consulte|choisis|saisis|entre ton|active ton|demande de l'aide|demande-le"
    r"|recommence)\b"
)
VOUS_VERBS = re.compile(
    r"\b(vérifiez|demandez|entrez|ouvrez|consultez|activez|choisissez|recommencez)\b"
)


def _main(response) -> str:
    """The visible text of the page's <main>: what the voice rule is about."""
    html = response.content.decode()
    main = html.split('<main id="main" class="content">', 1)[1].split("</main>", 1)[0]
    text = re.sub(r"<[^>]+>", " ", main)
    return html_lib.unescape(re.sub(r"\s+", " ", text))


def _english(client: Client, path: str) -> None:
    client.post("/i18n/setlang/", {"language": "en", "next": path})


# --- The tenant's voice ---------------------------------------------------------------------

STUDENT_PAGES = ["/eleve/", "/eleve/envoye/", "/eleve/demande-envoyee/"]
# (the password page, reached without a proven code, is the « no longer valid » page)
ACTIVATION_PAGES = ["/activation/eleve/", "/activation/eleve/envoye/", "/activation/mot-de-passe/"]


@pytest.fixture
def student_tenant(tenant_a):
    tenant_a.student_mailbox_reset = True
    tenant_a.student_self_activation = True
    tenant_a.save()
    return tenant_a


@pytest.mark.django_db
@pytest.mark.parametrize("path", STUDENT_PAGES + ACTIVATION_PAGES)
def test_a_tu_tenant_never_says_vous_on_the_student_pages(student_tenant, client_a, path):
    student_tenant.voice = "tu"
    student_tenant.save()
    text = _main(client_a.get(path))
    assert TU.search(text) or TU_VERBS.search(text.lower()), text
    assert not VOUS.search(text), VOUS.findall(text)
    assert not VOUS_VERBS.search(text.lower()), VOUS_VERBS.findall(text.lower())


@pytest.mark.django_db
@pytest.mark.parametrize("path", STUDENT_PAGES + ACTIVATION_PAGES)
def test_a_vous_tenant_never_says_tu_on_the_student_pages(student_tenant, client_a, path):
    assert student_tenant.voice == "vous"  # the default
    text = _main(client_a.get(path))
    assert VOUS.search(text) or VOUS_VERBS.search(text.lower()), text
    assert not TU.search(text), TU.findall(text)
    assert not TU_VERBS.search(text.lower()), TU_VERBS.findall(text.lower())


@pytest.mark.django_db
def test_the_student_form_speaks_the_tenants_voice(student_tenant, client_a):
    page = html_lib.unescape(client_a.get("/eleve/").content.decode())
    assert "Votre adresse de courriel scolaire" in page
    error = html_lib.unescape(
        client_a.post("/eleve/", {"address": "pas-une-adresse"}).content.decode()
    )
    assert "Saisissez une adresse de courriel valide." in error
    student_tenant.voice = "tu"
    student_tenant.save()
    error = html_lib.unescape(
        client_a.post("/eleve/", {"address": "pas-une-adresse"}).content.decode()
    )
    assert "Saisis une adresse de courriel valide." in error


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("voice", "expected"), [("vous", "Vous pouvez maintenant"), ("tu", "Tu peux maintenant")]
)
def test_done_page_has_neither_copied_mistake(tenant_a, client_a, voice, expected):
    tenant_a.voice = voice
    tenant_a.save()
    text = _main(client_a.get("/mot-de-passe-oublie/termine/"))
    assert "cliquez" not in text.lower()
    assert "Réinitialiser la confirmation" not in text
    assert "Mot de passe réinitialisé" in text
    assert expected in text


# --- The footer's help line -----------------------------------------------------------------


@pytest.mark.django_db
def test_footer_help_line_follows_the_visitors_language(tenant_a):
    tenant_a.support_text = "Contactez votre pouvoir organisateur."
    tenant_a.support_text_en = "Contact your organising authority."
    tenant_a.save()
    french = Client(HTTP_HOST=HOST_A).get("/accounts/login/").content.decode()
    assert '<p class="support">Contactez votre pouvoir organisateur.</p>' in french
    client = Client(HTTP_HOST=HOST_A)
    _english(client, "/accounts/login/")
    english = client.get("/accounts/login/").content.decode()
    assert '<p class="support">Contact your organising authority.</p>' in english
    assert "Contactez votre pouvoir organisateur." not in english


@pytest.mark.django_db
def test_footer_help_line_without_english_stays_french_and_says_so(tenant_a):
    tenant_a.support_text = "Contactez votre pouvoir organisateur."
    tenant_a.support_text_en = ""
    tenant_a.save()
    client = Client(HTTP_HOST=HOST_A)
    _english(client, "/accounts/login/")
    english = client.get("/accounts/login/").content.decode()
    # Screen readers read it with a French voice.
    assert '<p class="support" lang="fr">Contactez votre pouvoir organisateur.</p>' in english


@pytest.mark.django_db
def test_demo_tenants_have_a_voice_and_an_english_help_line(settings):
    settings.DEMO_MODE = True
    call_command("seed_demo")
    voices = dict(Tenant.objects.values_list("slug", "voice"))
    assert voices == {"creos": "vous", "eceps": "vous", "sepne": "tu", "creteil": "vous"}
    for tenant in Tenant.objects.all():
        assert tenant.support_text_en.strip(), tenant.slug
        assert tenant.support_text_in("en") == (tenant.support_text_en, "en")
        assert tenant.support_text_in("fr") == (tenant.support_text, "fr")
    sepne = Tenant.objects.get(slug="sepne")
    assert TU.search(sepne.support_text) and not VOUS.search(sepne.support_text)


# --- English punctuation --------------------------------------------------------------------


def _msgstrs() -> list[str]:
    text = re.sub(r'"\n"', "", PO_FILE.read_text(encoding="utf-8"))
    found = re.findall(r'^msgstr(?:\[\d\])? "(.*)"$', text, re.MULTILINE)
    return found[1:]  # the header is not a message


def test_no_english_string_has_a_space_before_a_colon_or_mark():
    """« Due date : » is French typography; English writes « Due date: »."""
    offenders = [s for s in _msgstrs() if re.search(r"[\s\u00a0\u202f][:?!;]", s)]
    assert offenders == []


def test_catalogue_is_read_whole():
    assert len(_msgstrs()) > 1000


STUDENT_MAILS = [
    "recovery/student/email/link",
    "recovery/student/email/temporary_password",
    "recovery/activation/email/student_link",
]


@pytest.mark.django_db
@pytest.mark.parametrize("template", STUDENT_MAILS)
def test_student_mails_speak_the_tenants_voice(tenant_a, template):
    from django.template.loader import render_to_string
    from django.utils import translation

    context = {
        "url": "https://alpha.localhost/x/", "login_url": "https://alpha.localhost/",
        "identifier": "abc123456", "password": "abc-def", "lifetime_minutes": 60,
        "lifetime_hours": 24,
    }  # fmt: skip
    for voice, present, absent in [("tu", TU, VOUS), ("vous", VOUS, TU)]:
        tenant_a.voice = voice
        with translation.override("fr"):
            text = "".join(
                render_to_string(f"{template}_{part}.txt", {**context, "tenant": tenant_a})
                for part in ("subject", "message")
            )
        assert present.search(text), (voice, text)
        assert not absent.search(text), (voice, absent.findall(text))


@pytest.mark.django_db
def test_network_admin_sets_the_voice_and_the_english_help_line(tenant_a, school_a):
    from tests.conftest import verified_admin_client
    from tests.factories import UserFactory

    boss = UserFactory(tenant=tenant_a, is_tenant_admin=True, schools=[school_a])
    client = verified_admin_client(boss, HOST_A)
    page = client.get(f"/admin/tenants/tenant/{tenant_a.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="voice"' in html and 'name="support_text_en"' in html


@pytest.mark.django_db
def test_english_error_summary_has_no_space_before_the_colon(tenant_a):
    client = Client(HTTP_HOST=HOST_A)
    _english(client, "/mot-de-passe-oublie/")
    response = client.post("/mot-de-passe-oublie/", {"method": "email", "login": "pas-une-adresse"})
    assert response.status_code == 400
    html = html_lib.unescape(response.content.decode())
    summary = html.split('id="error-summary"', 1)[1].split("</div>", 1)[0]
    assert "Username or email address: Enter a valid email address." in summary
    assert not re.search(r"\w [:?!;]", re.sub(r"<[^>]+>", "", summary))
    # and French keeps its space
    french = Client(HTTP_HOST=HOST_A).post(
        "/mot-de-passe-oublie/", {"method": "email", "login": "pas-une-adresse"}
    )
    assert "Nom d'utilisateur ou adresse e-mail : Saisissez" in html_lib.unescape(
        french.content.decode()
    )
