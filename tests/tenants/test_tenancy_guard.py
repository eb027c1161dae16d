"""The one tenancy guard (DESIGN.md §1) covers every model a tenant owns: a model with a tenant key
is read only through a scoped manager, and an admin page for it is a tenant-scoped admin."""

import pytest
from django.apps import apps
from django.db import models

from portal.admin_site import TenantScopedAdmin, admin_site
from tenants.models import Tenant
from tenants.scoping import is_tenant_scoped, no_scope, tenant_scope

# Tenant-owned models the admin does not show, and why. A new model must be scoped *and* either
# get a tenant-scoped admin or a line here.
NOT_IN_THE_ADMIN = {
    "accounts.GuardianLink": "edited inline on the person",
    "accounts.ActivationCode": "secret: only its hash is stored",
    "recovery.LinkToken": "secret: only its hash is stored",
    "accounts.EmailChange": "secret: only its hash is stored",
    "accounts.DirectoryEntry": "the directory's own copy, written by the sync only",
    "recovery.TemporaryPassword": "secret: only its hash is stored",
    "payments.Enrolment": "shown on the activity's follow-up page",
    "payments.LedgerLine": "shown on the wallet, append-only",
    "payments.WalletRequest": "idempotency keys, internal",
    "payments.LedgerSealCheckpoint": "internal: how far the last clean seal check went, signed",
    "payments.SepaTransferFile": "downloaded from the bank transactions list, kept for audit",
    "tenants.TenantHost": "edited by the platform on the tenant",
}


def tenant_owned_models() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models()
        if any(
            field.name == "tenant" and field.is_relation and field.related_model is Tenant
            for field in model._meta.get_fields()
        )
    ]


def label(model: type[models.Model]) -> str:
    return f"{model._meta.app_label}.{model.__name__}"


def test_the_walk_finds_the_tenant_owned_models():
    found = {label(model) for model in tenant_owned_models()}
    assert {"accounts.User", "payments.Invitation", "recovery.RecoveryRequest"} <= found
    assert len(found) >= 20


@pytest.mark.parametrize("model", tenant_owned_models(), ids=label)
def test_every_tenant_owned_model_is_read_through_the_scoped_manager(model):
    assert is_tenant_scoped(model._default_manager), (
        f"{label(model)} has a tenant key but its default manager does not refuse to run "
        "without a tenant scope: use tenants.scoping.tenant_scoped_manager()"
    )


@pytest.mark.parametrize("model", tenant_owned_models(), ids=label)
def test_every_tenant_owned_model_has_a_tenant_scoped_admin_or_a_reason(model):
    model_admin = admin_site._registry.get(model)
    if model_admin is None:
        assert label(model) in NOT_IN_THE_ADMIN, (
            f"{label(model)} is in no admin: register a TenantScopedAdmin or say why not"
        )
    else:
        assert isinstance(model_admin, TenantScopedAdmin), (
            f"{label(model)}'s admin {type(model_admin).__name__} is not a TenantScopedAdmin"
        )


@pytest.mark.django_db
def test_the_scope_shows_one_tenant_and_no_scope_shows_nothing(
    tenant_a, tenant_b, parent, outsider
):
    from accounts.models import User

    with tenant_scope(tenant_a):
        assert set(User.objects.values_list("identifier", flat=True)) >= {"jacqueline.dubois"}
        assert not User.objects.filter(identifier="outsider").exists()
    with tenant_scope(tenant_b):
        assert list(User.objects.values_list("identifier", flat=True)) == ["outsider"]
    with no_scope(), pytest.raises(Exception, match="scope"):
        list(User.objects.all())
