"""The NUMEN is a secret: stored only as a keyed hash, validated for shape, never shown back."""

import hmac
import re
from hashlib import sha256

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

NUMEN_LENGTH = 13
_NUMEN_RE = re.compile(r"^[0-9A-Z]{13}$")


def numen_normalise(value: str) -> str:
    """Spaces dropped, capitals: what people type on a form ('05 e 0512345 abc')."""
    return re.sub(r"\s+", "", value or "").upper()


def numen_validate(value: str) -> str:
    numen = numen_normalise(value)
    if not _NUMEN_RE.match(numen):
        raise ValidationError(
            _("Le NUMEN compte 13 caractères (chiffres et lettres), par exemple 05E0512345ABC."),
            code="numen_format",
        )
    return numen


def numen_hash(*, tenant_id: int | None, numen: str) -> str:
    """HMAC-SHA256 under a key derived from the secret key; bound to the tenant. `numen` is
    hashed exactly as given (the first-login check relies on capitals mattering)."""
    key = sha256(f"cartable.numen:{settings.SECRET_KEY}".encode()).digest()
    return hmac.new(key, f"{tenant_id}:{numen}".encode(), sha256).hexdigest()


def numen_matches(*, stored_hash: str, tenant_id: int, candidate: str) -> bool:
    if not stored_hash:
        return False
    return hmac.compare_digest(stored_hash, numen_hash(tenant_id=tenant_id, numen=candidate))
