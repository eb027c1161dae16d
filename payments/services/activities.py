"""Activities: what the school asks the parents to pay for (created by a secretary)."""

from __future__ import annotations

from datetime import date

from accounts.models import User
from payments.exceptions import InvalidAmount
from payments.models import Activity
from tenants.models import School, Tenant


def activity_create(
    *,
    tenant: Tenant,
    school: School,
    title: str,
    kind: str,
    amount_cents: int,
    starts_on: date,
    due_on: date,
    by: User | None,
    details: str = "",
    event_on: date | None = None,
) -> Activity:
    if amount_cents <= 0:
        raise InvalidAmount()
    if school.tenant_id != tenant.id:
        raise ValueError("the school belongs to another tenant")
    return Activity.objects.create(
        tenant=tenant,
        school=school,
        title=title,
        details=details,
        kind=kind,
        amount_cents=amount_cents,
        starts_on=starts_on,
        due_on=due_on,
        event_on=event_on,
        created_by=by,
    )
