"""The demo's ECEPS asks for recovery methods after login (issue 13); the other tenants do not."""

import pytest
from django.core.management import call_command

from accounts.models import User
from recovery.registration.services import REGISTER, registration_due
from tenants.models import MethodsRegistration, Tenant

pytestmark = pytest.mark.django_db


def test_eceps_asks_and_its_parent_without_methods_is_asked(settings):
    settings.DEMO_MODE = True
    call_command("seed_demo")
    policies = dict(Tenant.objects.values_list("slug", "methods_registration"))
    assert policies.pop("eceps") == MethodsRegistration.ASK
    assert set(policies.values()) == {MethodsRegistration.OFF}

    eceps = Tenant.objects.get(slug="eceps")
    sarah = User.objects.get(tenant=eceps, identifier="sarah.peeters")
    due = registration_due(user=sarah, tenant=eceps)
    assert due is not None and due.mode == REGISTER and due.can_skip
    assert due.missing == ("phone", "email")
    # the teacher with both methods, verified at seeding, is not asked
    pierre = User.objects.get(tenant=eceps, identifier="pierre.martin")
    assert registration_due(user=pierre, tenant=eceps) is None
