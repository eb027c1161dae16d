"""The tenant's password rules, enforced on the reset page with the reason shown."""

import pytest
from django.test import Client

from tests.conftest import HOST_A

pytestmark = pytest.mark.django_db


@pytest.fixture
def reset_page(parent, reset_link):
    client = Client(HTTP_HOST=HOST_A)
    client.get(reset_link(client, parent))

    def submit(password: str):
        return client.post(
            "/mot-de-passe-oublie/nouveau/",
            {"email": parent.email, "password1": password, "password2": password},
        )

    return submit


@pytest.mark.parametrize(
    ("password", "accepted"),
    [
        ("Ab1+xyz", False),  # 7 characters
        ("Ab1+xyzw", True),  # 8
        ("Ab1+" + "q" * 252, True),  # 256
        ("Ab1+" + "q" * 253, False),  # 257
    ],
)
def test_length_limits_with_creos_rules(tenant_a, parent, reset_page, password, accepted):
    tenant_a.password_rules = "creos"
    tenant_a.save()
    response = reset_page(password)
    assert (response.status_code == 302) is accepted
    parent.refresh_from_db()
    assert parent.check_password(password) is accepted
    if not accepted:
        assert "Entre 8 et 256 caractères" in response.content.decode()


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("abcdefgh1+", "Au moins une majuscule"),
        ("Abcdefgh+", "Au moins un chiffre"),
        ("Abcdefgh1", "Au moins un caractère spécial"),
    ],
)
def test_creos_rules_show_the_reason(tenant_a, reset_page, password, reason):
    tenant_a.password_rules = "creos"
    tenant_a.save()
    response = reset_page(password)
    assert response.status_code == 400
    assert reason in response.content.decode()


def test_common_password_is_rejected_with_reason(reset_page):
    response = reset_page("password123")
    assert response.status_code == 400
    assert "trop courant" in response.content.decode()


def test_password_containing_the_name_is_rejected_with_m365_rules(tenant_a, reset_page):
    tenant_a.password_rules = "m365"
    tenant_a.save()
    response = reset_page("Dubois-2024!")
    assert response.status_code == 400
    assert "Ne contient pas votre nom" in response.content.decode()


def test_long_passwords_are_not_truncated(parent, reset_page):
    password = "Ab1+" + "z" * 96  # 100 characters, past bcrypt's 72-byte limit
    assert reset_page(password).status_code == 302
    parent.refresh_from_db()
    assert parent.check_password(password)
    assert not parent.check_password(password[:-1])
    assert not parent.check_password(password[:73])


def test_checklist_is_rendered_without_javascript(tenant_a, parent, reset_link):
    tenant_a.password_rules = "creos"
    tenant_a.save()
    client = Client(HTTP_HOST=HOST_A)
    client.get(reset_link(client, parent))
    page = client.get("/mot-de-passe-oublie/nouveau/").content.decode()
    for rule in ("Entre 8 et 256", "Au moins un chiffre", "Au moins une majuscule", "spécial"):
        assert rule in page
    assert "password-rules.js" in page
    # After a submission, the rules already met are ticked by the server.
    page = client.post(
        "/mot-de-passe-oublie/nouveau/",
        {"email": parent.email, "password1": "abcdefgh1", "password2": "abcdefgh1"},
    ).content.decode()
    assert 'data-rule="digit" class="rule rule-ok"' in page
    assert 'data-rule="upper" class="rule"' in page
