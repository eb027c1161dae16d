"""The parents' pages: invitations, confirmations, wallet, documents, calendar. Thin: each view
is a 404 unless the tenant has payments on, finds its object through the access helpers of
`payments.selectors` (404 otherwise), calls one service and renders; domain errors become
messages."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import MemberRequest
from payments import documents, selectors
from payments.bank.withdrawals import withdrawal_request_create
from payments.exceptions import (
    IdempotencyKeyReused,
    InsufficientCredit,
    InvitationNotPending,
    MandatoryInvitationCannotBeDeclined,
    PaymentError,
    WalletInDebt,
)
from payments.forms import (
    AutoPayForm,
    ConfirmForm,
    QrAmountForm,
    StatementForm,
    WalletAutoPayForm,
    WithdrawalRequestForm,
)
from payments.ical import ical_feed
from payments.models import ActivityKind, Invitation, InvitationStatus, Wallet
from payments.money import decimal_from_cents, format_cents
from payments.pending_page import WalletSummary, pending_invitations_page
from payments.services.idempotency import new_idempotency_key
from payments.services.invitations import (
    invitation_decline,
    invitation_pay,
    invitation_set_auto_pay,
)
from payments.services.wallets import (
    wallet_calendar_token_renew,
    wallet_get_or_create,
    wallet_set_auto_pay_default,
)
from tenants.features import feature_required
from tenants.http import TenantHostRequest

PAGE_SIZE = 25


def _wallet(request: MemberRequest) -> Wallet:
    """The parent's wallet at this tenant (created on first use); 404 for anyone else."""
    wallet = selectors.wallet_get_for_owner(tenant=request.tenant, user=request.user)
    if wallet is None:
        wallet = wallet_get_or_create(tenant=request.tenant, owner=request.user)
    return wallet


def _invitation(request: MemberRequest, pk: int) -> Invitation:
    """This parent's invitation at this tenant, else 404."""
    return selectors.invitation_get_for_debtor(tenant=request.tenant, user=request.user, pk=pk)


def _pdf(content: bytes, filename: str, *, inline: bool = False) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- Invitations ------------------------------------------------------------------------------


@login_required
@require_GET
@feature_required("payments")
def invitations(request: MemberRequest) -> HttpResponse:
    """ "Mes invitations": the invitations waiting for an answer, overdue ones flagged."""
    pending = pending_invitations_page(
        tenant=request.tenant,
        debtor=request.user,
        number=request.GET.get("page"),
        per_page=PAGE_SIZE,
    )
    page, wallet = pending.page, pending.wallet or _wallet(request)
    return render(
        request,
        "payments/invitations.html",
        {
            "page": page,
            "rows": _pending_rows(page.object_list, wallet=wallet, debtor=request.user),
            "wallet": wallet,
        },
    )


def _url_maker(name: str):
    """reverse() once, then fill the id in: the table builds four links per row."""
    template = reverse(name, args=[987654321])
    return lambda pk: template.replace("987654321", str(pk))


def _top_up_url(missing_cents: int) -> str:
    """The wallet page, its QR code already holding the missing amount when there is one."""
    url = reverse("payments:wallet")
    return f"{url}?montant={decimal_from_cents(missing_cents)}" if missing_cents else url


def _pending_rows(values, *, wallet: Wallet | WalletSummary, debtor) -> list[dict]:
    """Everything a row of « Mes invitations » shows, formatted once here (the template only
    prints): fast with many rows. Dates and amounts in the active language's conventions; an
    invitation the balance cannot cover says how much is missing instead of offering « Payer »."""
    today = timezone.localdate()
    pay_url, decline_url = _url_maker("payments:pay"), _url_maker("payments:decline")
    auto_url, document_url = _url_maker("payments:auto_pay"), _url_maker("payments:document")
    debtor_name = debtor.full_name
    balance = wallet.balance_cents
    rows = []
    for v in values:
        pk, title = v["pk"], v["activity__title"]
        child = f"{v['beneficiary__last_name']} {v['beneficiary__first_name']}".strip()
        optional = v["activity__kind"] == ActivityKind.OPTIONAL
        auto = v["auto_pay"] if v["auto_pay"] is not None else wallet.auto_pay_default
        missing = max(v["amount_cents"] - balance, 0)
        rows.append(
            {
                "pk": pk,
                "starts_on": date_format(v["starts_on"]),
                "child": child,
                "debtor": debtor_name,
                "title": title,
                "optional": optional,
                "amount": format_cents(v["amount_cents"]),
                "due_on": date_format(v["due_on"]),
                "overdue": v["due_on"] < today,
                "auto_pay": auto,
                "for_whom": f"{title}, {child}",
                "pay_url": pay_url(pk),
                "missing": format_cents(missing) if missing else "",
                "top_up_url": _top_up_url(missing),
                "decline_url": decline_url(pk) if optional else "",
                "auto_pay_url": auto_url(pk),
                "document_url": document_url(pk) if v["activity__document"] else "",
            }
        )
    return rows


