"""Cents, euros and Belgian structured communications: pure functions, no database."""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import translation

_AMOUNT_RE = re.compile(r"^\d{1,9}([.,]\d{1,2})?$")
_STRUCTURED_RE = re.compile(
    r"^\+{3}(\d{3})/(\d{4})/(\d{5})\+{3}$|^\*{3}(\d{3})/(\d{4})/(\d{5})\*{3}$"
)


def format_cents(cents: int, *, language: str | None = None) -> str:
    """12345 → '123,45 €' in French ('1 234,50 €' with thousands), '€123.45' in English."""
    language = (language or translation.get_language() or "fr")[:2]
    sign = "-" if cents < 0 else ""
    units, rest = divmod(abs(int(cents)), 100)
    if language == "en":
        return f"{sign}€{units:,}.{rest:02d}"
    grouped = f"{units:,}".replace(",", "\u202f")
    return f"{sign}{grouped},{rest:02d} €"


def parse_euros(text: str) -> int:
    """'5', '5,5', '5.50' → cents. Raises ValueError for anything else (no thousands, no sign)."""
    text = (text or "").strip().replace(" ", "").replace("\u202f", "").replace("€", "")
    if not _AMOUNT_RE.match(text):
        raise ValueError(text)
    return cents_from_decimal(Decimal(text.replace(",", ".")))


def cents_from_decimal(value: Decimal) -> int:
    try:
        return int((value * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))
    except InvalidOperation as exc:
        raise ValueError(str(value)) from exc


def decimal_from_cents(cents: int) -> Decimal:
    return (Decimal(int(cents)) / 100).quantize(Decimal("0.01"))


def structured_check(base: str) -> str:
    """The two check digits of a Belgian structured communication: base mod 97, 0 → 97."""
    if len(base) != 10 or not base.isdigit():
        raise ValueError("a structured communication has 10 digits before its check digits")
    check = int(base) % 97 or 97
    return f"{check:02d}"


def structured_digits(base: str) -> str:
    return base + structured_check(base)


def structured_communication(base: str) -> str:
    """'0000123456' → '+++000/0012/34548+++'."""
    digits = structured_digits(base)
    return f"+++{digits[:3]}/{digits[3:7]}/{digits[7:]}+++"


def structured_parse(text: str) -> str | None:
    """The 10-digit base of a structured communication written any usual way, if its check digits
    are right: '+++000/0012/34548+++', '***…***', '000001234548', with spaces; else None."""
    text = (text or "").strip()
    match = _STRUCTURED_RE.match(text.replace(" ", ""))
    digits = "".join(g for g in match.groups() if g) if match else re.sub(r"[\s/+*]", "", text)
    if len(digits) != 12 or not digits.isdigit():
        return None
    base, check = digits[:10], digits[10:]
    return base if structured_check(base) == check else None


def iban_display(iban: str) -> str:
    """'BE68539007547034' → 'BE68 5390 0754 7034'."""
    compact = re.sub(r"\s", "", iban or "").upper()
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def iban_compact(iban: str) -> str:
    return re.sub(r"\s", "", iban or "").upper()
