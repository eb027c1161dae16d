"""The wallets admin (balance, history, recording a transfer received, paying the balance back to
a bank account) and the ledger, read-only for everyone: money moves only through the services."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.http import AuthenticatedRequest, request_user
from payments import selectors
from payments.admin.common import ReadOnlyMixin, admin_context, needs_tenant
from payments.admin.forms import TopUpForm, WithdrawalForm
from payments.admin.jobs import may_reconcile
from payments.bank.withdrawals import wallet_withdraw, withdrawal_request_refuse
from payments.exceptions import InsufficientCredit, PaymentError
from payments.models import (
    LedgerLine,
    LedgerTransaction,
    ReconciliationRun,
    Wallet,
    WalletWithdrawal,
    WithdrawalRequest,
    WithdrawalRequestStatus,
)
from payments.money import decimal_from_cents, format_cents, iban_display
from payments.services.idempotency import new_idempotency_key
from payments.services.wallets import wallet_top_up
from portal.admin_site import TenantScopedAdmin, admin_site
from tenants.http import request_tenant


class LedgerLineInline(ReadOnlyMixin, admin.TabularInline):
    model = LedgerLine
    fk_name = "wallet"
    fields = ("created_at", "transaction", "account", "amount_display", "balance_display")
    readonly_fields = fields
    ordering = ["-pk"]
    extra = 0
    verbose_name_plural = _("historique")

    @admin.display(description=_("montant"))
    def amount_display(self, obj: LedgerLine) -> str:
        return format_cents(obj.amount_cents)

    @admin.display(description=_("solde"))
    def balance_display(self, obj: LedgerLine) -> str:
        return format_cents(obj.balance_after_cents or 0)


class WalletWithdrawalInline(ReadOnlyMixin, admin.TabularInline):
    model = WalletWithdrawal
    fk_name = "wallet"
    fields = ("created_at", "amount_display", "iban_display", "holder_name", "reason", "created_by")
    readonly_fields = fields
    ordering = ["-pk"]
    extra = 0
    verbose_name_plural = _("remboursements du solde sur un compte bancaire")

    @admin.display(description=_("montant"))
    def amount_display(self, obj: WalletWithdrawal) -> str:
        return format_cents(obj.amount_cents)

    @admin.display(description=_("IBAN"))
    def iban_display(self, obj: WalletWithdrawal) -> str:
        return iban_display(obj.iban)


@admin.register(Wallet, site=admin_site)
class WalletAdmin(TenantScopedAdmin):
    list_display = [
        "owner_name",
        "balance_display",
        "debt_display",
        "communication",
        "auto_pay_default",
    ]
    search_fields = ["owner__last_name", "owner__first_name", "owner__identifier", "reference"]
    list_select_related = ["owner"]
    fields = (
        "owner",
        "balance_display",
        "debt_display",
        "communication",
        "auto_pay_default",
        "created_at",
    )
    readonly_fields = fields
    inlines = [WalletWithdrawalInline, LedgerLineInline]
    change_form_template = "payments/admin/wallet_change_form.html"

    def get_queryset(self, request: HttpRequest):
        viewer, tenant = request_user(request), request_tenant(request)
        return selectors.wallets_visible_to(viewer=viewer, tenant=tenant)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # created with the parent's first invitation or visit

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context=None):
        """The network administrator's "Vérifier le journal" button and the last result."""
        extra_context = extra_context or {}
        if may_reconcile(request) and request_tenant(request) is not None:
            extra_context["can_reconcile"] = True
            extra_context["last_reconciliation"] = ReconciliationRun.objects.order_by(
                "-created_at"
            ).first()
        return super().changelist_view(request, extra_context)

    def get_search_results(self, request, queryset, search_term):
        from payments.money import structured_parse

        base = structured_parse(search_term)
        if base:
            return queryset.filter(reference=base), False
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description=_("titulaire"), ordering="owner__last_name")
    def owner_name(self, obj: Wallet) -> str:
        return obj.owner.full_name or obj.owner.identifier

    @admin.display(description=_("solde"), ordering="balance_cents")
    def balance_display(self, obj: Wallet) -> str:
        return format_cents(obj.balance_cents)

    @admin.display(description=_("dette (virement contre-passé)"), ordering="debt_cents")
    def debt_display(self, obj: Wallet) -> str:
        return format_cents(obj.debt_cents) if obj.debt_cents else "—"

    @admin.display(description=_("communication structurée"))
    def communication(self, obj: Wallet) -> str:
        return obj.structured_communication

    def get_urls(self):
        return [
            path(
                "<int:pk>/virement/",
                self.admin_site.admin_view(self.top_up_view),
                name="payments_wallet_top_up",
            ),
            path(
                "<int:pk>/rembourser/",
                self.admin_site.admin_view(self.withdraw_view),
                name="payments_wallet_withdraw",
            ),
            *super().get_urls(),
        ]

    def _own_wallet(self, request: AuthenticatedRequest, pk: int) -> Wallet:
        """A wallet this secretary may move money on, else 404 / 403."""
        needs_tenant(request)
        if not self.has_view_permission(request):
            raise PermissionDenied
        wallet = get_object_or_404(self.get_queryset(request).select_related("owner"), pk=pk)
        if not (request.user.is_secretary or request.user.is_tenant_admin):
            raise PermissionDenied
        return wallet

    def top_up_view(self, request: AuthenticatedRequest, pk: int) -> HttpResponse:
        """Record a transfer received on the bank account (the ledger: bank → wallet)."""
        wallet = self._own_wallet(request, pk)
        form = TopUpForm(request.POST or None, initial={"key": new_idempotency_key()})
        if request.method == "POST" and form.is_valid():
            wallet_top_up(
                wallet=wallet,
                amount_cents=form.cleaned_data["amount"],
                by=request.user,
                memo=form.cleaned_data["memo"] or str(_("Virement enregistré par le secrétariat")),
                idempotency_key=form.cleaned_data["key"],
            )
            wallet.refresh_from_db()
            self.message_user(
                request,
                _("Virement enregistré. Nouveau solde : %(balance)s.")
                % {"balance": format_cents(wallet.balance_cents)},
                messages.SUCCESS,
            )
            return HttpResponseRedirect(reverse("admin:payments_wallet_change", args=[pk]))
        return TemplateResponse(
            request,
            "payments/admin/top_up.html",
            admin_context(
                self,
                request,
                title=_("Enregistrer un virement reçu"),
                wallet=wallet,
                form=form,
                original=wallet,
            ),
        )

    def withdraw_view(self, request: AuthenticatedRequest, pk: int) -> HttpResponse:
        """Pay part or all of the balance back to a parent's bank account (a family leaving the
        school): booked now, sent in the next pain.001 file. With `?demande=<id>`, the parent's
        request prefills the form, and may be refused instead."""
        wallet = self._own_wallet(request, pk)
        asked = self._pending_request(request, wallet)
        initial = {
            "key": new_idempotency_key(),
            "amount": str(decimal_from_cents(wallet.balance_cents)).replace(".", ","),
            "holder_name": wallet.owner.full_name,
        }
        if asked is not None:
            initial.update(
                amount=str(decimal_from_cents(asked.amount_cents)).replace(".", ","),
                iban=iban_display(asked.iban),
                holder_name=asked.holder_name,
                reason=_("Demande du parent du %(date)s")
                % {"date": timezone.localtime(asked.created_at).strftime("%d/%m/%Y")},
            )
        form = WithdrawalForm(request.POST or None, initial=initial)
        refusal_error = ""
        if request.method == "POST" and request.POST.get("action") == "refuse" and asked:
            try:
                withdrawal_request_refuse(
                    request=asked, by=request.user, reason=request.POST.get("refusal_reason", "")
                )
            except PaymentError as exc:
                refusal_error = str(exc)
            else:
                self.message_user(request, _("Demande refusée."), messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:payments_wallet_change", args=[pk]))
        elif request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                withdrawal = wallet_withdraw(
                    wallet=wallet,
                    amount_cents=data["amount"],
                    iban=data["iban"],
                    holder_name=data["holder_name"],
                    reason=data["reason"],
                    by=request.user,
                    idempotency_key=data["key"],
                    fulfils=asked,
                )
            except InsufficientCredit as exc:
                form.add_error(
                    "amount",
                    _(
                        "Le solde disponible est de %(balance)s : impossible de rembourser "
                        "%(amount)s."
                    )
                    % {
                        "balance": format_cents(exc.balance_cents),
                        "amount": format_cents(exc.amount_cents),
                    },
                )
            except PaymentError as exc:
                form.add_error(None, str(exc))
            else:
                self.message_user(
                    request,
                    _(
                        "Remboursement de %(amount)s vers %(iban)s enregistré : il partira dans le "
                        "prochain fichier de virements (pain.001), à télécharger depuis les "
                        "transactions bancaires."
                    )
                    % {
                        "amount": format_cents(withdrawal.amount_cents),
                        "iban": iban_display(withdrawal.iban),
                    },
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:payments_wallet_change", args=[pk]))
            wallet.refresh_from_db(fields=["balance_cents", "debt_cents"])
        return TemplateResponse(
            request,
            "payments/admin/withdraw.html",
            admin_context(
                self,
                request,
                title=_("Rembourser le solde sur un compte bancaire"),
                wallet=wallet,
                form=form,
                original=wallet,
                asked=asked,
                refusal_error=refusal_error,
            ),
            status=400 if form.errors or refusal_error else 200,
        )

    def _pending_request(self, request: HttpRequest, wallet: Wallet) -> WithdrawalRequest | None:
        """The parent's request named by `demande` (GET or POST): this wallet's, still waiting,
        else 404."""
        asked_id = request.POST.get("demande") or request.GET.get("demande")
        if not asked_id:
            return None
        return get_object_or_404(
            WithdrawalRequest.objects.filter(wallet=wallet, status=WithdrawalRequestStatus.PENDING),
            pk=asked_id if str(asked_id).isdigit() else 0,
        )


class LedgerLineTxInline(ReadOnlyMixin, admin.TabularInline):
    model = LedgerLine
    fk_name = "transaction"
    fields = ("account", "wallet", "activity", "amount_cents", "balance_after_cents")
    readonly_fields = fields
    extra = 0


@admin.register(LedgerTransaction, site=admin_site)
class LedgerTransactionAdmin(ReadOnlyMixin, TenantScopedAdmin):
    field_labels = {"created_by": _("auteur")}
    count_names = (_("écriture"), _("écritures"))
    list_display = ["pk", "created_at", "kind", "memo", "created_by"]
    list_select_related = ["created_by"]
    list_filter = ["kind"]
    search_fields = ["memo"]
    readonly_fields = ["kind", "memo", "created_at", "created_by"]
    inlines = [LedgerLineTxInline]

    def get_actions(self, request: HttpRequest):
        return {}
