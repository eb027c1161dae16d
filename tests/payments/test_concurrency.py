"""Concurrency on PostgreSQL: row locks and idempotency keys under real parallel transactions.

Each worker thread has its own database connection (closed at the end). On SQLite these tests
skip: it serialises writers anyway, and proves nothing about locks.
"""

import threading
from collections import Counter

import pytest
from django.db import DatabaseError, connection, connections, transaction
from django.db.models import Count, Sum

from payments.exceptions import InsufficientCredit, InvitationNotPaid
from payments.ledger import ledger_reconcile
from payments.ledger_verify import ledger_seals_verify
from payments.models import Invitation, InvitationStatus, LedgerLine, LedgerTransaction, Wallet
from payments.services import invitations
from payments.services.invitations import invitation_pay, invitation_refund
from tenants.scoping import tenant_scope
from tests.factories import UserFactory, link_guardian
from tests.payments.conftest import fund, invite, make_activity

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _needs_postgres():
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL (row locks): DATABASE_URL=postgres://postgres@127.0.0.1:5432/cartable"
        )


def run_in_threads(jobs, *, tenant) -> list:
    """Start every job at the same moment, each in its own thread and DB connection, inside the
    tenant's scope as a request or a task of that tenant would be."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def worker(i, job):
        try:
            barrier.wait(timeout=30)
            with tenant_scope(tenant):
                results[i] = ("ok", job())
        except Exception as exc:  # noqa: BLE001 - the test inspects what happened
            results[i] = ("error", exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a worker thread hung"
    return results


def assert_ledger_consistent(wallet: Wallet) -> None:
    wallet.refresh_from_db()
    total = LedgerLine.objects.filter(wallet=wallet).aggregate(s=Sum("amount_cents"))["s"] or 0
    assert wallet.balance_cents == total >= 0
    assert not LedgerLine.objects.filter(wallet=wallet, balance_after_cents__lt=0).exists()
    unbalanced = LedgerTransaction.objects.annotate(s=Sum("lines__amount_cents")).exclude(s=0)
    assert not unbalanced.exists()
    mismatches, bad = ledger_reconcile()
    assert mismatches == [] and bad == []
    # every line sealed in its wallet's chain, and the wallet holds its last line's seal
    assert ledger_seals_verify(tenant=wallet.tenant) == []
    last = LedgerLine.objects.filter(wallet=wallet).order_by("-pk").first()
    assert bytes(wallet.ledger_seal) == (bytes(last.seal) if last else b"")


def test_fifty_concurrent_payments_with_credit_for_ten(tenant_a, school_a, parent, child1, child2):
    # given 50 invitations of 1 € each for one parent, and a wallet holding 10 €
    invitations = []
    for n in range(25):
        activity = make_activity(
            tenant=tenant_a, school=school_a, title=f"Sortie {n}", amount_cents=100
        )
        invitations += [invite(activity, child1, parent), invite(activity, child2, parent)]
    wallet = fund(parent, 1000, tenant=tenant_a)

    # and a watcher that samples the balance while the payments run
    stop, seen = threading.Event(), []

    def watch():
        try:
            with tenant_scope(tenant_a):
                while not stop.is_set():
                    seen.append(
                        Wallet.objects.values_list("balance_cents", flat=True).get(pk=wallet.pk)
                    )
        finally:
            connections.close_all()

    watcher = threading.Thread(target=watch)
    watcher.start()

    # when the 50 payments start at the same moment, each with its own key
    def pay(inv):
        return lambda: invitation_pay(
            invitation=inv, by=parent, idempotency_key=f"k-{inv.pk:08d}-0000000"
        )

    results = run_in_threads([pay(inv) for inv in invitations], tenant=tenant_a)
    stop.set()
    watcher.join()

    # then exactly 10 succeed, the others are refused for lack of credit
    kinds = Counter("paid" if status == "ok" else type(value).__name__ for status, value in results)
    assert kinds == {"paid": 10, "InsufficientCredit": 40}, kinds
    assert Invitation.objects.filter(status=InvitationStatus.PAID).count() == 10
    # the balance was never negative, ends at zero and equals the sum of its lines
    assert seen and min(seen) >= 0
    assert_ledger_consistent(wallet)
    assert wallet.balance_cents == 0
    # no duplicate entries: one payment per paid invitation, one debit line each
    assert LedgerTransaction.objects.filter(kind="payment").count() == 10
    per_tx = (
        LedgerLine.objects.filter(wallet=wallet, amount_cents__lt=0)
        .values("transaction")
        .annotate(n=Count("id"))
    )
    assert all(row["n"] == 1 for row in per_tx) and len(per_tx) == 10


def test_the_same_pay_request_twice_at_once_moves_money_once(tenant_a, school_a, parent, child1):
    activity = make_activity(tenant=tenant_a, school=school_a, amount_cents=500)
    invitation = invite(activity, child1, parent)
    wallet = fund(parent, 2000, tenant=tenant_a)

    def same_request():
        return invitation_pay(
            invitation=invitation, by=parent, idempotency_key="double-click-000000000"
        )

    results = run_in_threads([same_request, same_request], tenant=tenant_a)

    assert [status for status, _ in results] == ["ok", "ok"]
    assert sorted(outcome.replayed for _, outcome in results) == [False, True]
    assert len({outcome.transaction.pk for _, outcome in results}) == 1
    assert_ledger_consistent(wallet)
    assert wallet.balance_cents == 1500


def test_two_tabs_paying_the_same_invitation_move_money_once(tenant_a, school_a, parent, child1):
    activity = make_activity(tenant=tenant_a, school=school_a, amount_cents=500)
    invitation = invite(activity, child1, parent)
    wallet = fund(parent, 2000, tenant=tenant_a)

    def tab(n):
        return lambda: invitation_pay(
            invitation=invitation, by=parent, idempotency_key=f"tab-{n}-000000000000"
        )

    results = run_in_threads([tab(n) for n in range(6)], tenant=tenant_a)

    assert all(status == "ok" for status, _ in results)
    assert sum(not outcome.replayed for _, outcome in results) == 1
    assert_ledger_consistent(wallet)
    assert wallet.balance_cents == 1500


def test_two_invitations_at_once_never_overdraw(tenant_a, school_a, parent, child1, child2):
    activity = make_activity(tenant=tenant_a, school=school_a, amount_cents=800)
    first, second = invite(activity, child1, parent), invite(activity, child2, parent)
    wallet = fund(parent, 1000, tenant=tenant_a)

    results = run_in_threads(
        [
            lambda: invitation_pay(
                invitation=first, by=parent, idempotency_key="first-000000000000"
            ),
            lambda: invitation_pay(
                invitation=second, by=parent, idempotency_key="second-00000000000"
            ),
        ],
        tenant=tenant_a,
    )

    assert sorted(status for status, _ in results) == ["error", "ok"]
    assert any(isinstance(value, InsufficientCredit) for _, value in results)
    assert_ledger_consistent(wallet)
    assert wallet.balance_cents == 200


def test_payments_on_distinct_wallets_run_side_by_side(tenant_a, school_a):
    activity = make_activity(tenant=tenant_a, school=school_a, amount_cents=300)
    invitations = []
    for _ in range(8):
        child = UserFactory(tenant=tenant_a, is_student=True, schools=[school_a], email="")
        parent = UserFactory(tenant=tenant_a, is_parent=True, email="")
        link_guardian(parent, child)
        fund(parent, 500, tenant=tenant_a)
        invitations.append(invite(activity, child, parent))

    results = run_in_threads(
        [
            (
                lambda inv=inv: invitation_pay(
                    invitation=inv, by=None, idempotency_key=f"w-{inv.pk:010d}-0000"
                )
            )
            for inv in invitations
        ],
        tenant=tenant_a,
    )

    assert all(status == "ok" for status, _ in results)
    for wallet in Wallet.objects.all():
        assert_ledger_consistent(wallet)
        assert wallet.balance_cents == 200


def test_a_payment_paused_mid_posting_does_not_hold_up_another_wallets_chain(
    monkeypatch, tenant_a, school_a
):
    # given two parents with a funded wallet and an invitation each
    activity = make_activity(tenant=tenant_a, school=school_a, amount_cents=300)
    pairs = []
    for _ in range(2):
        child = UserFactory(tenant=tenant_a, is_student=True, schools=[school_a], email="")
        parent = UserFactory(tenant=tenant_a, is_parent=True, email="")
        link_guardian(parent, child)
        pairs.append((fund(parent, 500, tenant=tenant_a), invite(activity, child, parent)))
    (slow_wallet, slow_inv), (fast_wallet, fast_inv) = pairs
    # and the first one's payment pausing right after it sealed its lines, its wallet locked
    sealed, fast_done = threading.Event(), threading.Event()
    real_post = invitations.ledger_post

    def post_then_wait(**kwargs):
        tx = real_post(**kwargs)
        if any(line.wallet and line.wallet.pk == slow_wallet.pk for line in kwargs["lines"]):
            sealed.set()
            fast_done.wait(timeout=30)
        return tx

    monkeypatch.setattr(invitations, "ledger_post", post_then_wait)

    def slow():
        return invitation_pay(invitation=slow_inv, by=None, idempotency_key="slow-0000000000")

    def fast():
        assert sealed.wait(timeout=30), "the first payment never posted"
        try:
            invitation_pay(invitation=fast_inv, by=None, idempotency_key="fast-0000000000")
            # finished while the other wallet's payment still holds its lock, uncommitted
            return not fast_done.is_set()
        finally:
            fast_done.set()

    results = run_in_threads([slow, fast], tenant=tenant_a)

    # then the second wallet's payment went through meanwhile, and both chains are intact
    assert results[1] == ("ok", True)
    assert results[0][0] == "ok"
    for wallet in (slow_wallet, fast_wallet):
        assert_ledger_consistent(wallet)
        assert wallet.balance_cents == 200


def test_two_refunds_of_one_invitation_at_once_give_the_money_back_once(
    tenant_a, school_a, parent, child1
):
    # given a paid invitation of 5 € (the wallet went from 20 € to 15 €)
    activity = make_activity(tenant=tenant_a, school=school_a, amount_cents=500)
    invitation = invite(activity, child1, parent)
    wallet = fund(parent, 2000, tenant=tenant_a)
    invitation_pay(invitation=invitation, by=None, idempotency_key="paid-once-00000000")

    # when four secretaries refund it at the same moment
    def refund():
        return invitation_refund(invitation=Invitation.objects.get(pk=invitation.pk), by=None)

    results = run_in_threads([refund] * 4, tenant=tenant_a)

    # then one refund goes through, the others find it no longer paid
    kinds = Counter("ok" if status == "ok" else type(value).__name__ for status, value in results)
    assert kinds == {"ok": 1, InvitationNotPaid.__name__: 3}, kinds
    assert LedgerTransaction.objects.filter(kind="refund").count() == 1
    assert Invitation.objects.get(pk=invitation.pk).status == InvitationStatus.REFUNDED
    assert_ledger_consistent(wallet)
    assert wallet.balance_cents == 2000


def test_a_refund_holds_the_invitation_row_lock_while_it_posts(
    monkeypatch, tenant_a, school_a, parent, child1
):
    # given a paid invitation, and a refund that pauses right after its ledger posting
    activity = make_activity(tenant=tenant_a, school=school_a, amount_cents=500)
    invitation = invite(activity, child1, parent)
    fund(parent, 2000, tenant=tenant_a)
    invitation_pay(invitation=invitation, by=None, idempotency_key="paid-once-00000000")
    posted, probed = threading.Event(), threading.Event()
    real_post = invitations.ledger_post

    def post_then_wait(**kwargs):
        tx = real_post(**kwargs)
        posted.set()
        probed.wait(timeout=30)
        return tx

    monkeypatch.setattr(invitations, "ledger_post", post_then_wait)

    # when another transaction asks for the invitation's row without waiting, mid-refund
    def probe():
        try:
            assert posted.wait(timeout=30), "the refund never posted"
            with transaction.atomic():
                Invitation.objects.select_for_update(nowait=True).get(pk=invitation.pk)
            return "free"
        except DatabaseError:
            return "locked"
        finally:
            probed.set()

    results = run_in_threads(
        [lambda: invitation_refund(invitation=invitation, by=None), probe], tenant=tenant_a
    )

    # then the row was locked by the refund, which then completed
    assert results[1] == ("ok", "locked")
    assert results[0][0] == "ok"
    assert Invitation.objects.get(pk=invitation.pk).status == InvitationStatus.REFUNDED
