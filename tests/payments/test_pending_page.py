"""The one query behind « Mes invitations » gives what the ORM gives, page by page, and never
another debtor's or another tenant's rows."""

import pytest
from django.utils import timezone

from payments import selectors
from payments.models import ActivityKind, Invitation, InvitationStatus
from payments.pending_page import ROW_KEYS, pending_invitations_page
from tests.factories import UserFactory, link_guardian
from tests.payments.conftest import fund, invite, make_activity

pytestmark = pytest.mark.django_db


@pytest.fixture
def sixty(tenant_a, school_a, child1, child2, parent, tenant_b, school_b):
    """60 pending invitations for the parent (documents, kinds, auto-pay choices and due dates
    mixed; many due the same day, so the order falls back on the id), plus rows that must never
    show: a cancelled one, another parent's, another tenant's."""
    invitations = []
    for i in range(60):
        activity = make_activity(
            tenant=tenant_a,
            school=school_a,
            title=f"Sortie {i:02d} <b>&</b>",
            kind=ActivityKind.OPTIONAL if i % 3 else ActivityKind.MANDATORY,
            amount_cents=100 + i,
            due_in_days=i % 7,
            document="activities/programme.pdf" if i % 4 == 0 else "",
        )
        invitation = invite(activity, child1 if i % 2 else child2, parent)
        invitation.auto_pay = [None, True, False][i % 3]
        invitation.save(update_fields=["auto_pay"])
        invitations.append(invitation)
    answered = invite(
        make_activity(tenant=tenant_a, school=school_a, title="Annulée"), child1, parent
    )
    Invitation.objects.filter(pk=answered.pk).update(
        status=InvitationStatus.CANCELLED, cancelled_at=timezone.now()
    )
    neighbour = UserFactory(tenant=tenant_a, is_parent=True, schools=[school_a])
    link_guardian(neighbour, child1, is_paying=False)
    invite(make_activity(tenant=tenant_a, school=school_a, title="Voisin"), child1, neighbour)
    stranger = UserFactory(tenant=tenant_b, is_parent=True, schools=[school_b])
    pupil = UserFactory(tenant=tenant_b, is_student=True, schools=[school_b])
    invite(make_activity(tenant=tenant_b, school=school_b, title="Ailleurs"), pupil, stranger)
    return invitations


def _orm_page(tenant, parent, number, per_page=25):
    rows = selectors.invitations_pending(debtor=parent).values(*ROW_KEYS)
    start = (number - 1) * per_page
    return list(rows[start : start + per_page])


@pytest.mark.parametrize("number", [1, 2, 3])
def test_each_page_matches_the_orm_in_one_query(
    sixty, tenant_a, parent, number, django_assert_num_queries
):
    wallet = fund(parent, 1234, tenant=tenant_a)
    wallet.auto_pay_default = True
    wallet.save(update_fields=["auto_pay_default"])

    with django_assert_num_queries(1):
        pending = pending_invitations_page(
            tenant=tenant_a, debtor=parent, number=str(number), per_page=25
        )

    assert pending.page.object_list == _orm_page(tenant_a, parent, number)
    assert (pending.page.number, pending.page.count, pending.page.num_pages) == (number, 60, 3)
    assert len(pending.page.object_list) == [25, 25, 10][number - 1]
    assert (pending.wallet.pk, pending.wallet.balance_cents, pending.wallet.auto_pay_default) == (
        wallet.pk,
        1234,
        True,
    )


@pytest.mark.parametrize(("asked", "number", "rows"), [("x", 1, 25), ("-4", 1, 25), ("99", 3, 10)])
def test_odd_page_numbers_fall_back(sixty, tenant_a, parent, asked, number, rows):
    pending = pending_invitations_page(tenant=tenant_a, debtor=parent, number=asked, per_page=25)
    assert (pending.page.number, len(pending.page.object_list)) == (number, rows)
    assert pending.page.object_list == _orm_page(tenant_a, parent, number)


def test_nothing_pending(tenant_a, parent):
    pending = pending_invitations_page(tenant=tenant_a, debtor=parent, number=None, per_page=25)
    assert pending.page.count == 0 and not pending.page.has_other_pages()
    assert pending.wallet is None  # the view reads or creates the wallet then


def test_invitations_page_shows_the_pager(parent_client, sixty):
    html = parent_client.get("/paiements/invitations/?page=3").content.decode()
    assert "60 invitations en attente" in html and "Page 3 sur 3" in html


def test_a_parent_without_a_wallet_yet_sees_a_zero_balance(parent_client, sixty, parent):
    # invitations made before the wallet existed: the page creates it
    html = parent_client.get("/paiements/invitations/").content.decode()
    assert "0,00 €" in html
    assert parent.wallets.count() == 1


def test_titles_are_escaped(parent_client, sixty):
    html = parent_client.get("/paiements/invitations/").content.decode()
    assert "<b>&</b>" not in html
    assert "&lt;b&gt;&amp;&lt;/b&gt;" in html
