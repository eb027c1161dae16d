"""The payments' background jobs in the admin (portal.job_admin): exports (CSV or Excel) too
large for a request, and reconciliations of the ledger, which only a network administrator may
start."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts.http import request_user
from payments.admin.common import needs_tenant
from payments.models import ExportFormat, ExportJob, ReconciliationRun
from payments.services.exports import CONTENT_TYPES, FILE_DAYS
from payments.services.reconciliation import reconciliation_start
from portal.admin_site import admin_site
from portal.job_admin import JobAdmin
from portal.jobs import grouped, job_percent


@admin.register(ExportJob, site=admin_site)
class ExportJobAdmin(JobAdmin):
    list_display = [
        "created_at",
        "created_by",
        "kind",
        "file_format",
        "total",
        "status",
        "progress_link",
    ]
    list_filter = ["status", "file_format"]
    fields = (
        "created_at",
        "created_by",
        "kind",
        "file_format",
        "status",
        "total",
        "done",
        "finished_at",
        "error",
    )
    readonly_fields = fields
    progress_template = "payments/admin/export_progress.html"
    progress_title = _("Export des paiements")
    dom_id = "export"

    def progress_text(self, job: ExportJob) -> str:
        if not job.total and job.status != ExportJob.Status.DONE:
            return gettext("Préparation…")
        return ngettext(
            "%(percent)s %% — %(done)s / %(total)s ligne",
            "%(percent)s %% — %(done)s / %(total)s lignes",
            job.total,
        ) % {"percent": job_percent(job), "done": grouped(job.done), "total": grouped(job.total)}

    def download_filename(self, job: ExportJob) -> str:
        return job.filename

    def download_type(self, job: ExportJob) -> str:
        return CONTENT_TYPES[ExportFormat(job.file_format)]

    def progress_context(self, request: HttpRequest, job: ExportJob) -> dict[str, Any]:
        return {"file_days": FILE_DAYS}


def may_reconcile(request: HttpRequest) -> bool:
    """Checking the ledger is the network administrator's (it covers every school)."""
    user: Any = request.user
    return bool(user.is_authenticated and (user.is_superuser or user.is_tenant_admin))


@admin.register(ReconciliationRun, site=admin_site)
class ReconciliationRunAdmin(JobAdmin):
    list_display = ["created_at", "created_by", "status", "result", "finished_at"]
    list_filter = ["status"]
    fields = ("created_at", "created_by", "status", "finished_at", "error")
    readonly_fields = fields
    progress_template = "payments/admin/reconciliation_progress.html"
    progress_title = _("Vérification du journal")
    dom_id = "reconciliation"

    def _allowed(self, request: HttpRequest, action: str) -> bool:
        return may_reconcile(request) and action == "view"

    def progress_text(self, job: ReconciliationRun) -> str:
        if job.status == ReconciliationRun.Status.DONE:
            return gettext("Terminée.")
        if job.status == ReconciliationRun.Status.FAILED:
            return gettext("Interrompue.")
        return gettext("Vérification en cours…")

    @admin.display(description=_("résultat"))
    def result(self, obj: ReconciliationRun) -> str:
        if obj.status != ReconciliationRun.Status.DONE:
            return "—"
        if obj.is_clean:
            return gettext("tout concorde")
        return gettext(
            "%(wallets)d portefeuille(s) en écart, %(tx)d écriture(s) déséquilibrée(s), "
            "%(seals)d ligne(s) au sceau invalide"
        ) % {
            "wallets": len(obj.mismatches),
            "tx": len(obj.unbalanced),
            "seals": len(obj.seal_breaks),
        }

    def get_urls(self):
        return [
            path(
                "lancer/",
                self.admin_site.admin_view(require_POST(self.start_view)),
                name="payments_reconciliationrun_start",
            ),
            *super().get_urls(),
        ]

    def start_view(self, request: HttpRequest) -> HttpResponse:
        tenant = needs_tenant(request)
        if not may_reconcile(request):
            raise PermissionDenied
        run = reconciliation_start(tenant=tenant, by=request_user(request))
        return redirect("admin:payments_reconciliationrun_progress", run.pk)
