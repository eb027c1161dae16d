"""Account activation (ISSUE 6): one-time codes from a letter or a mail, the activation pages,
and students' self-activation through their school mailbox."""

import json
import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts.models import ActivationCode, User
from outbox.models import Message
from recovery.activation import services as activation
from recovery.activation.services import (
    CODE_ALPHABET,
    CODE_LENGTH,
    activation_code_issue,
    activation_code_verify,
    activation_complete,
    activation_send_by_mail,
)
from tests.conftest import HOST_A, HOST_B
from tests.factories import UserFactory
from tests.recovery.conftest import path_of, without_csrf

pytestmark = pytest.mark.django_db

CODE_RE = re.compile(r"^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$")
NEW_PASSWORD = "Mon-Nouveau-Secret-7"
LINK_RE = re.compile(r"https?://[^\s\"<>]+/activation/lien/[^\s\"<>/]+/")
VNU = (
    Path(__file__).resolve().parents[2] / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
)


def unactivated(**fields) -> User:
    user = UserFactory(**fields)
    user.set_unusable_password()
    user.save()
    return user


@pytest.fixture
def newcomer(tenant_a, school_a):
    return unactivated(
        tenant=tenant_a, identifier="nouveau.parent", first_name="Nicolas", last_name="Nouveau",
        email="nicolas@example.be", is_parent=True, schools=[school_a],
    )  # fmt: skip


def post_code(client: Client, identifier: str, code: str, **extra):
    return client.post("/activation/", {"identifier": identifier, "code": code}, **extra)


# --- The code ---------------------------------------------------------------------------------


def test_code_is_readable_and_has_at_least_40_bits(newcomer):
    # given the alphabet: no look-alikes
    assert not set("0O1IL") & set(CODE_ALPHABET)
    assert len(CODE_ALPHABET) ** CODE_LENGTH >= 2**40
    # when codes are issued, then they are groups of four, all different
    codes = {activation_code_issue(user=newcomer) for _ in range(20)}
    assert len(codes) == 20
    assert all(CODE_RE.fullmatch(code) for code in codes)


def test_code_is_hashed_at_rest(newcomer, secretary):
    # when a code is issued
    code = activation_code_issue(user=newcomer, by=secretary)
    # then no column of the table holds it, with or without its hyphens
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_activationcode")
        rows = cursor.fetchall()
    assert len(rows) == 1
    dump = json.dumps(rows, default=str).upper()
    assert code not in dump and code.replace("-", "") not in dump
    row = ActivationCode.objects.get()
    assert re.fullmatch(r"[0-9a-f]{64}", row.code_hash)
    assert row.created_by == secretary and row.tenant_id == newcomer.tenant_id


def test_code_works_once(newcomer):
    code = activation_code_issue(user=newcomer)
    # when the code is used
    user = activation_complete(
        tenant=newcomer.tenant, identifier="Nouveau.Parent", code=code.lower().replace("-", " "),
        password=NEW_PASSWORD, ip="10.0.0.1",
    )  # fmt: skip
    # then the account is active
    assert user == newcomer
    newcomer.refresh_from_db()
    assert newcomer.check_password(NEW_PASSWORD)
    row = ActivationCode.objects.get()
    assert row.used_at is not None and row.used_ip == "10.0.0.1"
    # and the code never works again
    again = activation_complete(
        tenant=newcomer.tenant, identifier=newcomer.identifier, code=code,
        password="Autre-Secret-99", ip=None,
    )  # fmt: skip
    assert again is None
    newcomer.refresh_from_db()
    assert newcomer.check_password(NEW_PASSWORD)


def test_code_is_valid_until_the_tenant_period_ends(newcomer):
    # given a code issued now, valid 14 days by default
    issued_at = timezone.now()
    code = activation_code_issue(user=newcomer, now=issued_at)
    expires_at = issued_at + timedelta(days=14)
    assert ActivationCode.objects.get().expires_at == expires_at
    tenant = newcomer.tenant

    def verify(now):
        return activation_code_verify(
            tenant=tenant, identifier=newcomer.identifier, code=code, ip=None, now=now
        )

    # then it works one second before the end, and not one second after
    assert verify(expires_at - timedelta(seconds=1)) is not None
    assert verify(expires_at + timedelta(seconds=1)) is None


def test_tenant_sets_the_period(newcomer):
    newcomer.tenant.activation_days = 3
    newcomer.tenant.save()
    now = timezone.now()
    activation_code_issue(user=User.objects.get(pk=newcomer.pk), now=now)
    assert ActivationCode.objects.get().expires_at == now + timedelta(days=3)


