"""Reads of people, always within one tenant (and, for secretaries, their schools)."""

from django.db.models import Count, Q, QuerySet

from accounts.models import User
from tenants.models import Tenant


def user_for_login(*, tenant: Tenant | None, identifier: str) -> User | None:
    """The account this identifier names at this host: a tenant's person, or on the platform
    host a platform administrator. Never an account of another tenant."""
    identifier = identifier.strip()
    if not identifier:
        return None
    users = User.objects.filter(identifier__iexact=identifier)
    users = users.filter(tenant=tenant) if tenant else users.filter(tenant__isnull=True)
    return users.select_related("tenant").first()


def people_visible_to(*, viewer: User, tenant: Tenant | None) -> QuerySet[User]:
    """People a member of the admin may see at this host.

    A platform superuser on the platform host sees everyone; a tenant administrator her whole
    tenant; a secretary the people of her schools and the guardians of their students.
    """
    if viewer.is_superuser and tenant is None:
        return User.objects.all()
    if tenant is None or viewer.tenant_id != tenant.id:
        return User.objects.none()
    in_tenant = User.objects.filter(tenant=tenant)
    if viewer.is_superuser or viewer.is_tenant_admin:
        return in_tenant
    if not viewer.is_secretary:
        return User.objects.none()
    school_ids = list(viewer.schools.values_list("id", flat=True))
    return in_tenant.filter(
        Q(schools__in=school_ids) | Q(children__schools__in=school_ids) | Q(pk=viewer.pk)
    ).distinct()


def schools_visible_to(*, viewer: User, tenant: Tenant | None) -> QuerySet:
    from tenants.models import School

    if viewer.is_superuser and tenant is None:
        return School.objects.all()
    if tenant is None or viewer.tenant_id != tenant.id:
        return School.objects.none()
    schools = School.objects.filter(tenant=tenant)
    if viewer.is_superuser or viewer.is_tenant_admin:
        return schools
    return schools.filter(pk__in=viewer.schools.values("pk"))


def classrooms_of(students: QuerySet[User]) -> list[tuple[str, int]]:
    """The classes these students are in, with how many of them each holds, in name order."""
    rows = (
        students.exclude(classroom="")
        .values("classroom")
        .annotate(n=Count("pk", distinct=True))
        .order_by("classroom")
    )
    return [(row["classroom"], row["n"]) for row in rows]
