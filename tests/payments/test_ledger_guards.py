"""The ledger guarded below the application (issue 11, item 7): sealed lines that
`payments_reconcile` checks, a database that refuses an unbalanced transaction, and a runtime
role that may only add to the ledger."""

import uuid

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from payments.db_roles import runtime_role_grant
from payments.ledger import ledger_reconcile
from payments.ledger_verify import ledger_seals_verify
from payments.models import Account, LedgerLine, LedgerTransaction, Wallet
from payments.services.invitations import invitation_pay
from payments.services.wallets import wallet_top_up
from tenants.scoping import tenant_scope


def needs_postgres(reason: str) -> None:
    if connection.vendor != "postgresql":
        pytest.skip(f"PostgreSQL only ({reason}): run with DATABASE_URL=postgres://…")


def forge_top_up(wallet: Wallet, cents: int, *, seal: bytes = b"") -> LedgerTransaction:
    """What someone with INSERT and UPDATE rights but not the ledger's key can write: a
    balanced top-up whose running balance is right, and the wallet's balance moved to match."""
    wallet.refresh_from_db()
    now = timezone.now()
    with transaction.atomic():  # one database transaction: the lines are checked at its commit
        tx = LedgerTransaction.objects.create(tenant=wallet.tenant, kind="top_up", created_at=now)
        _forged_lines(wallet, tx, cents, now, seal)
        Wallet.objects.filter(pk=wallet.pk).update(balance_cents=wallet.balance_cents + cents)
    return tx


def _forged_lines(wallet, tx, cents, now, seal) -> None:
    LedgerLine.objects.bulk_create(
        [
            LedgerLine(
                tenant=wallet.tenant,
                transaction=tx,
                account=Account.BANK,
                amount_cents=-cents,
                created_at=now,
                seal=seal,
            ),
            LedgerLine(
                tenant=wallet.tenant,
                transaction=tx,
                account=Account.WALLET,
                wallet=wallet,
                amount_cents=cents,
                balance_after_cents=wallet.balance_cents + cents,
                created_at=now,
                seal=seal,
            ),
        ]
    )


def test_a_ledger_written_by_the_services_is_sealed_and_clean(
    funded_wallet, museum_invitation, tenant_a
):
    # given a top-up and a payment made by the services
    invitation_pay(invitation=museum_invitation, by=None, idempotency_key="a" * 20)
    # then every line is sealed, the wallet keeps its last line's seal, and the check is clean
    funded_wallet.refresh_from_db()
    last = LedgerLine.objects.filter(wallet=funded_wallet).order_by("-pk").first()
    assert len(bytes(last.seal)) == 32
    assert bytes(funded_wallet.ledger_seal) == bytes(last.seal)
    with tenant_scope(tenant_a):
        assert ledger_seals_verify(tenant=tenant_a) == []


def test_reconcile_flags_a_forged_top_up_whose_balances_agree(funded_wallet, tenant_a, capsys):
    # given a forged, balanced top-up of 50 € whose running balance and wallet balance agree
    forged = forge_top_up(funded_wallet, 5000)
    # and a genuine top-up afterwards, chained by the application after the forgery
    funded_wallet.refresh_from_db()
    wallet_top_up(wallet=funded_wallet, amount_cents=100, by=None)
    with tenant_scope(tenant_a):
        # then the balance checks see nothing wrong: the forgery is self-consistent
        assert ledger_reconcile() == ([], [])
        # but its two lines are not sealed by the ledger's key, and only they are reported
        breaks = ledger_seals_verify(tenant=tenant_a)
    forged_lines = set(forged.lines.values_list("pk", flat=True))
    assert {(b.line_id, b.reason) for b in breaks} == {(pk, "seal") for pk in forged_lines}
    # and the command names them and fails
    with pytest.raises(CommandError, match="2 ligne"):
        call_command("payments_reconcile")
    out = capsys.readouterr().out
    wallet_line = forged.lines.get(account=Account.WALLET)
    assert (
        f"SCEAU INVALIDE ligne #{wallet_line.pk} (écriture #{forged.pk}, "
        f"portefeuille #{funded_wallet.pk})" in out
    )


