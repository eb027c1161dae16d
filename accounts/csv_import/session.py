"""Keeping a plan between the preview and the confirmation, in the session."""

import re

from django.utils.translation import gettext as _

from accounts.csv_import.plan import COLUMNS, MAX_ROWS, CsvImportError, ImportPlan, SourceRow

_NUMEN_HASH_RE = re.compile(r"^[0-9a-f]{64}$")


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
