"""A secretary sees only her tenant's and her schools' people; a direct URL elsewhere is 404."""

import pytest
from django.test import Client

from tests.conftest import HOST_A, verified_admin_client
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_school_parent(tenant_a, school_a2):
    return UserFactory(
        tenant=tenant_a, identifier="other.parent", is_parent=True, schools=[school_a2]
    )


def test_admin_requires_the_second_factor(secretary, password):
    client = Client(HTTP_HOST=HOST_A)
    client.force_login(secretary)
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_admin_login_form_asks_for_the_otp_code(client_a, secretary, password):
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=secretary, name="phone", confirmed=True)
    response = client_a.post(
        "/admin/login/?next=/admin/",
        {"username": secretary.identifier, "password": password, "otp_token": "000000"},
    )
    assert response.status_code == 200  # wrong code: still on the login page
    code = f"{totp(device.bin_key):06d}"
    response = client_a.post(
        "/admin/login/?next=/admin/",
        {"username": secretary.identifier, "password": password, "otp_token": code},
    )
    assert response.status_code == 302
    assert client_a.get("/admin/").status_code == 200


def test_parent_cannot_enter_the_admin(parent):
    client = verified_admin_client(parent, HOST_A)
    assert client.get("/admin/").status_code == 302


def test_people_list_shows_only_her_tenant_and_schools(
    secretary_client, parent, child1, outsider, other_school_parent
):
    page = secretary_client.get("/admin/accounts/user/").content.decode()
    assert parent.identifier in page and child1.identifier in page
    assert outsider.identifier not in page
    assert other_school_parent.identifier not in page


def test_direct_url_to_another_tenants_person_is_404(secretary_client, outsider):
    assert secretary_client.get(f"/admin/accounts/user/{outsider.pk}/change/").status_code == 404
    assert secretary_client.get(f"/admin/accounts/user/{outsider.pk}/history/").status_code == 404


def test_direct_url_to_another_schools_person_is_404(secretary_client, other_school_parent):
    url = f"/admin/accounts/user/{other_school_parent.pk}/change/"
    assert secretary_client.get(url).status_code == 404


def test_other_tenant_secretary_sees_none_of_tenant_a(outsider_admin_client, parent, school_a):
    page = outsider_admin_client.get("/admin/accounts/user/").content.decode()
    assert parent.identifier not in page
    assert (
        outsider_admin_client.get(f"/admin/tenants/school/{school_a.pk}/change/").status_code == 404
    )
    assert outsider_admin_client.get("/admin/tenants/tenant/").content.decode().count("alpha") == 0


def test_secretary_session_is_useless_at_another_tenant_admin(secretary, tenant_b):
    client = verified_admin_client(secretary, "beta.localhost")
    assert client.get("/admin/").status_code == 302


def test_secretary_creates_a_parent_in_her_tenant_and_links_a_child(
    secretary_client, tenant_a, school_a, child1
):
    response = secretary_client.post(
        "/admin/accounts/user/add/",
        {
            "identifier": "new.parent", "first_name": "Nina", "last_name": "Neuve",
            "email": "nina@example.be", "is_parent": "on", "schools": [school_a.pk],
            "is_active": "on", "is_migrated": "on", "legacy_id": "",
            "child_links-TOTAL_FORMS": "1", "child_links-INITIAL_FORMS": "0",
            "child_links-0-child": child1.pk, "child_links-0-is_paying": "on",
        },
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    from accounts.models import User

    created = User.objects.get(identifier="new.parent")
    assert created.tenant == tenant_a
    assert not created.has_usable_password()
    assert list(created.children.all()) == [child1]


def test_identifier_clash_in_tenant_is_a_form_error(secretary_client, parent, school_a):
    response = secretary_client.post(
        "/admin/accounts/user/add/",
        {
            "identifier": "JACQUELINE.dubois", "is_parent": "on", "schools": [school_a.pk],
            "is_active": "on", "child_links-TOTAL_FORMS": "0", "child_links-INITIAL_FORMS": "0",
        },
    )  # fmt: skip
    assert response.status_code == 200
    assert "déjà utilisé" in response.content.decode()


def test_mark_migrated_action(secretary_client, parent):
    parent.is_migrated = False
    parent.save()
    secretary_client.post(
        "/admin/accounts/user/", {"action": "mark_migrated", "_selected_action": [parent.pk]}
    )
    parent.refresh_from_db()
    assert parent.is_migrated and parent.migrated_at is not None


def test_superuser_on_platform_host_sees_every_tenant(parent, outsider, db):
    from accounts.models import User

    root = User.objects.create_superuser("root", "x")
    client = verified_admin_client(root, "localhost")
    page = client.get("/admin/accounts/user/").content.decode()
    assert parent.identifier in page and outsider.identifier in page
