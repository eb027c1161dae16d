"""Checking the rows against each other and against the tenant's accounts and schools: the
preview. Reads only, in a few queries whatever the size of the file."""

from typing import TypeVar

from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from accounts.csv_import.plan import STUDENT, ImportPlan, PlannedRow, SourceRow
from accounts.csv_import.reading import csv_read
from accounts.csv_import.rows import _row_from_source, _shown
from accounts.identifiers import identifier_base
from accounts.models import User
from accounts.selectors import people_visible_to, schools_visible_to
from tenants.models import Tenant

_QUERY_CHUNK = 500
_PREFIX_CHUNK = 100  # identifier prefixes OR-ed in one query (SQLite caps expression depth)
_T = TypeVar("_T")


def _chunks(items: list[_T], size: int = _QUERY_CHUNK) -> list[list[_T]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _tenant_users(*, identifiers: set[str]) -> dict[str, User]:
    """Accounts of the tenant (tenants.scoping) by lower-cased identifier."""
    found: dict[str, User] = {}
    for chunk in _chunks(sorted(identifiers)):
        users = User.objects.annotate(folded=Lower("identifier")).filter(folded__in=chunk)
        found.update({user.identifier.lower(): user for user in users})
    return found


def _student_number_owners(*, numbers: set[str]) -> dict[str, int]:
    """The pk of the tenant's account (tenants.scoping) holding each of these student numbers."""
    owners: dict[str, int] = {}
    for chunk in _chunks(sorted(numbers)):
        owners.update(
            User.objects.filter(student_number__in=chunk).values_list("student_number", "pk")
        )
    return owners


def _student_numbers_check(*, rows: list[PlannedRow]) -> None:
    """A student number is given once in the file, and is not held by another account of the
    tenant than the one the row updates. Run once `row.existing` is known."""
    number_line: dict[str, int] = {}
    for row in rows:
        number = row.valid_student_number
        if not number:
            continue
        if number in number_line:
            row.errors.append(
                _(
                    "numéro d'élève « %(value)s » présent deux fois dans le fichier "
                    "(déjà ligne %(line)d)"
                )
                % {"value": number, "line": number_line[number]}
            )
        else:
            number_line[number] = row.line
    owners = _student_number_owners(numbers=set(number_line))
    for row in rows:
        owner = owners.get(row.valid_student_number)
        if owner is None or (row.existing is not None and row.existing.pk == owner):
            continue
        # Never name the holder: the viewer may not be allowed to see that account.
        row.errors.append(
            _("numéro d'élève « %(value)s » déjà utilisé par un autre compte du réseau")
            % {"value": row.student_number}
        )


def _identifiers_generate(*, rows: list[PlannedRow]) -> None:
    """Fills the identifier of the rows that left it empty: the same rule as
    `identifier_generate` (base, base1, base2, …), free among the tenant's accounts and every
    identifier of the file, given or generated on an earlier row. A few queries in all."""
    pending = [row for row in rows if row.generated]
    if not pending:
        return
    bases = {
        id(row): identifier_base(first_name=row.first_name, last_name=row.last_name)
        for row in pending
    }
    taken = {row.identifier.lower() for row in rows if row.identifier}
    for chunk in _chunks(sorted(set(bases.values())), _PREFIX_CHUNK):
        prefixes = Q()
        for base in chunk:
            prefixes |= Q(identifier__istartswith=base)
        taken.update(
            value.lower()
            for value in User.objects.filter(prefixes).values_list("identifier", flat=True)
        )
    for row in pending:
        base = bases[id(row)]
        candidate, suffix = base, 0
        while candidate in taken:
            suffix += 1
            candidate = f"{base}{suffix}"
        taken.add(candidate)
        row.identifier = candidate


def _visible_ids(*, viewer: User, tenant: Tenant, users: list[User]) -> set[int]:
    visible = people_visible_to(viewer=viewer, tenant=tenant)
    ids: set[int] = set()
    for chunk in _chunks([user.pk for user in users]):
        ids.update(visible.filter(pk__in=chunk).values_list("pk", flat=True))
    return ids


def csv_plan_validate(*, tenant: Tenant, viewer: User, source: list[SourceRow]) -> ImportPlan:
    """What each row will do, or why it cannot be imported. Reads only."""
    rows = [_row_from_source(item, tenant=tenant) for item in source]

    visible_schools = list(schools_visible_to(viewer=viewer, tenant=tenant).exclude(code=""))
    schools_by_code = {school.code: school for school in visible_schools}
    schools_by_folded_code = {school.code.lower(): school for school in visible_schools}

    first_line: dict[str, int] = {}
    for row in rows:
        key = row.identifier.lower()
        if not key:
            continue
        if key in first_line:
            row.errors.append(
                _(
                    "identifiant « %(identifier)s » présent deux fois dans le fichier "
                    "(déjà ligne %(line)d)"
                )
                % {"identifier": _shown(row.identifier), "line": first_line[key]}
            )
        else:
            first_line[key] = row.line
    in_file = {row.identifier.lower(): row for row in rows if row.identifier}

    numen_line: dict[str, int] = {}
    for row in rows:
        if not row.numen_hash:
            continue
        if row.numen_hash in numen_line:
            row.errors.append(
                _("même NUMEN que la ligne %(line)d") % {"line": numen_line[row.numen_hash]}
            )
        else:
            numen_line[row.numen_hash] = row.line

    # Only identifiers given in the file are known above (`in_file`): a generated one cannot
    # be named in the enfants column.
    _identifiers_generate(rows=rows)

    wanted = set(in_file) | {child.lower() for row in rows for child in row.children}
    existing = _tenant_users(identifiers=wanted)
    visible = _visible_ids(viewer=viewer, tenant=tenant, users=list(existing.values()))

    for row in rows:
        if row.school_code:
            row.school = schools_by_code.get(row.school_code) or schools_by_folded_code.get(
                row.school_code.lower()
            )
            if row.school is None:
                row.errors.append(
                    _("école inconnue « %(code)s »") % {"code": _shown(row.school_code)}
                )

        user = None
        if row.identifier and not row.generated:
            user = existing.get(row.identifier.lower())
        if user is not None:
            if user.pk not in visible:
                row.errors.append(_("identifiant déjà utilisé dans le réseau"))
            elif user.is_secretary or user.is_tenant_admin or user.is_superuser:
                row.errors.append(
                    _(
                        "ce compte appartient au secrétariat ou à l'administration : "
                        "modifiez-le depuis sa fiche"
                    )
                )
            else:
                row.existing = user

        for child in row.children:
            key = child.lower()
            if key == row.identifier.lower():
                row.errors.append(_("une personne ne peut pas être son propre enfant"))
                continue
            sibling = in_file.get(key)
            if sibling is not None:
                if sibling.kind != STUDENT:
                    row.errors.append(
                        _("l'enfant « %(identifier)s » n'est pas un élève dans le fichier")
                        % {"identifier": _shown(child)}
                    )
                continue
            account = existing.get(key)
            if account is None or account.pk not in visible or not account.is_student:
                row.errors.append(
                    _(
                        "enfant inconnu « %(identifier)s » : indiquez l'identifiant d'un élève "
                        "déjà inscrit ou écrit dans la colonne identifiant du fichier (un "
                        "identifiant généré par l'import ne peut pas servir ici)"
                    )
                    % {"identifier": _shown(child)}
                )

    _student_numbers_check(rows=rows)
    return ImportPlan(source=source, rows=rows)


def csv_parse(*, tenant: Tenant, viewer: User, data: bytes) -> ImportPlan:
    """Read an uploaded file and say what importing it would do. Writes nothing.

    Raises CsvImportError when the file as a whole cannot be used.
    """
    source, ignored = csv_read(data)
    plan = csv_plan_validate(tenant=tenant, viewer=viewer, source=source)
    plan.ignored_columns = ignored
    return plan
