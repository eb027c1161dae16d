"""Passkey ceremonies (django-otp-webauthn's views, narrowed to the host's tenant and its policy,
under the login's per-address limits) and the passkeys of Mon profil (name, remove)."""

from __future__ import annotations

import json
from typing import Any

from allauth.core.internal import ratelimit
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp_webauthn import exceptions, views
from django_otp_webauthn.models import WebAuthnCredential

from accounts import passkeys
from accounts.http import MemberRequest


class PasskeysOff(exceptions.OTPWebAuthnApiError):
    status_code = 404
    default_detail = gettext_lazy("Les clés d'accès ne sont pas proposées ici.")
    default_code = "passkeys_off"


class TooManyAttempts(exceptions.OTPWebAuthnApiError):
    status_code = 429
    default_detail = gettext_lazy("Trop de tentatives. Réessayez dans quelques minutes.")
    default_code = "too_many_attempts"


class PasskeyRefused(exceptions.OTPWebAuthnApiError):
    status_code = 403
    default_detail = gettext_lazy("Cette clé d'accès n'est pas reconnue ici.")
    default_code = "passkey_refused"


def _ip_rates(action: str) -> dict[str, str] | None:
    """The login's per-address rates for `action` (its per-identifier ones need an identifier,
    which a passkey login never types): None when the limits are off (tests)."""
    limits = settings.ACCOUNT_RATE_LIMITS
    if not isinstance(limits, dict) or action not in limits:
        return None
    per_ip = ",".join(r for r in limits[action].split(",") if r.strip().endswith("/ip"))
    return {action: per_ip} if per_ip else None


def _consume(request: HttpRequest, action: str, *, dry_run: bool = False) -> bool:
    config = _ip_rates(action)
    if config is None:
        return True
    usage = ratelimit.consume(
        request, app="allauth.account", action=action, config=config, dry_run=dry_run
    )
    return usage is not None


class _TenantPolicyMixin:
    request: HttpRequest

    def initial(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        if not passkeys.passkeys_enabled(getattr(request, "tenant", None)):
            raise PasskeysOff()
        super().initial(request, *args, **kwargs)  # type: ignore[misc]


class _RegistrationMixin(_TenantPolicyMixin):
    messages = {
        "user_not_verified": gettext_lazy(
            "Confirmez d'abord votre identité avec votre code à 6 chiffres (connexion à "
            "l'administration) avant d'ajouter une clé d'accès."
        )
    }

    def user_is_mfa_enrolled(self, user: Any) -> bool:
        """Staff open the admin with a second factor: a password alone never adds the passkey
        that would open it (the library asks only of people who already have a device)."""
        return bool(user.is_staff) or super().user_is_mfa_enrolled(user)  # type: ignore[misc]


class BeginRegistration(_RegistrationMixin, views.BeginCredentialRegistrationView):
    pass


class CompleteRegistration(_RegistrationMixin, views.CompleteCredentialRegistrationView):
    def post(self, *args: Any, **kwargs: Any) -> HttpResponse:
        data = self.request.data  # type: ignore[attr-defined]
        name = str(data.pop("cartableName", "") or "") if isinstance(data, dict) else ""
        was_verified = self.request.user.is_verified()  # type: ignore[union-attr]
        response = super().post(*args, **kwargs)
        if not was_verified:
            # The library counts the new passkey as this session's second factor: it was not
            # used to log in, and the admin must not open on a password and a fresh passkey.
            self.request.session.pop(DEVICE_ID_SESSION_KEY, None)
        if response.status_code == 200:
            passkey_id = json.loads(response.content)["id"]
            passkeys.passkey_rename(
                user=self.request.user,  # type: ignore[arg-type]
                passkey_id=passkey_id,
                name=name or _("Clé d'accès"),
            )
            messages.success(self.request, _("Clé d'accès ajoutée."))
        return response


class BeginAuthentication(_TenantPolicyMixin, views.BeginCredentialAuthenticationView):
    def check_can_authenticate(self) -> None:
        super().check_can_authenticate()
        if not self.request.user.is_authenticated and not (
            _consume(self.request, "login_failed", dry_run=True) and _consume(self.request, "login")
        ):
            raise TooManyAttempts()


class CompleteAuthentication(_TenantPolicyMixin, views.CompleteCredentialAuthenticationView):
    def check_can_authenticate(self) -> None:
        super().check_can_authenticate()
        if not _consume(self.request, "login_failed", dry_run=True):
            raise TooManyAttempts()

    def check_device_usable(self, device: WebAuthnCredential) -> None:
        tenant = getattr(self.request, "tenant", None)
        if tenant is None or device.user.tenant_id != tenant.id:
            raise PasskeyRefused()
        super().check_device_usable(device)

    def complete_auth(self, device: WebAuthnCredential) -> None:
        if self.request.user.is_authenticated:
            if device.user_id != self.request.user.pk:
                raise PasskeyRefused()
        else:
            user = passkeys.TenantPasskeyBackend().authenticate(
                self.request, webauthn_credential=device
            )
            if user is None:
                raise PasskeyRefused()
            login(self.request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
        otp_login(self.request, device)

    def handle_exception(self, exc: Exception) -> HttpResponse:
        if not isinstance(exc, TooManyAttempts):
            _consume(self.request, "login_failed")
        if isinstance(exc, (ValueError, KeyError, TypeError)):
            # A body that is not a credential: a clear 400, never a 500.
            exc = exceptions.MalformedRequest()
        return super().handle_exception(exc)


# Mon profil -----------------------------------------------------------------------------------


@login_required
@require_POST
def passkey_rename(request: MemberRequest, passkey_id: int) -> HttpResponse:
    if not passkeys.passkeys_enabled(request.tenant):
        raise Http404
    if not passkeys.passkeys_of(request.user).filter(pk=passkey_id).exists():
        raise Http404
    name = request.POST.get("name", "")
    if passkeys.passkey_rename(user=request.user, passkey_id=passkey_id, name=name):
        messages.success(request, _("La clé d'accès a été renommée."))
    else:
        messages.error(request, _("Donnez un nom à la clé d'accès."))
    return redirect_to_passkeys()


@login_required
@require_POST
def passkey_remove(request: MemberRequest, passkey_id: int) -> HttpResponse:
    if not passkeys.passkeys_enabled(request.tenant):
        raise Http404
    if not passkeys.passkey_remove(user=request.user, passkey_id=passkey_id):
        raise Http404
    messages.success(
        request, _("La clé d'accès a été supprimée : elle ne permet plus de se connecter.")
    )
    return redirect_to_passkeys()


def redirect_to_passkeys() -> HttpResponse:
    return redirect(reverse("profile") + "#cles-d-acces")
