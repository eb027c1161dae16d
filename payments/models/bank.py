"""Bank statements: each imported file, one row per real transfer in it (its state, what it was
booked to), the SEPA credit-transfer files of refunds, and the wallet withdrawals they carry.
Re-exported by `payments.models`."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from payments.models import LedgerTransaction, Wallet
from tenants.models import Tenant
from tenants.scoping import tenant_scoped_manager

# --- Bank statements (camt.053) -----------------------------------------------------------------


class BankImportStatus(models.TextChoices):
    PREVIEW = "preview", _("aperçu")
    APPLIED = "applied", _("importé")


class BankImport(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(_("fichier"), max_length=255)
    sha256 = models.CharField(max_length=64)
    statement_id = models.CharField(_("identifiant du relevé"), max_length=100, blank=True)
    status = models.CharField(
        _("état"), max_length=10, choices=BankImportStatus.choices, default=BankImportStatus.PREVIEW
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("envoyé le"), default=timezone.now)
    applied_at = models.DateTimeField(_("importé le"), null=True, blank=True)

    objects = tenant_scoped_manager()

    class Meta:
        verbose_name = _("relevé bancaire")
        verbose_name_plural = _("relevés bancaires")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "sha256"],
                condition=models.Q(status="applied"),
                name="bank_import_file_once",
            )
        ]

    def __str__(self) -> str:
        return self.filename


class BankLineStatus(models.TextChoices):
    # In a preview (nothing booked yet)
    MATCHED = "matched", _("à créditer")
    UNMATCHED = "unmatched", _("communication inconnue : ira au compte d'attente")
    TO_REVERSE = "to_reverse", _("contre-passation à débiter")
    DUPLICATE = "duplicate", _("déjà importée (autre relevé)")
    IGNORED = "ignored", _("ignorée (débit ou autre devise)")
    # Booked by the import
    CREDITED = "credited", _("créditée")
    SUSPENSE = "suspense", _("au compte d'attente")
    HELD = "held", _("à traiter par le secrétariat")
    REVERSED = "reversed", _("créditée puis contre-passée")
    REVERSAL = "reversal", _("contre-passation débitée")
    # Resolved by a secretary
    ASSIGNED = "assigned", _("attribuée à un portefeuille")
    DISCARDED = "discarded", _("écartée")
    REFUND_PENDING = "refunding", _("remboursement à envoyer (pain.001)")
    REFUNDED = "refunded", _("remboursée (fichier pain.001 créé)")


class SepaTransferFile(models.Model):
    """A SEPA credit-transfer file (pain.001) for the school to upload to its bank: refunds of
    transfers that waited in suspense and wallet withdrawals. Kept as generated, for the audit
    and to be downloaded again."""

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")
    message_id = models.CharField(max_length=35)
    transfers = models.PositiveIntegerField(_("virements"))
    total_cents = models.BigIntegerField(_("total (centimes)"))
    content = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)

    objects = tenant_scoped_manager()

    class Meta:
        verbose_name = _("fichier de virements SEPA")
        verbose_name_plural = _("fichiers de virements SEPA")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["tenant", "-created_at"], name="sepa_file_recent_idx")]

    def __str__(self) -> str:
        return self.message_id


class HeldReason(models.TextChoices):
    NONE = "", "—"
    BATCH_WITHOUT_AMOUNTS = "batch", _("lot sans montant par virement")
    REVERSAL_UNMATCHED = "reversal", _("contre-passation sans virement d'origine connu")
    RETURN = "return", _("retour d'un virement émis par l'école")
    AMBIGUOUS = "ambiguous", _("plusieurs communications de portefeuilles différents")


class BankLine(models.Model):
    """One real bank transfer (a camt `TxDtls`, or its entry when it has none): the stored bank
    transaction. Its `identity` (see `payments.bank.transaction_identity`) never depends on the
    file or statement it came in: among booked lines it is unique per tenant, so a transfer seen
    again in another statement (daily, then monthly) is a duplicate and moves nothing."""

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")
    bank_import = models.ForeignKey(BankImport, on_delete=models.CASCADE, related_name="lines")
    identity = models.CharField(max_length=80)
    booked = models.BooleanField(default=False)
    entry_ref = models.CharField(_("référence bancaire"), max_length=200)
    end_to_end_id = models.CharField(max_length=35, blank=True)
    tx_id = models.CharField(max_length=35, blank=True)
    instr_id = models.CharField(max_length=35, blank=True)
    booking_date = models.DateField(_("date"), null=True, blank=True)
    value_date = models.DateField(_("date de valeur"), null=True, blank=True)
    amount_cents = models.BigIntegerField(_("montant (centimes)"))
    currency = models.CharField(max_length=3, default="EUR")
    credit = models.BooleanField(default=True)
    reversal = models.BooleanField(_("contre-passation"), default=False)
    communication = models.CharField(_("communication"), max_length=500, blank=True)
    debtor_name = models.CharField(_("donneur d'ordre"), max_length=200, blank=True)
    debtor_iban = models.CharField(_("IBAN du donneur d'ordre"), max_length=34, blank=True)
    wallet = models.ForeignKey(
        Wallet, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(_("état"), max_length=10, choices=BankLineStatus.choices)
    held_reason = models.CharField(
        _("motif"), max_length=10, choices=HeldReason.choices, blank=True, default=""
    )
    # For a reversal: the credited line it reverses.
    reverses = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    transaction = models.OneToOneField(
        LedgerTransaction, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # How a secretary resolved a transfer waiting in suspense (assigned or discarded): who, when,
    # why, and the ledger transaction that moved it out of suspense.
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("traité par"),
    )
    resolved_at = models.DateTimeField(_("traité le"), null=True, blank=True)
    resolution_note = models.CharField(_("motif du traitement"), max_length=300, blank=True)
    resolution = models.OneToOneField(
        LedgerTransaction, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    refund_iban = models.CharField(_("IBAN du remboursement"), max_length=34, blank=True)
    refund_file = models.ForeignKey(
        SepaTransferFile,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lines",
        verbose_name=_("fichier de remboursement"),
    )

    objects = tenant_scoped_manager()

    class Meta:
        verbose_name = _("transaction bancaire")
        verbose_name_plural = _("transactions bancaires")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "identity"],
                condition=models.Q(booked=True),
                name="bank_line_booked_once",
            )
        ]
        indexes = [
            models.Index(fields=["tenant", "status"], name="bank_line_state_idx"),
            models.Index(fields=["tenant", "end_to_end_id"], name="bank_line_e2e_idx"),
        ]

    def __str__(self) -> str:
        return self.entry_ref


class WalletWithdrawal(models.Model):
    """Money paid back from a wallet to a parent's bank account (a family leaving the school).
    Booked at once (wallet → bank, its `transaction`); the transfer itself leaves in the next
    pain.001 file (`transfer_file`, empty until then). Who, when and why stay on the row."""

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")
    wallet = models.ForeignKey(
        Wallet,
        on_delete=models.PROTECT,
        related_name="withdrawals",
        verbose_name=_("portefeuille"),
    )
    iban = models.CharField(_("IBAN"), max_length=34)
    holder_name = models.CharField(_("titulaire du compte"), max_length=70)
    amount_cents = models.BigIntegerField(_("montant (centimes)"))
    reason = models.CharField(_("motif"), max_length=300)
    transaction = models.OneToOneField(
        LedgerTransaction, on_delete=models.PROTECT, related_name="+", verbose_name=_("écriture")
    )
    transfer_file = models.ForeignKey(
        SepaTransferFile,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="withdrawals",
        verbose_name=_("fichier de virements"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("enregistré par"),
    )
    created_at = models.DateTimeField(_("enregistré le"), default=timezone.now)

    objects = tenant_scoped_manager()

    class Meta:
        verbose_name = _("remboursement de solde")
        verbose_name_plural = _("remboursements de solde")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_cents__gt=0), name="withdrawal_amount_positive"
            )
        ]
        indexes = [
            models.Index(fields=["tenant", "-created_at", "-id"], name="withdrawal_recent_idx"),
            # What the next pain.001 file gathers: the few not sent yet.
            models.Index(
                fields=["tenant"],
                condition=models.Q(transfer_file__isnull=True),
                name="withdrawal_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.wallet} — {self.amount_cents}"


class WithdrawalRequestStatus(models.TextChoices):
    PENDING = "pending", _("en attente du secrétariat")
    DONE = "done", _("remboursement enregistré")
    REFUSED = "refused", _("refusée")


class WithdrawalRequest(models.Model):
    """A parent asks for the wallet's balance to be paid back to a bank account. Nothing moves
    until a secretary checks it and records the withdrawal (or refuses, with a reason): a stolen
    session alone never sends a family's money to a stranger's account."""

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")
    wallet = models.ForeignKey(
        Wallet,
        on_delete=models.PROTECT,
        related_name="withdrawal_requests",
        verbose_name=_("portefeuille"),
    )
    amount_cents = models.BigIntegerField(_("montant demandé (centimes)"))
    iban = models.CharField(_("IBAN"), max_length=34)
    holder_name = models.CharField(_("titulaire du compte"), max_length=70)
    note = models.CharField(_("message du parent"), max_length=300, blank=True)
    status = models.CharField(
        _("état"),
        max_length=10,
        choices=WithdrawalRequestStatus.choices,
        default=WithdrawalRequestStatus.PENDING,
    )
    created_at = models.DateTimeField(_("demandé le"), default=timezone.now)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("traité par"),
    )
    handled_at = models.DateTimeField(_("traité le"), null=True, blank=True)
    refusal_reason = models.CharField(_("motif du refus"), max_length=300, blank=True)
    withdrawal = models.OneToOneField(
        WalletWithdrawal,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="request",
        verbose_name=_("remboursement"),
    )

    objects = tenant_scoped_manager()

    class Meta:
        verbose_name = _("demande de remboursement du solde")
        verbose_name_plural = _("demandes de remboursement du solde")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["wallet"],
                condition=models.Q(status="pending"),
                name="withdrawal_request_one_pending",
            ),
            models.CheckConstraint(
                condition=models.Q(amount_cents__gt=0), name="withdrawal_request_amount_positive"
            ),
        ]
        indexes = [
            models.Index(
                fields=["tenant", "status", "-created_at"], name="withdrawal_request_state_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.wallet} — {self.amount_cents}"
