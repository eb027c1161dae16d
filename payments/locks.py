"""Every row lock of payments, in one place. Call them inside `transaction.atomic()`.

Lock order, everywhere: a bank import first, then wallets (by id), then the invitation. A pay,
decline or refund locks the debtor's wallet and then the invitation, so two of them on one
invitation (or one wallet) run one after the other and the second sees what the first wrote.

`of=("self",)`: without it PostgreSQL also locks the joined rows (tenant, owner, activity), and
every payment of a tenant would wait for the one before.
"""

from __future__ import annotations

from django.db.models import QuerySet

from payments.models import BankImport, Invitation, Wallet


def wallet_qs_select_for_update() -> QuerySet[Wallet]:
    return (
        Wallet.objects.order_by("pk")
        .select_for_update(of=("self",))
        .select_related("tenant", "owner")
    )


def wallet_lock(*, wallet_id: int) -> Wallet:
    return wallet_qs_select_for_update().get(pk=wallet_id)


def wallet_of_owner_lock(*, owner_id: int) -> Wallet | None:
    """The owner's wallet, locked; None if the owner has none yet."""
    return wallet_qs_select_for_update().filter(owner_id=owner_id).first()


def invitation_qs_select_for_update() -> QuerySet[Invitation]:
    # The activity and the child are read in the same query: the posting's memo needs them.
    return (
        Invitation.objects.order_by("pk")
        .select_for_update(of=("self",))
        .select_related("activity", "beneficiary")
    )


def invitation_lock(*, invitation_id: int) -> Invitation:
    return invitation_qs_select_for_update().get(pk=invitation_id)


def bank_import_lock(*, bank_import_id: int) -> BankImport:
    return BankImport.objects.select_for_update(of=("self",)).get(pk=bank_import_id)
