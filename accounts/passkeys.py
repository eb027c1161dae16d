"""Passkeys (WebAuthn) through django-otp-webauthn, one relying party per tenant host.

The relying party id is the request's host without its port: a passkey made at one tenant's host
is bound to that host by the authenticator itself (the browser never offers it elsewhere), and the
server refuses it there too (the signed data names the host; the account belongs to another
tenant). The tenant's policy (`Tenant.passkeys`) switches them off, allows them, or requires one of
every staff member (secretariat, network administrators).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_otp_webauthn.helpers import WebAuthnHelper
from django_otp_webauthn.models import WebAuthnCredential

from accounts.models import User
from tenants.models import PasskeyPolicy, Tenant

NAME_MAX_LENGTH = 64


def rp_id(request: HttpRequest) -> str:
    """The relying party id: the host the browser asked for, without its port."""
    host = request.get_host()
    if host.startswith("["):  # an IPv6 literal is never a valid RP id; keep it recognisable
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0]


def rp_name(request: HttpRequest) -> str:
    tenant: Tenant | None = getattr(request, "tenant", None)
    return str(tenant) if tenant is not None else "Cartable"


class TenantWebAuthnHelper(WebAuthnHelper):
    """The expected origin is the request's own scheme and host (with its port)."""

    def get_allowed_origins(self) -> list[str]:
        return [f"{self.request.scheme}://{self.request.get_host()}"]

    def get_credential_display_name(self, user: AbstractBaseUser) -> str:
        assert isinstance(user, User)
        return user.get_full_name()


class TenantPasskeyBackend:
    """Who a verified passkey logs in: its owner, only at the owner's tenant and only where the
    tenant allows passkeys. Not in settings.AUTHENTICATION_BACKENDS (a second backend there
    would make every `login()` without a backend fail): the session is opened with the
    portal's own backend, which loads the person by id on each request."""

    def authenticate(
        self,
        request: HttpRequest | None,
        webauthn_credential: WebAuthnCredential | None = None,
        **kwargs: Any,
    ) -> User | None:
        if request is None or webauthn_credential is None:
            return None
        user = webauthn_credential.user
        tenant = getattr(request, "tenant", None)
        if tenant is None or user.tenant_id != tenant.id or not passkeys_enabled(tenant):
            return None
        return user if user.is_active else None


# Policy ---------------------------------------------------------------------------------------


def passkeys_enabled(tenant: Tenant | None) -> bool:
    return tenant is not None and tenant.passkeys != PasskeyPolicy.OFF


def passkey_required(user: User) -> bool:
    """Staff of a tenant that requires passkeys must have one."""
    tenant = user.tenant
    return bool(
        tenant is not None
        and tenant.passkeys == PasskeyPolicy.STAFF_REQUIRED
        and user.is_staff
        and not user.is_superuser
    )


# Selectors and services ---------------------------------------------------------------------


def passkeys_of(user: User) -> QuerySet[WebAuthnCredential]:
    return WebAuthnCredential.objects.filter(user=user).order_by("created_at")


def passkey_rename(*, user: User, passkey_id: int, name: str) -> bool:
    """Names one of the person's own passkeys; False if it is not theirs or the name is empty."""
    name = name.strip()[:NAME_MAX_LENGTH]
    if not name:
        return False
    return bool(WebAuthnCredential.objects.filter(user=user, pk=passkey_id).update(name=name))


def passkey_remove(*, user: User, passkey_id: int) -> bool:
    """Removes one of the person's own passkeys: it no longer logs anyone in."""
    deleted, _ = WebAuthnCredential.objects.filter(user=user, pk=passkey_id).delete()
    return bool(deleted)


# Staff without a passkey where the tenant requires one --------------------------------------


class PasskeyRequiredMiddleware:
    """Where the tenant requires passkeys for staff, a staff member without one can only add
    one (Mon profil), or log out."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(request, "tenant", None) is not None
            and passkey_required(user)
            and not request.path.startswith(("/static/", "/i18n/", "/cles-d-acces/"))
            # The admin's login confirms a TOTP code, which registering a passkey needs first
            # from someone who has one.
            and request.path
            not in {reverse("profile"), reverse("account_logout"), reverse("admin:login")}
            and not passkeys_of(user).exists()
        ):
            return redirect(reverse("profile") + "#cles-d-acces")
        return self.get_response(request)
