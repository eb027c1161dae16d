import pytest
from django.db import IntegrityError, transaction

from accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_identifier_is_unique_within_a_tenant_ignoring_case(tenant_a):
    UserFactory(tenant=tenant_a, identifier="jean.dupont")
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(tenant=tenant_a, identifier="Jean.Dupont")


def test_same_identifier_may_exist_in_two_tenants(tenant_a, tenant_b):
    UserFactory(tenant=tenant_a, identifier="jean.dupont")
    UserFactory(tenant=tenant_b, identifier="jean.dupont")
    assert User.objects.filter(identifier="jean.dupont").count() == 2


def test_email_is_not_unique(tenant_a):
    UserFactory(tenant=tenant_a, identifier="a", email="family@example.be")
    UserFactory(tenant=tenant_a, identifier="b", email="family@example.be")
    assert User.objects.filter(email="family@example.be").count() == 2


def test_only_platform_superusers_have_no_tenant(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user("nobody", "x", tenant=None)
    admin = User.objects.create_superuser("root", "x")
    assert admin.tenant is None and admin.is_staff
