"""The admin of a background job model (portal.jobs): a read-only list, and for each job a
progress page (a `<progress>` bar, its figures in an aria-live region, a script that polls the
JSON state and a "Rafraîchir" link without JavaScript), its JSON state and, for a job that
makes a file, the download.

Every page goes through the admin's queryset: the host's tenant only, and a secretary sees
only the jobs she started (network administrators see all of their tenant's); anything else is
a 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.cache import patch_cache_control
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.admin_site import TenantScopedAdmin
from portal.jobs import JobStatus, grouped, job_percent, job_state


class JobAdmin(TenantScopedAdmin):
    """Subclasses name their template (extending `admin/job_progress.html`), their title, and,
    for a file, its download name and content type."""

    secretary_permissions = frozenset({"view"})
    progress_template = "admin/job_progress.html"
    progress_title = _("Tâche de fond")
    # Prefix of the page's element ids (the bar is "<dom_id>-progress").
    dom_id = "job"
    download_content_type = "application/octet-stream"

    def scope_queryset(self, request: HttpRequest, queryset):
        user: Any = request.user
        if user.is_superuser or user.is_tenant_admin:
            return queryset
        return queryset.filter(created_by=user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description=_("progression"))
    def progress_link(self, obj) -> str:
        return format_html('<a href="{}">{} %</a>', self._url("progress", obj), job_percent(obj))

    def _url(self, view: str, obj) -> str:
        opts = self.opts
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=[obj.pk])

    def get_urls(self):
        wrap = self.admin_site.admin_view
        name = f"{self.opts.app_label}_{self.opts.model_name}_{{}}".format
        urls = [
            path("<int:pk>/progression/", wrap(self.progress_view), name=name("progress")),
            path("<int:pk>/etat.json", wrap(self.status_view), name=name("status")),
        ]
        if self.makes_file():
            urls.append(
                path("<int:pk>/telecharger/", wrap(self.download_view), name=name("download"))
            )
        return [*urls, *super().get_urls()]

    def makes_file(self) -> bool:
        return any(field.name == "file" for field in self.opts.fields)

    def get_job(self, request: HttpRequest, pk: int):
        """The job of this tenant that this person may see, or 404."""
        if not self.has_view_permission(request):
            raise Http404
        job = self.get_queryset(request).filter(pk=pk).first()
        if job is None:
            raise Http404
        return job

    # --- What a subclass may change ---------------------------------------------------------

    def progress_text(self, job) -> str:
        return gettext("%(percent)s %% (%(done)s / %(total)s)") % {
            "percent": job_percent(job),
            "done": grouped(job.done),
            "total": grouped(job.total),
        }

    def has_file(self, job) -> bool:
        return self.makes_file() and job.status == JobStatus.DONE and bool(job.file)

    def download_filename(self, job) -> str:
        raise NotImplementedError

    def download_type(self, job) -> str:
        """The file's content type (one per admin unless a subclass says otherwise)."""
        return self.download_content_type

    def progress_context(self, request: HttpRequest, job) -> dict[str, Any]:
        return {}

    # --- Views ------------------------------------------------------------------------------

    def state(self, job) -> dict[str, Any]:
        return {
            **job_state(
                job,
                progress_text=self.progress_text(job),
                download_url=self._url("download", job) if self.has_file(job) else None,
            ),
            "purged": self.makes_file() and job.status == JobStatus.DONE and not job.file,
        }

    def progress_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        job = self.get_job(request, pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": self.progress_title,
            "job": job,
            "state": self.state(job),
            "status_url": self._url("status", job),
            "dom_id": self.dom_id,
            **self.progress_context(request, job),
        }
        return TemplateResponse(request, self.progress_template, context)

    def status_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        response = JsonResponse(self.state(self.get_job(request, pk)))
        patch_cache_control(response, no_store=True, private=True, max_age=0)
        return response

    def download_view(self, request: HttpRequest, pk: int) -> FileResponse:
        job = self.get_job(request, pk)
        if not self.has_file(job):
            raise Http404
        response = FileResponse(
            job.file.open("rb"),
            as_attachment=True,
            filename=self.download_filename(job),
            content_type=self.download_type(job),
        )
        response["Cache-Control"] = "no-store"
        return response
