"""Preview first, then all or nothing: the import through the user admin, its confirmation
token and who may reach it."""

import pytest
from django.contrib.auth.hashers import is_password_usable

from accounts.models import GuardianLink, User
from tests.accounts.csv_import.conftest import (
    CHANGELIST_URL,
    CONFIRM_URL,
    HEADER,
    IMPORT_URL,
    VALID_FAMILY,
    _confirm,
    _page,
    _upload,
)
from tests.conftest import verified_admin_client
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_changelist_offers_the_import(secretary_client):
    page = _page(secretary_client.get(CHANGELIST_URL))
    assert "Importer un fichier CSV" in page
    assert IMPORT_URL in page


def test_valid_file_creates_students_and_parent_with_links(secretary_client, secretary, school_a):
    # given a file with two students and their parent
    preview = _upload(secretary_client, VALID_FAMILY)
    assert preview.status_code == 200
    assert "3 personnes seront importées" in _page(preview)

    # when the secretary confirms
    response = _confirm(secretary_client, preview)

    # then the three people exist in her tenant and school, linked, with no usable password
    assert response.status_code == 302
    assert response.url == CHANGELIST_URL
    page = _page(secretary_client.get(response.url))
    assert "3 personnes importées" in page
    people = User.objects.filter(identifier__in=["alice.martin", "bob.martin", "claire.martin"])
    assert people.count() == 3
    for person in people:
        assert person.tenant_id == secretary.tenant_id
        assert list(person.schools.all()) == [school_a]
        assert not is_password_usable(person.password)
        assert person.is_migrated
    claire = people.get(identifier="claire.martin")
    assert claire.is_parent and not claire.is_student
    assert claire.email == "claire@example.be"
    assert sorted(c.identifier for c in claire.children.all()) == ["alice.martin", "bob.martin"]
    assert all(
        link.tenant_id == secretary.tenant_id for link in GuardianLink.objects.filter(parent=claire)
    )
    assert people.get(identifier="bob.martin").is_student


def test_preview_writes_nothing(secretary_client):
    # given the people of the tenant
    before = User.objects.count()
    # when a valid file is previewed
    response = _upload(secretary_client, VALID_FAMILY)
    # then nobody is created yet
    assert response.status_code == 200
    assert "Confirmer l’import" in _page(response)
    assert User.objects.count() == before
    assert GuardianLink.objects.count() == 0


def test_existing_visible_person_is_updated(secretary_client, child1, school_a):
    # given a student already at the secretary's school
    content = HEADER + "\neleve,CAMILLE.MULLER,Camille-Anne,Muller,cam@example.be,ALPHA1,\n"
    preview = _upload(secretary_client, content)
    assert "mise à jour" in _page(preview)
    assert preview.context["plan"].update_count == 1
    # when the import is confirmed
    _confirm(secretary_client, preview)
    # then the same account is updated, its password untouched
    child1.refresh_from_db()
    assert child1.first_name == "Camille-Anne"
    assert child1.email == "cam@example.be"
    assert is_password_usable(child1.password)
    assert User.objects.filter(identifier__iexact="camille.muller").count() == 1


def test_confirm_without_a_valid_preview_imports_nothing(secretary_client):
    # given a preview with an error: no token is handed out
    bad = HEADER + "\neleve,alice.martin,Alice,Martin,,XYZ,\n"
    preview = _upload(secretary_client, bad)
    assert preview.context["token"] is None
    # when the confirm step is posted anyway, with a made-up token or none
    for data in ({"token": "forged"}, {}, {"token": "", "rows": "eleve,x,A,B,,ALPHA1,"}):
        response = secretary_client.post(CONFIRM_URL, data)
        # then nothing is imported and the secretary is sent back to the upload
        assert response.status_code == 302
        assert response.url == IMPORT_URL
    assert not User.objects.filter(identifier="alice.martin").exists()
    assert "L'aperçu a expiré" in _page(secretary_client.get(IMPORT_URL))


def test_confirm_with_tampered_session_rows_revalidates(secretary_client, school_b):
    # given a valid preview whose stored rows are then altered to point at another tenant
    preview = _upload(secretary_client, VALID_FAMILY)
    session = secretary_client.session
    stored = session["accounts.csv_import"]
    stored["rows"][0][1]["ecole"] = "BETA1"
    session["accounts.csv_import"] = stored
    session.save()
    # when confirmed
    response = _confirm(secretary_client, preview)
    # then the rows are checked again: the error shows, nothing is imported
    assert response.status_code == 200
    assert "Ligne 2 : école inconnue « BETA1 »" in _page(response)
    assert "Confirmer l’import" not in _page(response)
    assert not User.objects.filter(identifier__endswith=".martin").exists()


def test_confirm_rechecks_data_changed_since_the_preview(secretary_client, tenant_a, school_a2):
    # given a valid preview, then someone takes one identifier at another school of the tenant
    preview = _upload(secretary_client, VALID_FAMILY)
    UserFactory(tenant=tenant_a, identifier="Bob.Martin", schools=[school_a2])
    # when confirmed
    response = _confirm(secretary_client, preview)
    # then the clash is reported and nothing of the file is imported
    assert response.status_code == 200
    assert "Ligne 3 : identifiant déjà utilisé dans le réseau" in _page(response)
    assert not User.objects.filter(identifier__in=["alice.martin", "claire.martin"]).exists()


def test_a_token_is_used_once(secretary_client):
    preview = _upload(secretary_client, VALID_FAMILY)
    assert _confirm(secretary_client, preview).status_code == 302
    again = _confirm(secretary_client, preview)
    assert again.url == IMPORT_URL
    assert User.objects.filter(identifier="alice.martin").count() == 1


def test_people_without_admin_access_do_not_reach_the_import(client_a, parent, password):
    client_a.force_login(parent)
    response = client_a.get(IMPORT_URL)
    assert response.status_code == 302
    assert "/admin/login/" in response.url


def test_platform_superuser_is_told_to_import_at_a_tenant_host(tenant_a):
    admin = User.objects.create_superuser("root", "Root-Password-1")
    client = verified_admin_client(admin, "localhost")
    response = client.get(IMPORT_URL, follow=True)
    assert response.status_code == 200
    assert "se fait à l'adresse d'un réseau scolaire" in _page(response)
