"""Identifiers generated the Académie way: first letter of the first name + surname, lower-case,
accents removed, apostrophes and spaces turned into hyphens, a digit for homonyms (DESIGN.md §4)."""

import re
import unicodedata

from accounts.models import User


def ascii_fold(text: str) -> str:
    """'Éloïse Œdipe' → 'Eloise OEdipe' (accents removed, ligatures spelled out)."""
    text = text.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    text = text.replace("ß", "ss")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def name_key(name: str) -> str:
    """A surname as typed, in a form that compares equal however the apostrophes, spaces,
    hyphens, accents and capitals were typed: "D'Alembert", "d alembert" → "d-alembert"."""
    folded = ascii_fold(name).lower()
    folded = re.sub(r"[’'`´\s_-]+", "-", folded.strip())
    return re.sub(r"[^a-z0-9-]", "", folded).strip("-")


def identifier_base(*, first_name: str, last_name: str) -> str:
    initial = name_key(first_name)[:1]
    return f"{initial}{name_key(last_name)}"[:140] or "compte"


def identifier_generate(*, first_name: str, last_name: str) -> str:
    """The first free identifier of the form base, base1, base2, … within the active tenant
    scope (tenants.scoping)."""
    base = identifier_base(first_name=first_name, last_name=last_name)
    taken = {
        value.lower()
        for value in User.objects.filter(identifier__istartswith=base).values_list(
            "identifier", flat=True
        )
    }
    if base not in taken:
        return base
    suffix = 1
    while f"{base}{suffix}" in taken:
        suffix += 1
    return f"{base}{suffix}"
