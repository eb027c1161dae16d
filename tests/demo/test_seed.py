import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import User
from demo.seed import DEMO_PASSWORD
from tenants.models import Tenant

pytestmark = pytest.mark.django_db


def test_demo_seed_is_idempotent_and_shaped_like_the_seeds(settings):
    settings.DEMO_MODE = True
    call_command("seed_demo")
    call_command("seed_demo")
    assert set(Tenant.objects.values_list("slug", flat=True)) == {
        "creos",
        "eceps",
        "sepne",
        "creteil",
    }
    jacqueline = User.objects.get(tenant__slug="creos", identifier="jacqueline.dubois")
    assert {c.first_name for c in jacqueline.children.all()} == {"Camille", "Nolan"}
    jean = User.objects.get(tenant__slug="creos", identifier="jean.dupont")
    assert jean.email == "jean.dupont@hotmail.com"
    assert jean.check_password(DEMO_PASSWORD)
    assert User.objects.filter(identifier="jean.dupont").count() == 1


def test_demo_seed_refuses_outside_demo_mode(settings):
    settings.DEMO_MODE = False
    with pytest.raises(CommandError):
        call_command("seed_demo")
    assert not Tenant.objects.exists()


def test_demo_password_satisfies_every_tenant_policy(settings):
    from django.contrib.auth.password_validation import validate_password

    settings.DEMO_MODE = True
    call_command("seed_demo")
    for user in User.objects.exclude(tenant=None):
        validate_password(DEMO_PASSWORD, user)
