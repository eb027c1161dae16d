"""The invitations admin: the list, reminders, cancel and refund in bulk, the CSV export."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.http import AuthenticatedRequest, request_user
from accounts.models import User
from payments import selectors
from payments.admin.export import payments_export
from payments.exceptions import PaymentError
from payments.models import ExportFormat, Invitation
from payments.money import format_cents
from payments.services.invitations import invitation_cancel, invitation_refund, invitation_remind
from portal.admin_site import TenantScopedAdmin, admin_site
from tenants.http import request_tenant


def _apply_each(
    service: Callable[..., object], invitations: Iterable[Invitation], *, by: User
) -> tuple[int, int]:
    """A bulk action, one invitation at a time: (how many done, how many refused by their state)."""
    done = refused = 0
    for invitation in invitations:
        try:
            service(invitation=invitation, by=by)
            done += 1
        except PaymentError:
            refused += 1
    return done, refused


@admin.register(Invitation, site=admin_site)
class InvitationAdmin(TenantScopedAdmin):
    field_labels = {
        "activity": _("activité"),
        "payment": _("paiement"),
        "refund": _("remboursement"),
        "autopay_attempted_on": _("paiement automatique tenté le"),
    }
    list_display = [
        "activity",
        "beneficiary_name",
        "debtor_name",
        "amount_display",
        "due_on",
        "status",
        "paid_at",
        "declined_at",
        "reminded_at",
    ]
    list_filter = ["status", "activity__kind", "activity"]
    # Newest first by the invitation's own columns (an index serves it): the model's ordering by
    # activity title and child name sorted the tenant's every invitation across three tables.
    ordering = ["-starts_on", "-id"]
    search_fields = [
        "activity__title",
        "beneficiary__last_name",
        "beneficiary__first_name",
        "debtor__last_name",
        "debtor__first_name",
    ]
    list_select_related = ["activity", "beneficiary", "debtor"]
    actions = [
        "send_reminders",
        "cancel_invitations",
        "refund_invitations",
        "export_csv",
        "export_xlsx",
    ]
    readonly_fields = [f.name for f in Invitation._meta.fields if f.name != "tenant"]

    def get_queryset(self, request: HttpRequest):
        viewer, tenant = request_user(request), request_tenant(request)
        activities = selectors.activities_visible_to(viewer=viewer, tenant=tenant)
        return super().get_queryset(request).filter(activity__in=activities)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # invitations are sent from an activity

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # cancel instead: one final state per invitation

    def get_actions(self, request: HttpRequest):
        actions = super().get_actions(request)
        if not self.has_change_permission(request):
            for name in ("send_reminders", "cancel_invitations", "refund_invitations"):
                actions.pop(name, None)
        return actions

    @admin.display(description=_("bénéficiaire"), ordering="beneficiary__last_name")
    def beneficiary_name(self, obj: Invitation) -> str:
        return obj.beneficiary.full_name

    @admin.display(description=_("débiteur"), ordering="debtor__last_name")
    def debtor_name(self, obj: Invitation) -> str:
        return obj.debtor.full_name

    @admin.display(description=_("montant"), ordering="amount_cents")
    def amount_display(self, obj: Invitation) -> str:
        return format_cents(obj.amount_cents)

    @admin.action(description=_("Envoyer un rappel (invitations en attente)"))
    def send_reminders(self, request: HttpRequest, queryset) -> None:
        queryset = queryset.select_related("activity", "debtor", "beneficiary", "tenant")
        n = sum(invitation_remind(invitation=inv) for inv in queryset)
        self.message_user(
            request,
            ngettext("%(n)d rappel envoyé.", "%(n)d rappels envoyés.", n) % {"n": n},
            messages.SUCCESS,
        )

    @admin.action(description=_("Annuler (invitations non payées)"))
    def cancel_invitations(self, request: AuthenticatedRequest, queryset) -> None:
        done, refused = _apply_each(invitation_cancel, queryset, by=request.user)
        self._report(
            request,
            done,
            refused,
            ngettext("%(n)d invitation annulée.", "%(n)d invitations annulées.", done),
        )

    @admin.action(description=_("Rembourser sur le portefeuille (invitations payées)"))
    def refund_invitations(self, request: AuthenticatedRequest, queryset) -> None:
        invitations = queryset.select_related("tenant", "debtor", "beneficiary")
        done, refused = _apply_each(invitation_refund, invitations, by=request.user)
        self._report(
            request,
            done,
            refused,
            ngettext("%(n)d invitation remboursée.", "%(n)d invitations remboursées.", done),
        )

    def _report(self, request: HttpRequest, done: int, refused: int, text: str) -> None:
        self.message_user(request, text % {"n": done}, messages.SUCCESS)
        if refused:
            self.message_user(
                request,
                ngettext(
                    "%(n)d invitation laissée telle quelle : son état ne le permet pas.",
                    "%(n)d invitations laissées telles quelles : leur état ne le permet pas.",
                    refused,
                )
                % {"n": refused},
                messages.WARNING,
            )

    @admin.action(description=_("Exporter les paiements (CSV)"))
    def export_csv(self, request: HttpRequest, queryset):
        return payments_export(request, queryset, name=f"paiements-{timezone.localdate():%Y%m%d}")

    @admin.action(description=_("Exporter les paiements (Excel)"))
    def export_xlsx(self, request: HttpRequest, queryset):
        return payments_export(
            request,
            queryset,
            name=f"paiements-{timezone.localdate():%Y%m%d}",
            file_format=ExportFormat.XLSX,
        )