def test_a_new_code_replaces_the_old_one(newcomer):
    old = activation_code_issue(user=newcomer)
    new = activation_code_issue(user=newcomer)
    tenant = newcomer.tenant
    assert (
        activation_code_verify(tenant=tenant, identifier="nouveau.parent", code=old, ip=None)
        is None
    )
    assert activation_code_verify(tenant=tenant, identifier="nouveau.parent", code=new, ip=None)
    assert ActivationCode.objects.filter(revoked_at__isnull=False).count() == 1


def test_codes_only_activate_accounts_without_a_password(parent):
    # given a person who already has a password, and a code issued for her all the same
    code = activation_code_issue(user=parent)
    old_hash = parent.password
    # then the code is refused and nothing changes
    user = activation_complete(
        tenant=parent.tenant, identifier=parent.identifier, code=code, password=NEW_PASSWORD,
        ip=None,
    )  # fmt: skip
    assert user is None
    parent.refresh_from_db()
    assert parent.password == old_hash


def test_send_by_mail_needs_an_address(newcomer, tenant_a, django_capture_on_commit_callbacks):
    # given a person without an e-mail
    nobody = unactivated(tenant=tenant_a, identifier="sans.mail", email="")
    assert activation_send_by_mail(user=nobody, by=None) is False
    assert not ActivationCode.objects.filter(user=nobody).exists()
    # when the newcomer's activation is mailed
    with django_capture_on_commit_callbacks(execute=True):
        assert activation_send_by_mail(user=newcomer, by=None) is True
    # then the mail has the code and the tenant's activation address, without the code in it
    (message,) = mail.outbox
    assert message.to == [newcomer.email]
    code = re.search(r"code d'activation : (\S+)", message.body).group(1)
    assert CODE_RE.fullmatch(code)
    assert "http://alpha.localhost:8000/activation/?identifiant=nouveau.parent" in message.body
    assert Message.objects.get(to=newcomer.email).sensitive
    assert activation_code_verify(tenant=tenant_a, identifier="nouveau.parent", code=code, ip=None)


# --- The pages --------------------------------------------------------------------------------


def test_activation_from_a_letter_logs_the_person_in(
    client_a, newcomer, django_capture_on_commit_callbacks
):
    code = activation_code_issue(user=newcomer)
    # given the address of the letter's QR code, the identifier prefilled
    page = client_a.get("/activation/?identifiant=nouveau.parent")
    assert page.status_code == 200
    assert 'value="nouveau.parent"' in page.content.decode()
    # when the code is typed
    response = post_code(client_a, "nouveau.parent", code)
    assert response.status_code == 302 and response["Location"] == "/activation/mot-de-passe/"
    # then the password page shows the rules; the code is not in the address
    page = client_a.get("/activation/mot-de-passe/")
    html = page.content.decode()
    assert page.status_code == 200 and "Règles de mot de passe" in html
    assert page["Referrer-Policy"] == "no-referrer" and "no-store" in page["Cache-Control"]
    assert code not in html
    # and a weak password is refused with the reasons
    weak = client_a.post("/activation/mot-de-passe/", {"password1": "abc", "password2": "abc"})
    assert weak.status_code == 400 and "error-summary" in weak.content.decode()
    # when a good one is chosen
    with django_capture_on_commit_callbacks(execute=True):
        done = client_a.post(
            "/activation/mot-de-passe/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
        )
    # then she is logged in, and told by mail
    assert done.status_code == 302 and done["Location"] == "/"
    assert client_a.session[SESSION_KEY] == str(newcomer.pk)
    newcomer.refresh_from_db()
    assert newcomer.check_password(NEW_PASSWORD)
    assert [m.to for m in mail.outbox] == [[newcomer.email]]
    assert code not in mail.outbox[0].body
    # and the password page is gone
    assert client_a.get("/activation/mot-de-passe/").status_code == 410


def test_password_page_needs_a_proof(client_a, newcomer):
    assert client_a.get("/activation/mot-de-passe/").status_code == 410


def test_wrong_identifier_and_wrong_code_look_the_same(client_a, newcomer, tenant_a):
    code = activation_code_issue(user=newcomer)
    other = "ABCD-EFGH-JKMN" if code != "ABCD-EFGH-JKMN" else "ABCD-EFGH-JKMP"
    # when one visitor types an unknown identifier with the right code, another a wrong code
    unknown = post_code(Client(HTTP_HOST=HOST_A), "personne.inconnue", code)
    wrong = post_code(Client(HTTP_HOST=HOST_A), "nouveau.parent", other)
    # then both get the same 400 page, byte for byte but for the CSRF token
    assert unknown.status_code == wrong.status_code == 400
    assert without_csrf(unknown.content) == without_csrf(wrong.content)
    headers = [{k: v for k, v in r.headers.items() if k != "Set-Cookie"} for r in (unknown, wrong)]
    assert headers[0] == headers[1]
    assert "incorrect" in unknown.content.decode()


