"""Import of students, parents and staff from a CSV file, for the secretaries' admin.

Two steps: `csv_parse` reads the file and builds an `ImportPlan` (what each row will do, and why
a row cannot be imported) without writing anything; `csv_import_apply` checks the plan's rows
again inside one transaction and writes them all, or nothing.

The tenant is always the caller's (the request's host), never a column of the file.

An empty `identifiant` is generated the Académie way (`accounts.identifiers`), free in the tenant
and in the file. A staff member's NUMEN is a secret (DESIGN.md §4): it is checked, then only its
keyed hash is kept, in the planned rows, in the session between preview and confirmation
(`csv_source_dump`), and in the database; it is never shown back, not even in an error.

`classe` and `numero_eleve` are for students only. On an update, like `email` and `numen`, an
empty cell keeps what the account has. A student number is unique in the tenant (a database
constraint): a number held by another account is refused without naming that account, which the
secretary may not be allowed to see.
"""

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from typing import TypeVar

from django.contrib.auth.base_user import BaseUserManager
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from accounts.identifiers import identifier_base
from accounts.models import GuardianLink, User
from accounts.numen import numen_hash, numen_validate
from accounts.selectors import people_visible_to, schools_visible_to
from tenants.models import School, Tenant

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
MAX_IDENTIFIER_LENGTH = User._meta.get_field("identifier").max_length
MAX_NAME_LENGTH = User._meta.get_field("first_name").max_length
MAX_EMAIL_LENGTH = User._meta.get_field("email").max_length
MAX_CLASSROOM_LENGTH = User._meta.get_field("classroom").max_length

STUDENT = "eleve"
PARENT = "parent"
STAFF = "personnel"
CREATE = "create"
UPDATE = "update"

REQUIRED_COLUMNS = ("type", "identifiant", "prenom", "nom", "ecole")
OPTIONAL_COLUMNS = ("email", "enfants", "numero_eleve", "classe", "migre", "numen")
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
CHILDREN_SEPARATOR = "|"
_DELIMITERS = (";", ",", "\t")
_YES = {"oui", "o", "yes", "y", "1", "vrai", "true", "x"}
_NO = {"non", "n", "no", "0", "faux", "false"}
_QUERY_CHUNK = 500
_PREFIX_CHUNK = 100  # identifier prefixes OR-ed in one query (SQLite caps expression depth)
_STAFF_KEYWORDS = {STAFF, "staff", "enseignant", "enseignante"}
_NUMEN_HASH_RE = re.compile(r"^[0-9a-f]{64}$")
# The same rule as the constraint user_student_number_ten_digits (ASCII digits only).
_STUDENT_NUMBER_RE = re.compile(r"[0-9]{10}")
_T = TypeVar("_T")


class CsvImportError(ValueError):
    """The file as a whole cannot be used (empty, binary, too large, no usable header), or the
    import cannot go on (the preview expired, the data changed while writing)."""


class ImportPlanInvalid(Exception):
    """Some rows cannot be imported; `plan` says which and why."""

    def __init__(self, plan: "ImportPlan") -> None:
        super().__init__(plan.errors)
        self.plan = plan


@dataclass(frozen=True)
class SourceRow:
    """One line of the file as read: its spreadsheet row number and its cells by column."""

    line: int
    values: dict[str, str]
    extra_cells: bool = False
    # Set instead of values["numen"] when the row comes back from the session: the NUMEN itself
    # is never kept there.
    numen_hash: str = ""


@dataclass
class PlannedRow:
    line: int
    kind: str
    identifier: str
    first_name: str
    last_name: str
    email: str
    school_code: str
    children: list[str]
    migrated: bool
    school: School | None = None
    existing: User | None = None
    # The identifier cell was empty: `identifier` was generated (a new account, never an update).
    generated: bool = False
    numen_hash: str = ""
    # As typed (cleaned), even on a refused row, so that the preview shows it.
    classroom: str = ""
    student_number: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def action(self) -> str:
        return UPDATE if self.existing is not None else CREATE

    @property
    def is_student(self) -> bool:
        return self.kind == STUDENT

    @property
    def is_parent(self) -> bool:
        return self.kind == PARENT

    @property
    def is_staff_member(self) -> bool:
        return self.kind == STAFF

    @property
    def has_numen(self) -> bool:
        return bool(self.numen_hash)

    @property
    def valid_student_number(self) -> str:
        """The number to check against the file and the tenant: "" when there is none or when
        the row is already refused for it."""
        if self.is_student and _STUDENT_NUMBER_RE.fullmatch(self.student_number):
            return self.student_number
        return ""


