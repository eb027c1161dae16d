"""The bank statements admin: upload a camt.053 file, preview what it would credit, apply it."""

from __future__ import annotations

import re

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedRequest, request_user
from payments import bank
from payments.admin.common import ReadOnlyMixin, admin_context, needs_tenant, own_object
from payments.admin.forms import BankUploadForm
from payments.bank import refunds, suspense, transfers
from payments.exceptions import PaymentError
from payments.models import BankImport, BankImportStatus, BankLine, BankLineStatus, Wallet
from payments.money import format_cents, iban_display
from portal.admin_site import TenantScopedAdmin, admin_site


class BankLineInline(ReadOnlyMixin, admin.TabularInline):
    model = BankLine
    fields = (
        "booking_date",
        "amount_cents",
        "communication",
        "debtor_name",
        "wallet",
        "status",
        "held_reason",
    )
    readonly_fields = fields
    extra = 0


@admin.register(BankLine, site=admin_site)
class BankLineAdmin(ReadOnlyMixin, TenantScopedAdmin):
    field_labels = {
        "bank_import": _("relevé bancaire"),
        "currency": _("devise"),
        "credit": _("crédit"),
        "communication": _("communication"),
        "end_to_end_id": _("référence de bout en bout"),
        "tx_id": _("référence de la transaction"),
        "instr_id": _("référence de l'instruction"),
        "wallet": _("portefeuille"),
        "reverses": _("annule le virement"),
        "transaction": _("écriture"),
        "resolution": _("résolution"),
    }
    """Every stored bank transaction with its state: the secretary finds here what waits in
    suspense or is held (assign / refund / discard come next)."""

    list_display = [
        "booking_date",
        "amount",
        "debtor_name",
        "debtor_iban_display",
        "communication",
        "status",
        "held_reason",
        "wallet",
        "resolve_link",
    ]
    list_filter = ["status", "held_reason", "credit", "reversal"]
    search_fields = ["debtor_name", "communication", "entry_ref", "end_to_end_id"]
    list_select_related = ["wallet__owner"]
    readonly_fields = [
        "bank_import",
        "booking_date",
        "value_date",
        "amount_cents",
        "currency",
        "credit",
        "reversal",
        "debtor_name",
        "debtor_iban",
        "communication",
        "entry_ref",
        "end_to_end_id",
        "tx_id",
        "instr_id",
        "status",
        "held_reason",
        "wallet",
        "reverses",
        "transaction",
        "resolved_by",
        "resolved_at",
        "resolution_note",
        "resolution",
        "refund_iban",
        "refund_file",
    ]
    exclude = ["tenant", "identity", "booked"]
    change_list_template = "payments/admin/bank_line_change_list.html"

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).filter(booked=True)

    def get_urls(self):
        return [
            path(
                "<int:pk>/traiter/",
                self.admin_site.admin_view(self.resolve_view),
                name="payments_bankline_resolve",
            ),
            path(
                "remboursements/",
                self.admin_site.admin_view(require_POST(self.refunds_file_view)),
                name="payments_bankline_refunds_file",
            ),
            *super().get_urls(),
        ]

    @admin.display(description=_("traiter"))
    def resolve_link(self, line: BankLine) -> str:
        if line.credit and line.status in suspense.WAITING:
            url = reverse("admin:payments_bankline_resolve", args=[line.pk])
            return format_html('<a href="{}">{}</a>', url, _("Attribuer ou écarter"))
        return "—"

    def refunds_file_view(self, request: AuthenticatedRequest) -> HttpResponse:
        """Every refund not sent yet, as one pain.001 file to upload to the school's bank."""
        tenant = needs_tenant(request)
        if not (request.user.is_secretary or request.user.is_tenant_admin):
            raise PermissionDenied
        try:
            exported = transfers.transfers_export(tenant=tenant, by=request.user)
        except PaymentError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            exported = None
        else:
            if exported is None:
                self.message_user(request, _("Aucun remboursement à envoyer."), messages.INFO)
        if exported is None:
            return HttpResponseRedirect(reverse("admin:payments_bankline_changelist"))
        response = HttpResponse(exported.content, content_type="application/xml; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="remboursements-{exported.message_id}.xml"'
        )
        return response

    def changelist_view(self, request: HttpRequest, extra_context=None):
        extra = {
            "refunds_file_url": reverse("admin:payments_bankline_refunds_file"),
            "transfer_files_url": reverse("admin:payments_sepatransferfile_changelist"),
        }
        return super().changelist_view(request, {**(extra_context or {}), **extra})

    def resolve_view(self, request: AuthenticatedRequest, pk: int) -> HttpResponse:
        """A transfer waiting in suspense: find the parent's wallet and assign it, or discard it
        with a reason."""
        tenant = needs_tenant(request)
        if not (request.user.is_secretary or request.user.is_tenant_admin):
            raise PermissionDenied
        line = own_object(self, request, pk)
        query = (request.GET.get("q") or "").strip()[:100]
        wallets: list[Wallet] = []
        if query:
            wallets = list(
                Wallet.objects.filter(tenant=tenant)
                .filter(
                    Q(owner__last_name__icontains=query)
                    | Q(owner__first_name__icontains=query)
                    | Q(owner__identifier__icontains=query)
                    | Q(reference__contains=re.sub(r"\D", "", query)[:10] or "-")
                )
                .select_related("owner")
                .order_by("owner__last_name", "owner__first_name")[:20]
            )
        error = ""
        if request.method == "POST":
            try:
                if request.POST.get("action") == "assign":
                    wallet = get_object_or_404(
                        Wallet.objects.filter(tenant=tenant), pk=request.POST.get("wallet") or 0
                    )
                    suspense.suspense_assign(
                        line=line, wallet=wallet, by=request.user, note=request.POST.get("note", "")
                    )
                    self.message_user(
                        request,
                        _("Virement attribué au portefeuille de %(name)s.")
                        % {"name": wallet.owner.full_name},
                        messages.SUCCESS,
                    )
                elif request.POST.get("action") == "refund":
                    refunds.suspense_refund(
                        line=line,
                        iban=request.POST.get("iban", ""),
                        by=request.user,
                        note=request.POST.get("note", ""),
                    )
                    self.message_user(
                        request,
                        _(
                            "Remboursement enregistré : il partira dans le prochain fichier de "
                            "virements (pain.001)."
                        ),
                        messages.SUCCESS,
                    )
                else:
                    suspense.suspense_discard(
                        line=line, by=request.user, reason=request.POST.get("reason", "")
                    )
                    self.message_user(request, _("Virement écarté."), messages.SUCCESS)
                return HttpResponseRedirect(
                    reverse("admin:payments_bankline_changelist") + "?status__exact=suspense"
                )
            except PaymentError as exc:
                error = str(exc)
        return TemplateResponse(
            request,
            "payments/admin/bank_line_resolve.html",
            admin_context(
                self,
                request,
                title=_("Traiter un virement au compte d'attente"),
                line=line,
                query=query,
                wallets=wallets,
                error=error,
                waiting=line.credit and line.status in suspense.WAITING,
            ),
        )

    @admin.display(description=_("montant"), ordering="amount_cents")
    def amount(self, line: BankLine) -> str:
        sign = "" if line.credit else "-"
        return sign + format_cents(line.amount_cents)

    @admin.display(description=_("IBAN du donneur d'ordre"))
    def debtor_iban_display(self, line: BankLine) -> str:
        return iban_display(line.debtor_iban)


