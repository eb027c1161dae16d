"""The periodic sync: new people of the directory come into the portal, people who left are
deactivated (never deleted), what the directory owns follows it, what the portal owns stays."""

import pytest

from accounts.directory.exceptions import DirectoryError
from accounts.directory.sync import directory_sync, directory_sync_all
from accounts.directory.testing_slapd import Person
from accounts.models import DirectoryEntry, IdentityStore, User
from recovery.codes import PhoneDevice
from tests.accounts.directory.conftest import OLD_PASSWORD
from tests.conftest import HOST_A, verified_admin_client
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def synced(directory_store, slapd):
    directory_store.sync_enabled = True
    directory_store.student_group_dn = f"cn=eleves,{slapd.groups_dn}"
    directory_store.staff_group_dn = f"cn=personnel,{slapd.groups_dn}"
    directory_store.save()
    return directory_store


def test_newcomers_arrive_with_names_addresses_and_roles(synced, slapd, tenant_a):
    report = directory_sync(store=synced)
    assert report.created == 7 and report.departed == 0
    camille = User.objects.get(tenant=tenant_a, identifier="camille.muller")
    assert (camille.first_name, camille.last_name) == ("Camille", "Muller")
    assert camille.school_email == "camille.muller@eleves.alpha.be"
    assert camille.is_student and not camille.is_school_staff
    assert camille.is_migrated and camille.is_active
    assert not camille.has_usable_password()  # activation, or the directory's own at login
    sophie = User.objects.get(tenant=tenant_a, identifier="secretariat")
    assert sophie.is_school_staff and sophie.email == "secretariat@alpha.be"


def test_a_second_run_changes_nothing(synced):
    directory_sync(store=synced)
    again = directory_sync(store=synced)
    assert (again.created, again.updated, again.departed, again.returned) == (0, 0, 0, 0)


def test_existing_accounts_are_linked_and_keep_what_the_portal_owns(
    synced, slapd, parent, password
):
    device = PhoneDevice.objects.create(user=parent, name="phone", number="+32470123467")
    slapd.person_modify(parent.identifier, mail="nouvelle.adresse@example.be")
    report = directory_sync(store=synced)
    assert report.updated >= 1
    parent.refresh_from_db()
    assert parent.email == "nouvelle.adresse@example.be"
    assert parent.check_password(password)  # the portal's password is not the sync's business
    assert parent.is_parent  # no parents' group named: the role stays as the portal set it
    assert PhoneDevice.objects.filter(pk=device.pk).exists()
    assert DirectoryEntry.objects.get(user=parent).dn.startswith("uid=jacqueline.dubois,")


def test_someone_who_left_is_deactivated_not_deleted_and_comes_back(synced, slapd, tenant_a):
    directory_sync(store=synced)
    slapd.person_remove("camille.muller")
    report = directory_sync(store=synced)
    assert report.departed == 1
    camille = User.objects.get(tenant=tenant_a, identifier="camille.muller")
    assert not camille.is_active
    slapd.person_add(Person("camille.muller", "Camille", "Muller", OLD_PASSWORD))
    report = directory_sync(store=synced)
    assert report.returned == 1
    camille.refresh_from_db()
    assert camille.is_active


def test_a_person_the_school_deactivated_is_not_brought_back(synced, slapd, tenant_a):
    directory_sync(store=synced)
    User.objects.filter(identifier="camille.muller").update(is_active=False)
    directory_sync(store=synced)
    assert not User.objects.get(tenant=tenant_a, identifier="camille.muller").is_active


def test_accounts_the_directory_never_had_are_left_alone(synced, tenant_a):
    portal_only = UserFactory(tenant=tenant_a, identifier="parent.sans.annuaire", is_parent=True)
    directory_sync(store=synced)
    directory_sync(store=synced)
    portal_only.refresh_from_db()
    assert portal_only.is_active


def test_a_filter_that_finds_nobody_deactivates_nobody(synced, slapd, tenant_a):
    directory_sync(store=synced)
    synced.user_filter = "(objectClass=posixAccount)"
    synced.save()
    with pytest.raises(DirectoryError):
        directory_sync(store=synced)
    assert User.objects.filter(tenant=tenant_a, is_active=False).count() == 0


def test_an_outage_changes_nothing_and_is_reported(synced, slapd, tenant_a):
    directory_sync(store=synced)
    slapd.stop()
    results = directory_sync_all()
    assert results[tenant_a.pk].startswith("failed")
    assert User.objects.filter(tenant=tenant_a, is_active=False).count() == 0
    assert IdentityStore.objects.get(pk=synced.pk).last_sync_report.startswith("échec : ")


def test_only_the_tenants_who_asked_are_synced(directory_store, tenant_a):
    assert directory_sync_all() == {}
    assert not User.objects.filter(tenant=tenant_a, identifier="jdupont").exists()


def test_the_administrator_runs_it_from_the_admin(synced, tenant_a):
    admin = UserFactory(tenant=tenant_a, identifier="admin.reseau", is_tenant_admin=True)
    client = verified_admin_client(admin, HOST_A)
    response = client.post(
        "/admin/accounts/identitystore/",
        {"action": "sync_now", "_selected_action": [synced.pk]},
        follow=True,
    )
    assert "La synchronisation est lancée" in response.content.decode()
    assert User.objects.filter(tenant=tenant_a, identifier="jdupont").exists()
    page = client.get(f"/admin/accounts/identitystore/{synced.pk}/change/").content.decode()
    assert "7 dans l&#x27;annuaire : 7 nouvelles" in page
