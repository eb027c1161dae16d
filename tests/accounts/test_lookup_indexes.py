"""Logins and reset lookups find the account through an index, not by reading every account
(issue 10: at 100,000 people a login's lookup cost 39.5 ms instead of 1.6 ms).

On PostgreSQL each captured query on the users table is EXPLAINed with sequential scans priced
out (`enable_seqscan = off`): a query that no index can serve still scans, and the test fails.
"""

import re
from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.selectors import user_for_login
from recovery.identifier.services import identifier_request_process
from recovery.models import Flow, RecoveryRequest
from recovery.student.services import student_link_request_process
from recovery.two_step.services import two_step_start
from tenants.scoping import scopes_disabled, tenant_scope
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _needs_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("EXPLAIN plans are PostgreSQL's (the PostgreSQL pass of make test)")


# A query that looks an account up by what a person typed (identifier or address).
BY_TYPED_VALUE = re.compile(r'WHERE .*"accounts_user"\."(identifier|email|school_email)"')


def user_table_plans(run: Callable[[], object]) -> list[str]:
    """The plan of every query `run` sent that looks accounts up by identifier or address."""
    with CaptureQueriesContext(connection) as captured:
        run()
    plans = []
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for query in captured.captured_queries:
            sql = query["sql"]
            if sql.lstrip().upper().startswith("SELECT") and BY_TYPED_VALUE.search(sql):
                cursor.execute(f"EXPLAIN {sql}")
                plans.append("\n".join(row[0] for row in cursor.fetchall()))
    return plans


def assert_indexed(plans: list[str]) -> None:
    """Each plan reaches the account through an index on the lower-cased value: not a
    sequential scan, nor an index walk on the tenant alone that filters every row of the tenant
    afterwards (what `enable_seqscan = off` falls back to)."""
    assert plans, "the lookup sent no query on the users table"
    for plan in plans:
        assert "Seq Scan on accounts_user" not in plan, plan
        conditions = [line for line in plan.splitlines() if "Index Cond" in line]
        assert any("lower(" in line for line in conditions), plan


@pytest.fixture
def people(tenant_a, school_a):
    UserFactory.create_batch(30, tenant=tenant_a)
    return UserFactory(
        tenant=tenant_a, identifier="lea.gagnon", email="Lea@Example.be", is_student=True,
        school_email="lea.gagnon@eleves.example", schools=[school_a],
    )  # fmt: skip


def test_a_login_finds_the_account_by_index(people, tenant_a):
    with tenant_scope(tenant_a):
        plans = user_table_plans(lambda: user_for_login(tenant=tenant_a, identifier="LEA.Gagnon"))
    assert_indexed(plans)


def test_a_platform_login_finds_the_account_by_index(people):
    with scopes_disabled():
        plans = user_table_plans(lambda: user_for_login(tenant=None, identifier="admin"))
    assert_indexed(plans)


@pytest.mark.parametrize(
    ("method", "login"), [("email", "LEA@example.be"), ("identifier", "Lea.Gagnon")]
)
def test_the_reset_worker_finds_the_accounts_by_index(people, tenant_a, method, login):
    with tenant_scope(tenant_a):
        request = RecoveryRequest.objects.create(
            tenant=tenant_a, flow=Flow.IDENTIFIER, method=method, login=login
        )
        plans = user_table_plans(lambda: identifier_request_process(request_id=request.pk))
    assert_indexed(plans)


def test_the_two_step_start_finds_the_account_by_index(people, tenant_a):
    with tenant_scope(tenant_a):
        plans = user_table_plans(
            lambda: two_step_start(tenant=tenant_a, address="lea@example.BE", ip=None)
        )
    assert_indexed(plans)


def test_the_student_worker_finds_the_mailbox_by_index(people, tenant_a):
    tenant_a.student_mailbox_reset = True
    tenant_a.save()
    with tenant_scope(tenant_a):
        request = RecoveryRequest.objects.create(
            tenant=tenant_a, flow=Flow.STUDENT_MAILBOX, login="Lea.Gagnon@eleves.example"
        )
        plans = user_table_plans(lambda: student_link_request_process(request_id=request.pk))
    assert_indexed(plans)
