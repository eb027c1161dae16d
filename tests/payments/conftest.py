"""The payments cast: two activities at school A (a mandatory museum visit, optional handball),
invitations for the parent's children, and helpers to fund a wallet and pay."""

from datetime import timedelta
from functools import partial

import pytest
from django.utils import timezone

from payments.models import Activity, ActivityKind, Invitation, Wallet
from payments.services.wallets import wallet_get_or_create, wallet_top_up
from tests.factories import SchoolFactory, UserFactory, link_guardian


def make_activity(
    *,
    tenant,
    school,
    title="Musée du jouet",
    kind=ActivityKind.MANDATORY,
    amount_cents=500,
    due_in_days=14,
    **extra,
) -> Activity:
    today = timezone.localdate()
    return Activity.objects.create(
        tenant=tenant,
        school=school,
        title=title,
        kind=kind,
        amount_cents=amount_cents,
        starts_on=today,
        due_on=today + timedelta(days=due_in_days),
        **extra,
    )


def invite(activity, child, debtor) -> Invitation:
    return Invitation.objects.create(
        tenant=activity.tenant,
        activity=activity,
        beneficiary=child,
        debtor=debtor,
        amount_cents=activity.amount_cents,
        starts_on=activity.starts_on,
        due_on=activity.due_on,
    )


def fund(wallet_or_user, cents: int, *, tenant=None) -> Wallet:
    if isinstance(wallet_or_user, Wallet):
        wallet = wallet_or_user
    else:
        wallet = wallet_get_or_create(tenant=tenant or wallet_or_user.tenant, owner=wallet_or_user)
    wallet_top_up(wallet=wallet, amount_cents=cents, by=None, memo="test")
    wallet.refresh_from_db()
    return wallet


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    return partial(django_capture_on_commit_callbacks, execute=True)


@pytest.fixture
def museum(tenant_a, school_a):
    return make_activity(
        tenant=tenant_a,
        school=school_a,
        title="Musée du jouet",
        event_on=timezone.localdate() + timedelta(days=20),
    )


@pytest.fixture
def handball(tenant_a, school_a):
    return make_activity(
        tenant=tenant_a,
        school=school_a,
        title="Activité handball temps de midi",
        kind=ActivityKind.OPTIONAL,
        amount_cents=800,
    )


@pytest.fixture
def museum_invitation(museum, child1, parent):
    return invite(museum, child1, parent)


@pytest.fixture
def handball_invitation(handball, child1, parent):
    return invite(handball, child1, parent)


@pytest.fixture
def handball_invitation2(handball, child2, parent):
    return invite(handball, child2, parent)


@pytest.fixture
def wallet(parent, tenant_a):
    return wallet_get_or_create(tenant=tenant_a, owner=parent)


@pytest.fixture
def funded_wallet(wallet):
    return fund(wallet, 2000)


@pytest.fixture
def parent_client(client_a, parent):
    client_a.force_login(parent)
    return client_a


@pytest.fixture
def other_parent(tenant_a, school_a):
    """A parent of the same tenant with her own child: must not see the cast's invitations."""
    child = UserFactory(
        tenant=tenant_a,
        first_name="Léo",
        last_name="Autre",
        is_student=True,
        schools=[school_a],
        email="",
    )
    other = UserFactory(
        tenant=tenant_a, first_name="Anne", last_name="Autre", is_parent=True, schools=[school_a]
    )
    link_guardian(other, child)
    other.child = child
    return other


@pytest.fixture
def outsider_client(client_b, outsider):
    client_b.force_login(outsider)
    return client_b


@pytest.fixture
def outsider_invitation(tenant_b, school_b, outsider):
    """Tenant B's own data: an invitation of the outsider (for cross-tenant checks)."""
    child = UserFactory(
        tenant=tenant_b,
        first_name="Bea",
        last_name="Dehors",
        is_student=True,
        schools=[school_b],
        email="",
    )
    link_guardian(outsider, child)
    activity = make_activity(tenant=tenant_b, school=school_b, title="Piscine")
    return invite(activity, child, outsider)


@pytest.fixture
def school_a_other(tenant_a):
    return SchoolFactory(tenant=tenant_a, name="École Alpha bis", code="ALPHA-BIS")


@pytest.fixture
def private_files(tmp_path):
    """Activity documents stored in a temporary folder for the test."""
    from django.core.files.storage import FileSystemStorage
    from django.utils.functional import empty

    from payments.models import private_storage

    private_storage._wrapped = FileSystemStorage(location=tmp_path)
    yield tmp_path
    private_storage._wrapped = empty
