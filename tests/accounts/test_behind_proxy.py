"""Issue 12, item 6: behind the proxies named in CARTABLE_TRUSTED_PROXIES each visitor is known by
their own address (X-Forwarded-For), in allauth's login limits as in the recovery limits and the
audit log; a visitor who is not a trusted proxy cannot choose an address by sending the header."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.checks import run_checks
from django.test import Client, RequestFactory, override_settings

from portal.http import ClientAddressMiddleware, client_ip
from tests.conftest import HOST_A

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"
TRUSTED = override_settings(CARTABLE_TRUSTED_PROXIES=["10.0.0.0/8"])


def via_proxy(visitor: str) -> Client:
    return Client(HTTP_HOST=HOST_A, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=visitor)


def login(client: Client, identifier: str, password: str):
    return client.post("/accounts/login/", {"login": identifier, "password": password})


def fail_thirty_times(client_for, tenant) -> None:
    """allauth's 30 failed logins a minute per address, each on another identifier (so that the
    per-identifier limit, 5, is not what refuses)."""
    for i in range(30):
        assert login(client_for(i), f"nobody{i}", "wrong").status_code == 200


@TRUSTED
def test_behind_a_trusted_proxy_two_visitors_are_limited_separately(tenant_a, parent, password):
    # given a visitor who failed 30 logins through the proxy
    fail_thirty_times(lambda i: via_proxy("203.0.113.9"), tenant_a)
    refused = via_proxy("203.0.113.9")
    response = login(refused, parent.identifier, password)
    # (the limit looks like a wrong password, as for any refused login)
    assert "L&#x27;identifiant ou le mot de passe est incorrect." in response.content.decode()
    assert SESSION_KEY not in refused.session
    # then another visitor behind the same proxy still signs in
    other = via_proxy("198.51.100.7")
    assert login(other, parent.identifier, password).status_code == 302
    assert other.session[SESSION_KEY] == str(parent.pk)


@TRUSTED
def test_a_forged_forwarded_header_from_an_untrusted_peer_is_ignored(tenant_a, parent, password):
    # given a visitor, not a proxy, sending a new X-Forwarded-For with each failed login
    def forging(i: int) -> Client:
        return Client(
            HTTP_HOST=HOST_A, REMOTE_ADDR="203.0.113.50", HTTP_X_FORWARDED_FOR=f"192.0.2.{i}"
        )

    fail_thirty_times(forging, tenant_a)
    # then the limit counted the peer's own address: a new forged address does not help
    client = forging(99)
    login(client, parent.identifier, password)
    assert SESSION_KEY not in client.session


@TRUSTED
def test_the_recovery_audit_log_holds_the_visitors_address(tenant_a, parent, ask_reset_plain):
    from recovery.models import RecoveryRequest

    ask_reset_plain(via_proxy("198.51.100.23"), parent.identifier)
    assert RecoveryRequest.objects.get().ip == "198.51.100.23"


@pytest.fixture
def ask_reset_plain(django_capture_on_commit_callbacks):
    def ask(client, login: str):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/mot-de-passe-oublie/", {"method": "identifier", "login": login})

    return ask


@TRUSTED
def test_the_middleware_writes_the_decision_where_libraries_read_it():
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.1")
    seen = {}
    ClientAddressMiddleware(lambda r: seen.update(addr=r.META["REMOTE_ADDR"]) or None)(request)
    assert seen["addr"] == "198.51.100.1"
    # asked again (a view after the middleware), the answer stays the same
    assert client_ip(request) == "198.51.100.1"


def test_a_proxy_without_trusted_addresses_is_reported_by_the_deploy_check(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.CARTABLE_TRUSTED_PROXIES = []
    ids = [message.id for message in run_checks(include_deployment_checks=True)]
    assert "cartable.W002" in ids
    settings.CARTABLE_TRUSTED_PROXIES = ["10.0.0.0/8"]
    ids = [message.id for message in run_checks(include_deployment_checks=True)]
    assert "cartable.W002" not in ids
