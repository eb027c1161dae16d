"""The portal's login backend: accounts' login by identifier (and NUMEN first login), plus
SEPNE's temporary password, which recovery issues (settings.AUTHENTICATION_BACKENDS)."""

from django.http import HttpRequest

from accounts.backends import TenantAuthenticationBackend
from accounts.models import User
from portal.http import client_ip
from recovery.student.services import temporary_password_redeem


class RecoveryAuthenticationBackend(TenantAuthenticationBackend):
    def second_password_redeem(
        self, *, user: User | None, password: str, request: HttpRequest
    ) -> bool:
        """SEPNE: a temporary password mailed to the school mailbox logs in once, then replaces
        the old password and forces a new one. One lookup and one hash whether or not one is
        pending, and whether or not the account exists (`user` None)."""
        return temporary_password_redeem(user=user, password=password, ip=client_ip(request))
