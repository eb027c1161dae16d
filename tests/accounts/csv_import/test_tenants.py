"""Each tenant imports into itself only: its schools, its identifiers, nothing revealed of the
accounts a secretary does not see."""

import pytest

from accounts.models import User
from tests.accounts.csv_import.conftest import (
    HEADER,
    VALID_FAMILY,
    _confirm,
    _family,
    _page,
    _upload,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_outsider_of_tenant_b_creates_the_same_identifiers_in_tenant_b_only(
    secretary_client, outsider_admin_client, tenant_a, tenant_b, school_b
):
    # given the family already imported at tenant A
    _confirm(secretary_client, _upload(secretary_client, VALID_FAMILY))
    # when the secretary of tenant B imports the same identifiers for her school
    preview = _upload(outsider_admin_client, _family("BETA1"))
    assert "3 personnes seront importées" in _page(preview)
    assert preview.context["plan"].create_count == 3
    _confirm(outsider_admin_client, preview)
    # then each tenant has its own three people; tenant A's are untouched
    for tenant, school_code in ((tenant_a, "ALPHA1"), (tenant_b, "BETA1")):
        people = User.objects.filter(tenant=tenant, identifier__endswith=".martin")
        assert people.count() == 3
        assert {s.code for p in people for s in p.schools.all()} == {school_code}
    claire_b = User.objects.get(tenant=tenant_b, identifier="claire.martin")
    assert {c.tenant_id for c in claire_b.children.all()} == {tenant_b.id}


def test_file_cannot_pick_the_tenant_of_another_school(outsider_admin_client, school_a):
    # given the outsider of tenant B naming a school of tenant A
    page = _page(_upload(outsider_admin_client, VALID_FAMILY))
    # then the school is unknown to her
    assert "Ligne 2 : école inconnue « ALPHA1 »" in page
    assert not User.objects.filter(identifier="alice.martin").exists()


def test_account_out_of_the_secretarys_schools_is_not_revealed(
    secretary_client, tenant_a, school_a2
):
    # given a student of another school of the same tenant
    UserFactory(tenant=tenant_a, identifier="hidden.kid", is_student=True, schools=[school_a2])
    content = HEADER + "\neleve,hidden.kid,Pirate,Name,,ALPHA1,\n"
    page = _page(_upload(secretary_client, content))
    assert "Ligne 2 : identifiant déjà utilisé dans le réseau" in page
    assert User.objects.get(identifier="hidden.kid").first_name != "Pirate"


def test_identifier_of_another_tenant_is_free(secretary_client, tenant_b, school_b):
    UserFactory(tenant=tenant_b, identifier="alice.martin", schools=[school_b])
    _confirm(secretary_client, _upload(secretary_client, VALID_FAMILY))
    assert User.objects.filter(identifier="alice.martin").count() == 2
