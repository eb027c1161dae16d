"""Idempotency keys: a pay, decline or top-up carries one; its first outcome is stored
(`WalletRequest`, unique per wallet and key) in the same transaction, so a replay of the key
returns it and moves nothing. Called with the wallet locked."""

from __future__ import annotations

import secrets

from payments.exceptions import IdempotencyKeyReused
from payments.models import Invitation, LedgerTransaction, Wallet, WalletRequest

MAX_KEY_LENGTH = 64


def new_idempotency_key() -> str:
    return secrets.token_urlsafe(24)


def wallet_request_replayed(
    *, wallet: Wallet, key: str, kind: str, invitation: Invitation | None
) -> WalletRequest | None:
    """The stored outcome of this key, if any; a key reused for another request is refused."""
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


def wallet_request_store(
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
