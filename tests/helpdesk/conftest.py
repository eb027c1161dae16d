"""The help desk's cast: the standing cast, plus what each search key can find (a recovery
phone, a student number), a person of another school of tenant A, and tenant B's look-alikes."""

import pytest

from recovery.codes import PhoneDevice
from tests.conftest import HOST_A, verified_admin_client
from tests.factories import UserFactory

HELPDESK = "/admin/helpdesk/"


def card_url(person) -> str:
    return f"{HELPDESK}personne/{person.pk}/"


@pytest.fixture
def parent_phone(parent):
    return PhoneDevice.objects.create(
        user=parent, name="phone", number="+32470123467", confirmed=True
    )


@pytest.fixture
def numbered_child(child1):
    child1.student_number = "3100111222"
    child1.school_email = "camille.muller@eleves.alpha.be"
    child1.save()
    return child1


@pytest.fixture
def other_school_person(tenant_a, school_a2):
    """A parent of school A2 only: the secretary of school A must not find or open him."""
    user = UserFactory(
        tenant=tenant_a, identifier="marc.legrand", first_name="Marc", last_name="Legrand",
        email="marc.legrand@example.be", is_parent=True, schools=[school_a2],
        student_number="",
    )  # fmt: skip
    PhoneDevice.objects.create(user=user, name="phone", number="+32475555588", confirmed=True)
    return user


@pytest.fixture
def other_school_student(tenant_a, school_a2):
    return UserFactory(
        tenant=tenant_a, identifier="lea.legrand", first_name="Léa", last_name="Legrand",
        is_student=True, schools=[school_a2], student_number="3100999888", email="",
    )  # fmt: skip


@pytest.fixture
def tenant_admin_client(tenant_a, school_a):
    admin = UserFactory(
        tenant=tenant_a, identifier="admin.alpha", first_name="Anne", last_name="Admin",
        is_tenant_admin=True, schools=[school_a],
    )  # fmt: skip
    return verified_admin_client(admin, HOST_A)
