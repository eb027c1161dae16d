"""Captcha challenges without look-alike characters (no 0/O, 1/I/L), read aloud letter by letter."""

import secrets

_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def readable_challenge() -> tuple[str, str]:
    from django.conf import settings

    text = "".join(secrets.choice(_ALPHABET) for _ in range(settings.CAPTCHA_LENGTH))
    return text, text.lower()
