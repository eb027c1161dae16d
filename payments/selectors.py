"""Reads of payments, always within one tenant, and for parents within their own rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import Count, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404

from accounts.models import User
from accounts.selectors import people_visible_condition, people_visible_to, schools_visible_to
from payments.models import (
    Account,
    Activity,
    Invitation,
    InvitationStatus,
    LedgerLine,
    Wallet,
    WithdrawalRequest,
)
from tenants.features import tenant_has_feature
from tenants.models import Tenant

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

ANSWERED = [
    InvitationStatus.PAID,
    InvitationStatus.DECLINED,
    InvitationStatus.REFUNDED,
    InvitationStatus.CANCELLED,
]


def payments_enabled_for_parent(*, tenant: Tenant | None, user: User) -> bool:
    return bool(
        tenant_has_feature(tenant, "payments")
        and user.is_authenticated
        and user.tenant_id == tenant.id
        and user.is_parent
    )


def invitation_get_for_debtor(*, tenant: Tenant | None, user: User, pk: int) -> Invitation:
    """The access helper of every parent view: this tenant's invitation whose debtor is this
    user, or a 404 (another parent's, another tenant's or a made-up id look the same)."""
    if not payments_enabled_for_parent(tenant=tenant, user=user):
        raise Http404
    invitation = (
        Invitation.objects.filter(debtor=user, pk=pk)
        .select_related("activity", "beneficiary", "debtor", "tenant")
        .first()
    )
    if invitation is None:
        raise Http404
    return invitation


def wallet_get_for_owner(*, tenant: Tenant | None, user: User) -> Wallet | None:
    if not payments_enabled_for_parent(tenant=tenant, user=user):
        raise Http404
    return Wallet.objects.filter(owner=user).first()


def wallet_by_calendar_token(*, tenant: Tenant | None, token: str) -> Wallet:
    if not tenant_has_feature(tenant, "payments") or not token:
        raise Http404
    wallet = (
        Wallet.objects.filter(calendar_token=token, owner__is_active=True)
        .select_related("owner")
        .first()
    )
    if wallet is None:
        raise Http404
    return wallet


def _for_debtor(*, debtor: User) -> QuerySet[Invitation]:
    return Invitation.objects.filter(debtor=debtor).select_related(
        "activity", "beneficiary", "debtor"
    )


def invitations_pending(*, debtor: User) -> QuerySet[Invitation]:
    return (
        _for_debtor(debtor=debtor).filter(status=InvitationStatus.PENDING).order_by("due_on", "pk")
    )


def invitations_history(*, debtor: User) -> QuerySet[Invitation]:
    return _for_debtor(debtor=debtor).filter(status__in=ANSWERED).order_by("-starts_on", "-pk")


def wallet_lines(*, wallet: Wallet) -> QuerySet[LedgerLine]:
    """The wallet's history, newest first, with the running balance stored on each line."""
    return (
        LedgerLine.objects.filter(wallet=wallet, account=Account.WALLET)
        .select_related("transaction")
        .order_by("-pk")
    )


def withdrawal_request_latest(*, wallet: Wallet) -> WithdrawalRequest | None:
    """The parent's last request to have the balance paid back (what the wallet page shows)."""
    return WithdrawalRequest.objects.filter(wallet=wallet).order_by("-created_at", "-pk").first()


def wallet_lines_between(*, wallet: Wallet, start: date, end: date) -> list[LedgerLine]:
    return list(
        LedgerLine.objects.filter(
            wallet=wallet,
            account=Account.WALLET,
            created_at__date__gte=start,
            created_at__date__lte=end,
        )
        .select_related("transaction")
        .order_by("pk")
    )


def wallet_balance_before(*, wallet: Wallet, start: date) -> int:
    last = (
        LedgerLine.objects.filter(wallet=wallet, account=Account.WALLET, created_at__date__lt=start)
        .order_by("-pk")
        .values_list("balance_after_cents", flat=True)
        .first()
    )
    return last or 0


@dataclass(frozen=True)
class CalendarEvent:
    day: date
    kind: str  # "due" | "activity"
    title: str
    child: str
    amount_cents: int
    invitation_id: int
    status: str


