"""The directory's bind password at rest: encrypted with a key derived from SECRET_KEY (Fernet:
AES-128-CBC + HMAC-SHA256), readable under SECRET_KEY_FALLBACKS while a key rotates. Changing
SECRET_KEY without keeping the old one in the fallbacks means typing the bind password again."""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

_PURPOSE = b"cartable.directory.bind-password"


def _fernet(secret_key: str) -> Fernet:
    key = hashlib.sha256(_PURPOSE + b"\0" + secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def _keys() -> MultiFernet:
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet(key) for key in keys])


def secret_encrypt(plain: str) -> str:
    return _keys().encrypt(plain.encode()).decode()


def secret_decrypt(token: str) -> str | None:
    """The plain secret, or None when no key of this installation opens it."""
    try:
        return _keys().decrypt(token.encode()).decode()
    except (InvalidToken, ValueError):
        return None
