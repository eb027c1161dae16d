"""Checking one row on its own: its cells, their lengths and formats, its NUMEN."""

from django.contrib.auth.base_user import BaseUserManager
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from accounts.csv_import.plan import (
    _STUDENT_NUMBER_RE,
    CHILDREN_SEPARATOR,
    COLUMNS,
    MAX_CLASSROOM_LENGTH,
    MAX_EMAIL_LENGTH,
    MAX_IDENTIFIER_LENGTH,
    MAX_NAME_LENGTH,
    PARENT,
    STAFF,
    STUDENT,
    PlannedRow,
    SourceRow,
)
from accounts.csv_import.reading import _fold
from accounts.numen import numen_hash, numen_validate
from tenants.models import Tenant

_YES = {"oui", "o", "yes", "y", "1", "vrai", "true", "x"}
_NO = {"non", "n", "no", "0", "faux", "false"}

_STAFF_KEYWORDS = {STAFF, "staff", "enseignant", "enseignante"}


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
