"""SEPNE: a student resets her password through her school mailbox (DESIGN.md §4, flow 3)."""

import html as html_lib
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
from recovery.models import (
    Flow,
    LinkToken,
    Outcome,
    RecoveryEvent,
    RecoveryRequest,
    TemporaryPassword,
)
from recovery.student.services import temporary_password_generate, temporary_password_redeem
from tenants.models import PasswordRules
from tests.conftest import HOST_A, HOST_B
from tests.factories import UserFactory
from tests.recovery.conftest import path_of, without_csrf

pytestmark = pytest.mark.django_db

STUDENT_LINK_RE = re.compile(r"https?://[^\s\"<>]+/eleve/lien/[^\s\"<>/]+/")
TEMPORARY_RE = re.compile(r"Mot de passe temporaire : (\S+)")
NUMBER = "3100111222"
SCHOOL_EMAIL = "lea.gagnon@eleves.alpha.test"
NEW_PASSWORD = "Mon-Nouveau-Secret-7"


@pytest.fixture
def sepne(tenant_a):
    tenant_a.student_mailbox_reset = True
    tenant_a.student_reset_delay_seconds = 120
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


# --- The pages and the feature ----------------------------------------------------------------


def test_start_page_says_what_is_needed_and_that_usernames_are_not_recovered(sepne, client_a):
    page = client_a.get("/eleve/")
    assert page.status_code == 200
    text = _text(page)
    assert "3100111222" in text and "abc123456" in text
    assert "Nom d'utilisateur oublié ?" in text
    assert "Les élèves peuvent uniquement réinitialiser leur mot de passe." in text
    assert "demandez de l'aide à votre école" in text
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


# --- Step 1: no enumeration -------------------------------------------------------------------


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


# --- Step 2: the link -------------------------------------------------------------------------


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


# --- Step 2: the answers ----------------------------------------------------------------------


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


# --- The temporary password mail -------------------------------------------------------------


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
    done = client.post(
        "/profil/nouveau-mot-de-passe/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert done.status_code == 302
    assert client.get("/profil/").status_code == 200
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


# --- Secretaries ------------------------------------------------------------------------------


def test_secretary_sees_the_request_and_its_delivery_state(
    student, secretary_client, student_link, answer, deliver_due
):
    client = Client(HTTP_HOST=HOST_A)
    answer(client, student_link(client, student))
    url = "/admin/recovery/recoveryrequest/?flow__exact=student_mailbox"
    page = secretary_client.get(url).content.decode()
    assert "l•••@eleves.alpha.test" in page
    assert "mot de passe provisoire programmé" in page
    assert "en attente (pas avant le" in page
    deliver_due()
    page = secretary_client.get(url).content.decode()
    assert "envoyé le" in page
    request = RecoveryRequest.objects.get(user=student)
    detail = secretary_client.get(f"/admin/recovery/recoveryrequest/{request.pk}/change/")
    assert detail.status_code == 200 and "envoyé le" in detail.content.decode()


def test_secretary_sees_wrong_answers(student, secretary_client, student_link, answer):
    client = Client(HTTP_HOST=HOST_A)
    answer(client, student_link(client, student), number="3100111999")
    page = _text(secretary_client.get("/admin/recovery/recoveryrequest/"))
    assert "incorrect : numéro d'élève" in page


def test_an_outsider_secretary_sees_nothing_of_it(
    student, outsider_admin_client, student_link, answer
):
    client = Client(HTTP_HOST=HOST_A)
    answer(client, student_link(client, student))
    page = outsider_admin_client.get("/admin/recovery/recoveryrequest/").content.decode()
    assert "abc123456" not in page and "eleves.alpha.test" not in page
    request = RecoveryRequest.objects.get(user=student)
    url = f"/admin/recovery/recoveryrequest/{request.pk}/change/"
    assert outsider_admin_client.get(url).status_code == 404


def test_secretary_records_the_student_number_and_school_mailbox(secretary_client, student):
    url = f"/admin/accounts/user/{student.pk}/change/"
    form = secretary_client.get(url).content.decode()
    assert 'name="student_number"' in form and 'name="school_email"' in form
    data = {
        "identifier": student.identifier, "first_name": "Léa", "last_name": "Gagnon",
        "email": student.email, "is_student": "on", "is_active": "on", "is_migrated": "on",
        "schools": [s.pk for s in student.schools.all()],
        "school_email": "lea.g@eleves.alpha.test",
        "child_links-TOTAL_FORMS": "0", "child_links-INITIAL_FORMS": "0",
    }  # fmt: skip
    refused = secretary_client.post(url, {**data, "student_number": "31001112"})
    assert refused.status_code == 200 and "exactement 10 chiffres" in refused.content.decode()
    saved = secretary_client.post(url, {**data, "student_number": "3100111555"})
    assert saved.status_code == 302
    student.refresh_from_db()
    assert student.student_number == "3100111555"
    assert student.school_email == "lea.g@eleves.alpha.test"


# --- Races (real PostgreSQL) ------------------------------------------------------------------


def _race(count: int, work) -> list:
    import threading

    from django.db import connection

    results: list = []
    barrier = threading.Barrier(count)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results.append(work(i))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_logins_with_one_temporary_password_succeed_once(
    student, temporary_password
):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL for real concurrency (the PostgreSQL pass of make test)")
    temporary = temporary_password()
    wins = _race(20, lambda _i: _logs_in("abc123456", temporary))
    assert wins.count(True) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_answers_through_one_link_create_one_password(student, student_link):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL for real concurrency (the PostgreSQL pass of make test)")
    client = Client(HTTP_HOST=HOST_A)
    client.get(student_link(client, student))
    cookie = client.cookies["sessionid"].value

    def submit(_i: int) -> int:
        racer = Client(HTTP_HOST=HOST_A)
        racer.cookies["sessionid"] = cookie
        data = {"student_number": NUMBER, "username": "abc123456"}
        return racer.post("/eleve/reinitialiser/", data).status_code

    statuses = _race(20, submit)
    assert statuses.count(302) == 1 and set(statuses) <= {302, 410}
    assert TemporaryPassword.objects.filter(user=student).count() == 1
