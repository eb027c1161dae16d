"""The office's payment lists cost the same number of queries whatever the number of rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from payments.services.wallets import wallet_top_up
from tests.factories import UserFactory
from tests.payments.conftest import fund, invite, make_activity

pytestmark = pytest.mark.django_db


def queries_of(client, url: str) -> int:
    client.get(url)  # warm: the host's tenant is cached after the first request
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_ledger_list_does_not_query_once_per_creator(secretary_client, tenant_a, school_a):
    def top_ups(count: int) -> None:
        for _ in range(count):
            clerk = UserFactory(tenant=tenant_a, is_secretary=True, schools=[school_a])
            wallet = fund(UserFactory(tenant=tenant_a, is_parent=True), 100, tenant=tenant_a)
            wallet_top_up(wallet=wallet, amount_cents=100, by=clerk, memo="virement")

    top_ups(2)
    few = queries_of(secretary_client, "/admin/payments/ledgertransaction/")
    top_ups(12)
    assert queries_of(secretary_client, "/admin/payments/ledgertransaction/") == few


def test_the_invitations_list_costs_the_same_however_many_invitations(
    secretary_client, tenant_a, school_a, parent, child1, child2
):
    def invitations(count: int) -> None:
        for n in range(count):
            activity = make_activity(tenant=tenant_a, school=school_a, title=f"Sortie {n}")
            invite(activity, child1, parent)
            invite(activity, child2, parent)

    invitations(1)
    few = queries_of(secretary_client, "/admin/payments/invitation/")
    invitations(10)
    assert queries_of(secretary_client, "/admin/payments/invitation/") == few


def test_the_activities_list_totals_only_the_rows_it_shows(
    secretary_client, tenant_a, school_a, parent, child1
):
    def activities(count: int) -> None:
        for n in range(count):
            invite(
                make_activity(tenant=tenant_a, school=school_a, title=f"Sortie {n}"), child1, parent
            )

    activities(1)
    few = queries_of(secretary_client, "/admin/payments/activity/")
    activities(8)
    assert queries_of(secretary_client, "/admin/payments/activity/") == few
    with CaptureQueriesContext(connection) as captured:
        page = secretary_client.get("/admin/payments/activity/").content.decode()
    # totals per row by subqueries, not a GROUP BY over every invitation of the tenant
    grouped = 'GROUP BY "payments_activity"."id"'
    assert not [q["sql"] for q in captured.captured_queries if grouped in q["sql"]]
    assert "Sortie 7" in page
