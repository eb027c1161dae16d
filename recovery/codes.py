"""One-time codes (SMS, voice call, secondary e-mail) as django-otp devices (DESIGN.md §3).

django-otp keeps a side-channel token in clear; these devices keep only an HMAC of it, bound to
a context (the recovery request and its step, or the profile verification), with an expiry,
three wrong tries per code and a ceiling of failures per device across re-sent codes.
"""

import hmac
import secrets
from datetime import timedelta
from hashlib import sha256

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import SideChannelDevice
from phonenumber_field.modelfields import PhoneNumberField

CODE_LIFETIME = timedelta(minutes=10)
TRIES_PER_CODE = 3
# Failures counted across re-sent codes; re-sending never resets it, a success does.
FAILURES_PER_DEVICE = 10


def _code_hash(*, device_key: str, context: str, code: str) -> str:
    key = sha256(f"cartable.code:{settings.SECRET_KEY}".encode()).digest()
    return hmac.new(key, f"{device_key}:{context}:{code}".encode(), sha256).hexdigest()


class CodeDevice(SideChannelDevice):
    """Abstract: a device that delivers a 6-digit code and verifies it once."""

    token_hash = models.CharField(max_length=64, blank=True)
    token_context = models.CharField(max_length=80, blank=True)
    token_failures = models.PositiveSmallIntegerField(default=0)
    failures_total = models.PositiveSmallIntegerField(default=0)
    verified_at = models.DateTimeField(_("vérifié le"), null=True, blank=True)

    class Meta(SideChannelDevice.Meta):
        abstract = True

    def code_issue(self, *, context: str) -> str:
        """A fresh 6-digit code for this context; any earlier code of the device dies."""
        code = f"{secrets.randbelow(1_000_000):06d}"
        self.token = None  # django-otp's clear-text field stays empty
        self.token_hash = _code_hash(device_key=self.persistent_id, context=context, code=code)
        self.token_context = context
        self.token_failures = 0
        self.valid_until = timezone.now() + CODE_LIFETIME
        self.save()
        return code

    def code_verify(self, *, context: str, code: str) -> bool:
        """True once for the right code, in its context, before expiry and the try limits."""
        with transaction.atomic():
            device = type(self).objects.select_for_update().get(pk=self.pk)
            ok = device._code_matches(context=context, code=code)
            if ok:
                device.token_hash = ""
                device.failures_total = 0
            elif device.token_hash:
                device.token_failures += 1
                device.failures_total += 1
                if device.token_failures >= TRIES_PER_CODE:
                    device.token_hash = ""  # three wrong tries kill the code
            device.save()
        self.refresh_from_db()
        return ok

    def _code_matches(self, *, context: str, code: str) -> bool:
        if not self.token_hash or self.token_context != context:
            return False
        if self.failures_total >= FAILURES_PER_DEVICE or timezone.now() >= self.valid_until:
            return False
        code = "".join(c for c in (code or "") if c.isdigit())[:6]
        candidate = _code_hash(device_key=self.persistent_id, context=context, code=code)
        return hmac.compare_digest(candidate, self.token_hash)

    @property
    def is_locked(self) -> bool:
        return self.failures_total >= FAILURES_PER_DEVICE

    # django-otp's own API, routed through the hashed codes.
    def generate_token(self, length=6, valid_secs=600, commit=True):  # noqa: ARG002
        return self.code_issue(context="otp")

    def verify_token(self, token) -> bool:
        return self.code_verify(context="otp", code=str(token))


class PhoneDevice(CodeDevice):
    """The recovery mobile phone; codes go by SMS or by a voice call."""

    number = PhoneNumberField(_("numéro de téléphone mobile"))

    class Meta(CodeDevice.Meta):
        verbose_name = _("téléphone de récupération")
        verbose_name_plural = _("téléphones de récupération")

    @property
    def masked(self) -> str:
        return "*****" + str(self.number.as_e164)[-2:]


class SecondaryEmailDevice(CodeDevice):
    """The secondary (private) e-mail address; codes go by mail."""

    email = models.EmailField(_("adresse de messagerie secondaire"))

    class Meta(CodeDevice.Meta):
        verbose_name = _("adresse de récupération")
        verbose_name_plural = _("adresses de récupération")

    @property
    def masked(self) -> str:
        return mask_email(self.email)


# A person's recovery method: a phone or a secondary address.
MethodDevice = PhoneDevice | SecondaryEmailDevice


def mask_email(address: str) -> str:
    """'pierre.martin@charleroi.be' → 'p*****@charleroi.be', as the seed shows."""
    local, _sep, domain = address.partition("@")
    return f"{local[:1]}*****@{domain}"
