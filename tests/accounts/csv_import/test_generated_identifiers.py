"""Staff rows and the identifiers the import generates when the cell is empty."""

import re

import pytest
from django.contrib.auth.hashers import is_password_usable

from accounts.models import User
from tests.accounts.csv_import.conftest import STAFF_HEADER, _confirm, _page, _upload
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_staff_rows_with_given_and_generated_identifiers(
    secretary_client, tenant_a, school_a, school_a2
):
    # given a "jdupont" already in the tenant, at a school the secretary does not work at
    UserFactory(tenant=tenant_a, identifier="JDupont", schools=[school_a2])
    content = "\n".join(
        [
            STAFF_HEADER,
            "personnel,,Jean,Dupont,jean@example.fr,ALPHA1,,",
            "Staff,,Jeanne,Dupont,,ALPHA1,,",
            "Enseignant,marie.durand,Marie,Durand,,ALPHA1,,",
            "ENSEIGNANT,,Marc,D'Alembert,,ALPHA1,,",
            "élève,,Éloïse,Le Goff,,ALPHA1,,",
        ]
    )
    # when it is previewed
    preview = _upload(secretary_client, content)
    page = _page(preview)
    # then the generated identifiers are shown, free in the tenant and in the file
    assert preview.context["token"], page
    rows = preview.context["plan"].rows
    assert [row.identifier for row in rows] == [
        "jdupont1",
        "jdupont2",
        "marie.durand",
        "md-alembert",
        "ele-goff",
    ]
    assert [row.generated for row in rows] == [True, True, False, True, True]
    text = re.sub(r"<[^>]+>", "", page)
    assert "jdupont1 (généré)" in text
    assert "marie.durand (généré)" not in text
    assert preview.context["plan"].create_count == 5

    # when confirmed
    assert _confirm(secretary_client, preview).status_code == 302

    # then the staff members exist as staff only, at her school
    for identifier in ("jdupont1", "jdupont2", "marie.durand", "md-alembert"):
        person = User.objects.get(tenant=tenant_a, identifier=identifier)
        assert person.is_school_staff
        assert not (person.is_parent or person.is_student or person.is_secretary)
        assert list(person.schools.all()) == [school_a]
        assert not is_password_usable(person.password)
        assert person.numen_hash == ""
    assert User.objects.get(identifier="jdupont1").email == "jean@example.fr"
    eloise = User.objects.get(tenant=tenant_a, identifier="ele-goff")
    assert eloise.is_student and not eloise.is_school_staff
    # the existing jdupont was left alone
    assert User.objects.filter(tenant=tenant_a, identifier__iexact="jdupont").count() == 1


def test_homonyms_in_the_file_and_a_given_identifier_further_down(secretary_client, tenant_a):
    content = "\n".join(
        [
            STAFF_HEADER,
            "personnel,,Jean,Dupont,,ALPHA1,,",
            "personnel,,Jean,Dupont,,ALPHA1,,",
            "personnel,,Jacques,Dupont,,ALPHA1,,",
            "personnel,JDupont2,Julie,Dupont,,ALPHA1,,",
        ]
    )
    preview = _upload(secretary_client, content)
    assert [row.identifier for row in preview.context["plan"].rows] == [
        "jdupont",
        "jdupont1",
        "jdupont3",
        "JDupont2",
    ]
    _confirm(secretary_client, preview)
    created = User.objects.filter(tenant=tenant_a, identifier__istartswith="jdupont")
    assert sorted(user.identifier.lower() for user in created) == [
        "jdupont",
        "jdupont1",
        "jdupont2",
        "jdupont3",
    ]


def test_identifier_generation_is_per_tenant(secretary_client, tenant_a, tenant_b, school_b):
    UserFactory(tenant=tenant_b, identifier="jdupont", schools=[school_b])
    preview = _upload(secretary_client, STAFF_HEADER + "\npersonnel,,Jean,Dupont,,ALPHA1,,\n")
    assert preview.context["plan"].rows[0].identifier == "jdupont"


def test_children_can_only_name_given_identifiers(secretary_client):
    # given a student whose identifier is generated, and her parent naming it
    content = "\n".join(
        [
            STAFF_HEADER,
            "eleve,,Alice,Martin,,ALPHA1,,",
            "parent,claire.martin,Claire,Martin,,ALPHA1,amartin,",
        ]
    )
    preview = _upload(secretary_client, content)
    # then the generated identifier is shown but cannot be used as a child
    assert preview.context["plan"].rows[0].identifier == "amartin"
    page = _page(preview)
    assert "Ligne 3 : enfant inconnu « amartin »" in page
    assert "un identifiant généré par l'import ne peut pas servir ici" in page
    assert not User.objects.filter(identifier__in=["amartin", "claire.martin"]).exists()
