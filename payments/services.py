"""Writes of payments: every movement of money goes through `_post`, under the wallet's row lock.

Lock order, everywhere: the wallet first, then the invitation. A pay, decline or top-up carries an
idempotency key; its first outcome is stored (`WalletRequest`, unique per wallet and key) in the
same transaction, so a replay of the key returns it and moves nothing.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from accounts.models import GuardianLink, User
from payments import notifications
from payments.exceptions import (
    IdempotencyKeyReused,
    InsufficientCredit,
    InvalidAmount,
    InvitationNotPaid,
    InvitationNotPending,
    MandatoryInvitationCannotBeDeclined,
    PaymentsDisabled,
)
from payments.models import (
    Account,
    Activity,
    ActivityKind,
    Enrolment,
    Invitation,
    InvitationStatus,
    LedgerLine,
    LedgerTransaction,
    RequestKind,
    TransactionKind,
    Wallet,
    WalletRequest,
)
from tenants.models import Tenant

logger = logging.getLogger(__name__)

# A "low balance" mail goes out when a payment takes the balance below this (once per crossing).
LOW_BALANCE_CENTS = 1000
# The due-date reminder goes out this many days before the due date.
REMINDER_DAYS_BEFORE = 3
MAX_KEY_LENGTH = 64


@dataclass(frozen=True)
class LineSpec:
    account: str
    amount_cents: int
    wallet: Wallet | None = None
    activity: Activity | None = None


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


@dataclass
class DueRun:
    paid: int = 0
    failed: int = 0
    reminded: int = 0


@dataclass(frozen=True)
class Mismatch:
    wallet_id: int
    owner: str
    balance_cents: int
    ledger_cents: int
    last_running_cents: int | None


# --- Wallets ------------------------------------------------------------------------------------


def new_idempotency_key() -> str:
    return secrets.token_urlsafe(24)


def wallet_get_or_create(*, tenant: Tenant, owner: User) -> Wallet:
    """The owner's wallet at this tenant, created with a fresh structured communication."""
    if owner.tenant_id != tenant.id:
        raise ValueError("a wallet belongs to a person of its own tenant")
    wallet = Wallet.objects.filter(tenant=tenant, owner=owner).first()
    if wallet is not None:
        return wallet
    for _attempt in range(20):
        reference = f"{secrets.randbelow(10**10):010d}"
        try:
            with transaction.atomic():
                return Wallet.objects.create(tenant=tenant, owner=owner, reference=reference)
        except IntegrityError:
            wallet = Wallet.objects.filter(tenant=tenant, owner=owner).first()
            if wallet is not None:  # created meanwhile by a concurrent request
                return wallet
    raise RuntimeError("no free structured communication found")


def wallet_set_auto_pay_default(*, wallet: Wallet, value: bool) -> Wallet:
    Wallet.objects.filter(pk=wallet.pk).update(auto_pay_default=value)
    wallet.auto_pay_default = value
    return wallet


def wallet_calendar_token_renew(*, wallet: Wallet) -> Wallet:
    """A new private feed address; the old one stops working at once."""
    wallet.calendar_token = secrets.token_urlsafe(24)
    Wallet.objects.filter(pk=wallet.pk).update(calendar_token=wallet.calendar_token)
    return wallet


def wallet_top_up(
    *,
    wallet: Wallet,
    amount_cents: int,
    by: User | None,
    memo: str = "",
    idempotency_key: str | None = None,
    created_at=None,
) -> LedgerTransaction:
    """Credit a wallet with money received on the bank account (bank clearing → wallet)."""
    if amount_cents <= 0:
        raise InvalidAmount()
    with transaction.atomic():
        locked = _lock_wallet(wallet.pk)
        if idempotency_key:
            request = _replayed_request(
                wallet=locked, key=idempotency_key, kind=RequestKind.TOP_UP, invitation=None
            )
            if request is not None:
                return request.transaction
        tx = _post(
            tenant=locked.tenant,
            kind=TransactionKind.TOP_UP,
            memo=memo,
            by=by,
            created_at=created_at,
            lines=[
                LineSpec(Account.BANK, -amount_cents),
                LineSpec(Account.WALLET, amount_cents, wallet=locked),
            ],
        )
        if idempotency_key:
            _store_request(
                wallet=locked, key=idempotency_key, kind=RequestKind.TOP_UP, transaction_=tx
            )
    wallet.balance_cents = locked.balance_cents
    return tx


