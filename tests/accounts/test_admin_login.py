"""The admin's login (issue 12, item 1): identifier, password and code in one form, one answer
whatever was wrong, the password never written back, and limits per identifier and per address
that an attacker cannot turn against the owner's own browser."""

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.admin_login import KNOWN_DEVICE_COOKIE
from tests.conftest import HOST_A

pytestmark = pytest.mark.django_db

LOGIN_URL = "/admin/login/?next=/admin/"
GENERIC = "Identifiant, mot de passe ou code incorrect."
TOO_MANY = "Trop de tentatives de connexion."


@pytest.fixture
def device(secretary):
    return TOTPDevice.objects.create(user=secretary, name="téléphone", confirmed=True)


def code_of(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0):06d}"


def wrong_code(device: TOTPDevice) -> str:
    right = int(code_of(device))
    return f"{(right + 500_000) % 1_000_000:06d}"


def login(client: Client, identifier: str, password: str, code: str):
    return client.post(LOGIN_URL, {"username": identifier, "password": password, "otp_token": code})


def page_without_secrets(response, identifier: str) -> str:
    """The page with its CSRF token and the identifier typed (written back) taken out."""
    html = response.content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", html)
    return html.replace(f'value="{identifier}"', 'value="…"')


def test_right_identifier_password_and_code_log_in_with_one_submit(
    client_a, secretary, password, device
):
    # given a secretary's identifier, password and the current code of her app
    response = login(client_a, secretary.identifier, password, code_of(device))

    # then the first submit opens the admin
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client_a.get("/admin/").status_code == 200
    assert KNOWN_DEVICE_COOKIE in response.cookies


def test_the_form_asks_the_three_fields_in_plain_french(client_a, tenant_a):
    page = client_a.get(LOGIN_URL).content.decode()
    assert "Identifiant" in page and "Mot de passe" in page
    assert "Code à 6 chiffres de votre application d&#x27;authentification" in page
    assert "OTP" not in page and "Appareil" not in page


def test_every_kind_of_failure_gives_the_same_page(client_a, secretary, parent, password, device):
    parent_device = TOTPDevice.objects.create(user=parent, name="p", confirmed=True)
    attempts = {
        "wrong password": (secretary.identifier, "Pas-le-bon-1", code_of(device)),
        "wrong code": (secretary.identifier, password, wrong_code(device)),
        "unknown identifier": ("personne.inconnue", password, code_of(device)),
        # a parent's right password and right code: no admin for her, the same answer
        "parent": (parent.identifier, password, code_of(parent_device)),
    }
    pages = {}
    for name, (identifier, secret, code) in attempts.items():
        response = login(Client(HTTP_HOST=HOST_A), identifier, secret, code)
        assert response.status_code == 200, name
        assert SESSION_KEY not in response.client.session, name
        assert password not in response.content.decode(), name
        pages[name] = page_without_secrets(response, identifier)
    assert GENERIC in pages["wrong code"]
    assert len(set(pages.values())) == 1, [n for n in pages if pages[n] != pages["wrong code"]]


def test_a_right_password_is_never_written_back(client_a, secretary, password, device):
    response = login(client_a, secretary.identifier, password, wrong_code(device))
    html = response.content.decode()
    assert password not in html
    assert re.search(r'<input type="password" name="password"[^>]*>', html)
    assert 'name="otp_device"' not in html and "Please select a device" not in html


def test_staff_without_a_device_gets_the_same_answer(client_a, secretary, password):
    response = login(client_a, secretary.identifier, password, "123456")
    assert response.status_code == 200 and GENERIC in response.content.decode()
    assert SESSION_KEY not in client_a.session


def test_a_code_logs_in_only_once(client_a, secretary, password, device):
    code = code_of(device)
    assert login(client_a, secretary.identifier, password, code).status_code == 302
    again = login(Client(HTTP_HOST=HOST_A), secretary.identifier, password, code)
    assert again.status_code == 200 and GENERIC in again.content.decode()


def test_an_inactive_secretary_cannot_log_in(client_a, secretary, password, device):
    secretary.is_active = False
    secretary.save(update_fields=["is_active"])
    response = login(client_a, secretary.identifier, password, code_of(device))
    assert response.status_code == 200 and GENERIC in response.content.decode()


def test_a_secretary_of_another_tenant_cannot_log_in_here(tenant_a, outsider, password):
    device = TOTPDevice.objects.create(user=outsider, name="t", confirmed=True)
    response = login(Client(HTTP_HOST=HOST_A), outsider.identifier, password, code_of(device))
    assert response.status_code == 200 and GENERIC in response.content.decode()


# --- limits ---------------------------------------------------------------------------------