@dataclass
class ImportPlan:
    source: list[SourceRow]
    rows: list[PlannedRow]
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(row.errors for row in self.rows)

    @property
    def errors(self) -> list[str]:
        return [
            _("Ligne %(line)d : %(error)s") % {"line": row.line, "error": error}
            for row in self.rows
            for error in row.errors
        ]

    @property
    def create_count(self) -> int:
        return sum(1 for row in self.rows if row.action == CREATE)

    @property
    def update_count(self) -> int:
        return sum(1 for row in self.rows if row.action == UPDATE)

    @property
    def has_numen(self) -> bool:
        return any(row.has_numen for row in self.rows)

    # The preview shows these columns only when the file fills them.
    @property
    def has_classroom(self) -> bool:
        return any(row.classroom for row in self.rows)

    @property
    def has_student_number(self) -> bool:
        return any(row.student_number for row in self.rows)


# --- Reading the file ---------------------------------------------------------------------------


def _fold(value: str) -> str:
    """'Élève ' -> 'eleve': case and accents do not matter in headers and keywords."""
    decomposed = unicodedata.normalize("NFKD", value.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _decode(data: bytes) -> str:
    if not data.strip():
        raise CsvImportError(_("Le fichier est vide."))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    elif b"\x00" not in data:
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        for encoding in ("utf-8", "cp1252", "latin-1"):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                continue
    raise CsvImportError(
        _(
            "Ce fichier n'est pas un fichier CSV. Dans votre tableur, choisissez « Enregistrer "
            "sous » puis le format CSV."
        )
    )


def _looks_binary(text: str) -> bool:
    controls = sum(1 for c in text if unicodedata.category(c) == "Cc" and c not in "\r\n\t")
    return controls > 0


def _delimiter(header_line: str) -> str:
    """The delimiter that splits the header into the most known column names."""

    def known(delimiter: str) -> int:
        return sum(1 for name in header_line.split(delimiter) if _fold(name) in COLUMNS)

    return max(_DELIMITERS, key=known)


def csv_read(data: bytes) -> tuple[list[SourceRow], list[str]]:
    """The rows of the file (blank lines skipped) and the header's columns it does not know."""
    if len(data) > MAX_FILE_BYTES:
        raise CsvImportError(
            _("Le fichier dépasse la taille maximale de %(size)d Mo.")
            % {"size": MAX_FILE_BYTES // (1024 * 1024)}
        )
    text = _decode(data)
    if _looks_binary(text):
        raise CsvImportError(
            _(
                "Ce fichier n'est pas un fichier CSV. Dans votre tableur, choisissez « Enregistrer "
                "sous » puis le format CSV."
            )
        )
    text = text.lstrip("\ufeff")
    delimiter = _delimiter(text.split("\n", 1)[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        records = list(reader)
    except csv.Error as exc:
        raise CsvImportError(
            _("Le fichier CSV est mal formé (guillemet non fermé ou cellule trop longue).")
        ) from exc

    header = [_fold(name) for name in records[0]] if records else []
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise CsvImportError(
            _(
                "La première ligne doit nommer les colonnes ; il manque : %(missing)s. "
                "Colonnes attendues : %(expected)s."
            )
            % {"missing": ", ".join(missing), "expected": ", ".join(COLUMNS)}
        )
    duplicated = sorted({name for name in header if name and header.count(name) > 1})
    if duplicated:
        raise CsvImportError(
            _("Colonnes en double dans la première ligne : %(names)s.")
            % {"names": ", ".join(duplicated)}
        )
    ignored = [name for name in records[0] if name.strip() and _fold(name) not in COLUMNS]

    rows = []
    for index, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue
        values = dict.fromkeys(COLUMNS, "")
        for name, cell in zip(header, record, strict=False):
            if name in COLUMNS:
                values[name] = cell
        extra = any(cell.strip() for cell in record[len(header) :])
        rows.append(SourceRow(line=index, values=values, extra_cells=extra))
    if not rows:
        raise CsvImportError(_("Le fichier ne contient aucune personne sous la ligne d'en-tête."))
    if len(rows) > MAX_ROWS:
        raise CsvImportError(
            _("Le fichier compte %(count)d personnes ; un import en accepte %(max)d au plus.")
            % {"count": len(rows), "max": MAX_ROWS}
        )
    return rows, ignored


# --- Checking the rows --------------------------------------------------------------------------


def _shown(value: str) -> str:
    """A cell quoted back in an error message, cut short."""
    return Truncator(value.strip()).chars(60)


def _kind(value: str) -> str | None:
    folded = _fold(value)
    if folded in (STUDENT, "etudiant"):
        return STUDENT
    if folded == PARENT:
        return PARENT
    if folded in _STAFF_KEYWORDS:
        return STAFF
    return None


def _migrated(value: str) -> bool | None:
    folded = _fold(value)
    if not folded or folded in _YES:
        return True
    if folded in _NO:
        return False
    return None


def _row_from_source(source: SourceRow, *, tenant: Tenant) -> PlannedRow:
    values = source.values
    row = PlannedRow(
        line=source.line,
        kind="",
        identifier=values.get("identifiant", "").strip(),
        first_name=values.get("prenom", "").strip(),
        last_name=values.get("nom", "").strip(),
        email=values.get("email", "").strip(),
        school_code=values.get("ecole", "").strip(),
        children=[],
        migrated=True,
    )
    errors = row.errors
    if source.extra_cells:
        errors.append(_("plus de valeurs que de colonnes dans la ligne d'en-tête"))
    if any("\n" in values.get(name, "") or "\r" in values.get(name, "") for name in COLUMNS):
        errors.append(_("retour à la ligne à l'intérieur d'une cellule"))

    kind = _kind(values.get("type", ""))
    if kind is None:
        errors.append(
            _("type inconnu « %(value)s » (attendu : eleve, parent ou personnel)")
            % {"value": _shown(values.get("type", ""))}
        )
    else:
        row.kind = kind

    if len(row.identifier) > MAX_IDENTIFIER_LENGTH:
        errors.append(
            _("identifiant trop long (%(max)d caractères au plus)") % {"max": MAX_IDENTIFIER_LENGTH}
        )
    elif any(c.isspace() for c in row.identifier):
        errors.append(_("l'identifiant ne peut pas contenir d'espace"))

    for value, missing, too_long in (
        (row.first_name, _("prénom manquant"), _("prénom trop long (%(max)d caractères au plus)")),
        (row.last_name, _("nom manquant"), _("nom trop long (%(max)d caractères au plus)")),
    ):
        if not value:
            errors.append(missing)
        elif len(value) > MAX_NAME_LENGTH:
            errors.append(too_long % {"max": MAX_NAME_LENGTH})
    # An empty identifier is generated from the names once the whole file is known.
    row.generated = not row.identifier and bool(row.first_name) and bool(row.last_name)

    if row.email:
        try:
            if len(row.email) > MAX_EMAIL_LENGTH:
                raise ValidationError("too long")
            validate_email(row.email)
        except ValidationError:
            errors.append(_("adresse e-mail invalide « %(value)s »") % {"value": _shown(row.email)})
        else:
            row.email = BaseUserManager.normalize_email(row.email)

    if not row.school_code:
        errors.append(_("école manquante"))

    seen: set[str] = set()
    for child in values.get("enfants", "").split(CHILDREN_SEPARATOR):
        child = child.strip()
        if child and child.lower() not in seen:
            seen.add(child.lower())
            row.children.append(child)
    if row.children and kind == STUDENT:
        errors.append(_("un élève ne peut pas avoir d'enfants (colonne enfants)"))
    elif row.children and kind == STAFF:
        errors.append(
            _("la colonne enfants ne s'applique pas au personnel : importez le parent à part")
        )

    _student_fields_check(row, values=values)
    _numen_check(row, source=source, tenant=tenant)

    migrated = _migrated(values.get("migre", ""))
    if migrated is None:
        errors.append(
            _("valeur « %(value)s » de la colonne migre : oui ou non attendu")
            % {"value": _shown(values.get("migre", ""))}
        )
    else:
        row.migrated = migrated
    return row


def _student_fields_check(row: PlannedRow, *, values: dict[str, str]) -> None:
    """Sets `row.classroom` and `row.student_number`. Their uniqueness is checked later, for the
    whole file at once."""
    # "6e  B" and "6e B" are the same class: invitations to pay go to a whole class.
    row.classroom = " ".join(values.get("classe", "").split())
    row.student_number = values.get("numero_eleve", "").strip()
    if row.kind and row.kind != STUDENT:
        if row.classroom:
            row.errors.append(_("la colonne classe ne s'applique qu'aux élèves"))
        if row.student_number:
            row.errors.append(_("la colonne numero_eleve ne s'applique qu'aux élèves"))
        return
    if len(row.classroom) > MAX_CLASSROOM_LENGTH:
        row.errors.append(
            _("classe trop longue (%(max)d caractères au plus)") % {"max": MAX_CLASSROOM_LENGTH}
        )
    if row.student_number and not _STUDENT_NUMBER_RE.fullmatch(row.student_number):
        row.errors.append(
            _("numéro d'élève « %(value)s » invalide : il compte exactement 10 chiffres")
            % {"value": _shown(row.student_number)}
        )


def _numen_check(row: PlannedRow, *, source: SourceRow, tenant: Tenant) -> None:
    """Sets `row.numen_hash`. The NUMEN is neither kept nor quoted back in an error."""
    typed = source.values.get("numen", "")
    if not typed.strip() and not source.numen_hash:
        return
    if row.kind != STAFF:
        if row.kind:
            row.errors.append(_("le NUMEN ne s'indique que pour un membre du personnel"))
        return
    if not typed.strip():
        row.numen_hash = source.numen_hash  # checked when it was hashed, at the preview
        return
    try:
        numen = numen_validate(typed)
    except ValidationError as exc:
        row.errors.append(_("NUMEN invalide : %(reason)s") % {"reason": " ".join(exc.messages)})
        return
    row.numen_hash = numen_hash(tenant_id=tenant.pk, numen=numen)


def _chunks(items: list[_T], size: int = _QUERY_CHUNK) -> list[list[_T]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _tenant_users(*, tenant: Tenant, identifiers: set[str]) -> dict[str, User]:
    """Accounts of the tenant by lower-cased identifier."""
    found: dict[str, User] = {}
    for chunk in _chunks(sorted(identifiers)):
        users = User.objects.annotate(folded=Lower("identifier")).filter(
            tenant=tenant, folded__in=chunk
        )
        found.update({user.identifier.lower(): user for user in users})
    return found


def _student_number_owners(*, tenant: Tenant, numbers: set[str]) -> dict[str, int]:
    """The pk of the tenant's account holding each of these student numbers."""
    owners: dict[str, int] = {}
    for chunk in _chunks(sorted(numbers)):
        owners.update(
            User.objects.filter(tenant=tenant, student_number__in=chunk).values_list(
                "student_number", "pk"
            )
        )
    return owners


def _student_numbers_check(*, tenant: Tenant, rows: list[PlannedRow]) -> None:
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
    owners = _student_number_owners(tenant=tenant, numbers=set(number_line))
    for row in rows:
        owner = owners.get(row.valid_student_number)
        if owner is None or (row.existing is not None and row.existing.pk == owner):
            continue
        # Never name the holder: the viewer may not be allowed to see that account.
        row.errors.append(
            _("numéro d'élève « %(value)s » déjà utilisé par un autre compte du réseau")
            % {"value": row.student_number}
        )


def _identifiers_generate(*, tenant: Tenant, rows: list[PlannedRow]) -> None:
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
            for value in User.objects.filter(prefixes, tenant=tenant).values_list(
                "identifier", flat=True
            )
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
    _identifiers_generate(tenant=tenant, rows=rows)

    wanted = set(in_file) | {child.lower() for row in rows for child in row.children}
    existing = _tenant_users(tenant=tenant, identifiers=wanted)
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

    _student_numbers_check(tenant=tenant, rows=rows)
    return ImportPlan(source=source, rows=rows)


def csv_parse(*, tenant: Tenant, viewer: User, data: bytes) -> ImportPlan:
    """Read an uploaded file and say what importing it would do. Writes nothing.

    Raises CsvImportError when the file as a whole cannot be used.
    """
    source, ignored = csv_read(data)
    plan = csv_plan_validate(tenant=tenant, viewer=viewer, source=source)
    plan.ignored_columns = ignored
    return plan


# --- Keeping a plan between the preview and the confirmation --------------------------------------


def csv_source_dump(plan: ImportPlan) -> list[list[object]]:
    """The rows as read, in a JSON-friendly shape (for the session), each NUMEN replaced by its
    hash. Only a plan without errors is kept: an invalid NUMEN has no hash to stand for it."""
    if plan.has_errors:
        raise ValueError("Only a plan without errors is kept for the confirmation.")
    return [
        [
            item.line,
            {name: value for name, value in item.values.items() if name != "numen"},
            item.extra_cells,
            row.numen_hash,
        ]
        for item, row in zip(plan.source, plan.rows, strict=True)
    ]


def csv_source_load(payload: object) -> list[SourceRow]:
    """The rows back from `csv_source_dump`; any other shape is refused."""
    expired = CsvImportError(_("L'aperçu a expiré : envoyez le fichier à nouveau."))
    if not isinstance(payload, list) or not 0 < len(payload) <= MAX_ROWS:
        raise expired
    rows: list[SourceRow] = []
    stored_columns = set(COLUMNS) - {"numen"}
    for item in payload:
        if not isinstance(item, list) or len(item) != 4:
            raise expired
        line, values, extra, hashed = item
        if (
            not isinstance(line, int)
            or not isinstance(extra, bool)
            or not isinstance(values, dict)
            or not set(values) <= stored_columns
            or not all(isinstance(value, str) for value in values.values())
            or not isinstance(hashed, str)
            or (hashed and not _NUMEN_HASH_RE.match(hashed))
        ):
            raise expired
        rows.append(SourceRow(line=line, values=dict(values), extra_cells=extra, numen_hash=hashed))
    return rows


# --- Writing ------------------------------------------------------------------------------------


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
    people = _tenant_users(tenant=tenant, identifiers=identifiers)
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
