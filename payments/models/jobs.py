"""Background jobs of payments, followed in the admin with a progress bar (portal.jobs):
exports (CSV or Excel) too large for a web request, and reconciliations of the ledger."""

import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from payments.models import get_private_storage
from portal.jobs import JobStatus
from tenants.models import Tenant
from tenants.scoping import tenant_scoped_manager


class BackgroundJob(models.Model):
    """The columns portal.jobs works on: a state, `done` of `total`, an error, when."""

    Status = JobStatus

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("demandé par"),
    )
    status = models.CharField(
        _("état"), max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING
    )
    total = models.PositiveIntegerField(_("total"), default=0)
    done = models.PositiveIntegerField(_("fait"), default=0)
    error = models.CharField(_("erreur"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("demandé le"), default=timezone.now)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)

    objects = tenant_scoped_manager()

    class Meta:
        abstract = True
        ordering = ["-created_at"]


class ExportFormat(models.TextChoices):
    """The file of an export: a CSV for French and Belgian spreadsheets, or an Excel workbook."""

    CSV = "csv", _("CSV (tableur)")
    XLSX = "xlsx", _("Excel (.xlsx)")


def _export_path(instance: "ExportJob", filename: str) -> str:
    # An unguessable name: an export lists people and amounts.
    return f"exports/{instance.tenant_id}/{secrets.token_urlsafe(24)}.{instance.file_format}"


class ExportJob(BackgroundJob):
    """An export written by a Celery task (payments.services.exports); its file is private
    (outside MEDIA_ROOT), downloaded through the admin, and deleted after a few days."""

    class Kind(models.TextChoices):
        PAYMENTS = "payments", _("paiements")

    Format = ExportFormat

    kind = models.CharField(_("export"), max_length=20, choices=Kind.choices, default=Kind.PAYMENTS)
    file_format = models.CharField(
        _("format"), max_length=4, choices=ExportFormat.choices, default=ExportFormat.CSV
    )
    # The language of the secretary who asked: the file's words (states, yes/no) are in it.
    language = models.CharField(_("langue"), max_length=10, default="fr", editable=False)
    # The selection's query, pickled and signed (payments.services.exports).
    selection = models.TextField(editable=False)
    filename = models.CharField(_("nom du fichier"), max_length=150)
    file = models.FileField(
        _("fichier"),
        storage=get_private_storage,
        upload_to=_export_path,
        blank=True,
        editable=False,
    )

    class Meta(BackgroundJob.Meta):
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        indexes = [models.Index(fields=["tenant", "-created_at"], name="payments_export_list_idx")]

    def __str__(self) -> str:
        when = timezone.localtime(self.created_at)
        return (
            f"{self.get_kind_display()} ({self.get_file_format_display()}) — {when:%d/%m/%Y %H:%M}"
        )


class ReconciliationRun(BackgroundJob):
    """One check of the tenant's ledger (payments.ledger.ledger_reconcile), started from the
    admin or by the nightly job, with what it found."""

    # payments.ledger.Mismatch as dicts, and the ids of transactions whose lines do not sum to 0.
    mismatches = models.JSONField(_("portefeuilles en écart"), default=list, editable=False)
    unbalanced = models.JSONField(_("écritures déséquilibrées"), default=list, editable=False)
    # payments.ledger_seal.SealBreak as dicts: lines not sealed by the ledger's key.
    seal_breaks = models.JSONField(_("lignes au sceau invalide"), default=list, editable=False)

    class Meta(BackgroundJob.Meta):
        verbose_name = _("vérification du journal")
        verbose_name_plural = _("vérifications du journal")
        indexes = [
            models.Index(fields=["tenant", "-created_at"], name="payments_reconcile_list_idx")
        ]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.created_at):%d/%m/%Y %H:%M}"

    @property
    def is_clean(self) -> bool:
        return (
            self.status == JobStatus.DONE
            and not self.mismatches
            and not self.unbalanced
            and not self.seal_breaks
        )

    def report_lines(self) -> list[str]:
        """What `manage.py payments_reconcile` prints for the same findings."""
        from payments.ledger import Mismatch, ledger_report_lines
        from payments.ledger_seal import SealBreak

        found: list[dict[str, Any]] = self.mismatches
        breaks: list[dict[str, Any]] = self.seal_breaks
        return ledger_report_lines(
            [Mismatch(**m) for m in found], self.unbalanced, [SealBreak(**b) for b in breaks]
        )
