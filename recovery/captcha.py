"""Captcha challenges without look-alike characters (no 0/O, 1/I/L), read aloud letter by letter,
and the captcha field the NUMEN and two-step forms show."""

import secrets

from captcha.fields import CaptchaField
from django.utils.translation import gettext_lazy as _

_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def readable_challenge() -> tuple[str, str]:
    from django.conf import settings

    text = "".join(secrets.choice(_ALPHABET) for _ in range(settings.CAPTCHA_LENGTH))
    return text, text.lower()


def captcha_field() -> CaptchaField:
    return CaptchaField(
        label=_("Saisir le code affiché"),
        error_messages={"invalid": _("Le code de sécurité est incorrect ou a expiré.")},
    )
