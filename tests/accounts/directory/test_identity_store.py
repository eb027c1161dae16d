"""A tenant's identity store: its rules (TLS outside development, the bind secret never in
clear) and the administrator's "test the connection", which says what is wrong in plain words."""

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import translation

from accounts.directory.client import connection_check
from accounts.models import IdentityStore
from tests.conftest import HOST_A, verified_admin_client
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _store(tenant, **fields) -> IdentityStore:
    base = {"kind": IdentityStore.Kind.LDAP, "url": "ldaps://annuaire.example.be",
            "base_dn": "dc=example,dc=be"}  # fmt: skip
    return IdentityStore(tenant=tenant, **(base | fields))


@override_settings(DEBUG=False)
def test_plain_ldap_is_refused_outside_development_unless_starttls(tenant_a):
    with pytest.raises(ValidationError) as refused:
        _store(tenant_a, url="ldap://annuaire.example.be").full_clean()
    assert "connexion doit être chiffrée" in str(refused.value.message_dict["url"])
    _store(tenant_a, url="ldap://annuaire.example.be", start_tls=True).full_clean()
    _store(tenant_a, url="ldaps://annuaire.example.be").full_clean()


@override_settings(DEBUG=True)
def test_plain_ldap_is_allowed_in_development(tenant_a):
    _store(tenant_a, url="ldap://127.0.0.1:3890").full_clean()


def test_a_directory_needs_an_ldap_address_and_a_base(tenant_a):
    with pytest.raises(ValidationError) as refused:
        _store(tenant_a, url="https://annuaire.example.be", base_dn="").full_clean()
    assert set(refused.value.message_dict) >= {"url", "base_dn"}


def test_the_bind_password_is_stored_encrypted(tenant_a):
    store = _store(tenant_a)
    store.bind_password_set("le-secret-du-compte")
    store.save()
    raw = IdentityStore.objects.values_list("bind_password_encrypted", flat=True).get(pk=store.pk)
    assert "le-secret-du-compte" not in raw
    assert IdentityStore.objects.get(pk=store.pk).bind_password() == "le-secret-du-compte"


def test_under_another_secret_key_the_stored_password_is_unreadable(tenant_a):
    store = _store(tenant_a)
    store.bind_password_set("le-secret-du-compte")
    with override_settings(SECRET_KEY="another-key", SECRET_KEY_FALLBACKS=[]):
        assert store.bind_password() == ""


def test_the_bind_password_may_come_from_the_environment(tenant_a, monkeypatch):
    monkeypatch.setenv("ALPHA_LDAP_PASSWORD", "depuis-l-environnement")
    store = _store(tenant_a, bind_password_env="ALPHA_LDAP_PASSWORD")
    store.bind_password_set("ignored-when-an-env-name-is-given")
    assert store.bind_password() == "depuis-l-environnement"


# --- "Test the connection" --------------------------------------------------------------------


def _check(store) -> tuple[bool, str]:
    with translation.override("fr"):
        result = connection_check(store)
        return result.ok, str(result.message)


def test_a_working_directory_says_so(directory_store):
    assert _check(directory_store) == (
        True,
        "La connexion à l'annuaire fonctionne : des personnes sont trouvées.",
    )


def test_an_unreachable_directory_says_so(directory_store, slapd):
    slapd.stop()
    ok, message = _check(directory_store)
    assert not ok
    assert message.startswith(f"L'annuaire ne répond pas à l'adresse {slapd.ldaps_url}")


def test_starttls_on_the_plain_port_works(directory_store, slapd):
    directory_store.url, directory_store.start_tls = slapd.url, True
    assert _check(directory_store)[0]


TLS_FAILED = "La connexion chiffrée (TLS) avec l'annuaire a échoué"


def test_a_certificate_from_an_unknown_authority_says_so(directory_store, slapd):
    directory_store.ca_file = ""  # the system's authorities do not know the test directory's
    ok, message = _check(directory_store)
    assert not ok and message.startswith(TLS_FAILED)
    directory_store.url, directory_store.start_tls = slapd.url, True
    ok, message = _check(directory_store)
    assert not ok and message.startswith(TLS_FAILED)


