"""Parent payments (DESIGN.md §6): activities, invitations to pay, prepaid wallets and the ledger.

Money is integer cents everywhere. A wallet's balance is a cached total of its ledger lines,
changed only by `payments.ledger.ledger_post` under a row lock, in the same transaction as the
lines; a CHECK constraint keeps it ≥ 0. Ledger rows are append-only: `save()` on an existing
row, `delete()` and queryset `update()`/`delete()` raise.
"""

import secrets
from pathlib import Path
from typing import cast

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage
from django.db import models
from django.utils import timezone
from django.utils.functional import LazyObject
from django.utils.translation import gettext_lazy as _

from tenants.models import School, Tenant
from tenants.scoping import AppendOnlyTenantScopedManager, tenant_scoped_manager


class PrivateStorage(LazyObject):
    """Activity documents live outside MEDIA_ROOT: only the debtor and the school's staff may
    download them, through a view that checks who asks (DEBUG serves MEDIA_ROOT to anyone):
    they live next to it, in `<MEDIA_ROOT>-private`."""

    def _setup(self) -> None:
        media = Path(settings.MEDIA_ROOT)
        self._wrapped = FileSystemStorage(location=media.with_name(f"{media.name}-private"))


private_storage = PrivateStorage()


def get_private_storage() -> Storage:
    return cast(Storage, private_storage)  # a LazyObject standing in for its storage


def _document_path(instance: "Activity", filename: str) -> str:
    return f"payments/{instance.tenant_id}/{secrets.token_hex(16)}.pdf"


