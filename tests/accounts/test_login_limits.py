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


def test_a_strangers_wrong_passwords_never_lock_the_owner_out_of_her_own_browser(
    client_a, parent, password
):
    from django.test import Client

    from accounts.known_device import KNOWN_DEVICE_COOKIE
    from tests.conftest import HOST_A

    # given the parent logged in on her phone once (it became a known device), then out
    first = _login(client_a, parent.identifier, password)
    assert first.status_code == 302 and KNOWN_DEVICE_COOKIE in first.cookies
    client_a.post("/accounts/logout/")
    # when a stranger tries wrong passwords for her identifier from several addresses
    for n in range(6):
        stranger = Client(HTTP_HOST=HOST_A, REMOTE_ADDR=f"198.51.100.{n}")
        assert "incorrect" in _login(stranger, parent.identifier, "wrong").content.decode()
    # then a new browser, even with the right password, waits like the stranger
    elsewhere = Client(HTTP_HOST=HOST_A, REMOTE_ADDR="203.0.113.77")
    assert _login(elsewhere, parent.identifier, password).status_code == 200
    # but on her phone the right password lets her in (throttle, don't lock)
    response = _login(client_a, parent.identifier, password)
    assert response.status_code == 302
    assert client_a.session[SESSION_KEY] == str(parent.pk)


def test_a_forged_or_borrowed_device_cookie_gives_no_more_tries(client_a, parent, password):
    from accounts.known_device import KNOWN_DEVICE_COOKIE

    client_a.cookies[KNOWN_DEVICE_COOKIE] = "forged"
    for _ in range(5):
        _login(client_a, parent.identifier, "wrong")
    assert _login(client_a, parent.identifier, password).status_code == 200
