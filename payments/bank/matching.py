"""Find a wallet's structured communication in a transfer's remittance texts (pure functions).

Payers write it every way: `+++322/2742/60353+++`, `***…***`, `322274260353`, with slashes,
spaces, dots or dashes, inside other words (`Camille Muller 322/2742/60353`), in a structured
creditor reference, in the unstructured text or only in the entry's additional information.
A candidate counts only if its mod-97 check digits are right: never a wrong-checksum number.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from payments.money import structured_parse

# 3 + 4 + 5 digits, with any of the usual separators between the groups, not inside a longer
# number (an IBAN or an RF reference is not read as a communication by accident).
_CANDIDATE = re.compile(r"(?<![\d])(\d{3})[ /.\-]{0,3}(\d{4})[ /.\-]{0,3}(\d{5})(?![\d])")


def communication_bases(texts: Iterable[str]) -> list[str]:
    """The 10-digit bases of every valid structured communication in `texts`, in order, once."""
    found: dict[str, None] = {}
    for text in texts:
        if not text:
            continue
        whole = structured_parse(text)
        if whole:
            found.setdefault(whole)
        for match in _CANDIDATE.finditer(text):
            base = structured_parse("".join(match.groups()))
            if base:
                found.setdefault(base)
    return list(found)
