"""The student pages where the tenant enables them, and step 1: asking for a link."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client

from outbox.models import Message
from recovery.models import Flow, LinkToken, Outcome, RecoveryRequest
from tests.conftest import HOST_A
from tests.recovery.student.conftest import SCHOOL_EMAIL, STUDENT_LINK_RE, _text

pytestmark = pytest.mark.django_db


def test_start_page_says_what_is_needed_and_that_usernames_are_not_recovered(sepne, client_a):
    page = client_a.get("/eleve/")
    assert page.status_code == 200
    text = _text(page)
    assert "3100111222" in text and "abc123456" in text
    assert "Nom d'utilisateur oublié ?" in text
    assert "Les élèves peuvent uniquement réinitialiser leur mot de passe." in text
    # One voice on the page: SEPNE says « tu » to its students (ISSUE 13)
    assert "demande de l'aide à ton école" in text
    assert "Réinitialise ton mot de passe par l'intermédiaire du SEPNE" in text
    assert "10 minutes" in text
    assert page["Cache-Control"].startswith("max-age=0") or "no-store" in page["Cache-Control"]


def test_login_page_links_to_the_student_flow_only_where_enabled(sepne, tenant_b, client_b):
    here = _text(Client(HTTP_HOST=HOST_A).get("/accounts/login/"))
    assert 'href="/eleve/"' in here and "Nom d'utilisateur ou mot de passe oublié ?" in here
    elsewhere = client_b.get("/accounts/login/").content.decode()
    assert 'href="/eleve/"' not in elsewhere


@pytest.mark.parametrize(
    "path",
    ["/eleve/", "/eleve/envoye/", "/eleve/lien/abc/", "/eleve/reinitialiser/",
     "/eleve/demande-envoyee/"],
)  # fmt: skip
def test_every_page_is_404_where_the_feature_is_off(tenant_a, client_a, path):
    assert client_a.get(path).status_code == 404
    assert client_a.post(path, {"address": SCHOOL_EMAIL}).status_code == 404


def test_the_web_request_only_records(student, client_a):
    # Without a commit, nothing is looked up or sent: the response cannot depend on the account.
    response = client_a.post("/eleve/", {"address": student.school_email})
    assert response.status_code == 302
    request = RecoveryRequest.objects.get(flow=Flow.STUDENT_MAILBOX)
    assert request.user is None and request.outcome == Outcome.PENDING
    assert request.method == "mailbox" and request.login == student.school_email
    assert mail.outbox == [] and not LinkToken.objects.exists()


def test_the_link_is_mailed_to_the_school_mailbox_on_the_tenant_host(student, student_link):
    client = Client(HTTP_HOST=HOST_A)
    path = student_link(client, student)
    (message,) = mail.outbox
    assert message.to == [SCHOOL_EMAIL]
    assert STUDENT_LINK_RE.findall(message.body)[0].startswith("http://alpha.localhost:8000/eleve/")
    token = LinkToken.objects.get(user=student)
    assert token.purpose == "student_mailbox"
    assert token.expires_at - token.created_at == timedelta(hours=1)
    assert path.split("/")[-2] not in token.secret_hash  # only a hash is stored
    assert Message.objects.get(to=SCHOOL_EMAIL).sensitive
