"""How many people registered their recovery methods (issue 13, as Entra's "registration
details" report): per school and method on the help desk's front page and its own page, and the
list of who did, always within the viewer's schools.

Counted: the adults the registration policy asks (`recovery.registration.services`): active
members of a school who are not only students. A person of two schools counts in each. Each
figure is one grouped query over the school memberships, whatever the number of people.
"""

from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404

from accounts.models import User
from recovery.codes import PhoneDevice, SecondaryEmailDevice
from tenants.models import School, Tenant
from tenants.selectors import schools_visible_to

METHOD_FILTERS = ("phone", "email", "enough", "missing")


@dataclass(frozen=True)
class SchoolCoverage:
    school_id: int | None  # None: the total over the viewer's schools
    name: str
    people: int
    phone: int
    email: int
    enough: int

    @property
    def missing(self) -> int:
        return self.people - self.enough

    @property
    def percent(self) -> int:
        """Share of people with enough methods, rounded down (never 100 % while one lacks)."""
        return self.enough * 100 // self.people if self.people else 0


@dataclass(frozen=True)
class Coverage:
    required: int  # methods the tenant's two-step reset asks for
    schools: list[SchoolCoverage]
    total: SchoolCoverage


def _asked(prefix: str = "") -> Q:
    """The people the registration policy asks: active adults (a student who is nothing else
    is not asked)."""
    p = prefix
    adult = (
        Q(**{f"{p}is_student": False})
        | Q(**{f"{p}is_parent": True})
        | Q(**{f"{p}is_school_staff": True})
        | Q(**{f"{p}is_secretary": True})
        | Q(**{f"{p}is_tenant_admin": True})
    )
    return Q(**{f"{p}is_active": True}) & adult


def _has(model: type[PhoneDevice] | type[SecondaryEmailDevice], key: str) -> Exists:
    return Exists(model.objects.filter(user_id=OuterRef(key), confirmed=True))


def _enough(phone: Q | Exists, email: Q | Exists, required: int) -> Q:
    both_or_either = (phone & email) if required >= 2 else (phone | email)
    return Q(both_or_either)


def _counts(person: str, required: int) -> dict[str, Count]:
    """Distinct people counted over the left joins to both kinds of devices (hash joins: a
    correlated EXISTS per row took seconds at 100,000 people). `person` is the path to the
    person from the rows counted ("user" from a membership, "" from a person)."""
    key = f"{person}__pk" if person else "pk"
    prefix = f"{person}__" if person else ""
    phone = Q(**{f"{prefix}phonedevice__confirmed": True})
    email = Q(**{f"{prefix}secondaryemaildevice__confirmed": True})
    return {
        "people": Count(key, distinct=True),
        "phone": Count(key, distinct=True, filter=phone),
        "email": Count(key, distinct=True, filter=email),
        "enough": Count(key, distinct=True, filter=_enough(phone, email, required)),
    }


def methods_coverage(*, viewer: User, tenant: Tenant | None) -> Coverage | None:
    """Per school the viewer sees: people asked, with a verified phone, with a verified
    secondary address, with enough methods; and the total over those schools (distinct
    people). None on the platform host (no tenant: no policy to measure). Two queries."""
    if tenant is None:
        return None
    visible = schools_visible_to(viewer=viewer, tenant=tenant).filter(tenant=tenant)
    schools = list(visible.values_list("pk", "name"))
    required = tenant.two_step_methods_required
    memberships = User.schools.through.objects.filter(
        _asked("user__"), school_id__in=[pk for pk, _name in schools], user__tenant=tenant
    )
    counts = {
        row["school_id"]: row
        for row in memberships.values("school_id").annotate(**_counts("user", required)).order_by()
    }
    empty = dict.fromkeys(("people", "phone", "email", "enough"), 0)
    rows = [
        SchoolCoverage(
            school_id=pk,
            name=name,
            **{key: counts.get(pk, empty)[key] for key in empty},
        )
        for pk, name in schools
    ]
    people = User.objects.filter(pk__in=memberships.values("user_id"))
    total = SchoolCoverage(school_id=None, name="", **people.aggregate(**_counts("", required)))
    return Coverage(required=required, schools=rows, total=total)


def school_for_coverage(*, viewer: User, tenant: Tenant | None, school_id: int) -> School:
    """A school of the viewer's, else 404 (another tenant's, another secretary's, made up)."""
    if tenant is None:
        raise Http404
    visible = schools_visible_to(viewer=viewer, tenant=tenant).filter(tenant=tenant)
    school = visible.filter(pk=school_id).first()
    if school is None:
        raise Http404
    return school


def methods_coverage_people(*, school: School, method: str, required: int) -> QuerySet[User]:
    """Who, at this school, has this method ("phone", "email"), enough methods ("enough") or
    not ("missing"): ordered by name (the tenant's name index), each row with its two flags."""
    phone, email = _has(PhoneDevice, "pk"), _has(SecondaryEmailDevice, "pk")
    people = (
        User.objects.filter(_asked(), tenant_id=school.tenant_id, schools=school)
        .annotate(has_phone=phone, has_email=email)
        .order_by("last_name", "first_name", "identifier")
    )
    enough = _enough(phone, email, required)
    filters = {"phone": phone, "email": email, "enough": enough, "missing": ~enough}
    return people.filter(filters.get(method, enough))


COVERAGE_CACHE_SECONDS = 300


def methods_coverage_cached(*, viewer: User, tenant: Tenant | None) -> Coverage | None:
    """The front page's figure, kept five minutes per tenant and set of schools (it needs no
    to-the-second exactness; the coverage page counts afresh)."""
    if tenant is None:
        return None
    if viewer.is_superuser or viewer.is_tenant_admin:
        scope = "all"
    else:
        scope = ",".join(str(pk) for pk in sorted(viewer.schools.values_list("pk", flat=True)))
    key = f"{tenant.slug}:helpdesk-coverage:{tenant.two_step_methods_required}:{scope}"
    coverage: Coverage | None = cache.get(key)
    if coverage is None:
        coverage = methods_coverage(viewer=viewer, tenant=tenant)
        cache.set(key, coverage, COVERAGE_CACHE_SECONDS)
    return coverage
