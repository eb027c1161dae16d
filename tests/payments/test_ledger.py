"""The ledger's invariants: balanced transactions, append-only lines, balance = sum ≥ 0."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from payments.exceptions import InsufficientCredit, InvalidAmount
from payments.ledger import LineSpec, ledger_post, ledger_reconcile
from payments.locks import wallet_lock
from payments.models import Account, LedgerLine, LedgerTransaction, Wallet
from payments.services.invitations import invitation_pay
from payments.services.wallets import wallet_get_or_create, wallet_top_up
from tenants.scoping import tenant_scope
from tests.factories import UserFactory
from tests.payments.conftest import fund


def test_a_top_up_is_a_balanced_transaction(wallet):
    # when a wallet is credited 20 €
    tx = wallet_top_up(wallet=wallet, amount_cents=2000, by=None, memo="virement")
    # then its lines are bank −20 € and wallet +20 €, summing to zero, and the balance moved
    lines = {line.account: line.amount_cents for line in tx.lines.all()}
    assert lines == {Account.BANK: -2000, Account.WALLET: 2000}
    wallet.refresh_from_db()
    assert wallet.balance_cents == 2000
    assert tx.lines.get(account=Account.WALLET).balance_after_cents == 2000


def test_a_top_up_must_be_positive(wallet):
    with pytest.raises(InvalidAmount):
        wallet_top_up(wallet=wallet, amount_cents=0, by=None)


def test_a_top_up_with_a_key_is_credited_once(wallet):
    first = wallet_top_up(wallet=wallet, amount_cents=500, by=None, idempotency_key="k" * 20)
    again = wallet_top_up(wallet=wallet, amount_cents=500, by=None, idempotency_key="k" * 20)
    assert first.pk == again.pk
    wallet.refresh_from_db()
    assert wallet.balance_cents == 500


def test_ledger_rows_cannot_be_changed_or_deleted(funded_wallet):
    line = LedgerLine.objects.filter(wallet=funded_wallet).first()
    line.amount_cents = 1
    with pytest.raises(TypeError):
        line.save()
    with pytest.raises(TypeError):
        line.delete()
    with pytest.raises(TypeError):
        LedgerLine.objects.filter(pk=line.pk).update(amount_cents=1)
    with pytest.raises(TypeError):
        LedgerLine.objects.all().delete()
    with pytest.raises(TypeError):
        LedgerTransaction.objects.all().delete()


def test_the_database_refuses_a_negative_balance(funded_wallet):
    # the CHECK constraint is the last guard, even for code that bypasses the services
    with pytest.raises(IntegrityError), transaction.atomic():
        Wallet.objects.filter(pk=funded_wallet.pk).update(balance_cents=-1)


def test_a_posting_that_would_overdraw_is_refused(wallet):
    fund(wallet, 300)
    with pytest.raises(InsufficientCredit) as info, transaction.atomic():
        locked = wallet_lock(wallet_id=wallet.pk)
        ledger_post(
            tenant=wallet.tenant,
            kind="payment",
            memo="",
            by=None,
            lines=[
                LineSpec(Account.WALLET, -500, wallet=locked),
                LineSpec(Account.BANK, 500),
            ],
        )
    assert info.value.missing_cents == 200
    wallet.refresh_from_db()
    assert wallet.balance_cents == 300


def test_unbalanced_postings_are_refused(wallet):
    with pytest.raises(ValueError), transaction.atomic():
        ledger_post(
            tenant=wallet.tenant,
            kind="top_up",
            memo="",
            by=None,
            lines=[
                LineSpec(Account.BANK, -5),
                LineSpec(Account.WALLET, 4, wallet=wallet),
            ],
        )


def test_balance_equals_the_sum_of_lines_after_payments(
    funded_wallet, museum_invitation, handball_invitation
):
    invitation_pay(invitation=museum_invitation, by=None, idempotency_key="a" * 20)
    invitation_pay(invitation=handball_invitation, by=None, idempotency_key="b" * 20)
    funded_wallet.refresh_from_db()
    total = LedgerLine.objects.filter(wallet=funded_wallet).aggregate(s=Sum("amount_cents"))["s"]
    assert funded_wallet.balance_cents == total == 2000 - 500 - 800
    for tx in LedgerTransaction.objects.all():
        assert tx.lines.aggregate(s=Sum("amount_cents"))["s"] == 0


def test_reconcile_command_reports_mismatches(funded_wallet, capsys):
    # given a consistent ledger, the command is happy
    call_command("payments_reconcile")
    assert "concordent" in capsys.readouterr().out
    # when a balance is tampered with behind the ledger's back
    Wallet.objects.filter(pk=funded_wallet.pk).update(balance_cents=999)
    # then the command reports that wallet and fails
    with pytest.raises(CommandError):
        call_command("payments_reconcile")
    assert f"#{funded_wallet.pk}" in capsys.readouterr().out


def test_each_wallet_has_a_unique_valid_structured_communication(parent, other_parent, tenant_a):
    from payments.money import structured_parse

    w1 = wallet_get_or_create(tenant=tenant_a, owner=parent)
    w2 = wallet_get_or_create(tenant=tenant_a, owner=other_parent)
    assert w1.reference != w2.reference
    assert structured_parse(w1.structured_communication) == w1.reference
    assert wallet_get_or_create(tenant=tenant_a, owner=parent).pk == w1.pk


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgresql_refuses_raw_updates_and_deletes_of_ledger_rows(funded_wallet):
    from django.db import DatabaseError, connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only (the PostgreSQL pass of make test)")
    for statement in (
        "UPDATE payments_ledgerline SET amount_cents = amount_cents * 2",
        "DELETE FROM payments_ledgerline",
        "UPDATE payments_ledgertransaction SET created_at = created_at",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)
    funded_wallet.refresh_from_db()
    assert funded_wallet.balance_cents == sum(
        funded_wallet.lines.values_list("amount_cents", flat=True)
    )


def test_reconcile_costs_the_same_few_queries_for_any_number_of_wallets(tenant_a):
    def reconcile_queries() -> int:
        with tenant_scope(tenant_a), CaptureQueriesContext(connection) as captured:
            assert ledger_reconcile() == ([], [])
        return len(captured.captured_queries)

    fund(UserFactory(tenant=tenant_a, is_parent=True), 300, tenant=tenant_a)
    few = reconcile_queries()
    for _ in range(10):
        fund(UserFactory(tenant=tenant_a, is_parent=True), 300, tenant=tenant_a)
    assert reconcile_queries() == few <= 3


def test_reconcile_reports_a_running_balance_that_disagrees(funded_wallet, tenant_a):
    # given a wallet whose last line's running balance was written wrong (behind the ledger)
    line = LedgerLine.objects.filter(wallet=funded_wallet).order_by("-pk").first()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # the append-only trigger, off in this test only
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "UPDATE payments_ledgerline SET balance_after_cents = 1 WHERE id = %s", [line.pk]
        )
    # then reconciliation names it, with the three figures
    with tenant_scope(tenant_a):
        mismatches, unbalanced = ledger_reconcile()
    figures = [
        (m.wallet_id, m.balance_cents, m.ledger_cents, m.last_running_cents) for m in mismatches
    ]
    balance = funded_wallet.balance_cents
    assert figures == [(funded_wallet.pk, balance, balance, 1)]
    assert unbalanced == []
