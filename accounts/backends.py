from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.hashers import check_password
from django.http import HttpRequest

from accounts.directory.services import directory_login_check
from accounts.hashers import dummy_password_hash
from accounts.models import User
from accounts.numen import numen_matches
from accounts.selectors import user_for_login
from tenants.features import tenant_has_feature


class TenantAuthenticationBackend(AuthenticationBackend):
    """Login by identifier, looked up only within the tenant of the request's host.

    allauth's backend checks the password (and hashes a dummy one for unknown identifiers so
    that both take the same time); only the lookup is ours, plus the Académie's one-time first
    login with the NUMEN in capitals where the tenant enables it.
    """

    def _authenticate(self, request: HttpRequest | None, **credentials) -> AbstractBaseUser | None:
        identifier = credentials.get("username") or credentials.get("identifier") or ""
        if request is None or not identifier:
            return None
        tenant = getattr(request, "tenant", None)
        if tenant is None and not getattr(request, "is_platform_host", False):
            return None
        user = user_for_login(tenant=tenant, identifier=identifier)
        password = credentials.get("password") or ""
        # An account without a password yet costs the same hash: Django's check_password hashes
        # a random string for an unusable password.
        authenticated = self._check_password(user, password)
        if user is None:
            # The same verification, at the same moment, against a dummy hash (not allauth's
            # hash after the fact: a hash costs a little more than a check, and in another order).
            self._mitigate_timing_attack(password)
            self._did_check_password = True
        # Where the tenant logs in by its directory, the directory decides (same work for
        # unknown identifiers: accounts.directory.client.bind_as).
        by_directory = directory_login_check(
            tenant=tenant,
            identifier=user.identifier if user is not None else identifier,
            password=password,
            portal_says=authenticated is not None,
        )
        if by_directory is not None:
            can = user is not None and by_directory and self.user_can_authenticate(user)
            authenticated = user if can else None
        if authenticated is None and user is not None and _numen_first_login(user, password):
            self._did_check_password = True
            if self.user_can_authenticate(user):
                user.must_change_password = True
                user.save(update_fields=["must_change_password"])
                return user
        if authenticated is None:
            # Every failed login pays a second hash and the same lookup, whether a temporary
            # password is pending or not, and whether the account exists or not: the time tells
            # neither that a reset is on nor that the account exists.
            candidate = user if user is not None and self.user_can_authenticate(user) else None
            if self.second_password_redeem(user=candidate, password=password, request=request):
                return user
        return authenticated

    def _mitigate_timing_attack(self, password: str) -> None:
        """allauth hashes the password when there is no account to check it against; a check
        against a dummy hash instead makes an unknown account's work the same as a real one's:
        a verification, then (second_password_redeem) a hash."""
        check_password(password, dummy_password_hash())

    def second_password_redeem(
        self, *, user: User | None, password: str, request: HttpRequest
    ) -> bool:
        """Another password this account may log in with once (recovery's backend adds SEPNE's
        temporary password). It costs exactly one hash, as this default does, so that every
        failed login costs the same two; `user` is None for an unknown or inactive account,
        which costs the same work and never logs in."""
        self._mitigate_timing_attack(password)
        return False


def _numen_first_login(user: User, password: str) -> bool:
    """Only before the account has any password of its own, only the NUMEN in capitals."""
    tenant = user.tenant
    return bool(
        tenant
        and tenant_has_feature(tenant, "numen_initial_login")
        and not user.has_usable_password()
        and numen_matches(stored_hash=user.numen_hash, tenant_id=tenant.id, candidate=password)
    )