def test_tls_where_the_server_speaks_plain_ldap_says_so(directory_store, slapd):
    directory_store.url = slapd.url.replace("ldap://", "ldaps://")  # the plain port
    ok, message = _check(directory_store)
    assert not ok and message.startswith(TLS_FAILED)


def test_a_wrong_bind_password_says_so(directory_store):
    directory_store.bind_password_set("pas-le-bon")
    ok, message = _check(directory_store)
    assert not ok and message.startswith("L'annuaire refuse le compte de connexion")


def test_a_missing_base_says_so(directory_store):
    directory_store.base_dn = "ou=nulle-part,dc=cartable,dc=test"
    ok, message = _check(directory_store)
    assert not ok
    assert message.startswith("La base de recherche « ou=nulle-part,dc=cartable,dc=test » n'existe")


def test_a_filter_that_finds_nobody_says_so(directory_store):
    directory_store.user_filter = "(objectClass=posixAccount)"
    ok, message = _check(directory_store)
    assert (ok, message) == (
        False,
        "La connexion fonctionne, mais le filtre des personnes ne trouve personne sous la base "
        "de recherche.",
    )


def test_the_check_speaks_english_too(directory_store):
    directory_store.user_filter = "(objectClass=posixAccount)"
    with translation.override("en"):
        message = str(connection_check(directory_store).message)
    assert message.startswith("The connection works, but the people filter finds nobody")


# --- The admin page ---------------------------------------------------------------------------


@pytest.fixture
def network_admin(tenant_a):
    return UserFactory(tenant=tenant_a, identifier="admin.reseau", is_tenant_admin=True)


def _form(slapd, **changes) -> dict:
    data = {
        "kind": "ldap", "url": slapd.ldaps_url, "bind_dn": slapd.bind_dn,
        "bind_password": slapd.bind_password, "bind_password_env": "", "ca_file": slapd.ca_file,
        "base_dn": slapd.base_dn, "user_filter": "(objectClass=inetOrgPerson)",
        "identifier_attribute": "uid", "email_attribute": "mail",
        "school_mailbox_attribute": "mailLocalAddress", "timeout_seconds": "3",
        "first_name_attribute": "givenName", "last_name_attribute": "sn",
        "_test_connection": "1",
    }  # fmt: skip
    return data | changes


@override_settings(DEBUG=False)
def test_the_network_admin_saves_and_tests_the_connection(network_admin, tenant_a, slapd):
    client = verified_admin_client(network_admin, HOST_A)
    response = client.post("/admin/accounts/identitystore/add/", _form(slapd), follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "La connexion à l&#x27;annuaire fonctionne" in page
    assert slapd.bind_password not in page  # never shown back
    store = IdentityStore.objects.get(tenant=tenant_a)
    assert store.bind_password() == slapd.bind_password

    # a wrong base, saved and tested: the page says what is wrong
    response = client.post(
        f"/admin/accounts/identitystore/{store.pk}/change/",
        _form(slapd, base_dn="ou=absente,dc=cartable,dc=test", bind_password=""),
        follow=True,
    )
    assert "La base de recherche « ou=absente,dc=cartable,dc=test » n&#x27;existe pas" in (
        response.content.decode()
    )
    assert IdentityStore.objects.get(pk=store.pk).bind_password() == slapd.bind_password


def test_a_secretary_cannot_see_the_directory_settings(secretary_client, directory_store):
    assert secretary_client.get("/admin/accounts/identitystore/").status_code == 403
    page = secretary_client.get(f"/admin/accounts/identitystore/{directory_store.pk}/change/")
    assert page.status_code in (403, 404)


def test_an_outsider_gets_404(outsider, directory_store):
    outsider.is_tenant_admin = True
    outsider.save()
    client = verified_admin_client(outsider, "beta.localhost")
    page = client.get(f"/admin/accounts/identitystore/{directory_store.pk}/change/")
    assert page.status_code == 404