def test_a_seal_copied_from_a_genuine_line_does_not_vouch_for_a_forgery(funded_wallet, tenant_a):
    # given a forged line carrying the seal of the wallet's genuine last line
    genuine = LedgerLine.objects.filter(wallet=funded_wallet).order_by("-pk").first()
    forged = forge_top_up(funded_wallet, 700, seal=bytes(genuine.seal))
    # then it is still reported: a seal covers its line's transaction, amount and running balance
    with tenant_scope(tenant_a):
        breaks = ledger_seals_verify(tenant=tenant_a)
    assert {b.line_id for b in breaks} == set(forged.lines.values_list("pk", flat=True))


def test_a_removed_line_breaks_its_wallets_chain(funded_wallet, tenant_a):
    # given three top-ups, the middle one removed behind the application's back (as the
    # tables' owner could, with the append-only trigger off)
    first = wallet_top_up(wallet=funded_wallet, amount_cents=100, by=None)
    middle = wallet_top_up(wallet=funded_wallet, amount_cents=200, by=None)
    last = wallet_top_up(wallet=funded_wallet, amount_cents=300, by=None)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("DELETE FROM payments_ledgerline WHERE transaction_id = %s", [middle.pk])
        cursor.execute("DELETE FROM payments_ledgertransaction WHERE id = %s", [middle.pk])
        cursor.execute(
            "UPDATE payments_wallet SET balance_cents = balance_cents - 200 WHERE id = %s",
            [funded_wallet.pk],
        )
    # then the line after the gap is reported (its seal and its running balance)
    with tenant_scope(tenant_a):
        breaks = ledger_seals_verify(tenant=tenant_a)
    after_gap = last.lines.get(account=Account.WALLET).pk
    assert {(b.line_id, b.reason) for b in breaks} == {(after_gap, "seal"), (after_gap, "running")}
    assert first.lines.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgresql_refuses_an_unbalanced_transaction_at_commit(funded_wallet):
    needs_postgres("the deferred constraint trigger")
    before = LedgerTransaction.objects.count()
    # when lines that do not sum to zero are written, even in separate statements
    with pytest.raises(IntegrityError, match="does not balance"), transaction.atomic():
        tx = LedgerTransaction.objects.create(tenant=funded_wallet.tenant, kind="top_up")
        LedgerLine.objects.create(
            tenant=funded_wallet.tenant, transaction=tx, account=Account.BANK, amount_cents=-500
        )
        # (nothing is checked before the commit: the lines may come in any order)
        LedgerLine.objects.create(
            tenant=funded_wallet.tenant,
            transaction=tx,
            account=Account.WALLET,
            wallet=funded_wallet,
            amount_cents=400,
            balance_after_cents=funded_wallet.balance_cents + 400,
        )
    # and a transaction without lines
    with pytest.raises(IntegrityError, match="has no lines"), transaction.atomic():
        LedgerTransaction.objects.create(tenant=funded_wallet.tenant, kind="top_up")
    # and a line added to an existing, balanced transaction
    existing = LedgerTransaction.objects.order_by("pk").first()
    with pytest.raises(IntegrityError, match="does not balance"), transaction.atomic():
        LedgerLine.objects.create(
            tenant=funded_wallet.tenant,
            transaction=existing,
            account=Account.BANK,
            amount_cents=-1,
        )
    # then nothing was kept, and a balanced posting still goes through
    assert LedgerTransaction.objects.count() == before
    wallet_top_up(wallet=funded_wallet, amount_cents=100, by=None)
    assert LedgerTransaction.objects.count() == before + 1


