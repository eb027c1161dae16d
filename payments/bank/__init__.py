"""The bank boundary: statements in (camt.053/054), one stored transaction per real transfer."""

from payments.bank.camt import MAX_AMOUNT_CENTS, MAX_FILE_BYTES, statement_parse
from payments.bank.services import bank_import_apply, bank_import_preview

__all__ = [
    "MAX_AMOUNT_CENTS",
    "MAX_FILE_BYTES",
    "bank_import_apply",
    "bank_import_preview",
    "statement_parse",
]
