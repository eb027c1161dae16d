"""Admin side of activation (ISSUE 6): the people actions (added to the person admin by
`recovery.admin`), and the letter batches with their progress page. Everything goes through the
admins' querysets, so a secretary only prints letters for people she can see and only downloads
the batches she started."""

from django.contrib import admin, messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.http import request_user
from accounts.models import LetterBatch
from portal.admin_site import TenantScopedAdmin, admin_site
from recovery.activation import letters
from recovery.activation.services import activation_send_by_mail, users_activatable
from tenants.http import request_tenant


def _activatable(request: HttpRequest, modeladmin, queryset):
    """The selected people who can be activated; the others are counted in a warning."""
    tenant = request_tenant(request)
    if tenant is None:
        modeladmin.message_user(
            request,
            _("Les lettres d'activation se préparent à l'adresse d'un réseau scolaire."),
            messages.WARNING,
        )
        return None
    people = list(
        users_activatable(queryset)
        .select_related("tenant")
        .order_by("last_name", "first_name", "identifier")
    )
    skipped = queryset.count() - len(people)
    if skipped:
        modeladmin.message_user(
            request,
            ngettext(
                "%(n)d personne ignorée : compte déjà activé ou désactivé.",
                "%(n)d personnes ignorées : comptes déjà activés ou désactivés.",
                skipped,
            )
            % {"n": skipped},
            messages.WARNING,
        )
    return people


@admin.action(description=_("Imprimer les lettres d'activation"))
def print_activation_letters(modeladmin, request: HttpRequest, queryset) -> HttpResponse | None:
    people = _activatable(request, modeladmin, queryset)
    if not people:
        if people is not None:
            modeladmin.message_user(request, _("Aucune lettre à imprimer."), messages.WARNING)
        return None
    if len(people) > letters.DIRECT_PDF_MAX:
        batch = letters.activation_batch_start(users=people, by=request_user(request))
        return redirect("admin:accounts_letterbatch_progress", batch.pk)
    pdf = letters.activation_letters_pdf(users=people, by=request_user(request))
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"lettres-activation-{timezone.localtime():%Y%m%d-%H%M}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@admin.action(description=_("Envoyer l'activation par e-mail"))
def send_activation_mail(modeladmin, request: HttpRequest, queryset) -> None:
    people = _activatable(request, modeladmin, queryset)
    if people is None:
        return
    by = request_user(request)
    sent = sum(activation_send_by_mail(user=p, by=by) for p in people)
    modeladmin.message_user(
        request,
        ngettext("%(n)d activation envoyée.", "%(n)d activations envoyées.", sent) % {"n": sent},
        messages.SUCCESS,
    )
    without = len(people) - sent
    if without:
        modeladmin.message_user(
            request,
            ngettext(
                "%(n)d personne sans adresse e-mail : imprimez sa lettre.",
                "%(n)d personnes sans adresse e-mail : imprimez leurs lettres.",
                without,
            )
            % {"n": without},
            messages.WARNING,
        )


@admin.register(LetterBatch, site=admin_site)
class LetterBatchAdmin(TenantScopedAdmin):
    """Read-only: a batch is started from the people list and downloaded when done."""

    secretary_permissions = frozenset({"view"})
    list_display = ["created_at", "created_by", "total", "status", "progress_link"]
    list_filter = ["status"]
    fields = ("created_at", "created_by", "status", "total", "done", "finished_at", "error")
    readonly_fields = fields

    def scope_queryset(self, request: HttpRequest, queryset):
        user = request_user(request)
        if user.is_superuser or user.is_tenant_admin:
            return queryset
        return queryset.filter(created_by=user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description=_("progression"))
    def progress_link(self, obj: LetterBatch) -> str:
        url = reverse("admin:accounts_letterbatch_progress", args=[obj.pk])
        return format_html('<a href="{}">{} %</a>', url, obj.percent)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        name = "accounts_letterbatch_{}".format
        return [
            path("<int:pk>/progression/", wrap(self.progress_view), name=name("progress")),
            path("<int:pk>/etat.json", wrap(self.status_view), name=name("status")),
            path("<int:pk>/telecharger/", wrap(self.download_view), name=name("download")),
            *super().get_urls(),
        ]

    def _batch(self, request: HttpRequest, pk: int) -> LetterBatch:
        """The batch of this tenant that this person may see, or 404."""
        if not self.has_view_permission(request):
            raise Http404
        batch = self.get_queryset(request).filter(pk=pk).first()
        if batch is None:
            raise Http404
        return batch

    def _state(self, batch: LetterBatch) -> dict:
        done = batch.status == LetterBatch.Status.DONE and bool(batch.file)
        return {
            "status": batch.status,
            "status_label": str(batch.get_status_display()),
            "done": batch.done,
            "total": batch.total,
            "percent": batch.percent,
            "finished": batch.status in (LetterBatch.Status.DONE, LetterBatch.Status.FAILED),
            "purged": batch.status == LetterBatch.Status.DONE and not batch.file,
            "download_url": (
                reverse("admin:accounts_letterbatch_download", args=[batch.pk]) if done else None
            ),
        }

    def progress_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        batch = self._batch(request, pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Lettres d'activation"),
            "batch": batch,
            "state": self._state(batch),
            "status_url": reverse("admin:accounts_letterbatch_status", args=[batch.pk]),
        }
        return TemplateResponse(request, "admin/accounts/letterbatch/progress.html", context)

    def status_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        response = JsonResponse(self._state(self._batch(request, pk)))
        patch_cache_control(response, no_store=True, private=True, max_age=0)
        return response

    def download_view(self, request: HttpRequest, pk: int) -> FileResponse:
        batch = self._batch(request, pk)
        if batch.status != LetterBatch.Status.DONE or not batch.file:
            raise Http404
        response = FileResponse(
            batch.file.open("rb"),
            as_attachment=True,
            filename=f"lettres-activation-{timezone.localtime(batch.created_at):%Y%m%d-%H%M}.pdf",
            content_type="application/pdf",
        )
        response["Cache-Control"] = "no-store"
        return response
