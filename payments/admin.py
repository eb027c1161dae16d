"""The secretaries' admin for payments: activities, invitations, wallets, ledger, bank statements.

Every admin is tenant-scoped (TenantScopedAdmin) and narrowed to the secretary's schools. The
ledger is read-only for everyone, superusers included: money moves only through the services.
"""

from __future__ import annotations

import csv
import io

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.selectors import classrooms_of, schools_visible_to
from payments import bank, selectors, services
from payments.exceptions import PaymentError
from payments.forms import DateInput, EurosField
from payments.models import (
    Activity,
    BankImport,
    BankImportStatus,
    BankLine,
    BankLineStatus,
    Invitation,
    InvitationStatus,
    LedgerLine,
    LedgerTransaction,
    Wallet,
)
from payments.money import decimal_from_cents, format_cents
from portal.admin_site import TenantScopedAdmin, admin_site
from tenants.scoping import formfield_outside_scope

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024


class ReadOnlyMixin:
    """Rows written by the services only: no add, change or delete in the admin, for anyone."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


def _context(model_admin, request: HttpRequest, **extra) -> dict:
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        **extra,
    }


def _needs_tenant(request: HttpRequest) -> None:
    if getattr(request, "tenant", None) is None:
        raise Http404


def _own_object(model_admin: admin.ModelAdmin, request: HttpRequest, pk: int):
    """The access helper of the admin's own views: an object of this tenant (and this
    secretary's schools) that she may view, else 404 / 403."""
    _needs_tenant(request)
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    return get_object_or_404(model_admin.get_queryset(request), pk=pk)


# --- Activities ---------------------------------------------------------------------------------


class ActivityForm(forms.ModelForm):
    amount = EurosField(label=_("Montant"), help_text=_("En euros, par exemple 5,00."))

    class Meta:
        model = Activity
        formfield_callback = formfield_outside_scope
        fields = [
            "school",
            "title",
            "details",
            "kind",
            "starts_on",
            "due_on",
            "event_on",
            "document",
        ]
        widgets = {"starts_on": DateInput(), "due_on": DateInput(), "event_on": DateInput()}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["amount"].initial = str(
                decimal_from_cents(self.instance.amount_cents)
            ).replace(".", ",")
            if self.instance.invitations.exists():
                # Invitations carry the amount they were sent with.
                self.fields["amount"].disabled = True
                self.fields["amount"].help_text = _(
                    "Des invitations sont envoyées : le montant ne change plus."
                )

    def clean_document(self):
        document = self.cleaned_data.get("document")
        if isinstance(document, UploadedFile):
            if document.size > MAX_DOCUMENT_BYTES:
                raise forms.ValidationError(_("Le document dépasse 5 Mo."))
            head = document.read(5)
            document.seek(0)
            if head != b"%PDF-":
                raise forms.ValidationError(_("Le document doit être un fichier PDF."))
        return document

    def clean(self) -> dict:
        data = super().clean()
        starts, due = data.get("starts_on"), data.get("due_on")
        if starts and due and due < starts:
            self.add_error("due_on", _("L'échéance ne peut pas précéder la date de début."))
        return data

    def save(self, commit: bool = True):
        if not self.fields["amount"].disabled:
            self.instance.amount_cents = self.cleaned_data["amount"]
        return super().save(commit)


class StudentChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        if obj.classroom:
            return _("%(name)s (%(classroom)s)") % {"name": obj, "classroom": obj.classroom}
        return str(obj)


