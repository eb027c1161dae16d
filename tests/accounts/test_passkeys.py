"""Passkeys on the server side: one relying party per tenant host, the tenant's policy, the
login's per-address limits, bad input, and Mon profil's rename and remove of one's own keys only.
The whole ceremony in a browser is tests/browser/test_passkeys.py."""

import json

import pytest
from django.test import Client, RequestFactory, override_settings
from django_otp_webauthn.models import WebAuthnCredential

from accounts import passkeys
from accounts.passkey_views import CompleteAuthentication, PasskeyRefused
from tenants.models import PasskeyPolicy
from tests.conftest import HOST_A, HOST_B
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

AUTH_BEGIN = "/cles-d-acces/webauthn/connexion/debut/"
AUTH_COMPLETE = "/cles-d-acces/webauthn/connexion/fin/"
REG_BEGIN = "/cles-d-acces/webauthn/inscription/debut/"
LIMITS = {"login": "600/m/ip", "login_failed": "2/m/ip,5/5m/key", "change_password": "5/m/user"}


def _passkey(user, name: str = "Téléphone", raw: bytes = b"credential-1") -> WebAuthnCredential:
    return WebAuthnCredential.objects.create(
        user=user, name=name, credential_id=raw, public_key=b"key", sign_count=0
    )


def _post(client: Client, url: str, body: dict | None = None):
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def test_login_options_name_the_hosts_own_relying_party(client_a, client_b, tenant_a, tenant_b):
    # when a passkey login starts at each tenant's host (port included, as in a browser)
    options_a = _post(Client(HTTP_HOST=f"{HOST_A}:8000"), AUTH_BEGIN).json()
    options_b = _post(client_b, AUTH_BEGIN).json()
    # then each names its own host as the relying party, asks for no identifier and requires
    # the person's verification (fingerprint, face, PIN) on the device
    assert options_a["rpId"] == HOST_A
    assert options_b["rpId"] == HOST_B
    assert options_a.get("allowCredentials", []) == []
    assert options_a["userVerification"] == "required"


def test_registration_needs_a_login_and_asks_for_a_discoverable_passkey(client_a, parent):
    refused = _post(client_a, REG_BEGIN)
    assert refused.status_code == 403
    client_a.force_login(parent)
    options = _post(client_a, REG_BEGIN).json()
    assert options["rp"] == {"id": HOST_A, "name": "Réseau Alpha"}
    assert options["user"]["name"] == parent.identifier
    assert options["authenticatorSelection"]["residentKey"] == "required"


def test_passkey_of_one_tenant_is_refused_at_another_tenants_host(parent, tenant_b):
    # given a passkey of tenant A's parent, presented at tenant B's host
    device = _passkey(parent)
    request = RequestFactory().post(AUTH_COMPLETE, HTTP_HOST=HOST_B)
    request.tenant = tenant_b
    view = CompleteAuthentication()
    view.request = request
    # then the view refuses it, and the login backend would not log its owner in either
    with pytest.raises(PasskeyRefused):
        view.check_device_usable(device)
    assert passkeys.TenantPasskeyBackend().authenticate(request, webauthn_credential=device) is None
    request.tenant = parent.tenant
    assert passkeys.TenantPasskeyBackend().authenticate(request, webauthn_credential=device) == (
        parent
    )


def test_passkeys_off_refuses_every_ceremony_and_hides_the_button(client_a, tenant_a, parent):
    tenant_a.passkeys = PasskeyPolicy.OFF
    tenant_a.save()
    response = _post(client_a, AUTH_BEGIN)
    assert response.status_code == 404
    assert response.json() == {
        "detail": "Les clés d'accès ne sont pas proposées ici.",
        "code": "passkeys_off",
    }
    assert "clé d'accès" not in client_a.get("/accounts/login/").content.decode()
    # and a passkey made earlier no longer logs in
    request = RequestFactory().post(AUTH_COMPLETE, HTTP_HOST=HOST_A)
    request.tenant = tenant_a
    backend = passkeys.TenantPasskeyBackend()
    assert backend.authenticate(request, webauthn_credential=_passkey(parent)) is None


