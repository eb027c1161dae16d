from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from accounts.known_device import known_device_key, known_device_remember
from accounts.login_limits import login_limit_key
from portal.http import client_ip


class AccountAdapter(DefaultAccountAdapter):
    """allauth, narrowed to what a school portal needs: no sign-up, tenant-scoped limits, and
    every mail through the outbox."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def login_key(self, request: HttpRequest, identifier: str) -> str:
        """An identifier's login failures are counted under this key (both logins)."""
        return login_limit_key(tenant=getattr(request, "tenant", None), identifier=identifier)

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        # In a browser where the person logged in before, under its own key (known_device).
        login = self.login_key(request, str(credentials.get("username", "")))
        return known_device_key(request, login)

    def post_login(self, request: HttpRequest, user: Any, **kwargs: Any) -> HttpResponse:
        response = super().post_login(request, user, **kwargs)
        known_device_remember(response, self.login_key(request, user.get_username()))
        return response

    def get_client_ip(self, request: HttpRequest) -> str:
        """The one place that decides the client's address (trusted proxies only): allauth's
        per-address login limits count what the rest of the portal logs."""
        ip = client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine client IP address")
        return ip

    def set_password(self, user: Any, password: str) -> None:
        """The profile's password change: through the one function that also writes to the
        tenant's directory (accounts.directory); a DirectoryError reaches the view."""
        from accounts.directory.services import user_password_set

        user_password_set(user=user, password=password)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        from outbox.services import email_queue

        user = context.get("user")
        tenant = getattr(user, "tenant", None) or getattr(self.request, "tenant", None)
        email_queue(
            tenant=tenant,
            to=email,
            template=template_prefix,
            context={k: v for k, v in context.items() if k != "request"},
            user=user,
        )
