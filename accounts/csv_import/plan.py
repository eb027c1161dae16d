"""What an import will do: the constants of the file format, the rows as read and as planned,
and the two errors an import raises."""

import re
from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext as _

from accounts.models import User
from tenants.models import School


def _max_length(field_name: str) -> int:
    field = User._meta.get_field(field_name)
    assert isinstance(field, models.CharField) and field.max_length is not None
    return field.max_length


MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
MAX_IDENTIFIER_LENGTH = _max_length("identifier")
MAX_NAME_LENGTH = _max_length("first_name")
MAX_EMAIL_LENGTH = _max_length("email")
MAX_CLASSROOM_LENGTH = _max_length("classroom")

STUDENT = "eleve"
PARENT = "parent"
STAFF = "personnel"
CREATE = "create"
UPDATE = "update"

REQUIRED_COLUMNS = ("type", "identifiant", "prenom", "nom", "ecole")
OPTIONAL_COLUMNS = ("email", "enfants", "numero_eleve", "classe", "migre", "numen")
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
CHILDREN_SEPARATOR = "|"
# The same rule as the constraint user_student_number_ten_digits (ASCII digits only).
_STUDENT_NUMBER_RE = re.compile(r"[0-9]{10}")


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
