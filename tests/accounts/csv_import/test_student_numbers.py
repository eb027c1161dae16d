"""The class and the student number of students: preview, update, format, uniqueness."""

import re

import pytest

from accounts import csv_import
from accounts.csv_import import validation
from accounts.models import User
from tests.accounts.csv_import.conftest import (
    STUDENT_HEADER,
    VALID_FAMILY,
    _confirm,
    _page,
    _upload,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


TAKEN = "Ligne %d : numéro d'élève « %s » déjà utilisé par un autre compte du réseau"


def _text(response) -> str:
    """The page as a reader sees it: tags removed, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", _page(response)).split())


def test_class_and_student_number_survive_the_preview_and_the_confirmation(
    secretary_client, tenant_a
):
    # given a file (columns in another order, ; separated) with two students and their parent
    content = "\n".join(
        [
            "numero_eleve;type;identifiant;prenom;nom;ecole;classe;enfants",
            " 0123456789 ;eleve;alice.martin;Alice;Martin;ALPHA1;  6e \u00a0  B ;",
            ";eleve;bob.martin;Bob;Martin;ALPHA1;3A;",
            ";parent;claire.martin;Claire;Martin;ALPHA1;;alice.martin|bob.martin",
        ]
    )
    # when it is previewed
    preview = _upload(secretary_client, content)
    # then the preview shows the class, its spaces tidied, and the student number
    assert preview.context["token"], _page(preview)
    text = _text(preview)
    assert "Classe Numéro d'élève" in text
    assert "6e B 0123456789" in text
    # when confirmed (only what the session kept is imported)
    assert _confirm(secretary_client, preview).status_code == 302
    # then both are stored on the students, and nothing on the parent
    people = {u.identifier: u for u in User.objects.filter(identifier__endswith=".martin")}
    assert (people["alice.martin"].classroom, people["alice.martin"].student_number) == (
        "6e B",
        "0123456789",
    )
    assert (people["bob.martin"].classroom, people["bob.martin"].student_number) == ("3A", "")
    assert (people["claire.martin"].classroom, people["claire.martin"].student_number) == ("", "")
    assert all(person.tenant_id == tenant_a.id for person in people.values())


def test_preview_without_class_or_number_has_no_such_columns(secretary_client):
    text = _text(_upload(secretary_client, VALID_FAMILY))
    assert "Classe" not in text
    assert "Numéro d'élève" not in text


def test_update_replaces_a_given_class_and_number_and_an_empty_cell_keeps_them(
    secretary_client, child1
):
    # given a student with a class and a number
    child1.classroom, child1.student_number = "5A", "1111111111"
    child1.save()
    # when a file leaves both cells empty, or repeats her own number
    for cells in (",", ",1111111111"):
        preview = _upload(
            secretary_client,
            STUDENT_HEADER + f"\neleve,camille.muller,Camille,Muller,,ALPHA1,,{cells}\n",
        )
        assert preview.context["plan"].update_count == 1, _page(preview)
        _confirm(secretary_client, preview)
        # then she keeps them
        child1.refresh_from_db()
        assert (child1.classroom, child1.student_number) == ("5A", "1111111111")
    # when a file gives new ones
    _confirm(
        secretary_client,
        _upload(
            secretary_client,
            STUDENT_HEADER + "\neleve,camille.muller,Camille,Muller,,ALPHA1,,4B,2222222222\n",
        ),
    )
    # then they replace the old ones
    child1.refresh_from_db()
    assert (child1.classroom, child1.student_number) == ("4B", "2222222222")


def test_class_or_student_number_of_a_parent_or_staff_member_is_refused(secretary_client):
    content = "\n".join(
        [
            STUDENT_HEADER,
            "parent,claire.martin,Claire,Martin,,ALPHA1,,6A,",
            "personnel,jean.dupont,Jean,Dupont,,ALPHA1,,,0123456789",
            "parent,paul.martin,Paul,Martin,,ALPHA1,,,",
        ]
    )
    response = _upload(secretary_client, content)
    page = _page(response)
    assert "Ligne 2 : la colonne classe ne s'applique qu'aux élèves" in page
    assert "Ligne 3 : la colonne numero_eleve ne s'applique qu'aux élèves" in page
    assert "Ligne 4 :" not in page
    assert response.context["token"] is None
    assert not User.objects.filter(identifier__in=["claire.martin", "jean.dupont"]).exists()


@pytest.mark.parametrize(
    "bad", ["123456789", "01234567890", "01234abcde", "01234 56789", "\u0660" * 10]
)
def test_student_number_is_ten_ascii_digits(secretary_client, bad):
    response = _upload(
        secretary_client, STUDENT_HEADER + f"\neleve,alice.martin,Alice,Martin,,ALPHA1,,,{bad}\n"
    )
    assert (
        f"Ligne 2 : numéro d'élève « {bad} » invalide : il compte exactement 10 chiffres"
        in _page(response)
    )
    assert response.context["token"] is None
    assert not User.objects.filter(identifier="alice.martin").exists()


def test_class_longer_than_the_field_is_refused(secretary_client):
    content = "\n".join(
        [
            STUDENT_HEADER,
            "eleve,a1,Alice,Martin,,ALPHA1,," + "x" * 30 + ",",
            "eleve,a2,Bob,Martin,,ALPHA1,," + "x" * 31 + ",",
        ]
    )
    page = _page(_upload(secretary_client, content))
    assert "Ligne 2 :" not in page
    assert "Ligne 3 : classe trop longue (30 caractères au plus)" in page
    assert not User.objects.filter(identifier__in=["a1", "a2"]).exists()


def test_same_student_number_twice_in_the_file_is_refused(secretary_client):
    content = "\n".join(
        [
            STUDENT_HEADER,
            "eleve,alice.martin,Alice,Martin,,ALPHA1,,,0123456789",
            "eleve,bob.martin,Bob,Martin,,ALPHA1,,,9876543210",
            "eleve,dora.martin,Dora,Martin,,ALPHA1,,, 0123456789",
        ]
    )
    response = _upload(secretary_client, content)
    page = _page(response)
    assert (
        "Ligne 4 : numéro d'élève « 0123456789 » présent deux fois dans le fichier "
        "(déjà ligne 2)" in page
    )
    assert "Ligne 2 :" not in page and "Ligne 3 :" not in page
    assert response.context["token"] is None
    assert not User.objects.filter(identifier__endswith=".martin").exists()


def test_student_number_of_another_account_is_refused_without_naming_it(
    secretary_client, tenant_a, school_a2, child1
):
    # given a visible student and one of a school the secretary does not work at, with numbers
    child1.student_number = "1111111111"
    child1.save()
    UserFactory(
        tenant=tenant_a,
        identifier="hidden.kid",
        first_name="Secret",
        last_name="Hidden",
        is_student=True,
        schools=[school_a2],
        student_number="2222222222",
    )
    content = "\n".join(
        [
            STUDENT_HEADER,
            "eleve,alice.martin,Alice,Martin,,ALPHA1,,,1111111111",
            "eleve,bob.martin,Bob,Martin,,ALPHA1,,,2222222222",
        ]
    )
    # when a file gives their numbers to new students
    response = _upload(secretary_client, content)
    page = _page(response)
    # then both rows are refused with the same message, which names neither account
    assert TAKEN % (2, "1111111111") in page
    assert TAKEN % (3, "2222222222") in page
    for revealing in ("camille.muller", "hidden.kid", "Secret", "Hidden", "Camille"):
        assert revealing not in page
    assert response.context["token"] is None
    assert not User.objects.filter(identifier__endswith=".martin").exists()


def test_student_number_of_another_tenant_is_free(secretary_client, tenant_b, school_b):
    UserFactory(tenant=tenant_b, is_student=True, schools=[school_b], student_number="0123456789")
    content = STUDENT_HEADER + "\neleve,alice.martin,Alice,Martin,,ALPHA1,,,0123456789\n"
    _confirm(secretary_client, _upload(secretary_client, content))
    assert User.objects.get(identifier="alice.martin").student_number == "0123456789"
    assert User.objects.filter(student_number="0123456789").count() == 2


def test_confirm_rechecks_a_student_number_taken_since_the_preview(secretary_client, tenant_a):
    content = STUDENT_HEADER + "\neleve,alice.martin,Alice,Martin,,ALPHA1,,,0123456789\n"
    preview = _upload(secretary_client, content)
    UserFactory(tenant=tenant_a, is_student=True, student_number="0123456789")
    response = _confirm(secretary_client, preview)
    assert response.status_code == 200
    assert TAKEN % (2, "0123456789") in _page(response)
    assert not User.objects.filter(identifier="alice.martin").exists()


def test_student_number_taken_while_writing_is_reported(secretary, tenant_a, school_a, monkeypatch):
    # given a valid plan
    content = STUDENT_HEADER + "\neleve,alice.martin,Alice,Martin,,ALPHA1,,6A,0123456789\n"
    plan = csv_import.csv_parse(tenant=tenant_a, viewer=secretary, data=content.encode())
    assert not plan.has_errors
    # when the number is taken between the check in the transaction and the write (a race the
    # check misses: only the database constraint sees it)
    UserFactory(tenant=tenant_a, is_student=True, student_number="0123456789")
    real = validation._student_number_owners
    calls: list[int] = []

    def racy(**kwargs):
        calls.append(1)
        return {} if len(calls) == 1 else real(**kwargs)

    monkeypatch.setattr(validation, "_student_number_owners", racy)
    with pytest.raises(csv_import.ImportPlanInvalid) as caught:
        csv_import.csv_import_apply(plan=plan, tenant=tenant_a, viewer=secretary)
    # then the rows are checked again and the clash is reported; nothing is written
    assert caught.value.plan.errors == [TAKEN % (2, "0123456789")]
    assert not User.objects.filter(identifier="alice.martin").exists()
