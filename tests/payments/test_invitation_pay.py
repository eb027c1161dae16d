"""Paying an invitation: the money leaves the wallet once, or nothing changes."""

import pytest
from django.core import mail

from payments.exceptions import IdempotencyKeyReused, InsufficientCredit, InvitationNotPending
from payments.models import Enrolment, InvitationStatus, LedgerLine, WalletRequest
from payments.services.invitations import (
    invitation_cancel,
    invitation_decline,
    invitation_pay,
    invitation_refund,
)
from tests.payments.conftest import fund

KEY = "pay-key-0123456789"


def test_paying_moves_the_amount_from_the_wallet_to_the_activity(
    funded_wallet, museum_invitation, on_commit
):
    # when the parent pays the 5 € museum visit from a wallet holding 20 €
    with on_commit():
        outcome = invitation_pay(
            invitation=museum_invitation, by=museum_invitation.debtor, idempotency_key=KEY
        )
    # then the invitation is paid, the wallet holds 15 €, the activity's income 5 €
    assert not outcome.replayed
    museum_invitation.refresh_from_db()
    assert museum_invitation.status == InvitationStatus.PAID
    assert museum_invitation.paid_at is not None
    funded_wallet.refresh_from_db()
    assert funded_wallet.balance_cents == 1500
    income = LedgerLine.objects.get(transaction=outcome.transaction, account="income")
    assert (income.activity_id, income.amount_cents) == (museum_invitation.activity_id, 500)
    # and a receipt mail went out through the outbox
    assert any("Paiement reçu" in m.subject for m in mail.outbox)


def test_not_enough_credit_changes_nothing_and_says_what_is_missing(wallet, museum_invitation):
    fund(wallet, 300)
    with pytest.raises(InsufficientCredit) as info:
        invitation_pay(invitation=museum_invitation, by=None, idempotency_key=KEY)
    assert info.value.missing_cents == 200
    assert "2,00 €" in str(info.value)
    museum_invitation.refresh_from_db()
    wallet.refresh_from_db()
    assert museum_invitation.status == InvitationStatus.PENDING
    assert wallet.balance_cents == 300
    assert not WalletRequest.objects.filter(key=KEY).exists()


def test_a_replayed_key_returns_the_first_outcome(funded_wallet, museum_invitation):
    first = invitation_pay(invitation=museum_invitation, by=None, idempotency_key=KEY)
    again = invitation_pay(invitation=museum_invitation, by=None, idempotency_key=KEY)
    assert again.replayed and again.transaction.pk == first.transaction.pk
    funded_wallet.refresh_from_db()
    assert funded_wallet.balance_cents == 1500


def test_a_second_tab_with_its_own_key_pays_nothing_more(funded_wallet, museum_invitation):
    invitation_pay(invitation=museum_invitation, by=None, idempotency_key=KEY)
    other_tab = invitation_pay(
        invitation=museum_invitation, by=None, idempotency_key="other-tab-key-000000"
    )
    assert other_tab.replayed
    funded_wallet.refresh_from_db()
    assert funded_wallet.balance_cents == 1500
    assert LedgerLine.objects.filter(wallet=funded_wallet, amount_cents=-500).count() == 1


def test_a_key_cannot_be_reused_for_another_invitation(
    funded_wallet, museum_invitation, handball_invitation
):
    invitation_pay(invitation=museum_invitation, by=None, idempotency_key=KEY)
    with pytest.raises(IdempotencyKeyReused):
        invitation_pay(invitation=handball_invitation, by=None, idempotency_key=KEY)


def test_paying_an_optional_activity_enrols_the_child(funded_wallet, handball_invitation):
    invitation_pay(invitation=handball_invitation, by=None, idempotency_key=KEY)
    assert Enrolment.objects.filter(
        activity=handball_invitation.activity, child=handball_invitation.beneficiary
    ).exists()


def test_paying_a_mandatory_activity_enrols_nobody(funded_wallet, museum_invitation):
    invitation_pay(invitation=museum_invitation, by=None, idempotency_key=KEY)
    assert not Enrolment.objects.exists()


def test_a_declined_or_cancelled_invitation_cannot_be_paid(
    funded_wallet, handball_invitation, museum_invitation
):
    invitation_decline(
        invitation=handball_invitation, by=None, idempotency_key="decline-key-00000000"
    )
    with pytest.raises(InvitationNotPending):
        invitation_pay(invitation=handball_invitation, by=None, idempotency_key=KEY)
    invitation_cancel(invitation=museum_invitation, by=None)
    with pytest.raises(InvitationNotPending):
        invitation_pay(invitation=museum_invitation, by=None, idempotency_key="another-key-000000")
    funded_wallet.refresh_from_db()
    assert funded_wallet.balance_cents == 2000


def test_low_balance_mail_when_a_payment_crosses_the_threshold(
    wallet, handball_invitation, on_commit
):
    fund(wallet, 1500)
    with on_commit():
        invitation_pay(invitation=handball_invitation, by=None, idempotency_key=KEY)
    assert any("solde de votre portefeuille est bas" in m.subject for m in mail.outbox)


def test_refund_credits_the_wallet_back_through_the_ledger(funded_wallet, handball_invitation):
    invitation_pay(invitation=handball_invitation, by=None, idempotency_key=KEY)
    tx = invitation_refund(invitation=handball_invitation, by=None)
    funded_wallet.refresh_from_db()
    assert funded_wallet.balance_cents == 2000
    assert {line.account: line.amount_cents for line in tx.lines.all()} == {
        "refunds": -800,
        "wallet": 800,
    }
    handball_invitation.refresh_from_db()
    assert handball_invitation.status == InvitationStatus.REFUNDED
    assert Enrolment.objects.get(invitation=handball_invitation).cancelled_at is not None
    # a second refund is refused: one final state
    from payments.exceptions import InvitationNotPaid

    with pytest.raises(InvitationNotPaid):
        invitation_refund(invitation=handball_invitation, by=None)


def test_cancel_only_a_pending_invitation(funded_wallet, museum_invitation):
    invitation_pay(invitation=museum_invitation, by=None, idempotency_key=KEY)
    with pytest.raises(InvitationNotPending):
        invitation_cancel(invitation=museum_invitation, by=None)