@pytest.mark.parametrize(
    "body",
    [{}, {"id": "x"}, {"id": "AAAA", "rawId": "AAAA", "type": "public-key", "response": {}}],
)
def test_bad_assertion_is_a_clear_4xx_never_a_500(client_a, tenant_a, body):
    _post(client_a, AUTH_BEGIN)
    response = _post(client_a, AUTH_COMPLETE, body)
    assert 400 <= response.status_code < 500
    assert response.json()["detail"]


def test_complete_without_begin_is_refused(client_a, tenant_a):
    response = _post(client_a, AUTH_COMPLETE, {"id": "x"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_state"


@override_settings(ACCOUNT_RATE_LIMITS=LIMITS)
def test_failed_passkey_logins_count_against_the_addresses_login_limit(client_a, tenant_a):
    # given two failed passkey logins from one address (the limit is 2 a minute here)
    for _ in range(2):
        _post(client_a, AUTH_BEGIN)
        assert 400 <= _post(client_a, AUTH_COMPLETE, {"id": "forged"}).status_code < 500
    # then a third is refused with the login's message, and without trying the passkey
    response = _post(client_a, AUTH_BEGIN)
    assert response.status_code == 429
    assert response.json()["detail"] == "Trop de tentatives. Réessayez dans quelques minutes."


def test_profile_lists_own_passkeys_and_renames_and_removes_only_them(client_a, parent, child1):
    mine = _passkey(parent, "Téléphone", b"mine")
    theirs = _passkey(child1, "Tablette", b"theirs")
    client_a.force_login(parent)
    page = client_a.get("/profil/").content.decode()
    assert "Téléphone" in page and "Tablette" not in page and "jamais utilisée" in page
    # someone else's passkey: not found, untouched
    assert client_a.post(f"/cles-d-acces/{theirs.pk}/nom/", {"name": "Volée"}).status_code == 404
    assert client_a.post(f"/cles-d-acces/{theirs.pk}/supprimer/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "Tablette"
    # one's own: renamed (an empty name is refused), then removed
    response = client_a.post(f"/cles-d-acces/{mine.pk}/nom/", {"name": "  "}, follow=True)
    assert "Donnez un nom à la clé d&#x27;accès." in response.content.decode()
    client_a.post(f"/cles-d-acces/{mine.pk}/nom/", {"name": "Ordinateur"})
    mine.refresh_from_db()
    assert mine.name == "Ordinateur"
    client_a.post(f"/cles-d-acces/{mine.pk}/supprimer/")
    assert not WebAuthnCredential.objects.filter(pk=mine.pk).exists()
    assert client_a.get(f"/cles-d-acces/{mine.pk}/supprimer/").status_code == 405


def test_staff_without_passkey_must_add_one_where_the_tenant_requires_it(
    client_a, tenant_a, secretary, parent
):
    tenant_a.passkeys = PasskeyPolicy.STAFF_REQUIRED
    tenant_a.save()
    client_a.force_login(secretary)
    # a staff member without a passkey is sent to Mon profil's passkeys, told why
    response = client_a.get("/paiements/", follow=False)
    assert response.status_code == 302
    assert response["Location"] == "/profil/#cles-d-acces"
    profile = client_a.get("/profil/").content.decode()
    assert "Votre réseau exige une clé d'accès pour le personnel" in profile
    # with one, the portal opens again
    _passkey(secretary)
    after = client_a.get("/paiements/")
    assert after.get("Location") != "/profil/#cles-d-acces"
    # parents are never asked
    parent_client = Client(HTTP_HOST=HOST_A)
    parent_client.force_login(parent)
    assert "exige une clé" not in parent_client.get("/profil/").content.decode()
    assert not passkeys.passkey_required(parent)
    assert passkeys.passkey_required(UserFactory(tenant=tenant_a, is_tenant_admin=True))


def test_staff_need_their_second_factor_before_adding_a_passkey(client_a, secretary):
    # a secretary logged in with her password only (no code): a passkey would open the admin
    client_a.force_login(secretary)
    response = _post(client_a, REG_BEGIN)
    assert response.status_code == 403
    assert response.json()["code"] == "user_not_verified"
    assert "code à 6 chiffres" in response.json()["detail"]
    # once her session passed the TOTP code (the admin's login), she may
    from tests.conftest import verified_admin_client

    assert _post(verified_admin_client(secretary, HOST_A), REG_BEGIN).status_code == 200