def calendar_events(
    *, debtor: User, start: date | None = None, end: date | None = None
) -> list[CalendarEvent]:
    """Due dates of pending invitations and dates of activities (unless declined or cancelled)."""
    invitations = _for_debtor(debtor=debtor).exclude(
        status__in=[InvitationStatus.DECLINED, InvitationStatus.CANCELLED]
    )
    events: list[CalendarEvent] = []
    for inv in invitations:
        child = inv.beneficiary.get_full_name()
        if inv.status == InvitationStatus.PENDING:
            events.append(
                CalendarEvent(
                    inv.due_on,
                    "due",
                    inv.activity.title,
                    child,
                    inv.amount_cents,
                    inv.pk,
                    inv.status,
                )
            )
        if inv.activity.event_on and inv.status != InvitationStatus.REFUNDED:
            events.append(
                CalendarEvent(
                    inv.activity.event_on,
                    "activity",
                    inv.activity.title,
                    child,
                    inv.amount_cents,
                    inv.pk,
                    inv.status,
                )
            )
    if start is not None:
        events = [e for e in events if e.day >= start]
    if end is not None:
        events = [e for e in events if e.day <= end]
    return sorted(events, key=lambda e: (e.day, e.kind, e.title, e.child))


# --- Secretaries ---------------------------------------------------------------------------


def activities_visible_to(*, viewer: User, tenant: Tenant | None) -> QuerySet[Activity]:
    if tenant is None:
        return Activity.objects.all() if viewer.is_superuser else Activity.objects.none()
    # The schools' ids, not a subquery: the planner then knows how many activities (and so
    # invitations) they hold, instead of guessing a quarter and sorting a whole state's rows.
    school_ids = list(schools_visible_to(viewer=viewer, tenant=tenant).values_list("pk", flat=True))
    return Activity.objects.filter(school_id__in=school_ids)


def wallets_visible_to(*, viewer: User, tenant: Tenant | None) -> QuerySet[Wallet]:
    if tenant is None:
        return Wallet.objects.all() if viewer.is_superuser else Wallet.objects.none()
    # On the link tables, not through every person's row (accounts' visible_condition).
    visible = people_visible_condition(viewer=viewer, tenant=tenant, key="owner")
    return Wallet.objects.none() if visible is None else Wallet.objects.filter(visible)


def activity_totals(*, activity: Activity) -> dict[str, int]:
    """Counts and amounts per state for one activity (the secretaries' follow-up)."""
    totals: dict[str, int] = activities_with_totals(Activity.objects.filter(pk=activity.pk)).values(
        *TOTAL_FIELDS
    )[0]
    return totals


TOTAL_FIELDS = [
    "n_paid",
    "n_pending",
    "n_declined",
    "n_cancelled",
    "n_refunded",
    "paid_cents",
    "pending_cents",
]


class ActivityTotals(TypedDict):
    """What `activities_with_totals` adds to each activity."""

    n_paid: int
    n_pending: int
    n_declined: int
    n_cancelled: int
    n_refunded: int
    paid_cents: int
    pending_cents: int


def activities_with_totals(
    queryset: QuerySet[Activity],
) -> QuerySet[WithAnnotations[Activity, ActivityTotals]]:
    """Per-state counts and amounts of each activity, as correlated subqueries: computed for the
    rows a page shows (an index on the invitation's activity and state serves each), where a
    join and GROUP BY summed every invitation of the tenant before the page was cut."""

    def of_state(status: str) -> QuerySet[Invitation, Any]:
        return (
            Invitation.objects.filter(activity=OuterRef("pk"), status=status)
            .order_by()
            .values("activity")
        )

    def count(status: str) -> Coalesce:
        counted = of_state(status).annotate(n=Count("pk")).values("n")
        return Coalesce(Subquery(counted), 0)

    def total(status: str) -> Coalesce:
        summed = of_state(status).annotate(s=Sum("amount_cents")).values("s")
        return Coalesce(Subquery(summed), 0)

    return queryset.annotate(
        n_paid=count(InvitationStatus.PAID),
        n_pending=count(InvitationStatus.PENDING),
        n_declined=count(InvitationStatus.DECLINED),
        n_cancelled=count(InvitationStatus.CANCELLED),
        n_refunded=count(InvitationStatus.REFUNDED),
        paid_cents=total(InvitationStatus.PAID),
        pending_cents=total(InvitationStatus.PENDING),
    )


def students_visible_to(*, viewer: User, tenant: Tenant | None) -> QuerySet[User]:
    return people_visible_to(viewer=viewer, tenant=tenant).filter(is_student=True, is_active=True)
