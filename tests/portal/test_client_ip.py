"""The client address comes from one helper that believes X-Forwarded-For only from proxies."""

from django.test import RequestFactory, override_settings

from portal.http import client_ip


def request(peer: str, forwarded: str | None = None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=peer, **extra)


def test_without_trusted_proxies_the_forwarded_header_is_ignored():
    assert client_ip(request("203.0.113.5", "198.51.100.1")) == "203.0.113.5"


@override_settings(CARTABLE_TRUSTED_PROXIES=["10.0.0.0/8"])
def test_behind_a_trusted_proxy_the_first_untrusted_hop_from_the_right_is_the_client():
    assert client_ip(request("10.0.0.2", "1.2.3.4, 198.51.100.1, 10.0.0.9")) == "198.51.100.1"


@override_settings(CARTABLE_TRUSTED_PROXIES=["10.0.0.0/8"])
def test_a_peer_that_is_not_a_trusted_proxy_cannot_forge_its_address():
    assert client_ip(request("203.0.113.5", "198.51.100.1")) == "203.0.113.5"


@override_settings(CARTABLE_TRUSTED_PROXIES=["10.0.0.0/8"])
def test_a_garbled_forwarded_header_falls_back_to_the_peer():
    assert client_ip(request("10.0.0.2", "not-an-address")) == "10.0.0.2"
    assert client_ip(request("10.0.0.2", "")) == "10.0.0.2"