def test_an_active_account_gets_the_same_answer_and_nothing_changes(client_a, parent, newcomer):
    code = activation_code_issue(user=parent)
    old_hash = parent.password
    active = post_code(Client(HTTP_HOST=HOST_A), parent.identifier, code)
    unknown = post_code(Client(HTTP_HOST=HOST_A), "personne.inconnue", code)
    assert active.status_code == 400
    assert without_csrf(active.content) == without_csrf(unknown.content)
    parent.refresh_from_db()
    assert parent.password == old_hash


def test_another_tenants_host_refuses_the_code(newcomer, outsider):
    code = activation_code_issue(user=newcomer)
    response = post_code(Client(HTTP_HOST=HOST_B), "nouveau.parent", code)
    assert response.status_code == 400
    assert Client(HTTP_HOST=HOST_B).get("/activation/mot-de-passe/").status_code == 410
    newcomer.refresh_from_db()
    assert not newcomer.has_usable_password()


def test_wrong_tries_for_an_identifier_hold_back_their_address_not_the_owner(newcomer):
    code = activation_code_issue(user=newcomer)
    # given ten wrong codes for this identifier from one address, and one from ten others
    for n in range(activation.FAILURES_PER_IDENTIFIER.count):
        for address in ("10.0.0.99", f"10.0.0.{n}"):
            response = post_code(
                Client(HTTP_HOST=HOST_A), "nouveau.parent", "ABCD-EFGH-JKMN", REMOTE_ADDR=address
            )
            assert response.status_code == 400
    # then that address waits, even with the right code, and the page says why
    response = post_code(Client(HTTP_HOST=HOST_A), "nouveau.parent", code, REMOTE_ADDR="10.0.0.99")
    assert response.status_code == 429
    assert "Trop d'essais" in response.content.decode()
    # but the person with the letter, at home, activates the account (throttle, don't lock)
    response = post_code(Client(HTTP_HOST=HOST_A), "nouveau.parent", code, REMOTE_ADDR="10.9.9.9")
    assert response.status_code == 302


def test_wrong_tries_are_throttled_per_address(newcomer):
    code = activation_code_issue(user=newcomer)
    for n in range(activation.FAILURES_PER_IP.count):
        post_code(Client(HTTP_HOST=HOST_A), f"inconnu{n}", "ABCD-EFGH-JKMN", REMOTE_ADDR="10.1.1.1")
    response = post_code(Client(HTTP_HOST=HOST_A), "nouveau.parent", code, REMOTE_ADDR="10.1.1.1")
    assert response.status_code == 429
    # another address is not held back
    response = post_code(Client(HTTP_HOST=HOST_A), "nouveau.parent", code, REMOTE_ADDR="10.2.2.2")
    assert response.status_code == 302


