"""The host → tenant lookup of every request is kept in the process for a few seconds
(tenants.selectors.tenant_for_host): no query then, and a saved change is seen at once."""

import pytest

from tenants import selectors
from tenants.models import Tenant, TenantHost
from tenants.selectors import tenant_for_host

pytestmark = pytest.mark.django_db


def test_a_second_request_at_the_same_host_asks_no_query_for_its_tenant(
    client_a, tenant_a, django_assert_num_queries
):
    client_a.get("/accounts/login/")
    with django_assert_num_queries(0):
        assert tenant_for_host("alpha.localhost") == tenant_a
    # The page itself asks nothing either: the login page of an anonymous visitor.
    with django_assert_num_queries(0):
        assert client_a.get("/accounts/login/").status_code == 200


def test_each_call_gets_its_own_copy(tenant_a):
    first = tenant_for_host("alpha.localhost")
    first.display_name = "Changed in one request only"
    assert tenant_for_host("alpha.localhost").display_name == tenant_a.display_name


def test_a_saved_tenant_is_seen_at_once(client_a, tenant_a):
    client_a.get("/accounts/login/")
    tenant_a.display_name = "Réseau renommé"
    tenant_a.save()
    assert "Réseau renommé" in client_a.get("/accounts/login/").content.decode()
    tenant_a.is_active = False
    tenant_a.save()
    assert client_a.get("/accounts/login/").status_code == 404


def test_a_deleted_host_is_unknown_at_once(client, tenant_a):
    TenantHost.objects.create(tenant=tenant_a, host="second.localhost")
    assert client.get("/accounts/login/", HTTP_HOST="second.localhost").status_code == 200
    TenantHost.objects.get(host="second.localhost").delete()
    from django.core.cache import cache

    cache.delete("tenant-host:second.localhost")  # the shared cache's 30 s, as the admin does
    assert client.get("/accounts/login/", HTTP_HOST="second.localhost").status_code == 404


def test_a_change_made_elsewhere_is_seen_once_the_seconds_are_over(client_a, tenant_a, monkeypatch):
    """Another process's change sends no signal here: an update() stands for it."""
    client_a.get("/accounts/login/")
    Tenant.objects.filter(pk=tenant_a.pk).update(display_name="Changé ailleurs")
    assert "Changé ailleurs" not in client_a.get("/accounts/login/").content.decode()
    later = selectors._clock() + selectors.LOCAL_SECONDS + 1
    monkeypatch.setattr(selectors, "_clock", lambda: later)
    assert "Changé ailleurs" in client_a.get("/accounts/login/").content.decode()
