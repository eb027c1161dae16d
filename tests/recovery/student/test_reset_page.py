"""Step 2: the one-time link opens the reset page, where the student answers her student
number and username; wrong answers look exactly like right ones."""

import html as html_lib
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from outbox.models import Message
from recovery.models import LinkToken, Outcome, RecoveryRequest, TemporaryPassword
from tests.conftest import HOST_A, HOST_B
from tests.factories import UserFactory
from tests.recovery.conftest import without_csrf
from tests.recovery.student.conftest import NUMBER, _text

pytestmark = pytest.mark.django_db


def test_link_leaves_the_address_bar(student, student_link):
    client = Client(HTTP_HOST=HOST_A)
    path = student_link(client, student)
    opened = client.get(path)
    assert opened.status_code == 302 and opened["Location"] == "/eleve/reinitialiser/"
    assert opened["Referrer-Policy"] == "no-referrer"
    page = client.get(opened["Location"])
    assert page.status_code == 200 and page["Referrer-Policy"] == "same-origin"
    text = _text(page)
    assert "Réinitialisation du mot de passe de l'élève pour le portail" in text
    assert path.split("/")[-2] not in text


def test_link_works_once(student, student_link, answer):
    client = Client(HTTP_HOST=HOST_A)
    path = student_link(client, student)
    assert answer(client, path).status_code == 302
    again = Client(HTTP_HOST=HOST_A)
    assert answer(again, path).status_code == 410
    assert TemporaryPassword.objects.filter(user=student).count() == 1


def test_link_expires_after_an_hour(student, student_link):
    client = Client(HTTP_HOST=HOST_A)
    path = student_link(client, student)
    client.get(path)
    token = LinkToken.objects.get(user=student)
    token.expires_at = timezone.now() + timedelta(seconds=1)
    token.save()
    assert client.get("/eleve/reinitialiser/").status_code == 200
    token.expires_at = timezone.now() - timedelta(seconds=1)
    token.save()
    assert client.get("/eleve/reinitialiser/").status_code == 410


def test_link_dies_after_a_newer_link(student, student_link, answer):
    first = student_link(Client(HTTP_HOST=HOST_A), student)
    student_link(Client(HTTP_HOST=HOST_A), student)
    assert answer(Client(HTTP_HOST=HOST_A), first).status_code == 410


def test_link_dies_when_the_school_mailbox_changes(student, student_link, answer):
    path = student_link(Client(HTTP_HOST=HOST_A), student)
    student.school_email = "lea.gagnon2@eleves.alpha.test"
    student.save()
    assert answer(Client(HTTP_HOST=HOST_A), path).status_code == 410


def test_link_is_refused_on_another_tenants_host(student, tenant_b, student_link, answer):
    tenant_b.student_mailbox_reset = True
    tenant_b.save()
    path = student_link(Client(HTTP_HOST=HOST_A), student)
    assert answer(Client(HTTP_HOST=HOST_B), path).status_code == 410
    assert not TemporaryPassword.objects.exists()
    # and it still works where it belongs
    assert answer(Client(HTTP_HOST=HOST_A), path).status_code == 302


def test_the_reset_page_without_a_link_is_gone(sepne, client_a):
    assert client_a.get("/eleve/reinitialiser/").status_code == 410


@pytest.mark.parametrize(
    ("number", "username", "message"),
    [
        ("310011122", "abc123456", "exactement 10 chiffres"),
        ("31001112223", "abc123456", "exactement 10 chiffres"),
        ("31OO111222", "abc123456", "exactement 10 chiffres"),
        ("3100 11122", "abc123456", "exactement 10 chiffres"),
        ("3" * 10_000, "abc123456", "exactement 10 chiffres"),
        (NUMBER, "a" * 10_000, "au plus 150 caractères"),
        (NUMBER, "abc 123456", "que des lettres, des chiffres"),
        (NUMBER, "abc123456<script>", "que des lettres, des chiffres"),
        ("", "abc123456", "obligatoire"),
    ],
)
def test_malformed_answers_are_refused_without_spending_the_link(
    student, student_link, answer, number, username, message
):
    client = Client(HTTP_HOST=HOST_A)
    path = student_link(client, student)
    response = answer(client, path, number, username)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html_lib.unescape(html) and 'role="alert"' in html
    assert "abc123456<script>" not in html
    # The link was not consumed by a typing mistake.
    ok = client.post("/eleve/reinitialiser/", {"student_number": NUMBER, "username": "abc123456"})
    assert ok.status_code == 302


def test_wrong_answers_look_exactly_like_right_ones_and_send_nothing(student, student_link, answer):
    cases = {
        "wrong number": (NUMBER[:-1] + "9", "abc123456"),
        "wrong username": (NUMBER, "abc123457"),
        "another student's pair": ("3100111333", "def234567"),
        "right, other case": (NUMBER, "ABC123456"),
    }
    UserFactory(tenant=student.tenant, identifier="def234567", is_student=True,
                student_number="3100111333", school_email="t@eleves.alpha.test")  # fmt: skip
    responses = {}
    for name, (number, username) in cases.items():
        client = Client(HTTP_HOST=HOST_A)
        before = Message.objects.count()
        post = answer(client, student_link(client, student), number, username)
        page = client.get(post["Location"])
        responses[name] = (
            post.status_code,
            post["Location"],
            post.content,
            sorted((k, v) for k, v in post.headers.items() if k != "Set-Cookie"),
            sorted(post.cookies.keys()),
            page.status_code,
            without_csrf(page.content),  # the footer's language form carries one
            sorted((k, v) for k, v in page.headers.items() if k != "Set-Cookie"),
        )
        created = Message.objects.filter(template__contains="temporary").count()
        if name.startswith("right"):
            assert Message.objects.count() == before + 2  # its link, then the password
        else:
            assert created == 0 and Message.objects.count() == before + 1  # only its link
    first = next(iter(responses.values()))
    assert all(r == first for r in responses.values()), responses.keys()
    assert first[1] == "/eleve/demande-envoyee/"
    text = html_lib.unescape(first[6])
    assert (
        "Ta demande de réinitialisation de ton mot de passe pour le portail des élèves a été "
        "envoyée." in text
    )
    assert "Il faut compter jusqu'à 10 minutes" in text
    assert TemporaryPassword.objects.filter(user=student).count() == 1
    wrong = RecoveryRequest.objects.filter(outcome=Outcome.WRONG_ANSWER)
    assert wrong.count() == 3
    assert set(wrong.values_list("reason", flat=True)) == {
        "incorrect : numéro d'élève",
        "incorrect : nom d'utilisateur",
        "incorrect : numéro d'élève, nom d'utilisateur",
    }
