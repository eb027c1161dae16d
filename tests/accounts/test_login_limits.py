"""allauth's login limits, on the cache the settings give (Redis in the PostgreSQL + Redis pass):
five failures lock an identifier at its tenant only, and the lock looks like a wrong password."""

import pytest
from django.contrib.auth import SESSION_KEY

pytestmark = pytest.mark.django_db


def _login(client, login, password):
    return client.post("/accounts/login/", {"login": login, "password": password})


def test_five_failures_refuse_even_the_right_password(client_a, parent, password):
    for _ in range(5):
        _login(client_a, parent.identifier, "wrong")
    response = _login(client_a, parent.identifier, password)
    assert response.status_code == 200
    assert "incorrect" in response.content.decode()
    assert SESSION_KEY not in client_a.session


def test_failures_at_one_tenant_do_not_lock_the_same_identifier_at_another(
    client_a, client_b, tenant_a, outsider, password
):
    for _ in range(6):
        assert _login(client_a, outsider.identifier, "wrong").status_code == 200
    response = _login(client_b, outsider.identifier, password)
    assert response.status_code == 302
    assert client_b.session[SESSION_KEY] == str(outsider.pk)
