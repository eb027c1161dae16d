"""The recovery log secretaries read: who asked, by which flow, with what outcome (no secrets);
and the recovery actions on the people list (a reset link, activation letters and mails)."""

import re

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.admin import PersonAdmin
from accounts.http import request_user
from accounts.models import User
from accounts.selectors import people_visible_condition
from outbox.models import Status
from portal.admin_filters import cached_values_filter
from portal.admin_site import TenantScopedAdmin, admin_site
from portal.http import client_ip
from recovery.activation.admin import print_activation_letters, send_activation_mail
from recovery.identifier.services import admin_reset_send
from recovery.models import ContactRequest, Outcome, RecoveryEvent, RecoveryRequest
from tenants.http import request_tenant


class ReadOnlyLogAdmin(TenantScopedAdmin):
    secretary_permissions = frozenset({"view"})

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def scope_queryset(self, request: HttpRequest, queryset):
        visible = people_visible_condition(
            viewer=request_user(request), tenant=request_tenant(request), key="user"
        )
        return queryset.none() if visible is None else queryset.filter(visible)


# How the person asked (the services log its code), and the codes a reason may be.
REQUEST_METHODS = {
    "identifier": _("par identifiant"),
    "email": _("par adresse e-mail"),
    "address": _("par adresse e-mail"),
    "mailbox": _("par la boîte scolaire"),
    "lookup": _("recherche d'identifiant"),
    "reset": _("réinitialisation"),
}
REASON_CODES = {"ip": _("trop de demandes depuis la même adresse IP")}


def coded_label(labels: dict, code: str) -> str:
    """A code in words; one the log does not know (or free text) shows as it is, « — » for none."""
    return str(labels.get(code, code)) if code else "—"


@admin.register(RecoveryRequest, site=admin_site)
class RecoveryRequestAdmin(ReadOnlyLogAdmin):
    list_display = [
        "created_at", "flow", "login", "account", "outcome", "reason_label", "delivery", "ip",
    ]  # fmt: skip
    # A date filter, not `date_hierarchy`: its year/month links read the date of every request.
    list_filter = ["flow", "outcome", "created_at"]
    search_fields = ["login", "user__identifier", "user__last_name"]
    fields = (
        "created_at", "flow", "method_label", "login", "user", "outcome", "reason_label", "ip",
        "initiated_by", "processed_at", "delivery",
    )  # fmt: skip
    readonly_fields = fields
    list_select_related = ["user", "message"]

    @admin.display(description=_("méthode"), ordering="method")
    def method_label(self, obj: RecoveryRequest) -> str:
        return coded_label(REQUEST_METHODS, obj.method)

    @admin.display(description=_("détail"), ordering="reason")
    def reason_label(self, obj: RecoveryRequest) -> str:
        return coded_label(REASON_CODES, obj.reason)

    @admin.display(description=_("compte"))
    def account(self, obj: RecoveryRequest) -> str:
        if obj.user is None:
            return "—"
        if not obj.user.is_migrated:
            return _("%(id)s (non migré : aucun e-mail envoyé)") % {"id": obj.user.identifier}
        return obj.user.identifier

    @admin.display(description=_("envoi du message"))
    def delivery(self, obj: RecoveryRequest) -> str:
        """Where the mail this request caused stands (SEPNE: the link, then the temporary
        password): never its body."""
        message = obj.message
        if message is None:
            return "—"
        state = message.get_status_display()
        if message.status == Status.SENT and message.sent_at:
            when = date_format(localtime(message.sent_at), "SHORT_DATETIME_FORMAT")
            return _("%(state)s le %(when)s à %(to)s") % {
                "state": state, "when": when, "to": message.masked_to,
            }  # fmt: skip
        if message.status == Status.PENDING:
            when = date_format(localtime(message.next_attempt_at), "SHORT_DATETIME_FORMAT")
            return _("%(state)s (pas avant le %(when)s) pour %(to)s") % {
                "state": state, "when": when, "to": message.masked_to,
            }  # fmt: skip
        if message.status == Status.FAILED and message.last_error:
            return f"{state} : {message.last_error}"
        return state


