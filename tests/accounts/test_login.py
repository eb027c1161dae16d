from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.hashers import MD5PasswordHasher, make_password
from django.utils import timezone

from recovery.models import TemporaryPassword
from recovery.student.services import temporary_password_generate
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _login(client, login, password):
    return client.post("/accounts/login/", {"login": login, "password": password})


def test_login_page_shows_the_identifier_notice_as_a_notice(client_a, tenant_a):
    page = client_a.get("/accounts/login/").content.decode()
    assert "Veuillez utiliser votre identifiant et non votre email" in page
    assert 'role="note"' in page
    assert 'role="alert"' not in page


def test_parent_logs_in_by_identifier_in_any_case(client_a, parent, password):
    response = _login(client_a, "Jacqueline.DUBOIS", password)
    assert response.status_code == 302
    assert client_a.session[SESSION_KEY] == str(parent.pk)
    profile = client_a.get("/profil/").content.decode()
    assert "jacqueline.dubois" in profile and "Muller Camille" in profile


def test_same_credentials_fail_at_another_tenant(client_b, parent, tenant_b, password):
    response = _login(client_b, "jacqueline.dubois", password)
    assert response.status_code == 200
    assert SESSION_KEY not in client_b.session
    assert "incorrect" in response.content.decode()


def test_email_typed_as_identifier_gets_a_helpful_message(client_a, parent, password):
    response = _login(client_a, parent.email, password)
    assert response.status_code == 200
    assert SESSION_KEY not in client_a.session
    assert "Vous avez tapé une adresse e-mail" in response.content.decode()


def test_wrong_password_and_unknown_identifier_look_the_same(client_a, parent):
    wrong = _login(client_a, "jacqueline.dubois", "not-her-password").content.decode()
    unknown = _login(client_a, "nobody.here", "not-her-password").content.decode()
    assert "incorrect" in wrong and "incorrect" in unknown


def test_a_session_from_tenant_a_is_useless_at_tenant_b(client_a, parent, tenant_b, password):
    _login(client_a, "jacqueline.dubois", password)
    # The session cookie is replayed against tenant B's host.
    cookie = client_a.cookies["sessionid"].value
    from django.test import Client

    other = Client(HTTP_HOST="beta.localhost")
    other.cookies["sessionid"] = cookie
    response = other.get("/profil/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_logout_ends_the_session(client_a, parent, password):
    _login(client_a, "jacqueline.dubois", password)
    client_a.post("/accounts/logout/")
    assert client_a.get("/profil/").status_code == 302


def test_password_change_keeps_policy(client_a, parent, password):
    parent.tenant.password_rules = "creos"
    parent.tenant.save()
    _login(client_a, "jacqueline.dubois", password)
    weak = client_a.post(
        "/accounts/password/change/",
        {"oldpassword": password, "password1": "abcdefgh", "password2": "abcdefgh"},
    )
    assert weak.status_code == 200
    assert "Au moins un chiffre" in weak.content.decode()
    strong = client_a.post(
        "/accounts/password/change/",
        {"oldpassword": password, "password1": "Babou45+x", "password2": "Babou45+x"},
    )
    assert strong.status_code == 302
    parent.refresh_from_db()
    assert parent.check_password("Babou45+x")


def test_signup_and_allauth_email_reset_are_not_offered(client_a, tenant_a):
    assert client_a.get("/accounts/signup/").status_code == 404
    assert client_a.get("/accounts/password/reset/").status_code == 404


def test_oversized_login_input_is_a_form_error_not_a_500(client_a, tenant_a):
    response = _login(client_a, "x" * 10_000, "y" * 10_000)
    assert response.status_code == 200


def test_every_failed_login_costs_the_same_hashing(client_a, tenant_a, school_a, monkeypatch):
    """A failed login hashes as often whether the identifier is unknown, the account has no
    password yet, or a temporary password is pending for it (a reset under way)."""
    plain = UserFactory(tenant=tenant_a, identifier="plain.student", is_student=True)
    plain.set_password("Un-Vrai-Mot-De-Passe-1")
    plain.save()
    pending = UserFactory(tenant=tenant_a, identifier="pending.student", is_student=True)
    pending.set_password("Un-Vrai-Mot-De-Passe-1")
    pending.save()

    TemporaryPassword.objects.create(
        tenant=tenant_a,
        user=pending,
        password_hash=make_password(temporary_password_generate(user=pending)),
        expires_at=timezone.now() + timedelta(hours=1),
    )
    unactivated = UserFactory(tenant=tenant_a, identifier="new.parent", is_parent=True)
    unactivated.set_unusable_password()
    unactivated.save()

    calls = []
    real_encode = MD5PasswordHasher.encode
    monkeypatch.setattr(
        MD5PasswordHasher,
        "encode",
        lambda self, *a, **kw: calls.append(1) or real_encode(self, *a, **kw),
    )
    counts = {}
    for identifier in ("nobody.here", "plain.student", "pending.student", "new.parent"):
        calls.clear()
        response = _login(client_a, identifier, "mauvais-mot-de-passe")
        assert response.status_code == 200  # the form again, with its error
        counts[identifier] = len(calls)
    assert len(set(counts.values())) == 1, counts
    assert counts["nobody.here"] >= 2