class InviteForm(forms.Form):
    SCOPE_SCHOOL = "school"
    SCOPE_CLASS = "class"
    SCOPE_SELECTION = "selection"

    scope = forms.ChoiceField(
        label=_("Destinataires"),
        choices=[
            (SCOPE_SCHOOL, _("Tous les élèves de l'école")),
            (SCOPE_CLASS, _("Tous les élèves d'une classe")),
            (SCOPE_SELECTION, _("Les élèves choisis ci-dessous")),
        ],
        widget=forms.RadioSelect,
        initial=SCOPE_SELECTION,
    )
    classroom = forms.ChoiceField(label=_("Classe"), required=False)
    students = StudentChoiceField(
        label=_("Élèves"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, students_qs, classrooms: list[tuple[str, int]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["students"].queryset = students_qs
        self.fields["classroom"].choices = [("", _("— choisir une classe —"))] + [
            (
                name,
                ngettext("%(classroom)s (%(n)d élève)", "%(classroom)s (%(n)d élèves)", n)
                % {"classroom": name, "n": n},
            )
            for name, n in classrooms
        ]

    def clean(self) -> dict:
        data = super().clean()
        if data.get("scope") == self.SCOPE_SELECTION and not data.get("students"):
            self.add_error("students", _("Choisissez au moins un élève."))
        if data.get("scope") == self.SCOPE_CLASS and not data.get("classroom"):
            self.add_error("classroom", _("Choisissez une classe."))
        return data

    def recipients(self, school_students: QuerySet) -> list:
        """The students the valid choice names, among the school's."""
        scope = self.cleaned_data["scope"]
        if scope == self.SCOPE_SCHOOL:
            return list(school_students.distinct())
        if scope == self.SCOPE_CLASS:
            chosen = school_students.filter(classroom=self.cleaned_data["classroom"])
            return list(chosen.distinct())
        return list(self.cleaned_data["students"])


@admin.register(Activity, site=admin_site)
class ActivityAdmin(TenantScopedAdmin):
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
        visible = selectors.activities_visible_to(viewer=request.user, tenant=request.tenant)
        return selectors.activities_with_totals(visible.select_related("school"))

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "school":
            kwargs["queryset"] = schools_visible_to(viewer=request.user, tenant=request.tenant)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Activity, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description=_("montant"), ordering="amount_cents")
    def amount_display(self, obj: Activity) -> str:
        return format_cents(obj.amount_cents)

    @admin.display(description=_("payées"))
    def paid_display(self, obj: Activity) -> str:
        return f"{obj.n_paid} ({format_cents(obj.paid_cents)})"

    @admin.display(description=_("en attente"))
    def pending_display(self, obj: Activity) -> int:
        return obj.n_pending

    @admin.display(description=_("déclinées"))
    def declined_display(self, obj: Activity) -> int:
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
            path("<int:pk>/export.csv", view(self.export_view), name="payments_activity_export"),
            path("<int:pk>/document/", view(self.document_view), name="payments_activity_document"),
            *super().get_urls(),
        ]

    def _activity(self, request: HttpRequest, pk: int) -> Activity:
        return _own_object(self, request, pk)

    def invite_view(self, request: HttpRequest, pk: int) -> HttpResponse:
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
            result = services.invitations_send(
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
            _context(
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
            _context(
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
        n = sum(services.invitation_remind(invitation=inv) for inv in pending)
        self.message_user(
            request,
            ngettext("%(n)d rappel envoyé.", "%(n)d rappels envoyés.", n) % {"n": n},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:payments_activity_follow_up", args=[pk]))

    def export_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        activity = self._activity(request, pk)
        return payments_csv(
            activity.invitations.all(), filename=f"paiements-{slugify(activity.title)}.csv"
        )

    def document_view(self, request: HttpRequest, pk: int) -> FileResponse:
        activity = self._activity(request, pk)
        if not activity.document:
            raise Http404
        return FileResponse(
            activity.document.open("rb"),
            as_attachment=True,
            filename=f"{slugify(activity.title) or 'document'}.pdf",
            content_type="application/pdf",
        )


# --- Invitations ------------------------------------------------------------------------------


def _csv_cell(value) -> str:
    """Spreadsheets run cells that start with = + - @: neutralise them (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def payments_csv(queryset, *, filename: str) -> HttpResponse:
    """Paid and refunded invitations for accounting: one row per payment (and refund)."""
    rows = (
        queryset.filter(payment__isnull=False)
        .select_related("activity", "activity__school", "beneficiary", "debtor")
        .order_by("paid_at", "pk")
    )
    buffer = io.StringIO()
    buffer.write("\ufeff")  # Excel reads UTF-8 with a BOM
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(
        [
            "date_paiement",
            "ecriture",
            "activite",
            "ecole",
            "beneficiaire",
            "debiteur",
            "montant",
            "etat",
            "date_remboursement",
            "ecriture_remboursement",
            "automatique",
        ]
    )
    for inv in rows:
        writer.writerow(
            [
                _csv_cell(v)
                for v in [
                    timezone.localtime(inv.paid_at).strftime("%Y-%m-%d %H:%M"),
                    inv.payment_id,
                    inv.activity.title,
                    inv.activity.school.name,
                    inv.beneficiary.full_name,
                    inv.debtor.full_name,
                    str(decimal_from_cents(inv.amount_cents)),
                    inv.status,
                    timezone.localtime(inv.refunded_at).strftime("%Y-%m-%d %H:%M")
                    if inv.refunded_at
                    else "",
                    inv.refund_id or "",
                    "oui" if inv.paid_automatically else "non",
                ]
            ]
        )
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@admin.register(Invitation, site=admin_site)
class InvitationAdmin(TenantScopedAdmin):
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
    search_fields = [
        "activity__title",
        "beneficiary__last_name",
        "beneficiary__first_name",
        "debtor__last_name",
        "debtor__first_name",
    ]
    list_select_related = ["activity", "beneficiary", "debtor"]
    actions = ["send_reminders", "cancel_invitations", "refund_invitations", "export_csv"]
    readonly_fields = [f.name for f in Invitation._meta.fields if f.name != "tenant"]

    def get_queryset(self, request: HttpRequest):
        activities = selectors.activities_visible_to(viewer=request.user, tenant=request.tenant)
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
        n = sum(services.invitation_remind(invitation=inv) for inv in queryset)
        self.message_user(
            request,
            ngettext("%(n)d rappel envoyé.", "%(n)d rappels envoyés.", n) % {"n": n},
            messages.SUCCESS,
        )

    @admin.action(description=_("Annuler (invitations non payées)"))
    def cancel_invitations(self, request: HttpRequest, queryset) -> None:
        done = refused = 0
        for invitation in queryset:
            try:
                services.invitation_cancel(invitation=invitation, by=request.user)
                done += 1
            except PaymentError:
                refused += 1
        self._report(
            request,
            done,
            refused,
            ngettext("%(n)d invitation annulée.", "%(n)d invitations annulées.", done),
        )

    @admin.action(description=_("Rembourser sur le portefeuille (invitations payées)"))
    def refund_invitations(self, request: HttpRequest, queryset) -> None:
        done = refused = 0
        for invitation in queryset.select_related("tenant", "debtor", "beneficiary"):
            try:
                services.invitation_refund(invitation=invitation, by=request.user)
                done += 1
            except PaymentError:
                refused += 1
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
        return payments_csv(queryset, filename=f"paiements-{timezone.localdate():%Y%m%d}.csv")


# --- Wallets and ledger ------------------------------------------------------------------------


class LedgerLineInline(ReadOnlyMixin, admin.TabularInline):
    model = LedgerLine
    fk_name = "wallet"
    fields = ["created_at", "transaction", "amount_display", "balance_display"]
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


class TopUpForm(forms.Form):
    amount = EurosField(label=_("Montant reçu"), help_text=_("En euros, par exemple 20,00."))
    memo = forms.CharField(
        label=_("Libellé"),
        max_length=200,
        required=False,
        help_text=_("Par exemple : virement du 12/09, nom du donneur d'ordre."),
    )
    key = forms.CharField(widget=forms.HiddenInput, max_length=64)


@admin.register(Wallet, site=admin_site)
class WalletAdmin(TenantScopedAdmin):
    list_display = ["owner_name", "balance_display", "communication", "auto_pay_default"]
    search_fields = ["owner__last_name", "owner__first_name", "owner__identifier", "reference"]
    list_select_related = ["owner"]
    fields = ["owner", "balance_display", "communication", "auto_pay_default", "created_at"]
    readonly_fields = fields
    inlines = [LedgerLineInline]
    change_form_template = "payments/admin/wallet_change_form.html"

    def get_queryset(self, request: HttpRequest):
        return selectors.wallets_visible_to(viewer=request.user, tenant=request.tenant)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # created with the parent's first invitation or visit

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

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
            *super().get_urls(),
        ]

    def top_up_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Record a transfer received on the bank account (the ledger: bank → wallet)."""
        _needs_tenant(request)
        if not self.has_view_permission(request):
            raise PermissionDenied
        wallet = get_object_or_404(self.get_queryset(request).select_related("owner"), pk=pk)
        if not (request.user.is_secretary or request.user.is_tenant_admin):
            raise PermissionDenied
        form = TopUpForm(request.POST or None, initial={"key": services.new_idempotency_key()})
        if request.method == "POST" and form.is_valid():
            services.wallet_top_up(
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
            _context(
                self,
                request,
                title=_("Enregistrer un virement reçu"),
                wallet=wallet,
                form=form,
                original=wallet,
            ),
        )


class LedgerLineTxInline(ReadOnlyMixin, admin.TabularInline):
    model = LedgerLine
    fk_name = "transaction"
    fields = ["account", "wallet", "activity", "amount_cents", "balance_after_cents"]
    readonly_fields = fields
    extra = 0


@admin.register(LedgerTransaction, site=admin_site)
class LedgerTransactionAdmin(ReadOnlyMixin, TenantScopedAdmin):
    list_display = ["pk", "created_at", "kind", "memo", "created_by"]
    list_filter = ["kind"]
    search_fields = ["memo"]
    readonly_fields = ["kind", "memo", "created_at", "created_by"]
    inlines = [LedgerLineTxInline]

    def get_actions(self, request: HttpRequest):
        return {}


# --- Bank statements --------------------------------------------------------------------------


class BankUploadForm(forms.Form):
    file = forms.FileField(label=_("Relevé camt.053 (XML)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > bank.MAX_FILE_BYTES:
            raise forms.ValidationError(_("Le fichier dépasse 10 Mo."))
        return upload


class BankLineInline(ReadOnlyMixin, admin.TabularInline):
    model = BankLine
    fields = ["booking_date", "amount_cents", "communication", "debtor_name", "wallet", "status"]
    readonly_fields = fields
    extra = 0


@admin.register(BankImport, site=admin_site)
class BankImportAdmin(TenantScopedAdmin):
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
        _needs_tenant(request)
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = BankUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                bank_import = bank.bank_import_preview(
                    tenant=request.tenant,
                    filename=upload.name,
                    data=upload.read(bank.MAX_FILE_BYTES + 1),
                    by=request.user,
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
            _context(self, request, title=_("Importer un relevé bancaire"), form=form),
        )

    def _import(self, request: HttpRequest, pk: int) -> BankImport:
        return _own_object(self, request, pk)

    def preview_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        bank_import = self._import(request, pk)
        lines = list(bank_import.lines.select_related("wallet__owner"))
        groups = {status: [ln for ln in lines if ln.status == status] for status in BankLineStatus}
        to_credit = groups[BankLineStatus.MATCHED]
        return TemplateResponse(
            request,
            "payments/admin/bank_preview.html",
            _context(
                self,
                request,
                title=_("Aperçu du relevé %(name)s") % {"name": bank_import.filename},
                bank_import=bank_import,
                groups=groups,
                original=bank_import,
                to_credit_total=sum(ln.amount_cents for ln in to_credit),
                can_apply=bank_import.status == BankImportStatus.PREVIEW
                and bool(to_credit)
                and self.has_add_permission(request),
            ),
        )

    def apply_view(self, request: HttpRequest, pk: int) -> HttpResponse:
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
        return HttpResponseRedirect(reverse("admin:payments_bankimport_preview", args=[pk]))
