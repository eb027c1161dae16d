"""Académie de Créteil (ISSUE 13, item 5): the NUMEN never becomes the new password, whatever
its case, and a NUMEN typed in small letters at the first login gets a hint about capitals."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client

from accounts.numen import numen_hash
from tests.factories import TenantFactory, UserFactory
from tests.recovery.test_numen import HOST, NUMEN, solve_captcha

pytestmark = pytest.mark.django_db

NUMEN_REFUSED = "Votre nouveau mot de passe ne peut pas être votre NUMEN."
CAPITALS_HINT = "Tapez-le en majuscules"


@pytest.fixture
def academy(db):
    return TenantFactory(
        slug="academie", numen_lookup=True, identifier_reset=False, numen_initial_login=True
    )


@pytest.fixture
def teacher(academy):
    user = UserFactory(
        tenant=academy, identifier="jdupont", first_name="Jean", last_name="D'Alembert Dupont"
    )
    user.numen_hash = numen_hash(tenant_id=academy.id, numen=NUMEN)
    user.save()
    return user


@pytest.fixture
def client():
    return Client(HTTP_HOST=HOST)


def _login(client, identifier, password):
    return client.post("/accounts/login/", {"login": identifier, "password": password})


@pytest.fixture
def first_login(teacher, client):
    """The teacher signed in with her NUMEN, now on the page that forces a new password."""
    teacher.set_unusable_password()
    teacher.save()
    assert _login(client, "jdupont", NUMEN).status_code == 302
    return client


@pytest.mark.parametrize("typed", [NUMEN, NUMEN.lower(), "05e 0512345 Abc"])
def test_new_password_equal_to_the_numen_is_refused_at_first_login(first_login, teacher, typed):
    response = first_login.post(
        "/profil/nouveau-mot-de-passe/", {"password1": typed, "password2": typed}
    )
    assert response.status_code == 400
    assert NUMEN_REFUSED in response.content.decode()
    teacher.refresh_from_db()
    assert teacher.must_change_password and not teacher.has_usable_password()


def test_another_password_is_accepted_at_first_login(first_login, teacher):
    response = first_login.post(
        "/profil/nouveau-mot-de-passe/",
        {"password1": "Nouveau-Mot2passe!", "password2": "Nouveau-Mot2passe!"},
    )
    assert response.status_code == 302
    teacher.refresh_from_db()
    assert teacher.check_password("Nouveau-Mot2passe!")


@pytest.mark.parametrize("typed", [NUMEN, NUMEN.lower()])
def test_new_password_equal_to_the_numen_is_refused_at_reset_step_2(teacher, client, typed):
    client.post("/identifiant/mot-de-passe/", solve_captcha(client, "/identifiant/mot-de-passe/"))
    response = client.post(
        "/identifiant/mot-de-passe/etape-2/",
        {"identifier": "jdupont", "numen": NUMEN, "password1": typed, "password2": typed},
    )
    assert response.status_code == 400
    assert NUMEN_REFUSED in response.content.decode()
    teacher.refresh_from_db()
    assert not teacher.check_password(typed)


def test_numen_in_small_letters_at_first_login_gets_the_capitals_hint(teacher, client):
    teacher.set_unusable_password()
    teacher.save()
    response = _login(client, "jdupont", NUMEN.lower())
    assert response.status_code == 200
    assert SESSION_KEY not in client.session
    assert CAPITALS_HINT in response.content.decode()
    # and in capitals it works
    assert _login(client, "jdupont", NUMEN).status_code == 302


def test_capitals_hint_says_nothing_about_the_account(academy, client):
    """Only the shape of what was typed matters: an unknown identifier gets the same hint."""
    response = _login(client, "personne", NUMEN.lower())
    assert CAPITALS_HINT in response.content.decode()


def test_no_capitals_hint_for_other_wrong_passwords_or_other_tenants(teacher, academy, client):
    assert CAPITALS_HINT not in _login(client, "jdupont", "motdepasse").content.decode()
    academy.numen_initial_login = False
    academy.save()
    assert (
        CAPITALS_HINT
        not in _login(Client(HTTP_HOST=HOST), "jdupont", NUMEN.lower()).content.decode()
    )


def test_login_page_explains_the_numen_first_login(academy, client):
    page = client.get("/accounts/login/").content.decode()
    assert "votre mot de passe est votre NUMEN, tapé en majuscules" in page