@admin.register(BankImport, site=admin_site)
class BankImportAdmin(TenantScopedAdmin):
    add_title = _("Importer un relevé bancaire")
    field_labels = {"sha256": _("empreinte SHA-256"), "created_by": _("importé par")}
    list_display = ["filename", "statement_id", "status", "created_at", "applied_at"]
    readonly_fields = [
        "filename",
        "statement_id",
        "status",
        "sha256",
        "created_by",
        "created_at",
        "applied_at",
    ]
    inlines = [BankLineInline]

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_urls(self):
        return [
            path(
                "<int:pk>/apercu/",
                self.admin_site.admin_view(self.preview_view),
                name="payments_bankimport_preview",
            ),
            path(
                "<int:pk>/importer/",
                self.admin_site.admin_view(require_POST(self.apply_view)),
                name="payments_bankimport_apply",
            ),
            *super().get_urls(),
        ]

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context=None):
        """Step 1: upload a camt.053 file → step 2, the preview (nothing credited yet)."""
        tenant = needs_tenant(request)
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = BankUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                bank_import = bank.bank_import_preview(
                    tenant=tenant,
                    filename=upload.name,
                    data=upload.read(bank.MAX_FILE_BYTES + 1),
                    by=request_user(request),
                )
            except PaymentError as exc:
                form.add_error("file", str(exc))
            else:
                return HttpResponseRedirect(
                    reverse("admin:payments_bankimport_preview", args=[bank_import.pk])
                )
        return TemplateResponse(
            request,
            "payments/admin/bank_upload.html",
            admin_context(self, request, title=_("Importer un relevé bancaire"), form=form),
        )

    def _import(self, request: HttpRequest, pk: int) -> BankImport:
        return own_object(self, request, pk)

    def preview_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        bank_import = self._import(request, pk)
        lines = list(bank_import.lines.select_related("wallet__owner"))
        groups = {status: [ln for ln in lines if ln.status == status] for status in BankLineStatus}
        to_credit = groups[BankLineStatus.MATCHED]
        to_book = [
            ln
            for ln in lines
            if ln.status in (BankLineStatus.MATCHED, BankLineStatus.UNMATCHED, BankLineStatus.HELD)
            or ln.status == BankLineStatus.TO_REVERSE
        ]
        return TemplateResponse(
            request,
            "payments/admin/bank_preview.html",
            admin_context(
                self,
                request,
                title=_("Aperçu du relevé %(name)s") % {"name": bank_import.filename},
                bank_import=bank_import,
                groups=groups,
                original=bank_import,
                to_credit_total=sum(ln.amount_cents for ln in to_credit),
                to_book_count=len(to_book),
                can_apply=bank_import.status == BankImportStatus.PREVIEW
                and bool(to_book)
                and self.has_add_permission(request),
            ),
        )

    def apply_view(self, request: AuthenticatedRequest, pk: int) -> HttpResponse:
        bank_import = self._import(request, pk)
        if not self.has_add_permission(request):
            raise PermissionDenied
        try:
            n = bank.bank_import_apply(bank_import=bank_import, by=request.user)
        except PaymentError as exc:
            self.message_user(request, str(exc), messages.ERROR)
        else:
            self.message_user(
                request,
                ngettext("%(n)d portefeuille crédité.", "%(n)d portefeuilles crédités.", n)
                % {"n": n},
                messages.SUCCESS,
            )
            waiting = bank_import.lines.filter(
                status__in=[BankLineStatus.SUSPENSE, BankLineStatus.HELD]
            ).count()
            if waiting:
                self.message_user(
                    request,
                    ngettext(
                        "%(n)d virement attend le secrétariat au compte d'attente.",
                        "%(n)d virements attendent le secrétariat au compte d'attente.",
                        waiting,
                    )
                    % {"n": waiting},
                    messages.WARNING,
                )
        return HttpResponseRedirect(reverse("admin:payments_bankimport_preview", args=[pk]))
