"""The temporary password: mailed to the school mailbox after the tenant's delay, then step 3,
the login it opens once."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.models import User
from outbox.models import Message, Status
from outbox.services import outbox_sweep
from recovery.models import Outcome, RecoveryEvent, RecoveryRequest, TemporaryPassword
from recovery.student.services import temporary_password_generate, temporary_password_redeem
from tenants.models import PasswordRules
from tests.conftest import HOST_A, HOST_B
from tests.factories import UserFactory
from tests.recovery.conftest import path_of
from tests.recovery.student.conftest import (
    NEW_PASSWORD,
    SCHOOL_EMAIL,
    STUDENT_LINK_RE,
    TEMPORARY_RE,
    _login,
    _logs_in,
)

pytestmark = pytest.mark.django_db


def test_temporary_password_goes_to_the_school_mailbox_after_the_tenants_delay(
    student, student_link, answer, deliver_due, settings
):
    settings.OUTBOX_KEEP_BODIES = False  # as in production (the demo keeps them for its inbox)
    client = Client(HTTP_HOST=HOST_A)
    path = student_link(client, student)
    mail.outbox.clear()
    answer(client, path)
    # Not sent at once (the eager task found it not yet due), nor by a sweep before its time.
    assert mail.outbox == []
    message = Message.objects.get(template="recovery/student/email/temporary_password")
    temporary = TemporaryPassword.objects.get(user=student)
    assert message.to == SCHOOL_EMAIL and message.sensitive
    assert message.status == Status.PENDING
    assert message.not_before == temporary.created_at + timedelta(seconds=120)
    assert temporary.expires_at == temporary.created_at + timedelta(hours=24)
    outbox_sweep()
    assert mail.outbox == []
    # Once due, it is delivered exactly once.
    deliver_due()
    deliver_due()
    (sent,) = mail.outbox
    assert sent.to == [SCHOOL_EMAIL]
    assert "abc123456" in sent.body and "/accounts/login/" in sent.body
    password = TEMPORARY_RE.search(sent.body).group(1)
    # Only a hash is kept; the password is in no log, request or event.
    assert password not in temporary.password_hash
    request = RecoveryRequest.objects.get(user=student)
    assert password not in str(vars(request))
    for event in RecoveryEvent.objects.all():
        assert password not in str(vars(event))
    message.refresh_from_db()
    assert message.status == Status.SENT and message.body_text == ""  # erased once sent


def test_the_delay_is_the_tenants(sepne, student, student_link, answer):
    sepne.student_reset_delay_seconds = 30
    sepne.save()
    client = Client(HTTP_HOST=HOST_A)
    answer(client, student_link(client, student))
    message = Message.objects.get(template="recovery/student/email/temporary_password")
    temporary = TemporaryPassword.objects.get(user=student)
    assert message.not_before - temporary.created_at == timedelta(seconds=30)


@pytest.mark.parametrize(
    ("rules", "min_length"),
    [(PasswordRules.BASIC, 8), (PasswordRules.CREOS, 8), (PasswordRules.M365, 8),
     (PasswordRules.CREOS, 20), (PasswordRules.M365, 40)],
)  # fmt: skip
def test_temporary_password_is_random_and_meets_the_tenants_policy(
    sepne, student, rules, min_length
):
    sepne.password_rules = rules
    sepne.password_min_length = min_length
    sepne.save()
    student.refresh_from_db()
    passwords = {temporary_password_generate(user=student) for _ in range(50)}
    assert len(passwords) == 50
    for password in passwords:
        validate_password(password, student)
        assert len(password) >= max(min_length, 14)
        assert re.fullmatch(r"[A-Za-z2-9]{4}(-[A-Za-z2-9]{4}){2,}", password)
        assert any(c.isupper() for c in password) and any(c.islower() for c in password)
        assert any(c.isdigit() for c in password)


def test_a_new_temporary_password_replaces_an_unused_one(student, temporary_password):
    first = temporary_password()
    second = temporary_password()
    assert first != second
    assert not _logs_in("abc123456", first)
    assert _logs_in("abc123456", second)


# --- Step 3: the login ------------------------------------------------------------------------


def test_a_third_party_cannot_lock_the_student_out(
    student, password, ask_link, answer, deliver_due
):
    # given someone who knows her school address asks for resets again and again
    for i in range(20):
        ask_link(Client(HTTP_HOST=HOST_A, REMOTE_ADDR=f"203.0.113.{i}"), student.school_email)
    deliver_due()
    # then only her mailbox got links, no temporary password exists, and her password works
    assert {r for m in mail.outbox for r in m.to} == {SCHOOL_EMAIL}
    assert not TemporaryPassword.objects.exists()
    assert _logs_in("abc123456", password)
    student.refresh_from_db()
    assert not student.must_change_password
    # and the latest link in her mailbox still gets her a temporary password
    latest = path_of(STUDENT_LINK_RE.findall(mail.outbox[-1].body)[-1])
    owner = Client(HTTP_HOST=HOST_A)
    assert answer(owner, latest).status_code == 302
    assert TemporaryPassword.objects.filter(user=student).count() == 1


def test_her_password_keeps_working_until_the_temporary_one_is_used(
    student, password, temporary_password
):
    temporary = temporary_password()
    assert _logs_in("abc123456", password)  # a pending temporary password changes nothing
    assert TemporaryPassword.objects.get(user=student).used_at is None
    assert _logs_in("abc123456", temporary)
    assert not _logs_in("abc123456", password)  # used: the old password is gone


def test_the_temporary_password_works_once(student, temporary_password):
    temporary = temporary_password()
    first = Client(HTTP_HOST=HOST_A, REMOTE_ADDR="192.0.2.10")
    response = _login(first, "abc123456", temporary)
    assert response.status_code == 302
    assert first.session[SESSION_KEY] == str(student.pk)
    second = Client(HTTP_HOST=HOST_A)
    refused = _login(second, "abc123456", temporary)
    assert refused.status_code == 200 and "incorrect" in refused.content.decode()
    assert SESSION_KEY not in second.session
    used = TemporaryPassword.objects.get(user=student)
    assert used.used_at is not None
    assert RecoveryRequest.objects.get(user=student, outcome=Outcome.COMPLETED)
    event = RecoveryEvent.objects.get(kind="temporary_password_used")
    assert event.user == student and event.ip == "192.0.2.10"


def test_redeeming_is_atomic_per_password(student, temporary_password):
    temporary = temporary_password()
    student.refresh_from_db()
    assert temporary_password_redeem(user=student, password=temporary) is True
    assert temporary_password_redeem(user=student, password=temporary) is False


def test_the_first_login_forces_a_new_password(student, temporary_password):
    temporary = temporary_password()
    client = Client(HTTP_HOST=HOST_A)
    _login(client, "abc123456", temporary)
    student.refresh_from_db()
    assert student.must_change_password
    # Nothing else is reachable until a new password is chosen.
    for path in ["/profil/", "/", "/eleve/"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == "/profil/nouveau-mot-de-passe/"
    # in the tenant's voice (« tu » at SEPNE), like the rest of the student's pages
    page = client.get("/profil/nouveau-mot-de-passe/").content.decode()
    assert "Choisis ton mot de passe" in page and "Choisissez" not in page
    done = client.post(
        "/profil/nouveau-mot-de-passe/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert done.status_code == 302
    assert "Ton nouveau mot de passe est enregistré." in client.get("/profil/").content.decode()
    student.refresh_from_db()
    assert not student.must_change_password
    assert _logs_in("abc123456", NEW_PASSWORD)
    assert not _logs_in("abc123456", temporary)


def test_using_the_temporary_password_ends_other_sessions_and_notifies(
    student, password, temporary_password, django_capture_on_commit_callbacks
):
    elsewhere = Client(HTTP_HOST=HOST_A)
    _login(elsewhere, "abc123456", password)
    assert elsewhere.get("/profil/").status_code == 200
    temporary = temporary_password()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _login(Client(HTTP_HOST=HOST_A), "abc123456", temporary)
    assert elsewhere.get("/profil/").status_code == 302
    assert sorted(r for m in mail.outbox for r in m.to) == sorted([student.email, SCHOOL_EMAIL])
    assert all(temporary not in m.body for m in mail.outbox)


def test_an_expired_temporary_password_is_refused(student, password, temporary_password):
    temporary = temporary_password()
    TemporaryPassword.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert not _logs_in("abc123456", temporary)
    assert _logs_in("abc123456", password)


def test_a_temporary_password_of_an_inactive_student_is_refused(student, temporary_password):
    temporary = temporary_password()
    User.objects.filter(pk=student.pk).update(is_active=False)
    assert not _logs_in("abc123456", temporary)
    assert TemporaryPassword.objects.get().used_at is None


def test_a_temporary_password_only_opens_its_own_account(sepne, student, temporary_password):
    other = UserFactory(tenant=sepne, identifier="def234567", is_student=True)
    temporary = temporary_password()
    assert not _logs_in(other.identifier, temporary)
    assert (
        not Client(HTTP_HOST=HOST_B)
        .post("/accounts/login/", {"login": "abc123456", "password": temporary})
        .has_header("Location")
    )
