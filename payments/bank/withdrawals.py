"""A wallet's balance paid back to a parent's bank account (a family leaving the school).

The secretary records it: the wallet is locked, the money leaves it at once (wallet → bank, one
ledger transaction), and a pending `WalletWithdrawal` keeps the IBAN, the account holder, the
reason and who recorded it; the transfer itself leaves in the next pain.001 file
(`payments.bank.transfers.transfers_export`). A parent may ask for it from the wallet page
(`WithdrawalRequest`): nothing moves until a secretary records it or refuses it.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from payments import locks
from payments.bank.transfers import iban_checked
from payments.exceptions import (
    InsufficientCredit,
    InvalidAmount,
    WithdrawalInDebt,
    WithdrawalReasonMissing,
    WithdrawalRefusalReasonMissing,
    WithdrawalRequestNotPending,
    WithdrawalRequestPending,
)
from payments.ledger import LineSpec, ledger_post
from payments.models import (
    Account,
    RequestKind,
    TransactionKind,
    Wallet,
    WalletWithdrawal,
    WithdrawalRequest,
    WithdrawalRequestStatus,
)
from payments.services.idempotency import wallet_request_replayed, wallet_request_store


def wallet_withdraw(
    *,
    wallet: Wallet,
    amount_cents: int,
    iban: str,
    holder_name: str,
    reason: str,
    by: User,
    idempotency_key: str | None = None,
    fulfils: WithdrawalRequest | None = None,
) -> WalletWithdrawal:
    """Take `amount_cents` out of the wallet towards `iban`: booked now, sent in the next
    pain.001 file. Refused beyond the balance (InsufficientCredit) and while the wallet owes the
    school (WithdrawalInDebt); a replay of the same idempotency key returns the first one.
    `fulfils`: the parent's request it answers, closed in the same transaction."""
    if fulfils is not None and fulfils.wallet_id != wallet.pk:
        raise WithdrawalRequestNotPending()
    if amount_cents <= 0:
        raise InvalidAmount()
    target = iban_checked(iban)
    holder_name, reason = " ".join(holder_name.split())[:70], reason.strip()[:300]
    if not reason:
        raise WithdrawalReasonMissing()
    with transaction.atomic():
        locked = locks.wallet_lock(wallet_id=wallet.pk)
        if idempotency_key:
            replayed = wallet_request_replayed(
                wallet=locked, key=idempotency_key, kind=RequestKind.WITHDRAWAL, invitation=None
            )
            if replayed is not None:
                return WalletWithdrawal.objects.get(transaction_id=replayed.transaction_id)
        if locked.debt_cents:
            raise WithdrawalInDebt(debt_cents=locked.debt_cents)
        if amount_cents > locked.balance_cents:
            raise InsufficientCredit(
                missing_cents=amount_cents - locked.balance_cents,
                balance_cents=locked.balance_cents,
                amount_cents=amount_cents,
            )
        owner = locked.owner
        holder_name = holder_name or owner.full_name or owner.identifier
        tx = ledger_post(
            tenant=locked.tenant,
            kind=TransactionKind.WITHDRAWAL,
            memo=(
                _("Virement vers le compte %(iban)s (%(holder)s)")
                % {"iban": target.formatted, "holder": holder_name}
            )[:255],
            by=by,
            lines=[
                LineSpec(Account.WALLET, -amount_cents, wallet=locked),
                LineSpec(Account.BANK, amount_cents),
            ],
        )
        withdrawal = WalletWithdrawal.objects.create(
            tenant=locked.tenant,
            wallet=locked,
            iban=target.compact,
            holder_name=holder_name,
            amount_cents=amount_cents,
            reason=reason,
            transaction=tx,
            created_by=by,
        )
        if idempotency_key:
            wallet_request_store(
                wallet=locked, key=idempotency_key, kind=RequestKind.WITHDRAWAL, transaction_=tx
            )
        if fulfils is not None:
            closed = WithdrawalRequest.objects.filter(
                pk=fulfils.pk, status=WithdrawalRequestStatus.PENDING
            ).update(
                status=WithdrawalRequestStatus.DONE,
                withdrawal=withdrawal,
                handled_by=by,
                handled_at=timezone.now(),
            )
            if not closed:  # refused or answered meanwhile: nothing is written
                raise WithdrawalRequestNotPending()
    wallet.balance_cents = locked.balance_cents
    return withdrawal


def withdrawal_request_create(
    *, wallet: Wallet, amount_cents: int, iban: str, holder_name: str, note: str, by: User
) -> WithdrawalRequest:
    """The wallet's owner asks for `amount_cents` to be paid back to `iban`; a secretary
    records it (or refuses). One request waits at a time."""
    if by.pk != wallet.owner_id:
        raise ValueError("only the wallet's owner asks for its balance")
    if amount_cents <= 0:
        raise InvalidAmount()
    target = iban_checked(iban)
    with transaction.atomic():
        locked = locks.wallet_lock(wallet_id=wallet.pk)
        if locked.debt_cents:
            raise WithdrawalInDebt(debt_cents=locked.debt_cents)
        if amount_cents > locked.balance_cents:
            raise InsufficientCredit(
                missing_cents=amount_cents - locked.balance_cents,
                balance_cents=locked.balance_cents,
                amount_cents=amount_cents,
            )
        try:
            with transaction.atomic():
                return WithdrawalRequest.objects.create(
                    tenant=locked.tenant,
                    wallet=locked,
                    amount_cents=amount_cents,
                    iban=target.compact,
                    holder_name=" ".join(holder_name.split())[:70] or by.full_name,
                    note=note.strip()[:300],
                )
        except IntegrityError:
            raise WithdrawalRequestPending() from None


def withdrawal_request_refuse(
    *, request: WithdrawalRequest, by: User, reason: str
) -> WithdrawalRequest:
    """The secretary refuses the parent's request, with a reason the parent sees."""
    reason = reason.strip()[:300]
    if not reason:
        raise WithdrawalRefusalReasonMissing()
    now = timezone.now()
    refused = WithdrawalRequest.objects.filter(
        pk=request.pk, status=WithdrawalRequestStatus.PENDING
    ).update(
        status=WithdrawalRequestStatus.REFUSED, handled_by=by, handled_at=now, refusal_reason=reason
    )
    if not refused:
        raise WithdrawalRequestNotPending()
    request.status, request.handled_by, request.handled_at = (
        WithdrawalRequestStatus.REFUSED,
        by,
        now,
    )
    request.refusal_reason = reason
    return request