class AppendOnlyModel(models.Model):
    objects = AppendOnlyTenantScopedManager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise TypeError(f"{type(self).__name__} rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError(f"{type(self).__name__} rows are append-only")


# --- Activities and invitations ---------------------------------------------------------------


class ActivityKind(models.TextChoices):
    MANDATORY = "mandatory", _("obligatoire")
    OPTIONAL = "optional", _("facultative")


class Activity(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="activities", verbose_name=_("école")
    )
    title = models.CharField(_("description"), max_length=200)
    details = models.TextField(_("détails"), blank=True)
    kind = models.CharField(
        _("type"), max_length=10, choices=ActivityKind.choices, default=ActivityKind.MANDATORY
    )
    amount_cents = models.BigIntegerField(_("montant (centimes)"))
    starts_on = models.DateField(_("date de début"), default=timezone.localdate)
    due_on = models.DateField(_("échéance"))
    event_on = models.DateField(_("date de l'activité"), null=True, blank=True)
    document = models.FileField(
        _("document PDF"), storage=get_private_storage, upload_to=_document_path, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)

    objects = tenant_scoped_manager()

    class Meta:
        verbose_name = _("activité")
        verbose_name_plural = _("activités")
        ordering = ["-starts_on", "title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_cents__gt=0), name="activity_amount_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(due_on__gte=models.F("starts_on")),
                name="activity_due_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_optional(self) -> bool:
        return self.kind == ActivityKind.OPTIONAL


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("en attente")
    PAID = "paid", _("payée")
    DECLINED = "declined", _("déclinée")
    CANCELLED = "cancelled", _("annulée")
    REFUNDED = "refunded", _("remboursée")


class Invitation(models.Model):
    """An invitation to pay: one per activity and child; the debtor is the child's paying guardian.

    One final state: pending → paid | declined | cancelled; paid → refunded (through a refund
    transaction). Only the services change `status`, with conditional updates under locks.
    """

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")
    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="invitations")
    beneficiary = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="payment_invitations_received",
        verbose_name=_("bénéficiaire"),
    )
    debtor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="payment_invitations",
        verbose_name=_("débiteur"),
    )
    amount_cents = models.BigIntegerField(_("montant (centimes)"))
    starts_on = models.DateField(_("date de début"))
    due_on = models.DateField(_("échéance"))
    status = models.CharField(
        _("état"), max_length=10, choices=InvitationStatus.choices, default=InvitationStatus.PENDING
    )
    # None: follow the wallet's default; True/False: the parent's choice for this invitation.
    auto_pay = models.BooleanField(_("payée automatiquement"), null=True, blank=True)
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    paid_at = models.DateTimeField(_("date de paiement"), null=True, blank=True)
    declined_at = models.DateTimeField(_("date de refus"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("annulée le"), null=True, blank=True)
    refunded_at = models.DateTimeField(_("remboursée le"), null=True, blank=True)
    paid_automatically = models.BooleanField(_("payée par le paiement automatique"), default=False)
    payment = models.OneToOneField(
        "LedgerTransaction",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="paid_invitation",
    )
    refund = models.OneToOneField(
        "LedgerTransaction",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="refunded_invitation",
    )
    reminded_at = models.DateTimeField(_("rappel envoyé le"), null=True, blank=True)
    autopay_attempted_on = models.DateField(null=True, blank=True, editable=False)

    objects = tenant_scoped_manager()

    class Meta:
        verbose_name = _("invitation à payer")
        verbose_name_plural = _("invitations à payer")
        ordering = ["-starts_on", "activity__title", "beneficiary__first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "beneficiary"], name="invitation_one_per_child"
            ),
            models.CheckConstraint(
                condition=models.Q(amount_cents__gt=0), name="invitation_amount_positive"
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=["paid", "refunded"])
                | models.Q(paid_at__isnull=False, payment__isnull=False),
                name="invitation_paid_has_payment",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="refunded") | models.Q(refund__isnull=False),
                name="invitation_refunded_has_refund",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="declined") | models.Q(declined_at__isnull=False),
                name="invitation_declined_has_date",
            ),
        ]
        indexes = [
            models.Index(
                fields=["tenant", "-starts_on", "-id"], name="invitation_tenant_recent_idx"
            ),
            # The list filtered by state ("en attente": a third of a million rows), newest first.
            models.Index(
                fields=["tenant", "status", "-starts_on", "-id"],
                name="invitation_state_recent_idx",
            ),
            # An activity's totals per state (payments.selectors.activities_with_totals).
            models.Index(
                fields=["activity", "status", "amount_cents"], name="invitation_activity_state_idx"
            ),
            models.Index(
                fields=["tenant", "debtor", "status", "due_on"], name="invitation_debtor_idx"
            ),
            models.Index(fields=["status", "due_on"], name="invitation_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.activity} — {self.beneficiary}"

    @property
    def is_pending(self) -> bool:
        return self.status == InvitationStatus.PENDING

    def is_overdue(self, today=None) -> bool:
        return self.is_pending and self.due_on < (today or timezone.localdate())


class Enrolment(models.Model):
    """A child enrolled in an optional activity because the invitation was paid."""

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")
    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="enrolments")
    child = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    invitation = models.OneToOneField(
        Invitation, on_delete=models.PROTECT, related_name="enrolment"
    )
    created_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    objects = tenant_scoped_manager()

    class Meta:
        verbose_name = _("inscription")
        verbose_name_plural = _("inscriptions")
        constraints = [
            models.UniqueConstraint(fields=["activity", "child"], name="enrolment_one_per_child")
        ]

    def __str__(self) -> str:
        return f"{self.child} → {self.activity}"


# --- Wallets and the ledger -------------------------------------------------------------------


def _calendar_token() -> str:
    return secrets.token_urlsafe(24)


class Wallet(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="wallets",
        verbose_name=_("titulaire"),
    )
    balance_cents = models.BigIntegerField(_("solde (centimes)"), default=0, editable=False)
    # What the wallet owes the school (a reversed transfer already spent): the cached total of its
    # receivable lines, negated. While > 0 the wallet pays nothing; the next top-ups settle it
    # first.
    debt_cents = models.BigIntegerField(_("dette (centimes)"), default=0, editable=False)
    # The 10 digits of the Belgian structured communication (the 2 check digits are derived).
    reference = models.CharField(_("référence"), max_length=10, unique=True, editable=False)
    auto_pay_default = models.BooleanField(
        _("payer automatiquement les nouvelles invitations"), default=False
    )
    calendar_token = models.CharField(max_length=64, unique=True, default=_calendar_token)
    created_at = models.DateTimeField(default=timezone.now)
    # The seal of the wallet's last ledger line (payments.ledger_seal): the next line chains to
    # it. Moves with `balance_cents`, under the same lock.
    ledger_seal = models.BinaryField(max_length=32, default=b"", db_default=b"", editable=False)

    objects = tenant_scoped_manager()

    class Meta:
        verbose_name = _("portefeuille")
        verbose_name_plural = _("portefeuilles")
        ordering = ["owner__last_name", "owner__first_name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "owner"], name="wallet_one_per_owner"),
            models.CheckConstraint(
                condition=models.Q(balance_cents__gte=0), name="wallet_balance_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(debt_cents__gte=0), name="wallet_debt_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return str(self.owner)

    @property
    def structured_communication(self) -> str:
        from payments.money import structured_communication

        return structured_communication(self.reference)


class TransactionKind(models.TextChoices):
    TOP_UP = "top_up", _("rechargement")
    PAYMENT = "payment", _("paiement")
    REFUND = "refund", _("remboursement")
    SUSPENSE = "suspense", _("virement en attente")
    REVERSAL = "reversal", _("contre-passation bancaire")
    # Money paid back from a wallet to a parent's bank account (pain.001).
    WITHDRAWAL = "withdrawal", _("remboursement du solde")


class Account(models.TextChoices):
    WALLET = "wallet", _("portefeuille")
    INCOME = "income", _("recette de l'activité")
    BANK = "bank", _("banque (compte d'attente)")
    REFUNDS = "refunds", _("remboursements de l'activité")
    # Money received on the bank account that no wallet claims yet (or a batch held for a
    # secretary): it stays in the books until a secretary assigns, refunds or discards it.
    SUSPENSE = "suspense", _("compte d'attente (virements non attribués)")
    # What a wallet owes the school after a reversal of money it had already spent.
    RECEIVABLE = "receivable", _("créance sur le portefeuille")


class LedgerTransaction(AppendOnlyModel):
    """One movement of money: its lines sum to zero (checked by the services and reconciliation)."""

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("type"), max_length=10, choices=TransactionKind.choices)
    memo = models.CharField(_("libellé"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("date"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("écriture")
        verbose_name_plural = _("journal des écritures")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["tenant", "-created_at", "-id"], name="ledger_tx_tenant_recent_idx"
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} {self.memo}".strip()


class LedgerLine(AppendOnlyModel):
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")
    transaction = models.ForeignKey(
        LedgerTransaction, on_delete=models.PROTECT, related_name="lines"
    )
    account = models.CharField(_("compte"), max_length=10, choices=Account.choices)
    wallet = models.ForeignKey(
        Wallet, on_delete=models.PROTECT, null=True, blank=True, related_name="lines"
    )
    activity = models.ForeignKey(
        Activity, on_delete=models.PROTECT, null=True, blank=True, related_name="ledger_lines"
    )
    amount_cents = models.BigIntegerField(_("montant (centimes)"))
    # For wallet lines: the wallet's balance right after this line (the history's running total).
    balance_after_cents = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # HMAC of the line, chained to the previous line of its wallet (payments.ledger_seal). Rows
    # written around the application (bulk loads) get an empty one, which the check reports.
    seal = models.BinaryField(max_length=32, default=b"", db_default=b"", editable=False)

    class Meta:
        verbose_name = _("ligne d'écriture")
        verbose_name_plural = _("lignes d'écriture")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(amount_cents=0), name="ledger_line_not_zero"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(account="wallet", wallet__isnull=False, balance_after_cents__gte=0)
                    | models.Q(account="receivable", wallet__isnull=False)
                    | (
                        ~models.Q(account__in=["wallet", "receivable"])
                        & models.Q(wallet__isnull=True)
                    )
                ),
                name="ledger_line_wallet_account",
            ),
            models.CheckConstraint(
                condition=~models.Q(account__in=["income", "refunds"])
                | models.Q(activity__isnull=False),
                name="ledger_line_activity_account",
            ),
        ]
        indexes = [models.Index(fields=["wallet", "id"], name="ledger_line_wallet_idx")]

    def __str__(self) -> str:
        return f"{self.get_account_display()} {self.amount_cents}"


class RequestKind(models.TextChoices):
    PAY = "pay", _("paiement")
    DECLINE = "decline", _("refus")
    TOP_UP = "top_up", _("rechargement")
    WITHDRAWAL = "withdrawal", _("remboursement du solde")


class WalletRequest(models.Model):
    """The first outcome of an idempotency key: a replay of the same key returns it unchanged."""

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")
    wallet = models.ForeignKey(Wallet, on_delete=models.PROTECT, related_name="requests")
    key = models.CharField(max_length=64)
    kind = models.CharField(max_length=10, choices=RequestKind.choices)
    invitation = models.ForeignKey(
        Invitation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    transaction = models.ForeignKey(
        LedgerTransaction, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = tenant_scoped_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["wallet", "key"], name="wallet_request_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"


# Bank statements and background jobs (exports, reconciliations) live in their own modules;
# re-exported here so Django finds them and callers import every payments model from
# `payments.models`.
from payments.models.bank import BankImport as BankImport  # noqa: E402
from payments.models.bank import BankImportStatus as BankImportStatus  # noqa: E402
from payments.models.bank import BankLine as BankLine  # noqa: E402
from payments.models.bank import BankLineStatus as BankLineStatus  # noqa: E402
from payments.models.bank import HeldReason as HeldReason  # noqa: E402
from payments.models.bank import SepaTransferFile as SepaTransferFile  # noqa: E402
from payments.models.bank import WalletWithdrawal as WalletWithdrawal  # noqa: E402
from payments.models.bank import WithdrawalRequest as WithdrawalRequest  # noqa: E402
from payments.models.bank import WithdrawalRequestStatus as WithdrawalRequestStatus  # noqa: E402
from payments.models.jobs import ExportFormat as ExportFormat  # noqa: E402
from payments.models.jobs import ExportJob as ExportJob  # noqa: E402
from payments.models.jobs import ReconciliationRun as ReconciliationRun  # noqa: E402
from payments.models.seals import LedgerSealCheckpoint as LedgerSealCheckpoint  # noqa: E402
