"""Secretaries follow messages here: status and errors, never a subject or a body (links, codes)."""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from outbox.exceptions import MessageNotResendable
from outbox.models import Message, Status
from outbox.services import message_resend
from portal.admin_site import TenantScopedAdmin, admin_site
from tenants.http import request_tenant

# Everything a secretary may read; subject, body_text and body_html are deliberately absent.
_VISIBLE_FIELDS = (
    "channel",
    "template",
    "recipient",
    "status",
    "attempts",
    "not_before",
    "next_attempt_at",
    "sent_at",
    "last_error",
    "created_at",
)


@admin.register(Message, site=admin_site)
class MessageAdmin(TenantScopedAdmin):
    secretary_permissions = frozenset({"view"})
    list_display = [
        "channel",
        "template",
        "recipient",
        "status",
        "attempts",
        "not_before",
        "sent_at",
        "last_error",
    ]
    list_filter = ["status", "channel"]
    list_select_related = False
    fields = _VISIBLE_FIELDS
    readonly_fields = _VISIBLE_FIELDS
    actions = ["resend"]
    date_hierarchy = None

    def get_queryset(self, request: HttpRequest):
        # Only the columns shown: bodies are never even loaded.
        return (
            super()
            .get_queryset(request)
            .only(
                "id",
                "tenant_id",
                "user_id",
                *[f for f in _VISIBLE_FIELDS if f != "recipient"],
                "to",
            )
        )

    def scope_queryset(self, request: HttpRequest, queryset):
        user = request.user
        if not user.is_authenticated:  # the admin site lets only signed-in staff in
            return queryset.none()
        # The user model's rule (accounts' `people_visible_to`), without importing accounts.
        visible = get_user_model().objects.visible_condition(
            viewer=user, tenant=request_tenant(request), key="user", unowned=True
        )
        return queryset.none() if visible is None else queryset.filter(visible)

    @admin.display(description=_("destinataire"))
    def recipient(self, obj: Message) -> str:
        return obj.masked_to

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_resend_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request, "view")

    @admin.action(description=_("Renvoyer"), permissions=["resend"])
    def resend(self, request: HttpRequest, queryset) -> None:
        count = 0
        for message in queryset.filter(status=Status.FAILED):
            try:
                message_resend(message=message)
            except MessageNotResendable:
                continue
            count += 1
        if count:
            self.message_user(
                request,
                ngettext(
                    "%(count)d message remis en file d'envoi.",
                    "%(count)d messages remis en file d'envoi.",
                    count,
                )
                % {"count": count},
                messages.SUCCESS,
            )
        else:
            self.message_user(
                request,
                _("Seuls les messages en échec définitif peuvent être renvoyés."),
                messages.WARNING,
            )
