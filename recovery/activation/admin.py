"""Admin side of activation (ISSUE 6): the people actions (added to the person admin by
`recovery.admin`), and the letter batches with their progress page. Everything goes through the
admins' querysets, so a secretary only prints letters for people she can see and only downloads
the batches she started."""

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.http import request_user
from accounts.models import LetterBatch
from portal.admin_site import admin_site
from portal.job_admin import JobAdmin
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
class LetterBatchAdmin(JobAdmin):
    """Read-only: a batch is started from the people list and downloaded when done."""

    list_display = ["created_at", "created_by", "total", "status", "progress_link"]
    list_filter = ["status"]
    fields = ("created_at", "created_by", "status", "total", "done", "finished_at", "error")
    readonly_fields = fields
    progress_template = "admin/accounts/letterbatch/progress.html"
    progress_title = _("Lettres d'activation")
    dom_id = "letter-batch"
    download_content_type = "application/pdf"

    def download_filename(self, job: LetterBatch) -> str:
        return f"lettres-activation-{timezone.localtime(job.created_at):%Y%m%d-%H%M}.pdf"