@login_required
@require_GET
@feature_required("payments")
def history(request: MemberRequest) -> HttpResponse:
    wallet = _wallet(request)
    answered = selectors.invitations_history(debtor=request.user)
    page = Paginator(answered, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "payments/history.html",
        {"page": page, "invitations": page.object_list, "wallet": wallet},
    )


def _confirm_page(
    request: MemberRequest, invitation: Invitation, action: str, *, error=None, status: int = 200
) -> HttpResponse:
    wallet = _wallet(request)
    form = ConfirmForm(initial={"key": new_idempotency_key()})
    missing = max(invitation.amount_cents - wallet.balance_cents, 0)
    context = {
        "invitation": invitation,
        "activity": invitation.activity,
        "wallet": wallet,
        "form": form,
        "action": action,
        "error": error,
        "missing_cents": missing if action == "pay" else 0,
        "top_up_url": _top_up_url(missing),
    }
    return render(request, "payments/confirm.html", context, status=status)


def _refused(request: MemberRequest, invitation: Invitation, error: PaymentError) -> HttpResponse:
    return render(
        request, "payments/refused.html", {"invitation": invitation, "error": error}, status=400
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
@feature_required("payments")
def pay(request: MemberRequest, pk: int) -> HttpResponse:
    invitation = _invitation(request, pk)
    if request.method == "GET":
        if invitation.status == InvitationStatus.PAID:
            return redirect("payments:history")
        if not invitation.is_pending:
            return _refused(request, invitation, InvitationNotPending(invitation.status))
        return _confirm_page(request, invitation, "pay")
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        return _confirm_page(request, invitation, "pay", status=400)
    try:
        outcome = invitation_pay(
            invitation=invitation, by=request.user, idempotency_key=form.cleaned_data["key"]
        )
    except (InsufficientCredit, WalletInDebt) as exc:
        return _confirm_page(request, invitation, "pay", error=exc, status=409)
    except (InvitationNotPending, IdempotencyKeyReused) as exc:
        return _refused(request, invitation, exc)
    assert outcome.balance_cents is not None  # a payment tells the new balance
    messages.success(
        request,
        _("Paiement effectué : %(title)s pour %(child)s (%(amount)s). Nouveau solde : %(balance)s.")
        % {
            "title": outcome.invitation.activity.title,
            "child": outcome.invitation.beneficiary.get_full_name(),
            "amount": format_cents(outcome.invitation.amount_cents),
            "balance": format_cents(outcome.balance_cents),
        },
    )
    return redirect("payments:invitations")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
@feature_required("payments")
def decline(request: MemberRequest, pk: int) -> HttpResponse:
    invitation = _invitation(request, pk)
    if request.method == "GET":
        if not invitation.activity.is_optional:
            return _refused(request, invitation, MandatoryInvitationCannotBeDeclined())
        if not invitation.is_pending:
            return _refused(request, invitation, InvitationNotPending(invitation.status))
        return _confirm_page(request, invitation, "decline")
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        return _confirm_page(request, invitation, "decline", status=400)
    try:
        outcome = invitation_decline(
            invitation=invitation, by=request.user, idempotency_key=form.cleaned_data["key"]
        )
    except PaymentError as exc:
        return _refused(request, invitation, exc)
    messages.success(
        request,
        _("Invitation déclinée : %(title)s pour %(child)s.")
        % {
            "title": outcome.invitation.activity.title,
            "child": outcome.invitation.beneficiary.get_full_name(),
        },
    )
    return redirect("payments:invitations")


@login_required
@require_POST
@feature_required("payments")
def invitation_auto_pay(request: MemberRequest, pk: int) -> HttpResponse:
    invitation = _invitation(request, pk)
    form = AutoPayForm(request.POST)
    if form.is_valid():
        try:
            invitation_set_auto_pay(invitation=invitation, value=form.cleaned_data["auto_pay"])
        except InvitationNotPending as exc:
            messages.error(request, str(exc))
        else:
            on = form.cleaned_data["auto_pay"]
            messages.success(
                request,
                (
                    _("« %(title)s » sera payée automatiquement à son échéance.")
                    if on
                    else _("« %(title)s » ne sera pas payée automatiquement.")
                )
                % {"title": invitation.activity.title},
            )
    return redirect("payments:invitations")


@login_required
@require_GET
@feature_required("payments")
def document(request: MemberRequest, pk: int) -> FileResponse:
    response = documents.activity_document_response(_invitation(request, pk).activity)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
@feature_required("payments")
def receipt(request: MemberRequest, pk: int) -> HttpResponse:
    invitation = _invitation(request, pk)
    if invitation.payment_id is None:
        raise Http404
    content = documents.receipt_pdf(invitation=invitation)
    return _pdf(content, f"recu-{invitation.payment_id}.pdf")


# --- Wallet -----------------------------------------------------------------------------------


@login_required
@require_GET
@feature_required("payments")
def wallet(request: MemberRequest) -> HttpResponse:
    """ "Mon portefeuille": balance, how to top up (IBAN, structured communication, EPC QR),
    the history with its running balance, and asking for the balance back."""
    return _wallet_page(request, _wallet(request))


def _wallet_page(
    request: MemberRequest,
    wallet: Wallet,
    *,
    withdrawal_form: WithdrawalRequestForm | None = None,
    status: int = 200,
) -> HttpResponse:
    qr_form = QrAmountForm(request.GET or None)
    amount = qr_form.cleaned_data["montant"] if qr_form.is_bound and qr_form.is_valid() else None
    lines = selectors.wallet_lines(wallet=wallet)
    page = Paginator(lines, PAGE_SIZE).get_page(request.GET.get("page"))
    receipts = dict(
        Invitation.objects.filter(
            debtor=request.user,
            payment_id__in=[line.transaction_id for line in page.object_list],
        ).values_list("payment_id", "pk")
    )
    withdrawal_form = withdrawal_form or WithdrawalRequestForm(
        initial={
            # 20,00 in French, 20.00 in English: the field reads both
            "amount": number_format(decimal_from_cents(wallet.balance_cents), 2),
            "holder_name": request.user.full_name,
        }
    )
    return render(
        request,
        "payments/wallet.html",
        {
            "wallet": wallet,
            "page": page,
            "lines": [(line, receipts.get(line.transaction_id)) for line in page.object_list],
            "qr_form": qr_form,
            "auto_pay_form": WalletAutoPayForm(
                initial={"auto_pay_default": wallet.auto_pay_default}
            ),
            "statement_form": StatementForm(initial=StatementForm.initial_period()),
            "withdrawal_form": withdrawal_form,
            "withdrawal_request": selectors.withdrawal_request_latest(wallet=wallet),
            **documents.top_up_context(wallet=wallet, amount_cents=amount),
        },
        status=status,
    )


@login_required
@require_POST
@feature_required("payments")
def wallet_withdrawal_request(request: MemberRequest) -> HttpResponse:
    """The parent asks for the balance back on a bank account; the secretary records it."""
    wallet = _wallet(request)
    form = WithdrawalRequestForm(request.POST)
    if form.is_valid():
        try:
            withdrawal_request_create(
                wallet=wallet,
                amount_cents=form.cleaned_data["amount"],
                iban=form.cleaned_data["iban"],
                holder_name=form.cleaned_data["holder_name"],
                note=form.cleaned_data["note"],
                by=request.user,
            )
        except InsufficientCredit as exc:
            form.add_error(
                "amount",
                _("Votre portefeuille contient %(balance)s : vous ne pouvez pas demander plus.")
                % {"balance": format_cents(exc.balance_cents)},
            )
        except PaymentError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _(
                    "Votre demande est envoyée au secrétariat : après vérification, le virement "
                    "vers votre compte part avec le prochain lot de l'école."
                ),
            )
            return redirect("payments:wallet")
    return _wallet_page(request, wallet, withdrawal_form=form, status=400)