@pytest.fixture
def runtime_role():
    """A runtime role on the test database, with the rights the migrations give it; dropped
    afterwards. Yields a function opening a connection as that role."""
    needs_postgres("database roles")
    name = f"cartable_ledger_rt_{uuid.uuid4().hex[:10]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE ROLE "{name}" LOGIN')
    assert runtime_role_grant(connection, name)
    settings = connection.settings_dict
    opened: list[psycopg.Connection] = []

    def connect() -> psycopg.Connection:
        conn = psycopg.connect(
            host=settings["HOST"] or "127.0.0.1",
            port=settings["PORT"] or 5432,
            dbname=settings["NAME"],
            user=name,
            autocommit=True,
        )
        opened.append(conn)
        return conn

    yield connect
    for conn in opened:
        conn.close()
    with connection.cursor() as cursor:
        cursor.execute(f'DROP OWNED BY "{name}"')
        cursor.execute(f'DROP ROLE "{name}"')


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_runtime_role_can_add_to_the_ledger_but_not_change_it(funded_wallet, runtime_role):
    db = runtime_role()
    line = LedgerLine.objects.filter(wallet=funded_wallet).first()
    tx_id, tenant_id = line.transaction_id, funded_wallet.tenant_id
    # the runtime role reads the ledger, and adds a balanced transaction
    assert db.execute("SELECT count(*) FROM payments_ledgerline").fetchone()[0] == 2

    def add(lines: list[tuple[str, int | None, int, int | None]]) -> None:
        with db.transaction():
            new_tx = db.execute(
                "INSERT INTO payments_ledgertransaction (tenant_id, kind, memo, created_at) "
                "VALUES (%s, 'top_up', '', now()) RETURNING id",
                [tenant_id],
            ).fetchone()[0]
            for account, wallet_id, cents, after in lines:
                db.execute(
                    "INSERT INTO payments_ledgerline (tenant_id, transaction_id, account, "
                    "wallet_id, amount_cents, balance_after_cents, created_at, seal) "
                    "VALUES (%s, %s, %s, %s, %s, %s, now(), '')",
                    [tenant_id, new_tx, account, wallet_id, cents, after],
                )

    balance = funded_wallet.balance_cents
    add([("bank", None, -100, None), ("wallet", funded_wallet.pk, 100, balance + 100)])
    # (unsealed: payments_reconcile reports it) but not an unbalanced one, refused at commit
    with pytest.raises(psycopg.errors.CheckViolation, match="does not balance"):
        add([("bank", None, -100, None)])
    # but it cannot change, remove or empty the ledger, nor switch its triggers off
    refused = [
        "UPDATE payments_ledgerline SET amount_cents = amount_cents * 2",
        "DELETE FROM payments_ledgerline",
        "TRUNCATE payments_ledgerline",
        "UPDATE payments_ledgertransaction SET memo = 'x'",
        "DELETE FROM payments_ledgertransaction",
        "TRUNCATE payments_ledgertransaction CASCADE",
        "ALTER TABLE payments_ledgerline DISABLE TRIGGER ALL",
        "ALTER TABLE payments_ledgerline DISABLE TRIGGER payments_ledgerline_append_only",
        "DROP TRIGGER payments_ledgerline_balanced ON payments_ledgerline",
        "SET session_replication_role = replica",
    ]
    for statement in refused:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            db.execute(statement)
    # while every other table stays its to write (a wallet's balance, for one)
    db.execute(
        "UPDATE payments_wallet SET auto_pay_default = NOT auto_pay_default WHERE id = %s",
        [funded_wallet.pk],
    )
    # and the ledger holds what it held, plus the one balanced transaction
    assert LedgerLine.objects.filter(transaction_id=tx_id).count() == 2
    assert LedgerLine.objects.count() == 4


def test_the_nightly_run_keeps_the_forged_lines_and_is_not_clean(funded_wallet, tenant_a):
    from payments.services.reconciliation import reconciliation_nightly

    # given a forged top-up
    forged = forge_top_up(funded_wallet, 5000)
    # when the tenant's ledger is checked as every night
    with tenant_scope(tenant_a):
        run = reconciliation_nightly(tenant=tenant_a)
    # then the run is not clean, keeps the two lines, and reports them as the command does
    assert not run.is_clean
    assert sorted(b["line_id"] for b in run.seal_breaks) == sorted(
        forged.lines.values_list("pk", flat=True)
    )
    assert sum("SCEAU INVALIDE" in line for line in run.report_lines()) == 2


@pytest.mark.django_db(transaction=True)
def test_lines_written_before_the_seals_are_sealed_as_they_stand(funded_wallet, tenant_a):
    from payments.ledger_seal import seal_existing

    # given lines written without seals (as before migration 0009, or loaded in bulk)
    forge_top_up(funded_wallet, 700)
    with tenant_scope(tenant_a):
        assert len(ledger_seals_verify(tenant=tenant_a)) == 2
    # when they are sealed as they stand (what the migration does)
    assert seal_existing(connection=connection, line_model=LedgerLine) == 4
    # then the ledger is clean, the wallet holds its last seal, and the next posting chains on
    wallet_top_up(wallet=Wallet.objects.get(pk=funded_wallet.pk), amount_cents=100, by=None)
    with tenant_scope(tenant_a):
        assert ledger_seals_verify(tenant=tenant_a) == []
        assert ledger_reconcile() == ([], [])
