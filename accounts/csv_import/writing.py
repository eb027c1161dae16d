"""Writing a plan: every row, or none, checked again inside the transaction."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.csv_import.plan import CsvImportError, ImportPlan, ImportPlanInvalid
from accounts.csv_import.validation import _QUERY_CHUNK, _tenant_users, csv_plan_validate
from accounts.models import GuardianLink, User
from tenants.models import Tenant

_UPDATED_FIELDS = [
    "first_name",
    "last_name",
    "email",
    "is_student",
    "is_parent",
    "is_school_staff",
    "numen_hash",
    "classroom",
    "student_number",
]


@transaction.atomic
def _apply(*, plan: ImportPlan, tenant: Tenant, viewer: User) -> int:
    fresh = csv_plan_validate(tenant=tenant, viewer=viewer, source=plan.source)
    if fresh.has_errors:
        raise ImportPlanInvalid(fresh)

    new_users: list[User] = []
    updated_users: list[User] = []
    for row in fresh.rows:
        if row.existing is None:
            user = User(
                tenant=tenant,
                identifier=row.identifier,
                first_name=row.first_name,
                last_name=row.last_name,
                email=row.email,
                is_student=row.is_student,
                is_parent=row.is_parent,
                is_school_staff=row.is_staff_member,
                is_migrated=row.migrated,
                numen_hash=row.numen_hash,
                classroom=row.classroom,
                student_number=row.student_number,
            )
            user.set_unusable_password()
            new_users.append(user)
        else:
            user = row.existing
            user.first_name = row.first_name
            user.last_name = row.last_name
            user.email = row.email or user.email
            user.is_student = user.is_student or row.is_student
            user.is_parent = user.is_parent or row.is_parent
            user.is_school_staff = user.is_school_staff or row.is_staff_member
            user.numen_hash = row.numen_hash or user.numen_hash
            user.classroom = row.classroom or user.classroom
            user.student_number = row.student_number or user.student_number
            updated_users.append(user)
    User.objects.bulk_create(new_users, batch_size=_QUERY_CHUNK)
    User.objects.bulk_update(updated_users, _UPDATED_FIELDS, batch_size=_QUERY_CHUNK)

    identifiers = {row.identifier.lower() for row in fresh.rows}
    identifiers |= {child.lower() for row in fresh.rows for child in row.children}
    people = _tenant_users(identifiers=identifiers)
    membership = User.schools.through
    membership.objects.bulk_create(
        [
            membership(user_id=people[row.identifier.lower()].pk, school_id=row.school.pk)
            for row in fresh.rows
            if row.school is not None
        ],
        batch_size=_QUERY_CHUNK,
        ignore_conflicts=True,
    )
    GuardianLink.objects.bulk_create(
        [
            GuardianLink(
                tenant=tenant,
                parent=people[row.identifier.lower()],
                child=people[child.lower()],
            )
            for row in fresh.rows
            for child in row.children
        ],
        batch_size=_QUERY_CHUNK,
        ignore_conflicts=True,
    )
    return len(fresh.rows)


def csv_import_apply(*, plan: ImportPlan, tenant: Tenant, viewer: User) -> int:
    """Import every row of the plan, or none: the rows are checked again in the transaction.

    Returns how many people were created or updated. Raises ImportPlanInvalid (with the fresh
    plan) when a row cannot be imported, for instance because the data changed since the preview.
    """
    if tenant is None or viewer.tenant_id != tenant.pk:
        raise ValueError("An import is made by a member of the tenant, at the tenant's host.")
    try:
        return _apply(plan=plan, tenant=tenant, viewer=viewer)
    except IntegrityError:
        # Someone wrote one of these people between our check and our write: nothing was kept.
        fresh = csv_plan_validate(tenant=tenant, viewer=viewer, source=plan.source)
        if fresh.has_errors:
            raise ImportPlanInvalid(fresh) from None
        raise CsvImportError(
            _("Les données ont changé pendant l'import ; rien n'a été importé, recommencez.")
        ) from None