@login_required
@require_POST
@feature_required("payments")
def wallet_auto_pay(request: MemberRequest) -> HttpResponse:
    wallet = _wallet(request)
    form = WalletAutoPayForm(request.POST)
    if form.is_valid():
        wallet_set_auto_pay_default(wallet=wallet, value=form.cleaned_data["auto_pay_default"])
        messages.success(request, _("Votre choix est enregistré."))
    return redirect("payments:wallet")


@login_required
@require_GET
@feature_required("payments")
def statement(request: MemberRequest) -> HttpResponse:
    wallet = _wallet(request)
    form = StatementForm(request.GET or None, initial=StatementForm.initial_period())
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        content = documents.statement_pdf(wallet=wallet, start=start, end=end)
        return _pdf(content, f"releve-{start:%Y%m%d}-{end:%Y%m%d}.pdf")
    status = 400 if form.is_bound else 200
    return render(request, "payments/statement.html", {"form": form}, status=status)


@login_required
@require_GET
@feature_required("payments")
def top_up_sheet(request: MemberRequest) -> HttpResponse:
    wallet = _wallet(request)
    return _pdf(documents.top_up_sheet_pdf(wallet=wallet), "recharger-mon-portefeuille.pdf")


# --- Calendar ---------------------------------------------------------------------------------


