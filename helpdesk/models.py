"""The help desk's audit trail: what a secretary did for whom, never a secret (append-only)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenants.models import Tenant
from tenants.scoping import AppendOnlyTenantScopedManager


class ActionKind(models.TextChoices):
    MIGRATE = "migrate", _("migration du compte")
    SEND_RESET = "send_reset", _("envoi d'un lien de réinitialisation")
    SEND_ACTIVATION = "send_activation", _("envoi de l'activation")
    RESEND_MESSAGE = "resend_message", _("renvoi d'un message")
    LIFT_THROTTLES = "lift_throttles", _("levée des limites")
    PRINT_LETTER = "print_letter", _("impression d'une lettre d'activation")
    DESK_CODE = "desk_code", _("code à usage unique remis par le secrétariat")


class HelpdeskAction(models.Model):
    """One action taken from a person's card. `detail` says what happened in words (an outcome,
    a message number, the limits lifted), never a password, code, link or NUMEN."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("auteur"),
    )
    target = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="helpdesk_actions",
        verbose_name=_("personne"),
    )
    action = models.CharField(_("action"), max_length=20, choices=ActionKind.choices)
    detail = models.CharField(_("détail"), max_length=200, blank=True)
    ip = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)
    created_at = models.DateTimeField(_("le"), default=timezone.now, db_index=True)

    objects = AppendOnlyTenantScopedManager()

    class Meta:
        verbose_name = _("intervention du guichet")
        verbose_name_plural = _("interventions du guichet")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["tenant", "-created_at"], name="helpdesk_tenant_recent_idx")
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} ({self.created_at:%Y-%m-%d %H:%M})"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise TypeError("HelpdeskAction rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("HelpdeskAction rows are append-only")
