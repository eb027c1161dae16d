"""The query behind « Mes invitations », the page parents open most.

One hand-written statement returns the page's rows, the total of pending invitations and the
wallet's balance and automatic-payment default. Through the ORM the same page cost three queries
and more time building them than SQLite or PostgreSQL took to answer; a window COUNT(*) OVER ()
also made the database join every pending row before cutting the page. Here the joins touch only
the rows of the page, and the total is counted from the index on tenant, debtor, status, due_on.
`tests/payments/test_pending_page.py` checks it against the ORM, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from math import ceil

from django.db import connection
from django.http import Http404

from accounts.models import User
from payments import selectors
from payments.models import InvitationStatus
from tenants.models import Tenant

# The keys of each row, as the ORM's .values() would name them.
ROW_KEYS = (
    "pk", "starts_on", "due_on", "amount_cents", "auto_pay", "activity__title", "activity__kind",
    "activity__document", "beneficiary__first_name", "beneficiary__last_name",
)  # fmt: skip

# The page's ids are picked first, from the invitations alone (an index range and a top-N sort of
# small tuples); only those rows are then joined. The total is an uncorrelated subquery: computed
# once. Neither depends on the planner guessing how many invitations the parent has.
_SQL = """
SELECT i.id, i.starts_on, i.due_on, i.amount_cents, i.auto_pay, a.title, a.kind, a.document,
       b.first_name, b.last_name,
       (SELECT COUNT(*) FROM payments_invitation c
         WHERE c.tenant_id = %s AND c.debtor_id = %s AND c.status = %s),
       w.id, w.balance_cents, w.auto_pay_default
  FROM (SELECT p.id FROM payments_invitation p
         WHERE p.tenant_id = %s AND p.debtor_id = %s AND p.status = %s
         ORDER BY p.due_on, p.id
         LIMIT %s OFFSET %s) page
  JOIN payments_invitation i ON i.id = page.id
  JOIN payments_activity a ON a.id = i.activity_id
  JOIN accounts_user b ON b.id = i.beneficiary_id
  LEFT JOIN payments_wallet w ON w.tenant_id = i.tenant_id AND w.owner_id = i.debtor_id
 ORDER BY i.due_on, i.id
"""


@dataclass
class CountedPage:
    object_list: list = field(default_factory=list)
    number: int = 1
    count: int = 0
    per_page: int = 25

    @property
    def paginator(self) -> CountedPage:  # the template reads page.paginator.count
        return self

    @property
    def num_pages(self) -> int:
        return max(1, ceil(self.count / self.per_page))

    def has_previous(self) -> bool:
        return self.number > 1

    def has_next(self) -> bool:
        return self.number < self.num_pages

    def has_other_pages(self) -> bool:
        return self.has_previous() or self.has_next()

    def previous_page_number(self) -> int:
        return self.number - 1

    def next_page_number(self) -> int:
        return self.number + 1


@dataclass(frozen=True)
class WalletSummary:
    """What the page shows of the wallet (the same attribute names as Wallet)."""

    pk: int
    balance_cents: int
    auto_pay_default: bool


@dataclass
class PendingPage:
    page: CountedPage
    # None when the page has no row: the caller reads (or creates) the wallet itself.
    wallet: WalletSummary | None


# Far past any real list: a larger number is the last page, as a number past the end is; an
# OFFSET of `?page=99999999999999999999` rows does not fit the database's integers (a 500).
MAX_PAGE_NUMBER = 1_000_000


def _page_number(number: object) -> int:
    try:
        return min(max(1, int(str(number))), MAX_PAGE_NUMBER)
    except (TypeError, ValueError):
        return 1


def _as_date(value) -> date:
    # SQLite hands back the text of a date when the column comes through a join.
    return value if isinstance(value, date) else date.fromisoformat(value)


def _fetch(*, tenant: Tenant, debtor: User, page: int, per_page: int) -> list[tuple]:
    who: list[int | str] = [tenant.pk, debtor.pk, InvitationStatus.PENDING]
    with connection.cursor() as cursor:
        cursor.execute(_SQL, [*who, *who, per_page, (page - 1) * per_page])
        return cursor.fetchall()


def pending_invitations_page(
    *, tenant: Tenant, debtor: User, number: object, per_page: int
) -> PendingPage:
    """Page `number` of the debtor's pending invitations, by due date (page 1 when `number` is
    not a positive whole number, the last page when it is past the end). 404 for anyone but a
    parent of the tenant."""
    if not selectors.payments_enabled_for_parent(tenant=tenant, user=debtor):
        raise Http404
    page = _page_number(number)
    records = _fetch(tenant=tenant, debtor=debtor, page=page, per_page=per_page)
    if not records:
        if page == 1:
            return PendingPage(CountedPage([], 1, 0, per_page), None)
        total = selectors.invitations_pending(debtor=debtor).count()
        last = max(1, ceil(total / per_page))
        if last >= page:  # the rows went between the two queries
            return PendingPage(CountedPage([], page, total, per_page), None)
        return pending_invitations_page(
            tenant=tenant, debtor=debtor, number=last, per_page=per_page
        )
    rows = []
    for record in records:
        row = dict(zip(ROW_KEYS, record[:10], strict=True))
        row["starts_on"] = _as_date(row["starts_on"])
        row["due_on"] = _as_date(row["due_on"])
        row["auto_pay"] = None if row["auto_pay"] is None else bool(row["auto_pay"])
        rows.append(row)
    first = records[0]
    wallet = None
    if first[11] is not None:
        wallet = WalletSummary(
            pk=first[11], balance_cents=first[12], auto_pay_default=bool(first[13])
        )
    return PendingPage(CountedPage(rows, page, first[10], per_page), wallet)
