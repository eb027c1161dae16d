"""Reads of people, always within one tenant (and, for secretaries, their schools)."""

from typing import NamedTuple

from django.db.models import Count, Q, QuerySet

from accounts.models import User
from tenants.models import Tenant
from tenants.selectors import schools_visible_to as schools_visible_to  # re-exported


def _login_candidates(*, tenant: Tenant | None, identifier: str) -> QuerySet[User]:
    users = User.objects.filter(identifier__lower_exact=identifier.strip())
    # A tenant's host sees its people (tenants.scoping); the platform host, its administrators.
    users = users if tenant else users.filter(tenant__isnull=True)
    # Unique per tenant: no ORDER BY, which would tempt the planner into walking the persons
    # list's (tenant, last name) index instead of the lower(identifier) one.
    return users.order_by()


def user_for_login(*, tenant: Tenant | None, identifier: str) -> User | None:
    """The account this identifier names at this host: a tenant's person, or on the platform
    host a platform administrator. Never an account of another tenant."""
    if not identifier.strip():
        return None
    users = _login_candidates(tenant=tenant, identifier=identifier)
    return next(iter(users.select_related("tenant")[:1]), None)


class LoginFacts(NamedTuple):
    """What the admin's login checks of an account, read as one tuple: no model instance, so
    that an unknown identifier (a decoy tuple) costs the same as a known one."""

    pk: int
    password: str
    is_active: bool
    is_secretary: bool
    is_tenant_admin: bool
    is_superuser: bool
    tenant_id: int | None


def login_facts_for(*, tenant: Tenant | None, identifier: str) -> LoginFacts | None:
    """`user_for_login`'s account, as `LoginFacts`."""
    rows = _login_candidates(tenant=tenant, identifier=identifier).values_list(*LoginFacts._fields)
    row = next(iter(rows[:1]), None)
    return LoginFacts(*row) if row is not None else None


def people_visible_to(*, viewer: User, tenant: Tenant | None) -> QuerySet[User]:
    """People a member of the admin may see at this host (the rule is `UserManager.visible_to`).

    A platform superuser on the platform host sees everyone; a tenant administrator her whole
    tenant; a secretary the people of her schools and the guardians of their students.
    """
    return User.objects.visible_to(viewer=viewer, tenant=tenant)


def people_visible_condition(
    *, viewer: User, tenant: Tenant | None, key: str, unowned: bool = False
) -> Q | None:
    """`people_visible_to` as a condition on another model's column `key` holding a person's
    id (a log's "user"): None when the viewer sees nobody, an empty Q when she sees everyone;
    with `unowned`, rows of no person too (`UserManager.visible_condition`)."""
    return User.objects.visible_condition(viewer=viewer, tenant=tenant, key=key, unowned=unowned)


def person_manageable_by(*, viewer: User, person: User) -> bool:
    """Whether the viewer may change, deactivate or send a reset to this person: staff manage
    only people with fewer rights than their own (DESIGN.md §3); a platform superuser manages
    everyone. Visibility (tenant, schools) is checked apart, by `people_visible_to`."""
    return viewer.is_superuser or person.rights_rank < viewer.rights_rank


def people_manageable_condition(*, viewer: User) -> Q:
    """`person_manageable_by` as a condition on people."""
    if viewer.is_superuser:
        return Q()
    outranking = Q(is_superuser=True)
    if viewer.rights_rank <= 2:
        outranking |= Q(is_tenant_admin=True)
    if viewer.rights_rank <= 1:
        outranking |= Q(is_secretary=True)
    if viewer.rights_rank == 0:
        return Q(pk__in=[])
    return ~outranking


def classrooms_of(students: QuerySet[User]) -> list[tuple[str, int]]:
    """The classes these students are in, with how many of them each holds, in name order."""
    rows = (
        students.exclude(classroom="")
        .values("classroom")
        .annotate(n=Count("pk", distinct=True))
        .order_by("classroom")
    )
    return [(row["classroom"], row["n"]) for row in rows]
