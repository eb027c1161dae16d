"""Step 1 tells nothing of the accounts: every mailbox gets the same response, and floods of
requests are throttled."""

import html as html_lib

import pytest
from django.core import mail
from django.test import Client

from recovery.models import Flow, Outcome, RecoveryRequest
from tests.conftest import HOST_A
from tests.factories import UserFactory
from tests.recovery.conftest import without_csrf
from tests.recovery.student.conftest import SCHOOL_EMAIL

pytestmark = pytest.mark.django_db


@pytest.fixture
def mailbox_cases(sepne, tenant_b, student, parent):
    inactive = UserFactory(
        tenant=sepne, identifier="def234567", is_student=True, is_active=False,
        student_number="3100111333", school_email="inactive@eleves.alpha.test",
    )  # fmt: skip
    legacy = UserFactory(
        tenant=sepne, identifier="ghi345678", is_student=True, is_migrated=False,
        student_number="3100111444", school_email="legacy@eleves.alpha.test",
    )  # fmt: skip
    UserFactory(tenant=tenant_b, identifier="abc123456", is_student=True,
                school_email="elsewhere@eleves.beta.test")  # fmt: skip
    return {
        "known": student.school_email,
        "known, other case": student.school_email.upper(),
        "unknown": "personne@eleves.alpha.test",
        "inactive": inactive.school_email,
        "not migrated": legacy.school_email,
        "a parent's own address": parent.email,
        "another tenant's student": "elsewhere@eleves.beta.test",
    }


def test_every_mailbox_gets_the_same_response(mailbox_cases, ask_link):
    responses = {}
    for name, address in mailbox_cases.items():
        client = Client(HTTP_HOST=HOST_A)
        client.get("/eleve/")
        post = ask_link(client, address)
        page = client.get(post["Location"])
        responses[name] = (
            post.status_code,
            post["Location"],
            post.content,
            sorted((k, v) for k, v in post.headers.items() if k != "Set-Cookie"),
            page.status_code,
            without_csrf(page.content),
        )
    first = next(iter(responses.values()))
    assert all(r == first for r in responses.values()), responses.keys()
    assert first[1] == "/eleve/envoye/"
    assert "Si cette adresse est celle d'une boîte scolaire connue" in html_lib.unescape(first[-1])


def test_only_the_known_active_student_gets_a_link(mailbox_cases, ask_link, client_a):
    for address in mailbox_cases.values():
        ask_link(client_a, address)
    assert sorted(r for m in mail.outbox for r in m.to) == [SCHOOL_EMAIL, SCHOOL_EMAIL]
    refused = RecoveryRequest.objects.filter(flow=Flow.STUDENT_MAILBOX).exclude(
        outcome=Outcome.MAIL_SENT
    )
    assert set(refused.values_list("outcome", flat=True)) == {
        Outcome.NO_ACCOUNT, Outcome.INACTIVE, Outcome.NOT_MIGRATED,
    }  # fmt: skip


def test_a_flood_of_requests_sends_at_most_five_links(student, ask_link):
    for i in range(40):
        attacker = Client(HTTP_HOST=HOST_A, REMOTE_ADDR=f"198.51.100.{i}")
        assert ask_link(attacker, student.school_email).status_code == 302
    assert 1 <= len(mail.outbox) <= 5
    assert RecoveryRequest.objects.filter(outcome=Outcome.THROTTLED).count() >= 35


def test_one_address_is_throttled_per_ip(student, ask_link):
    for i in range(40):
        ask_link(Client(HTTP_HOST=HOST_A), f"nobody{i}@eleves.alpha.test")
    assert RecoveryRequest.objects.filter(outcome=Outcome.THROTTLED, reason="ip").exists()