def test_invitation_to_register_recovery_methods_only_where_two_step_is_used(
    client_a, newcomer, tenant_a
):
    # given a tenant without two-step recovery: straight to the portal
    post_code(client_a, "nouveau.parent", activation_code_issue(user=newcomer))
    done = client_a.post(
        "/activation/mot-de-passe/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert done["Location"] == "/"
    assert client_a.get("/activation/bienvenue/").status_code == 404

    # given a tenant with two-step recovery
    tenant_a.two_step_reset = True
    tenant_a.save()
    second = unactivated(tenant=tenant_a, identifier="second.parent", is_parent=True)
    client = Client(HTTP_HOST=HOST_A)
    post_code(client, "second.parent", activation_code_issue(user=second))
    done = client.post(
        "/activation/mot-de-passe/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    # then the invitation comes first, logged in, with "Plus tard"
    assert done["Location"] == "/activation/bienvenue/"
    html = client.get("/activation/bienvenue/").content.decode()
    assert 'href="/profil/methodes/"' in html and "Plus tard" in html


# --- Students: self-activation through the school mailbox -------------------------------------


@pytest.fixture
def sepne(tenant_a):
    tenant_a.student_self_activation = True
    tenant_a.save()
    return tenant_a


@pytest.fixture
def student(sepne, school_a):
    return unactivated(
        tenant=sepne, identifier="abc123456", first_name="Léa", last_name="Gagnon",
        email="lea.perso@example.org", is_student=True, schools=[school_a],
        student_number="3100111222", school_email="lea.gagnon@eleves.alpha.test",
    )  # fmt: skip


@pytest.fixture
def ask(django_capture_on_commit_callbacks):
    def post(client: Client, number: str, username: str):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                "/activation/eleve/", {"student_number": number, "username": username}
            )

    return post


def test_student_activates_through_her_school_mailbox(client_a, student, ask):
    # when Léa gives her student number and username
    response = ask(client_a, "3100111222", "ABC123456")
    assert response.status_code == 302 and response["Location"] == "/activation/eleve/envoye/"
    # then a link goes to the school mailbox only
    (message,) = mail.outbox
    assert message.to == [student.school_email]
    link = path_of(LINK_RE.findall(message.body)[0])
    # when she opens it, the secret leaves the address bar
    opened = client_a.get(link)
    assert opened.status_code == 302 and opened["Location"] == "/activation/mot-de-passe/"
    assert opened["Referrer-Policy"] == "no-referrer"
    # and she chooses her password: logged in
    done = client_a.post(
        "/activation/mot-de-passe/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert done.status_code == 302
    assert client_a.session[SESSION_KEY] == str(student.pk)
    student.refresh_from_db()
    assert student.check_password(NEW_PASSWORD)
    # the link is dead afterwards
    client = Client(HTTP_HOST=HOST_A)
    client.get(link)
    assert client.get("/activation/mot-de-passe/").status_code == 410


def test_a_link_dies_when_the_school_mailbox_changes(client_a, student, ask):
    # given a link sent to Léa's school mailbox
    ask(client_a, "3100111222", "abc123456")
    link = path_of(LINK_RE.findall(mail.outbox[0].body)[0])
    # when the school gives her another mailbox before she opens it
    student.school_email = "lea.gagnon2@eleves.alpha.test"
    student.save(update_fields=["school_email"])
    # then the old link no longer lets anyone choose her password
    client_a.get(link)
    assert client_a.get("/activation/mot-de-passe/").status_code == 410
    student.refresh_from_db()
    assert not student.has_usable_password()


def test_student_answers_are_enumeration_safe(sepne, student, parent, school_a, ask):
    active = UserFactory(
        tenant=sepne, identifier="def234567", is_student=True, schools=[school_a],
        student_number="3100111333", school_email="thomas@eleves.alpha.test",
    )  # fmt: skip
    pages = []
    for number, username in [
        ("3100111222", "abc123456"),  # right: Léa, not active yet
        ("3100111222", "xyz999999"),  # wrong username
        ("3100999999", "abc123456"),  # wrong number
        ("3100111333", active.identifier),  # an active account
    ]:
        client = Client(HTTP_HOST=HOST_A)
        response = ask(client, number, username)
        assert response.status_code == 302 and response["Location"] == "/activation/eleve/envoye/"
        pages.append(without_csrf(client.get(response["Location"]).content))
    assert len(set(pages)) == 1
    assert [m.to for m in mail.outbox] == [[student.school_email]]
    active.refresh_from_db()
    assert active.has_usable_password()


def test_student_self_activation_only_where_enabled(client_a, tenant_a):
    assert client_a.get("/activation/eleve/").status_code == 404
    assert client_a.get("/activation/eleve/envoye/").status_code == 404


# --- Markup -----------------------------------------------------------------------------------


def test_activation_pages_are_valid_html(client_a, newcomer, sepne, tmp_path):
    if shutil.which("java") is None or not VNU.exists():
        pytest.skip("the W3C checker needs Java and node_modules/vnu-jar")
    sepne.two_step_reset = True
    sepne.save()
    pages = [client_a.get("/activation/"), client_a.get("/activation/eleve/")]
    pages.append(client_a.get("/activation/eleve/envoye/"))
    pages.append(client_a.get("/activation/mot-de-passe/"))  # expired
    pages.append(post_code(client_a, "nouveau.parent", "ABCD-EFGH-JKMN"))  # wrong
    post_code(client_a, "nouveau.parent", activation_code_issue(user=newcomer))
    pages.append(client_a.get("/activation/mot-de-passe/"))
    client_a.post(
        "/activation/mot-de-passe/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    pages.append(client_a.get("/activation/bienvenue/"))
    files = []
    for number, response in enumerate(pages):
        target = tmp_path / f"page{number}.html"
        target.write_bytes(response.content)
        files.append(str(target))
    result = subprocess.run(
        ["java", "-jar", str(VNU), "--errors-only", "--format", "json", *files],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    messages = json.loads(result.stderr or "{}").get("messages", [])
    assert messages == [], messages
