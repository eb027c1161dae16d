"""What the fuzz pass (test_fuzz.py) found, each kept as a test of its own: addresses and admin
query parameters that were a 500."""

import pytest
from django.urls import reverse

from recovery.models import RecoveryEvent
from tests.conftest import HOST_A, verified_admin_client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/paiements/calendrier/%00.ics",  # a token looked up as text: PostgreSQL refuses NUL
        "/mot-de-passe-oublie/lien/a%00b/",
        "/paiements/invitations/?page=%00",
        "/admin/accounts/user/?q=%00",
        "/?%00=1",
    ],
)
def test_a_nul_character_in_an_address_is_a_400_page(client_a, tenant_a, path):
    response = client_a.get(path)
    assert response.status_code == 400
    assert "Adresse invalide" in response.content.decode()


def test_a_nul_character_in_a_form_field_is_a_form_error(client_a, tenant_a):
    response = client_a.post("/mot-de-passe-oublie/", {"method": "identifier", "login": "a\x00b"})
    assert response.status_code == 400
    assert "Veuillez corriger" in response.content.decode()


def test_an_empty_to_field_on_an_admin_change_page_is_the_page(secretary, tenant_a, parent):
    client = verified_admin_client(secretary, HOST_A)
    url = reverse("admin:accounts_user_change", args=[parent.pk])
    response = client.get(url, {"_to_field": ""})
    assert response.status_code == 200
    assert "Dubois" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ({"created_at__gte": "0001-01-01"}, True),  # before UTC time began: everything is after
        ({"created_at__lt": "0001-01-01"}, False),
        ({"created_at__gte": "0001-01-01 00:30:00", "created_at__lt": "9999-12-31"}, True),
        ({"created_at__exact": "0001-01-01"}, False),
    ],
)
def test_a_date_filter_at_the_ends_of_time_filters(secretary, tenant_a, parent, query, shown):
    RecoveryEvent.objects.create(
        tenant=tenant_a, flow="identifier", kind="request_processed", outcome="mail_sent",
        user=parent, ip="192.0.2.1",
    )  # fmt: skip
    client = verified_admin_client(secretary, HOST_A)
    response = client.get(reverse("admin:recovery_recoveryevent_changelist"), query)
    assert response.status_code == 200
    assert ("192.0.2.1" in response.content.decode()) is shown