# The months the calendar shows: its grid reaches into the weeks around the month, and
# `date` ends at year 1 and 9999 (`?mois=9999-12` was a 500).
CALENDAR_YEARS = range(1900, 3000)


def _month(value: str | None) -> date:
    """The month `?mois=YYYY-MM` names, or the current one for anything else."""
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        if year in CALENDAR_YEARS:
            return date(year, month, 1)
    except (TypeError, ValueError):
        pass
    return timezone.localdate().replace(day=1)


@login_required
@require_GET
@feature_required("payments")
def calendar_month(request: MemberRequest) -> HttpResponse:
    """ "Mon calendrier": due dates and activity dates in a month grid, and the private feed."""
    wallet = _wallet(request)
    first = _month(request.GET.get("mois"))
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    events = selectors.calendar_events(debtor=request.user, start=weeks[0][0], end=weeks[-1][-1])
    by_day: dict[date, list] = {}
    for event in events:
        by_day.setdefault(event.day, []).append(event)
    previous = (first - timedelta(days=1)).replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    feed_url = request.build_absolute_uri(
        reverse("payments:calendar_feed", args=[wallet.calendar_token])
    )
    return render(
        request,
        "payments/calendar.html",
        {
            "first": first,
            "weeks": [[(day, by_day.get(day, [])) for day in week] for week in weeks],
            "month_events": [e for e in events if e.day.month == first.month],
            "previous": previous,
            "following": following,
            "today": timezone.localdate(),
            "feed_url": feed_url,
        },
    )


@login_required
@require_POST
@feature_required("payments")
def calendar_feed_renew(request: MemberRequest) -> HttpResponse:
    wallet_calendar_token_renew(wallet=_wallet(request))
    messages.success(
        request,
        _("Nouvelle adresse créée : l'ancienne ne fonctionne plus. Abonnez-vous à nouveau."),
    )
    return redirect("payments:calendar")


@require_GET
@feature_required("payments")
def calendar_feed(request: TenantHostRequest, token: str) -> HttpResponse:
    """The private iCalendar feed: no login (a phone's calendar cannot log in), the unguessable
    token is the key; renewing it revokes the old address."""
    wallet = selectors.wallet_by_calendar_token(tenant=request.tenant, token=token)
    events = selectors.calendar_events(debtor=wallet.owner)
    body = ical_feed(
        events=events,
        calendar_name=f"{request.tenant.display_name} — {wallet.owner.get_full_name()}",
        host=request.tenant.primary_host or "cartable",
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="calendrier.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["Referrer-Policy"] = "no-referrer"
    return response