# What each step of a recovery is called in the log (the services log its code: `link_sent`).
EVENT_KINDS = {
    "request_processed": _("demande traitée"),
    "request_refused": _("demande refusée"),
    "admin_reset_refused": _("lien du secrétariat refusé"),
    "link_sent": _("lien envoyé"),
    "password_reset": _("mot de passe réinitialisé"),
    "answer_wrong": _("réponse erronée"),
    "temporary_password_sent": _("mot de passe provisoire envoyé"),
    "temporary_password_used": _("mot de passe provisoire utilisé"),
    "wrong_number": _("numéro de téléphone erroné"),
    "wrong_address": _("adresse e-mail erronée"),
    "wrong_code": _("code erroné"),
    "code_throttled": _("trop de codes demandés"),
    "code_sent_sms": _("code envoyé par SMS"),
    "code_sent_voice": _("code envoyé par appel vocal"),
    "code_sent_email": _("code envoyé par e-mail"),
    "contact_admin": _("administrateur contacté"),
}
_STEP_VERIFIED = re.compile(r"step_(\d+)_verified")


def event_kind_label(kind: str) -> str:
    """The step in words; a code the log does not know yet shows as it is."""
    if kind in EVENT_KINDS:
        return str(EVENT_KINDS[kind])
    step = _STEP_VERIFIED.fullmatch(kind)
    if step:
        return _("étape %(n)s vérifiée") % {"n": step.group(1)}
    return kind


@admin.register(RecoveryEvent, site=admin_site)
class RecoveryEventAdmin(ReadOnlyLogAdmin):
    field_labels = {"user": _("compte"), "request": _("demande"), "created_at": _("date")}
    count_names = (_("événement"), _("événements"))
    list_display = [
        "created_at", "flow", "kind_label", "user", "outcome", "detail_label", "ip", "actor",
    ]  # fmt: skip
    list_filter = [
        "flow",
        cached_values_filter("kind", _("événement"), label=event_kind_label),
        "outcome",
        "created_at",
    ]
    search_fields = ["user__identifier", "user__last_name"]
    readonly_fields = (
        "created_at", "flow", "kind_label", "user", "outcome", "detail_label", "ip", "actor",
    )  # fmt: skip
    fields = readonly_fields
    list_select_related = ["user", "actor"]

    @admin.display(description=_("événement"), ordering="kind")
    def kind_label(self, obj: RecoveryEvent) -> str:
        return event_kind_label(obj.kind)

    @admin.display(description=_("détail"), ordering="detail")
    def detail_label(self, obj: RecoveryEvent) -> str:
        return coded_label(REASON_CODES, obj.detail)


@admin.register(ContactRequest, site=admin_site)
class ContactRequestAdmin(ReadOnlyLogAdmin):
    """ "Contactez votre administrateur": people who could not recover their account alone."""

    list_display = ["created_at", "login", "user", "handled_at"]
    list_filter = ["handled_at"]
    search_fields = ["login", "user__identifier", "user__last_name"]
    readonly_fields = ("created_at", "login", "user", "ip", "handled_at")
    fields = readonly_fields
    actions = ["mark_handled"]

    def scope_queryset(self, request: HttpRequest, queryset):
        # Requests for unknown addresses have no account: every secretary of the tenant sees them.
        visible = people_visible_condition(
            viewer=request_user(request), tenant=request_tenant(request), key="user", unowned=True
        )
        return queryset.none() if visible is None else queryset.filter(visible)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return obj is None and self._allowed(request, "view")

    @admin.action(description=_("Marquer comme traitées"))
    def mark_handled(self, request: HttpRequest, queryset) -> None:
        count = queryset.filter(handled_at__isnull=True).update(handled_at=timezone.now())
        self.message_user(request, _("%(n)d demande(s) traitée(s).") % {"n": count})


# accounts' person admin knows nothing of recovery: recovery registers it again with its actions.
admin_site.unregister(User)


@admin.register(User, site=admin_site)
class RecoveryPersonAdmin(PersonAdmin):
    actions = [
        *PersonAdmin.actions,
        "send_reset_link",
        print_activation_letters,
        send_activation_mail,
    ]

    @admin.action(description=_("Envoyer un lien de réinitialisation par e-mail"))
    def send_reset_link(self, request: HttpRequest, queryset) -> None:
        outcomes = [
            admin_reset_send(user=person, by=request_user(request), ip=client_ip(request))
            for person in queryset
        ]
        sent = outcomes.count(Outcome.MAIL_SENT)
        self.message_user(
            request,
            ngettext("%(n)d lien envoyé.", "%(n)d liens envoyés.", sent) % {"n": sent},
            messages.SUCCESS,
        )
        refused = len(outcomes) - sent
        if refused:
            self.message_user(
                request,
                ngettext(
                    "%(n)d personne sans envoi (non migrée, désactivée ou sans e-mail) : "
                    "voir le journal de récupération.",
                    "%(n)d personnes sans envoi (non migrées, désactivées ou sans e-mail) : "
                    "voir le journal de récupération.",
                    refused,
                )
                % {"n": refused},
                messages.WARNING,
            )
