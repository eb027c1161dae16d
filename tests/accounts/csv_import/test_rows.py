"""Row validation: one bad row refuses the whole file, and the preview names the row."""

import pytest

from accounts.models import User
from tests.accounts.csv_import.conftest import (
    HEADER,
    STAFF_HEADER,
    _confirm,
    _page,
    _upload,
)
from tests.factories import SchoolFactory

pytestmark = pytest.mark.django_db


def test_one_bad_row_imports_nothing_and_names_the_row(secretary_client):
    # given a file whose fourth spreadsheet row has an invalid e-mail
    content = "\n".join(
        [
            HEADER,
            "eleve,alice.martin,Alice,Martin,,ALPHA1,",
            "eleve,bob.martin,Bob,Martin,,ALPHA1,",
            "parent,claire.martin,Claire,Martin,pas-une-adresse,ALPHA1,alice.martin",
        ]
    )
    before = User.objects.count()
    # when it is uploaded
    response = _upload(secretary_client, content)
    # then the preview names the row and the reason, offers no confirmation, imports nothing
    page = _page(response)
    assert response.status_code == 200
    assert "Ligne 4 : adresse e-mail invalide « pas-une-adresse »" in page
    assert "Rien n'a été importé" in page
    assert "Confirmer l’import" not in page
    assert response.context["token"] is None
    assert User.objects.count() == before


def test_duplicate_identifier_in_the_file(secretary_client):
    content = "\n".join(
        [
            HEADER,
            "eleve,alice.martin,Alice,Martin,,ALPHA1,",
            "eleve,bob.martin,Bob,Martin,,ALPHA1,",
            "eleve,Alice.Martin,Alicia,Martin,,ALPHA1,",
        ]
    )
    page = _page(_upload(secretary_client, content))
    assert "Ligne 4 : identifiant « Alice.Martin » présent deux fois dans le fichier" in page
    assert "Confirmer l’import" not in page
    assert not User.objects.filter(identifier__iexact="alice.martin").exists()


def test_unknown_school_and_school_of_another_tenant_are_refused(
    secretary_client, school_b, school_a2
):
    # given a school code of tenant B, an unknown code, and a school of her tenant she does not
    # work at
    content = "\n".join(
        [
            HEADER,
            "eleve,alice.martin,Alice,Martin,,BETA1,",
            "eleve,bob.martin,Bob,Martin,,XYZ,",
            "eleve,dora.martin,Dora,Martin,,ALPHA2,",
        ]
    )
    # then all three rows are refused with the same message, which reveals nothing
    page = _page(_upload(secretary_client, content))
    assert "Ligne 2 : école inconnue « BETA1 »" in page
    assert "Ligne 3 : école inconnue « XYZ »" in page
    assert "Ligne 4 : école inconnue « ALPHA2 »" in page
    assert User.objects.filter(identifier__endswith=".martin").count() == 0


def test_unknown_child_is_named(secretary_client, child1):
    content = "\n".join([HEADER, "parent,claire.martin,Claire,Martin,,ALPHA1,camille.muller|bob"])
    page = _page(_upload(secretary_client, content))
    assert "Ligne 2 : enfant inconnu « bob »" in page
    assert "camille.muller" not in page.split("Ligne 2 :")[1].split("</li>")[0]


def test_long_fields_newlines_and_bad_values_are_row_errors(secretary_client):
    long_name = "x" * 151
    content = "\n".join(
        [
            HEADER + ",migre",
            f"eleve,{long_name},A,B,,ALPHA1,,",
            f"eleve,ok1,{long_name},B,,ALPHA1,,",
            'eleve,ok2,"Ali\nce",B,,ALPHA1,,',
            "prof,ok3,A,B,,ALPHA1,,",
            "eleve,ok4,A,B,,ALPHA1,,peut-être",
            "eleve,ok5,A,B,,ALPHA1,ok1,",
        ]
    )
    page = _page(_upload(secretary_client, content))
    assert "Ligne 2 : identifiant trop long" in page
    assert "Ligne 3 : prénom trop long" in page
    # the quoted newline makes row 4 span two lines of text, still one spreadsheet row
    assert "Ligne 4 : retour à la ligne à l'intérieur d'une cellule" in page
    assert "Ligne 5 : type inconnu « prof »" in page
    assert "Ligne 6 : valeur « peut-être » de la colonne migre" in page
    assert "Ligne 7 : un élève ne peut pas avoir d'enfants" in page
    assert not User.objects.filter(identifier__startswith="ok").exists()


def test_migre_non_creates_a_legacy_account(secretary_client):
    content = HEADER + ",migre\neleve,ancien,A,B,,ALPHA1,,non\n"
    _confirm(secretary_client, _upload(secretary_client, content))
    assert User.objects.get(identifier="ancien").is_migrated is False


def test_school_of_the_tenant_is_matched_by_code_only(secretary_client, tenant_a, secretary):
    # given a second school of hers with no code: it cannot be named in a file
    secretary.schools.add(SchoolFactory(tenant=tenant_a, code=""))
    page = _page(_upload(secretary_client, HEADER + "\neleve,a1,A,B,,,\n"))
    assert "Ligne 2 : école manquante" in page


def test_staff_row_cannot_have_children(secretary_client, child1):
    content = STAFF_HEADER + "\npersonnel,,Jean,Dupont,,ALPHA1,camille.muller,\n"
    page = _page(_upload(secretary_client, content))
    assert "Ligne 2 : la colonne enfants ne s'applique pas au personnel" in page
