"""SEPNE: a student resets her password through her school mailbox (DESIGN.md §4, flow 3).

Shared by the tests of this folder: the student and her tenant, the fixtures that walk the
flow (ask for the link, answer, let the delayed mail go out) and small login helpers."""

import html as html_lib
import re
from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.models import User
from outbox.models import Message, Status
from outbox.services import outbox_sweep
from tests.conftest import HOST_A
from tests.factories import UserFactory
from tests.recovery.conftest import path_of

STUDENT_LINK_RE = re.compile(r"https?://[^\s\"<>]+/eleve/lien/[^\s\"<>/]+/")


TEMPORARY_RE = re.compile(r"Mot de passe temporaire : (\S+)")


NUMBER = "3100111222"


SCHOOL_EMAIL = "lea.gagnon@eleves.alpha.test"


NEW_PASSWORD = "Mon-Nouveau-Secret-7"


@pytest.fixture
def sepne(tenant_a):
    tenant_a.student_mailbox_reset = True
    tenant_a.student_reset_delay_seconds = 120
    tenant_a.voice = "tu"  # SEPNE speaks to its students with « tu »
    tenant_a.save()
    return tenant_a


@pytest.fixture
def student(sepne, school_a):
    # Her personal address is not the school mailbox: nothing of this flow may go there.
    return UserFactory(
        tenant=sepne, identifier="abc123456", first_name="Léa", last_name="Gagnon",
        email="lea.perso@example.org", is_student=True, schools=[school_a],
        student_number=NUMBER, school_email=SCHOOL_EMAIL,
    )  # fmt: skip


@pytest.fixture
def ask_link(django_capture_on_commit_callbacks):
    """Posts the school mailbox address and runs what commit triggers (worker, mail)."""

    def ask(client: Client, address: str):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/eleve/", {"address": address})

    return ask


@pytest.fixture
def student_link(ask_link):
    """The path of the one-time link mailed to the student's school mailbox."""

    def link_for(client: Client, student: User) -> str:
        before = len(mail.outbox)
        ask_link(client, student.school_email)
        new = [m for m in mail.outbox[before:] if m.to == [student.school_email]]
        assert new, "no link was mailed to the school mailbox"
        return path_of(STUDENT_LINK_RE.findall(new[-1].body)[-1])

    return link_for


@pytest.fixture
def answer(django_capture_on_commit_callbacks):
    """Opens the link, then answers the student number and username."""

    def post(client: Client, link_path: str, number: str = NUMBER, username: str = "abc123456"):
        client.get(link_path)
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                "/eleve/reinitialiser/", {"student_number": number, "username": username}
            )

    return post


@pytest.fixture
def deliver_due(django_capture_on_commit_callbacks):
    """Time passes: the delayed messages are due, and the sweep (or their own task) sends them."""

    def deliver() -> None:
        past = timezone.now() - timedelta(minutes=10)
        Message.objects.filter(status=Status.PENDING).update(next_attempt_at=past, enqueued_at=past)
        with django_capture_on_commit_callbacks(execute=True):
            outbox_sweep()

    return deliver


@pytest.fixture
def temporary_password(student, student_link, answer, deliver_due):
    """The whole flow, as the student lives it: the temporary password read in her mailbox."""

    def obtain() -> str:
        client = Client(HTTP_HOST=HOST_A)
        answer(client, student_link(client, student))
        before = len(mail.outbox)
        deliver_due()
        (message,) = [m for m in mail.outbox[before:] if "temporaire" in m.subject]
        return TEMPORARY_RE.search(message.body).group(1)

    return obtain


def _text(response) -> str:
    return html_lib.unescape(response.content.decode())


def _login(client: Client, login: str, password: str):
    return client.post("/accounts/login/", {"login": login, "password": password})


def _logs_in(login: str, password: str) -> bool:
    client = Client(HTTP_HOST=HOST_A)
    _login(client, login, password)
    return SESSION_KEY in client.session
