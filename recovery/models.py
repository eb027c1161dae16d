"""Recovery requests, their audit trail, and single-use link tokens (DESIGN.md §3)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenants.models import Tenant
from tenants.scoping import tenant_scoped_manager


class Flow(models.TextChoices):
    IDENTIFIER = "identifier", _("identifiant ou e-mail")
    TWO_STEP = "two_step", _("vérification en deux étapes")
    STUDENT_MAILBOX = "student_mailbox", _("boîte scolaire de l'élève")
    NUMEN = "numen", _("NUMEN")
    ADMIN = "admin", _("lancée par le secrétariat")


class Outcome(models.TextChoices):
    PENDING = "pending", _("en cours")
    MAIL_SENT = "mail_sent", _("message envoyé")
    NO_ACCOUNT = "no_account", _("aucun compte")
    NOT_MIGRATED = "not_migrated", _("compte non migré")
    INACTIVE = "inactive", _("compte désactivé")
    NO_ADDRESS = "no_address", _("aucune adresse e-mail")
    THROTTLED = "throttled", _("trop de demandes")
    WRONG_ANSWER = "wrong_answer", _("réponse incorrecte")
    IDENTIFIER_SHOWN = "shown", _("identifiant affiché")
    COMPLETED = "completed", _("mot de passe réinitialisé")


class RecoveryRequest(models.Model):
    """One attempt by someone to recover an account, whatever its outcome.

    `login` is what the person typed (an identifier or an address, never a secret); the lookup
    happens in the worker, so the web response is the same for every outcome.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="recovery_requests")
    flow = models.CharField(_("parcours"), max_length=20, choices=Flow.choices)
    method = models.CharField(_("méthode"), max_length=20, blank=True)
    login = models.CharField(_("saisie"), max_length=254, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="recovery_requests",
        verbose_name=_("compte"),
    )
    ip = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)
    outcome = models.CharField(
        _("résultat"), max_length=20, choices=Outcome.choices, default=Outcome.PENDING
    )
    reason = models.CharField(_("détail"), max_length=200, blank=True)
    initiated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lancée par"),
    )
    created_at = models.DateTimeField(_("demandée le"), default=timezone.now, db_index=True)
    processed_at = models.DateTimeField(_("traitée le"), null=True, blank=True)
    # The latest mail this request caused (SEPNE: the link, then the temporary password), so
    # secretaries can see its delivery state; the body itself is never shown.
    message = models.ForeignKey(
        "outbox.Message",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("message"),
    )

    objects = tenant_scoped_manager()

    class Meta:
        verbose_name = _("demande de récupération")
        verbose_name_plural = _("demandes de récupération")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["tenant", "-created_at"], name="recovery_request_recent_idx")
        ]

    def __str__(self) -> str:
        return f"{self.get_flow_display()} — {self.get_outcome_display()}"


class RecoveryEvent(models.Model):
    """The audit trail: append-only, never a token, code or password."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    request = models.ForeignKey(
        RecoveryRequest, on_delete=models.CASCADE, related_name="events", null=True, blank=True
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="recovery_events",
    )
    flow = models.CharField(_("parcours"), max_length=20, choices=Flow.choices)
    kind = models.CharField(_("événement"), max_length=40)
    outcome = models.CharField(_("résultat"), max_length=20, choices=Outcome.choices)
    detail = models.CharField(_("détail"), max_length=200, blank=True)
    ip = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("auteur"),
    )
    created_at = models.DateTimeField(_("le"), default=timezone.now, db_index=True)

    objects = tenant_scoped_manager()

    class Meta:
        verbose_name = _("événement de récupération")
        verbose_name_plural = _("journal de récupération")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["tenant", "-created_at"], name="recovery_event_recent_idx")]

    def __str__(self) -> str:
        return f"{self.kind} ({self.outcome})"


class LinkToken(models.Model):
    """A mailed reset link. Only a SHA-256 of the 256-bit secret is stored; the link also dies
    when the account's password or e-mail changes (fingerprint) or a newer link is issued."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="link_tokens"
    )
    request = models.ForeignKey(
        RecoveryRequest, on_delete=models.SET_NULL, null=True, blank=True, related_name="tokens"
    )
    purpose = models.CharField(max_length=20, default="reset")
    secret_hash = models.CharField(max_length=64, unique=True)
    fingerprint = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = tenant_scoped_manager()

    class Meta:
        verbose_name = _("lien de réinitialisation")
        verbose_name_plural = _("liens de réinitialisation")
        indexes = [models.Index(fields=["user", "purpose"], name="linktoken_user_purpose_idx")]

    def __str__(self) -> str:
        return f"{self.purpose} link for user {self.user_id}"


class TemporaryPassword(models.Model):
    """SEPNE: a random password mailed to the school mailbox. It works once, for 24 hours, and
    the account's own password keeps working until it is used (no lock-out by third parties)."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="temporary_passwords"
    )
    request = models.ForeignKey(
        RecoveryRequest, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    password_hash = models.CharField(max_length=256)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    objects = tenant_scoped_manager()

    class Meta:
        verbose_name = _("mot de passe provisoire")
        verbose_name_plural = _("mots de passe provisoires")

    def __str__(self) -> str:
        return f"temporary password for user {self.user_id}"


class TwoStepProgress(models.Model):
    """Where a two-step recovery stands. Bound to one request (kept in one browser session)."""

    request = models.OneToOneField(
        RecoveryRequest, on_delete=models.CASCADE, related_name="two_step"
    )
    # Methods proven so far, in order: "sms:<device id>", "email:<device id>", …
    verified = models.JSONField(default=list)
    pending_method = models.CharField(max_length=40, blank=True)
    failures = models.PositiveSmallIntegerField(default=0)
    admin_contacted_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"two-step progress of request {self.request_id}"


class ContactRequest(models.Model):
    """ "Contactez votre administrateur": a person asks the school for help with her account."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    request = models.ForeignKey(
        RecoveryRequest, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("compte"),
    )
    login = models.CharField(_("adresse saisie"), max_length=254)
    ip = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)
    created_at = models.DateTimeField(_("demandée le"), default=timezone.now)
    handled_at = models.DateTimeField(_("traitée le"), null=True, blank=True)

    objects = tenant_scoped_manager()

    class Meta:
        verbose_name = _("demande d'aide")
        verbose_name_plural = _("demandes d'aide")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.login


from recovery.codes import PhoneDevice, SecondaryEmailDevice  # noqa: E402, F401