def test_five_failures_stop_an_identifier_from_a_new_browser_existing_or_not(
    secretary, password, device
):
    # given five wrong passwords for the secretary and for an unknown identifier
    for identifier in (secretary.identifier, "personne.inconnue"):
        for n in range(5):
            client = Client(HTTP_HOST=HOST_A, REMOTE_ADDR=f"10.0.0.{n + 1}")
            assert GENERIC in login(client, identifier, "faux", "000000").content.decode()

    # then from another browser and address even the right password and code are refused,
    # with the same message for the existing and the unknown identifier
    pages = []
    for identifier, secret, code in (
        (secretary.identifier, password, code_of(device)),
        ("personne.inconnue", password, "000000"),
    ):
        client = Client(HTTP_HOST=HOST_A, REMOTE_ADDR="10.0.1.1")
        response = login(client, identifier, secret, code)
        assert response.status_code == 200 and TOO_MANY in response.content.decode()
        assert SESSION_KEY not in client.session
        pages.append(page_without_secrets(response, identifier))
    assert pages[0] == pages[1]


def test_the_owners_known_browser_still_gets_in_after_an_attack(secretary, password, device):
    # given the secretary logged in once from her browser (it is now a known device)
    own = Client(HTTP_HOST=HOST_A, REMOTE_ADDR="192.0.2.10")
    first = login(own, secretary.identifier, password, code_of(device))
    assert first.status_code == 302 and KNOWN_DEVICE_COOKIE in own.cookies
    own.post("/admin/logout/")
    device.refresh_from_db()
    device.last_t -= 1  # the next code is the same 30-second step: let it count as new
    device.save(update_fields=["last_t"])

    # when an attacker exhausts her identifier's count from elsewhere
    for n in range(8):
        attacker = Client(HTTP_HOST=HOST_A, REMOTE_ADDR=f"198.51.100.{n + 1}")
        login(attacker, secretary.identifier, "devine", "000000")
    stranger = Client(HTTP_HOST=HOST_A, REMOTE_ADDR="198.51.100.99")
    refused = login(stranger, secretary.identifier, password, code_of(device))
    assert TOO_MANY in refused.content.decode()

    # then her own browser still logs in
    response = login(own, secretary.identifier, password, code_of(device))
    assert response.status_code == 302
    assert own.get("/admin/").status_code == 200


def test_a_forged_known_device_cookie_counts_for_nothing(secretary, password, device):
    for n in range(5):
        attacker = Client(HTTP_HOST=HOST_A, REMOTE_ADDR=f"198.51.100.{n + 1}")
        login(attacker, secretary.identifier, "devine", "000000")
    forger = Client(HTTP_HOST=HOST_A, REMOTE_ADDR="198.51.100.50")
    forger.cookies[KNOWN_DEVICE_COOKIE] = '{"login": "alpha:secretariat", "nonce": "x"}'
    response = login(forger, secretary.identifier, password, code_of(device))
    assert TOO_MANY in response.content.decode()


def test_thirty_failures_stop_an_address_whatever_the_identifier(secretary, password, device):
    # given thirty failures from one address, each for a different identifier
    for n in range(30):
        client = Client(HTTP_HOST=HOST_A, REMOTE_ADDR="203.0.113.7")
        login(client, f"essai{n}", "faux", "000000")

    # then that address is refused even for the right identifier, password and code
    client = Client(HTTP_HOST=HOST_A, REMOTE_ADDR="203.0.113.7")
    response = login(client, secretary.identifier, password, code_of(device))
    assert response.status_code == 200 and TOO_MANY in response.content.decode()

    # and a forged X-Forwarded-For (the peer is no trusted proxy) does not change the address
    client = Client(HTTP_HOST=HOST_A, REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="10.9.9.9")
    response = login(client, secretary.identifier, password, code_of(device))
    assert TOO_MANY in response.content.decode()

    # while another address gets in
    other = Client(HTTP_HOST=HOST_A, REMOTE_ADDR="203.0.113.8")
    assert login(other, secretary.identifier, password, code_of(device)).status_code == 302


def test_the_portal_login_and_the_admin_share_the_identifiers_count(
    client_a, secretary, password, device
):
    # given five wrong passwords at the portal's login
    for _ in range(5):
        client_a.post("/accounts/login/", {"login": secretary.identifier, "password": "faux"})

    # then the admin login is no way around the limit
    response = login(Client(HTTP_HOST=HOST_A), secretary.identifier, password, code_of(device))
    assert TOO_MANY in response.content.decode()


def test_a_staff_member_gets_a_device_from_the_command_and_logs_in(
    client_a, secretary, parent, password
):
    import base64
    from io import StringIO

    from django.core.management import CommandError, call_command

    # given the platform's operator adds a device for the secretary
    out = StringIO()
    call_command("staff_totp_device", "alpha", secretary.identifier, stdout=out)
    key = re.search(r"key \(base32\): ([A-Z2-7=]+)", out.getvalue()).group(1)
    assert "otpauth://totp/" in out.getvalue()

    # then the code her app shows for that key logs her in
    code = f"{totp(base64.b32decode(key)):06d}"
    assert login(client_a, secretary.identifier, password, code).status_code == 302

    # and a parent gets no device
    with pytest.raises(CommandError):
        call_command("staff_totp_device", "alpha", parent.identifier, stdout=StringIO())
