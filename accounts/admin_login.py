"""The admin's login: identifier, password and TOTP code in one form, checked together.

Every submission does the same work whatever was wrong, so neither the page nor its timing tells
an existing account from an unknown one, nor a right password from a wrong one (issue 12):
one lookup, one password hash (the account's, or a dummy of the same hasher), one device query,
one TOTP computation per device (a dummy device when there is none), and nothing written before
all three factors and the admin right (staff of the host's tenant) passed. The answer to any
failure is one message.

Limits: the portal login's own (allauth's "login_failed", ACCOUNT_RATE_LIMITS), shared, so the
admin is no way around them — per client address (`portal.http.client_ip`, through the adapter)
and per identifier at the tenant. A browser where this person last logged in carries a signed
"known device" cookie: its per-identifier count is its own, so an attacker who exhausts the
identifier's count from elsewhere never locks the owner out (NIST SP 800-63B: throttle, don't
lock; OWASP "device cookies"). The per-address limit applies to everyone.
"""

import functools
import secrets
import time
from typing import Any

from allauth.account.adapter import get_adapter
from allauth.core.internal import ratelimit  # as allauth's adapter counts login failures
from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.hashers import (
    check_password,
    get_hasher,
    identify_hasher,
    is_password_usable,
)
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.hashers import dummy_password_hash
from accounts.known_device import KNOWN_DEVICE_COOKIE as KNOWN_DEVICE_COOKIE
from accounts.known_device import known_device_key, known_device_remember
from accounts.models import User
from accounts.selectors import LoginFacts, login_facts_for

LOGIN_FAILED = "login_failed"  # allauth's action: the portal login counts in the same place


# (pk, key, step, t0, digits, drift, tolerance, last_t) of a TOTP device, as read for the check.
DeviceFacts = tuple[int, str, int, int, int, int, int, int]
DEVICE_FIELDS = ("pk", "key", "step", "t0", "digits", "drift", "tolerance", "last_t")


@functools.cache
def _decoy_device() -> DeviceFacts:
    """A code is checked against it when the person has no device (pk 0: it never matches)."""
    return (0, secrets.token_hex(20), 30, 0, 6, 0, 1, -1)


@functools.cache
def _decoy_account() -> LoginFacts:
    return LoginFacts(0, dummy_password_hash(), False, False, False, False, None)


def _login_key(request: HttpRequest, identifier: str) -> str:
    """The portal login's per-identifier key (tenant-prefixed, accounts.adapter)."""
    return get_adapter(request).login_key(request, identifier)


def _limit_key(request: HttpRequest, identifier: str) -> str:
    return known_device_key(request, _login_key(request, identifier))


def _code_matches(device: DeviceFacts, code: str) -> int | None:
    """The time step the code matches on this device (never one already used), or None.
    Pure: django-otp's `verify_token` writes on failure, which would time the password."""
    _pk, key, step, t0, digits, drift, tolerance, last_t = device
    totp = TOTP(bytes.fromhex(key), step, t0, digits, drift)
    totp.time = time.time()
    token = int(code) if code.isascii() and code.isdigit() else -1
    return totp.t() if totp.verify(token, tolerance, last_t + 1) else None


def _may_enter_admin(account: LoginFacts, request: HttpRequest) -> bool:
    """Active staff of the host's tenant; on the platform host, platform superusers
    (User.is_staff, PortalAdminSite.has_permission)."""
    if not (
        account.is_active
        and (account.is_secretary or account.is_tenant_admin or account.is_superuser)
    ):
        return False
    tenant = getattr(request, "tenant", None)
    if tenant is None:
        return account.is_superuser and account.tenant_id is None
    return account.tenant_id == tenant.id


class CodeInput(forms.TextInput):
    """A one-time code is never written back: the next try needs the next code anyway."""

    def format_value(self, value: Any) -> None:
        return None


class AdminLoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Identifiant"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("Mot de passe"),
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "current-password"}),
    )
    otp_token = forms.CharField(
        label=_("Code à 6 chiffres de votre application d'authentification"),
        max_length=10,
        widget=CodeInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "size": 8}
        ),
    )

    error_messages = {
        "invalid_login": _("Identifiant, mot de passe ou code incorrect."),
        "too_many_attempts": _("Trop de tentatives de connexion. Réessayez dans quelques minutes."),
    }

    def __init__(self, request: HttpRequest | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        # AuthenticationForm would set the model field's label and length again.
        self.fields["username"].label = _("Identifiant")

    def clean(self) -> dict[str, Any]:
        identifier = (self.cleaned_data.get("username") or "").strip()
        password = self.cleaned_data.get("password") or ""
        code = (self.cleaned_data.get("otp_token") or "").replace(" ", "")
        if not (identifier and password and code):
            return self.cleaned_data  # the empty field says so itself
        request = self.request
        assert request is not None  # the admin's LoginView always passes it
        usage = ratelimit.consume(
            request, app="allauth.account", action=LOGIN_FAILED, key=_limit_key(request, identifier)
        )
        if not usage:
            raise forms.ValidationError(
                self.error_messages["too_many_attempts"], code="too_many_attempts"
            )
        user = self._authenticate(request, identifier=identifier, password=password, code=code)
        if user is None:
            raise forms.ValidationError(self.error_messages["invalid_login"], code="invalid_login")
        usage.rollback()  # a success does not count against the limits
        self.user_cache = user
        return self.cleaned_data

    def _authenticate(
        self, request: HttpRequest, *, identifier: str, password: str, code: str
    ) -> User | None:
        tenant = getattr(request, "tenant", None)
        found = login_facts_for(tenant=tenant, identifier=identifier)
        account = found or _decoy_account()
        usable = is_password_usable(account.password)
        encoded = account.password if usable else dummy_password_hash()
        password_ok = check_password(password, encoded) and usable
        devices = list(
            TOTPDevice.objects.filter(user_id=account.pk, confirmed=True)
            .order_by("pk")
            .values_list(*DEVICE_FIELDS)
        )
        matches = [(device, _code_matches(device, code)) for device in devices or [_decoy_device()]]
        if found is None or not (password_ok and _may_enter_admin(account, request)):
            return None
        for device, step in matches:
            if step is not None and device[0] and _device_use(device[0], step):
                user = User.objects.select_related("tenant").get(pk=account.pk)
                _password_upgrade(user, password)
                # django_otp.login reads it once Django's login ran (LoginView)
                user.otp_device = TOTPDevice.objects.get(pk=device[0])  # type: ignore[attr-defined]
                return user
        return None


def _device_use(device_pk: int, step: int) -> bool:
    """Marks the code's step used, once: the same code never logs in twice (a replay, or two
    submissions racing)."""
    updated = TOTPDevice.objects.filter(pk=device_pk, last_t__lt=step).update(
        last_t=step, throttling_failure_count=0, last_used_at=timezone.now()
    )
    return updated == 1


def _password_upgrade(user: User, password: str) -> None:
    """A hash of an older hasher or cost is replaced, once the login fully succeeded (Django
    does it inside `check_password`, which would time a right password)."""
    hasher = identify_hasher(user.password)
    if hasher.algorithm != get_hasher().algorithm or hasher.must_update(user.password):
        user.set_password(password)
        user.save(update_fields=["password"])


def admin_login_remember(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """After a successful admin login, this browser becomes a known device of that person."""
    user = getattr(request, "user", None)
    if (
        user is None
        or request.method != "POST"
        or response.status_code != 302
        or getattr(user, "otp_device", None) is None
    ):
        return response
    known_device_remember(response, _login_key(request, user.get_username()))
    return response
