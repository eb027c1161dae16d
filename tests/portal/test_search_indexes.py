"""The admin's search boxes read an index of trigrams, not every row (PostgreSQL: the PostgreSQL
pass of make test). The `icontains` condition the admin sends for each searched column is
EXPLAINed with sequential scans priced out (`enable_seqscan = off`): a LIKE that no index serves
still scans its table, and the test fails.
"""

import pytest
from django.db import connection

from accounts.models import User
from payments.models import LedgerTransaction, Wallet
from recovery.models import ContactRequest, RecoveryRequest
from tenants.scoping import scopes_disabled

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _needs_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("EXPLAIN plans and trigram indexes are PostgreSQL's")


def plan_of(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize(
    ("model", "column"),
    [
        (User, "last_name"),
        (User, "first_name"),
        (User, "identifier"),
        (User, "email"),
        (User, "classroom"),
        (LedgerTransaction, "memo"),
        (Wallet, "reference"),
        (RecoveryRequest, "login"),
        (ContactRequest, "login"),
    ],
)
def test_a_search_on_the_column_reads_its_trigram_index(model, column):
    with scopes_disabled():
        searched = model.objects.filter(**{f"{column}__icontains": "dupont"}).values("pk")
        plan = plan_of(searched)
    assert f"Seq Scan on {model._meta.db_table}" not in plan, plan
    assert f"{model._meta.db_table}_{column}_trgm" in plan, plan


def test_connections_price_random_reads_as_on_ssds(db):
    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        assert float(cursor.fetchone()[0]) == pytest.approx(1.1)
