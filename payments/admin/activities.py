"""The activities admin: create an activity, send its invitations, follow them up, remind,
export the payments, download the programme."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedRequest, request_user
from accounts.selectors import classrooms_of, schools_visible_to
from payments import documents, selectors
from payments.admin.common import admin_context, own_object
from payments.admin.export import payments_export
from payments.admin.forms import ActivityForm, InviteForm
from payments.models import Activity, ExportFormat, InvitationStatus
from payments.money import format_cents
from payments.services.invitations import invitation_remind, invitations_send
from portal.admin_site import TenantScopedAdmin, admin_site
from tenants.http import request_tenant

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    from payments.selectors import ActivityTotals


@admin.register(Activity, site=admin_site)
class ActivityAdmin(TenantScopedAdmin):
    add_title = _("Ajouter une activité")
    form = ActivityForm
    change_form_template = "payments/admin/activity_change_form.html"
    list_display = [
        "title",
        "school",
        "kind",
        "amount_display",
        "starts_on",
        "due_on",
        "paid_display",
        "pending_display",
        "declined_display",
        "follow_up_link",
    ]
    list_filter = ["kind", "school"]
    search_fields = ["title"]
    date_hierarchy = "starts_on"

    def get_queryset(self, request: HttpRequest):
        viewer, tenant = request_user(request), request_tenant(request)
        visible = selectors.activities_visible_to(viewer=viewer, tenant=tenant)
        return selectors.activities_with_totals(visible.select_related("school"))

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "school":
            viewer, tenant = request_user(request), request_tenant(request)
            kwargs["queryset"] = schools_visible_to(viewer=viewer, tenant=tenant)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Activity, form, change: bool) -> None:
        if not change:
            obj.created_by = request_user(request)
        super().save_model(request, obj, form, change)

    @admin.display(description=_("montant"), ordering="amount_cents")
    def amount_display(self, obj: Activity) -> str:
        return format_cents(obj.amount_cents)

    @admin.display(description=_("payées"))
    def paid_display(self, obj: WithAnnotations[Activity, ActivityTotals]) -> str:
        return f"{obj.n_paid} ({format_cents(obj.paid_cents)})"

    @admin.display(description=_("en attente"))
    def pending_display(self, obj: WithAnnotations[Activity, ActivityTotals]) -> int:
        return obj.n_pending

    @admin.display(description=_("déclinées"))
    def declined_display(self, obj: WithAnnotations[Activity, ActivityTotals]) -> int:
        return obj.n_declined

    @admin.display(description=_("suivi"))
    def follow_up_link(self, obj: Activity) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:payments_activity_follow_up", args=[obj.pk]),
            _("Suivi"),
        )

    def get_urls(self):
        def view(fn, post_only=False):
            wrapped = require_POST(fn) if post_only else fn
            return self.admin_site.admin_view(wrapped)

        return [
            path("<int:pk>/inviter/", view(self.invite_view), name="payments_activity_invite"),
            path("<int:pk>/suivi/", view(self.follow_up_view), name="payments_activity_follow_up"),
            path(
                "<int:pk>/rappels/",
                view(self.remind_view, post_only=True),
                name="payments_activity_remind",
            ),
            path(
                "<int:pk>/export.csv",
                view(self.export_view),
                {"file_format": ExportFormat.CSV},
                name="payments_activity_export",
            ),
            path(
                "<int:pk>/export.xlsx",
                view(self.export_view),
                {"file_format": ExportFormat.XLSX},
                name="payments_activity_export_xlsx",
            ),
            path("<int:pk>/document/", view(self.document_view), name="payments_activity_document"),
            *super().get_urls(),
        ]

    def _activity(self, request: HttpRequest, pk: int) -> Activity:
        return own_object(self, request, pk)

    def invite_view(self, request: AuthenticatedRequest, pk: int) -> HttpResponse:
        activity = self._activity(request, pk)
        if not self.has_change_permission(request, activity):
            raise PermissionDenied
        students_qs = selectors.students_visible_to(
            viewer=request.user, tenant=request.tenant
        ).filter(schools=activity.school)
        already = set(activity.invitations.values_list("beneficiary_id", flat=True))
        form = InviteForm(
            request.POST or None,
            students_qs=students_qs.exclude(pk__in=already),
            classrooms=classrooms_of(students_qs),
        )
        if request.method == "POST" and form.is_valid():
            result = invitations_send(
                activity=activity, students=form.recipients(students_qs), by=request.user
            )
            n = len(result.created)
            self.message_user(
                request,
                ngettext("%(n)d invitation envoyée.", "%(n)d invitations envoyées.", n) % {"n": n},
                messages.SUCCESS,
            )
            if result.already_invited:
                k = len(result.already_invited)
                self.message_user(
                    request,
                    ngettext(
                        "%(n)d élève était déjà invité : rien ne lui est renvoyé.",
                        "%(n)d élèves étaient déjà invités : rien ne leur est renvoyé.",
                        k,
                    )
                    % {"n": k},
                    messages.INFO,
                )
            if result.without_payer:
                self.message_user(
                    request,
                    _("Sans parent payeur, donc sans invitation : %(names)s")
                    % {"names": ", ".join(s.full_name for s in result.without_payer)},
                    messages.WARNING,
                )
            return HttpResponseRedirect(reverse("admin:payments_activity_follow_up", args=[pk]))
        return TemplateResponse(
            request,
            "payments/admin/invite.html",
            admin_context(
                self,
                request,
                title=_("Envoyer des invitations"),
                activity=activity,
                form=form,
                already=len(already),
                original=activity,
            ),
        )

    def follow_up_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        activity = self._activity(request, pk)
        invitations = activity.invitations.select_related("beneficiary", "debtor").order_by(
            "beneficiary__last_name", "beneficiary__first_name"
        )
        return TemplateResponse(
            request,
            "payments/admin/follow_up.html",
            admin_context(
                self,
                request,
                title=_("Suivi : %(title)s") % {"title": activity.title},
                activity=activity,
                invitations=invitations,
                original=activity,
                can_change=self.has_change_permission(request, activity),
            ),
        )

    def remind_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        activity = self._activity(request, pk)
        if not self.has_change_permission(request, activity):
            raise PermissionDenied
        pending = activity.invitations.filter(status=InvitationStatus.PENDING).select_related(
            "activity", "debtor", "beneficiary", "tenant"
        )
        n = sum(invitation_remind(invitation=inv) for inv in pending)
        self.message_user(
            request,
            ngettext("%(n)d rappel envoyé.", "%(n)d rappels envoyés.", n) % {"n": n},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:payments_activity_follow_up", args=[pk]))

    def export_view(self, request: HttpRequest, pk: int, file_format: ExportFormat) -> HttpResponse:
        activity = self._activity(request, pk)
        return payments_export(
            request,
            activity.invitations.all(),
            name=f"paiements-{slugify(activity.title)}",
            file_format=file_format,
        )

    def document_view(self, request: HttpRequest, pk: int) -> FileResponse:
        return documents.activity_document_response(self._activity(request, pk))
