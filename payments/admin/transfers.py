"""Money leaving for bank accounts, read-only: the wallet withdrawals a secretary recorded, and
the SEPA credit-transfer files (pain.001) already made, each downloadable again, and the
parents' requests to have their balance paid back."""

from __future__ import annotations

import re

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.http import request_user
from payments import selectors
from payments.admin.common import ReadOnlyMixin, own_object
from payments.models import (
    SepaTransferFile,
    WalletWithdrawal,
    WithdrawalRequest,
    WithdrawalRequestStatus,
)
from payments.money import format_cents, iban_display
from portal.admin_site import TenantScopedAdmin, admin_site
from tenants.http import request_tenant


@admin.register(SepaTransferFile, site=admin_site)
class SepaTransferFileAdmin(ReadOnlyMixin, TenantScopedAdmin):
    """Every pain.001 file made for this tenant, newest first, to download again (a file lost
    before it reached the bank, a question from the bank or the auditor)."""

    field_labels = {"message_id": _("identifiant du message"), "created_by": _("créé par")}
    list_display = ["created_at", "transfers", "total", "created_by_name", "download_link"]
    list_select_related = ["created_by"]
    fields = ("message_id", "created_at", "created_by", "transfers", "total", "download_link")
    readonly_fields = fields
    change_list_template = "payments/admin/sepa_file_change_list.html"

    def get_urls(self):
        return [
            path(
                "<int:pk>/telecharger/",
                self.admin_site.admin_view(self.download_view),
                name="payments_sepatransferfile_download",
            ),
            *super().get_urls(),
        ]

    def get_actions(self, request: HttpRequest):
        return {}

    def download_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The file exactly as it was made (another tenant's: 404)."""
        exported: SepaTransferFile = own_object(self, request, pk)
        response = HttpResponse(exported.content, content_type="application/xml; charset=utf-8")
        name = re.sub(r"[^A-Za-z0-9-]", "", exported.message_id) or str(exported.pk)
        day = timezone.localtime(exported.created_at).strftime("%Y-%m-%d")
        response["Content-Disposition"] = f'attachment; filename="virements-{day}-{name}.xml"'
        return response

    @admin.display(description=_("total"), ordering="total_cents")
    def total(self, exported: SepaTransferFile) -> str:
        return format_cents(exported.total_cents)

    @admin.display(description=_("créé par"))
    def created_by_name(self, exported: SepaTransferFile) -> str:
        user = exported.created_by
        return (user.full_name or user.identifier) if user else "—"

    @admin.display(description=_("fichier"))
    def download_link(self, exported: SepaTransferFile) -> str:
        url = reverse("admin:payments_sepatransferfile_download", args=[exported.pk])
        return format_html('<a href="{}" download>{}</a>', url, _("Télécharger (pain.001)"))


class _WalletMoneyAdmin(ReadOnlyMixin, TenantScopedAdmin):
    """Rows of money owed to a wallet's parent: only the wallets this secretary sees (her
    schools' families, as on the wallets' page), read-only, with the amount and the IBAN."""

    def scope_queryset(self, request: HttpRequest, queryset):
        visible = selectors.wallets_visible_to(
            viewer=request_user(request), tenant=request_tenant(request)
        )
        return queryset.filter(wallet__in=visible.values("pk"))

    def get_actions(self, request: HttpRequest):
        return {}

    @admin.display(description=_("montant"), ordering="amount_cents")
    def amount(self, row: WalletWithdrawal | WithdrawalRequest) -> str:
        return format_cents(row.amount_cents)

    @admin.display(description=_("IBAN"))
    def iban_display(self, row: WalletWithdrawal | WithdrawalRequest) -> str:
        return iban_display(row.iban)


@admin.register(WalletWithdrawal, site=admin_site)
class WalletWithdrawalAdmin(_WalletMoneyAdmin):
    """Balances paid back to parents' bank accounts: who asked, why, and in which file the
    transfer left (recorded from the wallet's page)."""

    list_display = [
        "created_at",
        "owner_name",
        "amount",
        "iban_display",
        "holder_name",
        "reason",
        "created_by",
        "file_state",
    ]
    list_select_related = ["wallet__owner", "created_by", "transfer_file"]
    search_fields = ["holder_name", "wallet__owner__last_name", "wallet__owner__identifier"]
    fields = (
        "wallet",
        "amount",
        "iban_display",
        "holder_name",
        "reason",
        "created_by",
        "created_at",
        "transaction",
        "file_state",
    )
    readonly_fields = fields
    change_list_template = "payments/admin/sepa_file_change_list.html"  # underlined breadcrumbs

    @admin.display(description=_("titulaire du portefeuille"), ordering="wallet__owner__last_name")
    def owner_name(self, withdrawal: WalletWithdrawal) -> str:
        owner = withdrawal.wallet.owner
        return owner.full_name or owner.identifier

    @admin.display(description=_("virement"))
    def file_state(self, withdrawal: WalletWithdrawal) -> str:
        exported = withdrawal.transfer_file
        if exported is None:
            return str(_("à envoyer (prochain fichier pain.001)"))
        url = reverse("admin:payments_sepatransferfile_download", args=[exported.pk])
        return format_html(
            '<a href="{}" download>{}</a>',
            url,
            _("dans le fichier du %(date)s")
            % {"date": timezone.localtime(exported.created_at).strftime("%d/%m/%Y %H:%M")},
        )


@admin.register(WithdrawalRequest, site=admin_site)
class WithdrawalRequestAdmin(_WalletMoneyAdmin):
    """Parents' requests to have their balance paid back: the secretary opens each from here,
    checks it, and records the withdrawal or refuses it."""

    list_display = [
        "created_at",
        "owner_name",
        "amount",
        "iban_display",
        "holder_name",
        "status",
        "handle_link",
    ]
    list_filter = ["status"]
    list_select_related = ["wallet__owner"]
    fields = (
        "wallet",
        "amount",
        "iban_display",
        "holder_name",
        "note",
        "status",
        "created_at",
        "handled_by",
        "handled_at",
        "refusal_reason",
        "withdrawal",
    )
    readonly_fields = fields
    change_list_template = "payments/admin/sepa_file_change_list.html"  # underlined breadcrumbs

    @admin.display(description=_("parent"), ordering="wallet__owner__last_name")
    def owner_name(self, asked: WithdrawalRequest) -> str:
        owner = asked.wallet.owner
        return owner.full_name or owner.identifier

    @admin.display(description=_("traiter"))
    def handle_link(self, asked: WithdrawalRequest) -> str:
        if asked.status != WithdrawalRequestStatus.PENDING:
            return "—"
        url = reverse("admin:payments_wallet_withdraw", args=[asked.wallet_id])
        return format_html(
            '<a href="{}?demande={}">{}</a>', url, asked.pk, _("Vérifier et rembourser ou refuser")
        )
