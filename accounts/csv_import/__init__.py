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

The package: `plan` (format and dataclasses), `reading` (the file), `rows` (one row's cells),
`validation` (the preview against the tenant), `session` (between preview and confirmation),
`writing` (the transaction), `forms` (the admin's upload form).
"""

from accounts.csv_import.plan import (
    COLUMNS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    CsvImportError,
    ImportPlan,
    ImportPlanInvalid,
    PlannedRow,
    SourceRow,
)
from accounts.csv_import.reading import csv_read
from accounts.csv_import.session import csv_source_dump, csv_source_load
from accounts.csv_import.validation import csv_parse, csv_plan_validate
from accounts.csv_import.writing import csv_import_apply

__all__ = [
    "COLUMNS",
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "CsvImportError",
    "ImportPlan",
    "ImportPlanInvalid",
    "PlannedRow",
    "SourceRow",
    "csv_import_apply",
    "csv_parse",
    "csv_plan_validate",
    "csv_read",
    "csv_source_dump",
    "csv_source_load",
]
