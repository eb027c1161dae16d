"""Invitations: the parents' answers (pay, decline, auto-pay) and the secretaries' side (send,
cancel, refund, remind). Every movement of money is a `ledger_post` under the row locks of
`payments.locks`: the debtor's wallet first, then the invitation.

A pay or decline carries an idempotency key (`payments.services.idempotency`): a replay of the
key returns the first outcome and moves nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from accounts.models import GuardianLink, User
from payments import locks, notifications
from payments.exceptions import (
    InsufficientCredit,
    InvitationNotPaid,
    InvitationNotPending,
    MandatoryInvitationCannotBeDeclined,
    PaymentsDisabled,
    WalletInDebt,
)
from payments.ledger import LineSpec, ledger_post
from payments.models import (
    Account,
    Activity,
    ActivityKind,
    Enrolment,
    Invitation,
    InvitationStatus,
    LedgerTransaction,
    RequestKind,
    TransactionKind,
    Wallet,
    WalletRequest,
)
from payments.services.idempotency import wallet_request_replayed, wallet_request_store
from payments.services.wallets import wallet_get_or_create
from tenants.features import tenant_has_feature
from tenants.models import Tenant

# A "low balance" mail goes out when a payment takes the balance below this (once per crossing).
LOW_BALANCE_CENTS = 1000


@dataclass(frozen=True)
class Outcome:
    """What a pay or decline did. `replayed`: the key (or the invitation's state) had already
    produced this outcome, and nothing moved this time."""

    invitation: Invitation
    transaction: LedgerTransaction | None = None
    replayed: bool = False
    # The wallet's balance once done (pay only).
    balance_cents: int | None = None


@dataclass
class SendResult:
    created: list[Invitation] = field(default_factory=list)
    already_invited: list[User] = field(default_factory=list)
    without_payer: list[User] = field(default_factory=list)


# --- The parents' answers -------------------------------------------------------------------


def invitation_pay(
    *, invitation: Invitation, by: User | None, idempotency_key: str, automatic: bool = False
) -> Outcome:
    """Pay an invitation from the debtor's wallet. Replays of the key, and a second payment of an
    invitation already paid, move nothing and return the first outcome."""
    tenant = invitation.tenant
    with transaction.atomic():
        wallet, request = _answer_start(invitation, key=idempotency_key, kind=RequestKind.PAY)
        if request is not None:
            return Outcome(
                Invitation.objects.get(pk=invitation.pk),
                request.transaction,
                replayed=True,
                balance_cents=wallet.balance_cents,
            )
        locked = locks.invitation_lock(invitation_id=invitation.pk)
        if locked.debtor_id != wallet.owner_id:
            raise InvitationNotPending(locked.status)
        if locked.status == InvitationStatus.PAID:
            wallet_request_store(
                wallet=wallet,
                key=idempotency_key,
                kind=RequestKind.PAY,
                invitation=locked,
                transaction_=locked.payment,
            )
            return Outcome(
                locked, locked.payment, replayed=True, balance_cents=wallet.balance_cents
            )
        if locked.status != InvitationStatus.PENDING:
            raise InvitationNotPending(locked.status)
        if wallet.debt_cents > 0:
            raise WalletInDebt(debt_cents=wallet.debt_cents)
        if wallet.balance_cents < locked.amount_cents:
            raise InsufficientCredit(
                missing_cents=locked.amount_cents - wallet.balance_cents,
                balance_cents=wallet.balance_cents,
                amount_cents=locked.amount_cents,
            )
        activity = locked.activity
        locked.debtor = wallet.owner  # read with the wallet: the mails need it
        balance_before = wallet.balance_cents
        tx = _invitation_move(
            _PAYMENT, invitation=locked, wallet=wallet, by=by, paid_automatically=automatic
        )
        if activity.kind == ActivityKind.OPTIONAL:
            Enrolment.objects.create(
                tenant=tenant, activity=activity, child_id=locked.beneficiary_id, invitation=locked
            )
        wallet_request_store(
            wallet=wallet,
            key=idempotency_key,
            kind=RequestKind.PAY,
            invitation=locked,
            transaction_=tx,
        )
        locked.activity = activity
        if automatic:
            notifications.autopay_done(invitation=locked, wallet=wallet)
        else:
            notifications.payment_receipt(invitation=locked, wallet=wallet)
        if balance_before >= LOW_BALANCE_CENTS > wallet.balance_cents:
            notifications.low_balance(wallet=wallet)
    return Outcome(locked, tx, balance_cents=wallet.balance_cents)


def invitation_decline(*, invitation: Invitation, by: User, idempotency_key: str) -> Outcome:
    """Decline an optional activity. A mandatory one cannot be declined, whoever asks."""
    with transaction.atomic():
        wallet, request = _answer_start(invitation, key=idempotency_key, kind=RequestKind.DECLINE)
        if request is not None:
            return Outcome(Invitation.objects.get(pk=invitation.pk), replayed=True)
        locked = locks.invitation_lock(invitation_id=invitation.pk)
        if locked.activity.kind != ActivityKind.OPTIONAL:
            raise MandatoryInvitationCannotBeDeclined()
        if locked.status == InvitationStatus.DECLINED:
            return Outcome(locked, replayed=True)
        if locked.status != InvitationStatus.PENDING:
            raise InvitationNotPending(locked.status)
        locked.status = InvitationStatus.DECLINED
        locked.declined_at = timezone.now()
        locked.save(update_fields=["status", "declined_at"])
        wallet_request_store(
            wallet=wallet, key=idempotency_key, kind=RequestKind.DECLINE, invitation=locked
        )
    return Outcome(locked)


def invitation_set_auto_pay(*, invitation: Invitation, value: bool) -> Invitation:
    if invitation.status != InvitationStatus.PENDING:
        raise InvitationNotPending(invitation.status)
    Invitation.objects.filter(pk=invitation.pk, status=InvitationStatus.PENDING).update(
        auto_pay=value
    )
    invitation.auto_pay = value
    return invitation


# --- The secretaries' side --------------------------------------------------------------------


def paying_guardian(*, child: User) -> User | None:
    """The debtor for a child: its paying guardian (the first linked, if there are two)."""
    link = (
        GuardianLink.objects.filter(child=child, is_paying=True, parent__is_active=True)
        .select_related("parent")
        .order_by("pk")
        .first()
    )
    return link.parent if link else None


def invitations_send(
    *, activity: Activity, students: Iterable[User], by: User | None
) -> SendResult:
    """One invitation per student (debtor = the paying guardian); students already invited to this
    activity, or without a paying guardian, are reported and skipped. Mails go out on commit."""
    result = SendResult()
    students = [s for s in students if s.tenant_id == activity.tenant_id]
    invited = set(
        Invitation.objects.filter(activity=activity).values_list("beneficiary_id", flat=True)
    )
    payers = _paying_guardians([s.pk for s in students])
    with transaction.atomic():
        for student in students:
            if student.pk in invited:
                result.already_invited.append(student)
                continue
            debtor = payers.get(student.pk)
            if debtor is None:
                result.without_payer.append(student)
                continue
            wallet = wallet_get_or_create(tenant=activity.tenant, owner=debtor)
            invitation = Invitation.objects.create(
                tenant=activity.tenant,
                activity=activity,
                beneficiary=student,
                debtor=debtor,
                amount_cents=activity.amount_cents,
                starts_on=activity.starts_on,
                due_on=activity.due_on,
                auto_pay=True if wallet.auto_pay_default else None,
            )
            invited.add(student.pk)
            result.created.append(invitation)
            notifications.invitation_received(invitation=invitation)
    return result


def invitation_cancel(*, invitation: Invitation, by: User | None) -> Invitation:
    """A secretary withdraws an unpaid invitation (pending → cancelled)."""
    done = Invitation.objects.filter(pk=invitation.pk, status=InvitationStatus.PENDING).update(
        status=InvitationStatus.CANCELLED, cancelled_at=timezone.now()
    )
    if not done:
        raise InvitationNotPending(Invitation.objects.get(pk=invitation.pk).status)
    invitation.refresh_from_db()
    return invitation


def invitation_refund(*, invitation: Invitation, by: User | None) -> LedgerTransaction:
    """Give a paid invitation's money back to the wallet: refunds(activity) → wallet. Locks as
    a payment does (the wallet, then the invitation): of two refunds at once, one moves money."""
    with transaction.atomic():
        wallet = _debtor_wallet_lock(tenant=invitation.tenant, invitation=invitation)
        locked = locks.invitation_lock(invitation_id=invitation.pk)
        if locked.status != InvitationStatus.PAID:
            raise InvitationNotPaid()
        tx = _invitation_move(_REFUND, invitation=locked, wallet=wallet, by=by)
        Enrolment.objects.filter(invitation=locked, cancelled_at__isnull=True).update(
            cancelled_at=locked.refunded_at
        )
    invitation.refresh_from_db()
    return tx


def invitation_remind(*, invitation: Invitation) -> bool:
    """Send the due-date reminder of a pending invitation; False if it is not pending."""
    if invitation.status != InvitationStatus.PENDING:
        return False
    with transaction.atomic():
        Invitation.objects.filter(pk=invitation.pk).update(reminded_at=timezone.now())
        notifications.due_reminder(invitation=invitation)
    return True


# --- Helpers ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Move:
    """A way an invitation's money moves: its ledger kind, from which account to which, and the
    state, time and transaction it stamps on the invitation."""

    kind: str
    debit: str
    credit: str
    status: str
    at_field: str
    tx_field: str


_PAYMENT = _Move(
    TransactionKind.PAYMENT,
    Account.WALLET,
    Account.INCOME,
    InvitationStatus.PAID,
    "paid_at",
    "payment",
)
_REFUND = _Move(
    TransactionKind.REFUND,
    Account.REFUNDS,
    Account.WALLET,
    InvitationStatus.REFUNDED,
    "refunded_at",
    "refund",
)


def _invitation_move(
    move: _Move, *, invitation: Invitation, wallet: Wallet, by: User | None, **stamps: object
) -> LedgerTransaction:
    """Post the invitation's amount between the debtor's wallet and its activity, and stamp the
    invitation (plus `stamps`). The caller holds both row locks."""
    amount, activity = invitation.amount_cents, invitation.activity

    def line(account: str, cents: int) -> LineSpec:
        if account == Account.WALLET:
            return LineSpec(account, cents, wallet=wallet)
        return LineSpec(account, cents, activity=activity)

    tx = ledger_post(
        tenant=wallet.tenant,
        kind=move.kind,
        memo=f"{activity.title} — {invitation.beneficiary.get_full_name()}"[:255],
        by=by,
        lines=[line(move.debit, -amount), line(move.credit, amount)],
    )
    invitation.status = move.status
    setattr(invitation, move.at_field, timezone.now())
    setattr(invitation, move.tx_field, tx)
    for name, value in stamps.items():
        setattr(invitation, name, value)
    invitation.save(update_fields=["status", move.at_field, move.tx_field, *stamps])
    return tx


def _answer_start(
    invitation: Invitation, *, key: str, kind: str
) -> tuple[Wallet, WalletRequest | None]:
    """The start of a parent's answer, in its transaction: payments must be on; the debtor's
    wallet locked; the stored outcome of this key, if this is a replay."""
    if not tenant_has_feature(invitation.tenant, "payments"):
        raise PaymentsDisabled()
    wallet = _debtor_wallet_lock(tenant=invitation.tenant, invitation=invitation)
    request = wallet_request_replayed(wallet=wallet, key=key, kind=kind, invitation=invitation)
    return wallet, request


def _debtor_wallet_lock(*, tenant: Tenant, invitation: Invitation) -> Wallet:
    """The debtor's wallet locked, created first if the debtor has none yet."""
    wallet = locks.wallet_of_owner_lock(owner_id=invitation.debtor_id)
    if wallet is None:
        created = wallet_get_or_create(tenant=tenant, owner=invitation.debtor)
        wallet = locks.wallet_lock(wallet_id=created.pk)
    return wallet


def _paying_guardians(child_ids: list[int]) -> dict[int, User]:
    payers: dict[int, User] = {}
    links = (
        GuardianLink.objects.filter(child_id__in=child_ids, is_paying=True, parent__is_active=True)
        .select_related("parent")
        .order_by("pk")
    )
    for link in links:
        payers.setdefault(link.child_id, link.parent)
    return payers
