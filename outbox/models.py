"""One outbox for every mail and SMS: a row written with the business change, sent after commit."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenants.models import Tenant
from tenants.scoping import tenant_scoped_manager


class Channel(models.TextChoices):
    EMAIL = "email", _("e-mail")
    SMS = "sms", _("SMS")
    VOICE = "voice", _("appel vocal")


class Status(models.TextChoices):
    PENDING = "pending", _("en attente")
    SENDING = "sending", _("en cours d'envoi")
    SENT = "sent", _("envoyé")
    FAILED = "failed", _("échec définitif")


def default_useful_until() -> datetime:
    """A message with no stated life (a receipt, a notice) is worth retrying for a day."""
    return timezone.now() + timedelta(hours=settings.OUTBOX_USEFUL_HOURS)


class Message(models.Model):
    """A mail, SMS or voice call to send once.

    `not_before` is when the sender asked for it to go out; `next_attempt_at` is when the next
    try is due (the same at first, later pushed back by retries); `useful_until` is when it stops
    being worth sending (a reset link's validity, a code's, a day for a receipt): failures are
    retried until then, then the row is failed and the help desk lists it. A worker claims a row
    by moving it from pending to sending (`claimed_at`); the sweep hands out again rows whose
    task was lost (`enqueued_at` long ago) and rows whose worker died (`claimed_at` past the
    lease).
    """

    tenant = models.ForeignKey(
        Tenant, on_delete=models.CASCADE, related_name="messages", null=True, blank=True
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        related_name="messages",
        null=True,
        blank=True,
    )
    channel = models.CharField(_("canal"), max_length=5, choices=Channel.choices)
    template = models.CharField(_("modèle"), max_length=100)
    to = models.CharField(_("destinataire"), max_length=254)
    subject = models.CharField(_("objet"), max_length=255, blank=True)
    body_text = models.TextField(_("texte"), blank=True)
    body_html = models.TextField(_("HTML"), blank=True)
    # Bodies with links or codes are erased once sent (unless the dev inbox keeps them).
    sensitive = models.BooleanField(_("contenu sensible"), default=False)
    bodies_erased = models.BooleanField(_("contenu effacé"), default=False)

    status = models.CharField(
        _("état"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    not_before = models.DateTimeField(_("pas avant"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("prochain essai"), default=timezone.now)
    useful_until = models.DateTimeField(_("utile jusqu'au"), default=default_useful_until)
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    last_error = models.CharField(_("dernière erreur"), max_length=255, blank=True)
    claimed_at = models.DateTimeField(_("pris en charge le"), null=True, blank=True)
    enqueued_at = models.DateTimeField(_("mis en file le"), null=True, blank=True)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)

    objects = tenant_scoped_manager()

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx"),
            models.Index(fields=["tenant", "-created_at"], name="outbox_tenant_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} #{self.pk} ({self.get_status_display()})"

    @property
    def masked_to(self) -> str:
        """'j•••@example.be', '+32•••••67': enough for a secretary to recognise, no more."""
        return mask_recipient(self.to)


def mask_recipient(to: str) -> str:
    if "@" in to:
        local, _at, domain = to.rpartition("@")
        return f"{local[:1]}•••@{domain}"
    if len(to) <= 4:
        return "•" * len(to)
    return f"{to[:3]}{'•' * max(len(to) - 5, 1)}{to[-2:]}"
