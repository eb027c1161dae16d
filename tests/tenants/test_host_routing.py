import pytest

pytestmark = pytest.mark.django_db


def test_unknown_host_gets_a_plain_404_without_any_branding(client, tenant_a):
    # given a tenant at alpha.localhost, when an unknown host is asked
    response = client.get("/accounts/login/", HTTP_HOST="nobody.localhost")
    # then a plain 404 that names no tenant
    assert response.status_code == 404
    assert b"Alpha" not in response.content


def test_each_tenant_host_shows_its_own_branding(client_a, client_b, tenant_a, tenant_b):
    page_a = client_a.get("/accounts/login/").content.decode()
    page_b = client_b.get("/accounts/login/").content.decode()
    assert "Réseau Alpha" in page_a and "#123456" in page_a
    assert "Réseau Bêta" in page_b and "Réseau Alpha" not in page_b


def test_port_and_case_do_not_change_the_tenant(client, tenant_a):
    response = client.get("/accounts/login/", HTTP_HOST="ALPHA.localhost:8000")
    assert response.status_code == 200
    assert "Réseau Alpha" in response.content.decode()


def test_platform_host_lists_demo_tenants(client, tenant_a, tenant_b, settings):
    settings.DEMO_MODE = True
    page = client.get("/", HTTP_HOST="localhost:8000").content.decode()
    assert "alpha.localhost" in page and "beta.localhost" in page


def test_platform_host_lists_nothing_outside_demo_mode(client, tenant_a, settings):
    settings.DEMO_MODE = False
    page = client.get("/", HTTP_HOST="localhost").content.decode()
    assert "alpha.localhost" not in page


def test_inactive_tenant_is_unknown(client, tenant_a):
    tenant_a.is_active = False
    tenant_a.save()
    from django.core.cache import cache

    cache.clear()
    assert client.get("/accounts/login/", HTTP_HOST="alpha.localhost").status_code == 404


def test_tenant_default_language_is_used_and_visitor_can_switch(client_a, tenant_a):
    tenant_a.default_language = "en"
    tenant_a.save()
    assert 'lang="en"' in client_a.get("/accounts/login/").content.decode()
    client_a.post("/i18n/setlang/", {"language": "fr", "next": "/accounts/login/"})
    assert 'lang="fr"' in client_a.get("/accounts/login/").content.decode()