# --- Invitations: the parent's answers ------------------------------------------------------------


def invitation_pay(
    *, invitation: Invitation, by: User | None, idempotency_key: str, automatic: bool = False
) -> Outcome:
    """Pay an invitation from the debtor's wallet. Replays of the key, and a second payment of an
    invitation already paid, move nothing and return the first outcome."""
    tenant = invitation.tenant
    if not tenant.payments:
        raise PaymentsDisabled()
    with transaction.atomic():
        wallet = _lock_wallet_of(tenant=tenant, invitation=invitation)
        request = _replayed_request(
            wallet=wallet, key=idempotency_key, kind=RequestKind.PAY, invitation=invitation
        )
        if request is not None:
            return Outcome(
                Invitation.objects.get(pk=invitation.pk),
                request.transaction,
                replayed=True,
                balance_cents=wallet.balance_cents,
            )
        locked = _lock_invitation(invitation.pk)
        if locked.debtor_id != wallet.owner_id:
            raise InvitationNotPending(locked.status)
        if locked.status == InvitationStatus.PAID:
            _store_request(
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
        if wallet.balance_cents < locked.amount_cents:
            raise InsufficientCredit(
                missing_cents=locked.amount_cents - wallet.balance_cents,
                balance_cents=wallet.balance_cents,
                amount_cents=locked.amount_cents,
            )
        activity = locked.activity
        locked.debtor = wallet.owner  # read with the wallet: the mails need it
        balance_before = wallet.balance_cents
        tx = _post(
            tenant=tenant,
            kind=TransactionKind.PAYMENT,
            memo=f"{activity.title} — {locked.beneficiary.get_full_name()}"[:255],
            by=by,
            lines=[
                LineSpec(Account.WALLET, -locked.amount_cents, wallet=wallet),
                LineSpec(Account.INCOME, locked.amount_cents, activity=activity),
            ],
        )
        now = timezone.now()
        locked.status = InvitationStatus.PAID
        locked.paid_at = now
        locked.payment = tx
        locked.paid_automatically = automatic
        locked.save(update_fields=["status", "paid_at", "payment", "paid_automatically"])
        if activity.kind == ActivityKind.OPTIONAL:
            Enrolment.objects.create(
                tenant=tenant, activity=activity, child_id=locked.beneficiary_id, invitation=locked
            )
        _store_request(
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
    tenant = invitation.tenant
    if not tenant.payments:
        raise PaymentsDisabled()
    with transaction.atomic():
        wallet = _lock_wallet_of(tenant=tenant, invitation=invitation)
        request = _replayed_request(
            wallet=wallet, key=idempotency_key, kind=RequestKind.DECLINE, invitation=invitation
        )
        if request is not None:
            return Outcome(Invitation.objects.get(pk=invitation.pk), replayed=True)
        locked = _lock_invitation(invitation.pk)
        if locked.activity.kind != ActivityKind.OPTIONAL:
            raise MandatoryInvitationCannotBeDeclined()
        if locked.status == InvitationStatus.DECLINED:
            return Outcome(locked, replayed=True)
        if locked.status != InvitationStatus.PENDING:
            raise InvitationNotPending(locked.status)
        locked.status = InvitationStatus.DECLINED
        locked.declined_at = timezone.now()
        locked.save(update_fields=["status", "declined_at"])
        _store_request(
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


# --- Invitations: the secretaries' side -----------------------------------------------------


def activity_create(
    *,
    tenant: Tenant,
    school,
    title: str,
    kind: str,
    amount_cents: int,
    starts_on: date,
    due_on: date,
    by: User | None,
    details: str = "",
    event_on: date | None = None,
) -> Activity:
    if amount_cents <= 0:
        raise InvalidAmount()
    if school.tenant_id != tenant.id:
        raise ValueError("the school belongs to another tenant")
    return Activity.objects.create(
        tenant=tenant,
        school=school,
        title=title,
        details=details,
        kind=kind,
        amount_cents=amount_cents,
        starts_on=starts_on,
        due_on=due_on,
        event_on=event_on,
        created_by=by,
    )


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
    """Give a paid invitation's money back to the wallet: refunds(activity) → wallet."""
    wallet = wallet_get_or_create(tenant=invitation.tenant, owner=invitation.debtor)
    with transaction.atomic():
        wallet = _lock_wallet(wallet.pk)
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.status != InvitationStatus.PAID:
            raise InvitationNotPaid()
        activity = Activity.objects.get(pk=locked.activity_id)
        tx = _post(
            tenant=locked.tenant,
            kind=TransactionKind.REFUND,
            memo=f"{activity.title} — {locked.beneficiary.get_full_name()}"[:255],
            by=by,
            lines=[
                LineSpec(Account.REFUNDS, -locked.amount_cents, activity=activity),
                LineSpec(Account.WALLET, locked.amount_cents, wallet=wallet),
            ],
        )
        now = timezone.now()
        locked.status = InvitationStatus.REFUNDED
        locked.refunded_at = now
        locked.refund = tx
        locked.save(update_fields=["status", "refunded_at", "refund"])
        Enrolment.objects.filter(invitation=locked, cancelled_at__isnull=True).update(
            cancelled_at=now
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


def invitations_run_due(*, today: date | None = None) -> DueRun:
    """The periodic job: pay the ticked invitations that are due when the credit allows (and mail
    the parent either way, once), then send the due-date reminders."""
    today = today or timezone.localdate()
    run = DueRun()
    due = (
        Invitation.objects.filter(
            status=InvitationStatus.PENDING,
            due_on__lte=today,
            autopay_attempted_on__isnull=True,
            tenant__payments=True,
        )
        .filter(
            Q(auto_pay=True)
            | Q(
                auto_pay__isnull=True,
                debtor__wallets__auto_pay_default=True,
                debtor__wallets__tenant=F("tenant"),
            )
        )
        .select_related("tenant", "activity", "debtor", "beneficiary")
        .order_by("due_on", "pk")
    )
    for invitation in due:
        claimed = Invitation.objects.filter(
            pk=invitation.pk, autopay_attempted_on__isnull=True
        ).update(autopay_attempted_on=today)
        if not claimed:
            continue
        try:
            invitation_pay(
                invitation=invitation,
                by=None,
                idempotency_key=f"auto:{invitation.pk}",
                automatic=True,
            )
            run.paid += 1
        except InsufficientCredit as exc:
            run.failed += 1
            with transaction.atomic():
                notifications.autopay_failed(invitation=invitation, missing_cents=exc.missing_cents)
        except (InvitationNotPending, PaymentsDisabled):
            continue

    soon = today + timedelta(days=REMINDER_DAYS_BEFORE)
    to_remind = Invitation.objects.filter(
        status=InvitationStatus.PENDING,
        due_on__lte=soon,
        due_on__gte=today,
        reminded_at__isnull=True,
        tenant__payments=True,
    ).select_related("tenant", "activity", "debtor", "beneficiary")
    for invitation in to_remind:
        if invitation_remind(invitation=invitation):
            run.reminded += 1
    return run


# --- Reconciliation ---------------------------------------------------------------------------


def ledger_reconcile(*, tenant: Tenant | None = None) -> tuple[list[Mismatch], list[int]]:
    """Every wallet's balance against the sum of its lines (and its last running balance), and
    every transaction's lines summing to zero. Returns (wallet mismatches, unbalanced tx ids)."""
    wallets = Wallet.objects.select_related("owner").annotate(ledger=Sum("lines__amount_cents"))
    transactions = LedgerTransaction.objects.annotate(total=Sum("lines__amount_cents"))
    if tenant is not None:
        wallets = wallets.filter(tenant=tenant)
        transactions = transactions.filter(tenant=tenant)
    mismatches = []
    for wallet in wallets:
        ledger = wallet.ledger or 0
        last = (
            LedgerLine.objects.filter(wallet=wallet)
            .order_by("-pk")
            .values_list("balance_after_cents", flat=True)
            .first()
        )
        if ledger != wallet.balance_cents or (last is not None and last != ledger):
            mismatches.append(
                Mismatch(wallet.pk, str(wallet.owner), wallet.balance_cents, ledger, last)
            )
    unbalanced = list(transactions.exclude(total=0).values_list("pk", flat=True)) + list(
        transactions.filter(total__isnull=True).values_list("pk", flat=True)
    )
    return mismatches, sorted(set(unbalanced))


# --- Helpers ----------------------------------------------------------------------------------


def _wallets_locked():
    # of=("self",): without it PostgreSQL also locks the joined tenant and owner rows, and every
    # payment of the tenant would wait for the one before.
    return Wallet.objects.select_for_update(of=("self",)).select_related("tenant", "owner")


def _lock_wallet(wallet_id: int) -> Wallet:
    return _wallets_locked().get(pk=wallet_id)


def _lock_wallet_of(*, tenant: Tenant, invitation: Invitation) -> Wallet:
    """The debtor's wallet locked, created first if the debtor has none yet."""
    wallet = _wallets_locked().filter(tenant=tenant, owner_id=invitation.debtor_id).first()
    if wallet is None:
        wallet = _lock_wallet(wallet_get_or_create(tenant=tenant, owner=invitation.debtor).pk)
    return wallet


def _lock_invitation(invitation_id: int) -> Invitation:
    """The invitation row locked, with its activity and child read in the same query."""
    return (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("activity", "beneficiary")
        .get(pk=invitation_id)
    )


def _post(
    *,
    tenant: Tenant,
    kind: str,
    memo: str,
    by: User | None,
    lines: list[LineSpec],
    created_at=None,
) -> LedgerTransaction:
    """Write one balanced transaction. Wallets in `lines` must be locked by the caller; their
    cached balance moves with their line, and never below zero."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ledger postings happen inside transaction.atomic()")
    if sum(line.amount_cents for line in lines) != 0 or len(lines) < 2:
        raise ValueError("a ledger transaction's lines sum to zero")
    created_at = created_at or timezone.now()
    tx = LedgerTransaction.objects.create(
        tenant=tenant, kind=kind, memo=memo, created_by=by, created_at=created_at
    )
    rows = []
    for line in lines:
        balance_after = None
        if line.account == Account.WALLET:
            wallet = line.wallet
            balance_after = wallet.balance_cents + line.amount_cents
            if balance_after < 0:
                raise InsufficientCredit(
                    missing_cents=-balance_after,
                    balance_cents=wallet.balance_cents,
                    amount_cents=-line.amount_cents,
                )
            Wallet.objects.filter(pk=wallet.pk).update(balance_cents=balance_after)
            wallet.balance_cents = balance_after
        rows.append(
            LedgerLine(
                tenant=tenant,
                transaction=tx,
                account=line.account,
                wallet=line.wallet,
                activity=line.activity,
                amount_cents=line.amount_cents,
                balance_after_cents=balance_after,
                created_at=created_at,
            )
        )
    LedgerLine.objects.bulk_create(rows)
    return tx


def _replayed_request(
    *, wallet: Wallet, key: str, kind: str, invitation: Invitation | None
) -> WalletRequest | None:
    if not key or len(key) > MAX_KEY_LENGTH:
        raise IdempotencyKeyReused()
    request = (
        WalletRequest.objects.filter(wallet=wallet, key=key).select_related("transaction").first()
    )
    if request is None:
        return None
    if request.kind != kind or request.invitation_id != (invitation.pk if invitation else None):
        raise IdempotencyKeyReused()
    return request


def _store_request(
    *,
    wallet: Wallet,
    key: str,
    kind: str,
    invitation: Invitation | None = None,
    transaction_: LedgerTransaction | None = None,
) -> WalletRequest:
    return WalletRequest.objects.create(
        tenant_id=wallet.tenant_id,
        wallet=wallet,
        key=key,
        kind=kind,
        invitation=invitation,
        transaction=transaction_,
    )


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
