"""The one way the portal sets a password (DESIGN.md §7b). With a directory, the password goes
to the directory in the same step, and a refusal or an outage leaves both sides as they were."""

import logging
from collections.abc import Iterable

from django.db import transaction

from accounts.directory import client
from accounts.directory.exceptions import DirectoryAccountMissing, DirectoryError
from accounts.directory.models import IdentityStore
from accounts.models import User
from tenants.models import Tenant
from tenants.scoping import tenant_scope

logger = logging.getLogger(__name__)


def identity_store_of(tenant: Tenant | None) -> IdentityStore | None:
    """The tenant's directory, or None when its accounts live in the portal's database."""
    if tenant is None:
        return None
    with tenant_scope(tenant):
        store = IdentityStore.objects.filter(tenant=tenant).first()
    return store if store is not None and store.is_directory else None


def directory_password_push(*, user: User, password: str) -> None:
    """Writes the password to the user's directory, if her tenant has one. Raises a
    DirectoryError (with the sentence for the person) when the directory did not take it."""
    store = identity_store_of(user.tenant)
    if store is None:
        return
    written = client.password_write(store=store, identifier=user.identifier, password=password)
    if not written and not store.portal_only_allowed:
        raise DirectoryAccountMissing(f"user {user.pk} has no single entry in the directory")
    logger.info(
        "directory: password of user %s %s (tenant %s)",
        user.pk,
        "written" if written else "kept in the portal only",
        user.tenant_id,
    )


@transaction.atomic
def user_password_set(*, user: User, password: str, also: Iterable[str] = ()) -> None:
    """Sets and saves the password (and the `also` fields the caller changed on `user`). With a
    directory it is written there too, last, inside the transaction: if the directory refuses or
    is down, the portal's save is rolled back with it and a DirectoryError is raised, so the
    caller's whole step (its own transaction) changes nothing."""
    previous = user.password
    user.set_password(password)
    try:
        user.save(update_fields=["password", *also])
        directory_password_push(user=user, password=password)
    except DirectoryError as error:
        user.password = previous
        logger.warning(
            "directory: password of user %s not written (%s: %s)",
            user.pk,
            type(error).__name__,
            error.detail,
        )
        raise


def directory_login_check(
    *, tenant: Tenant | None, identifier: str, password: str, portal_says: bool
) -> bool | None:
    """Login by the directory: whether the directory takes this password for this identifier;
    None where the tenant does not log in by its directory. When the directory is down, the
    portal's own answer (`portal_says`: its copy of the last password it set) stands."""
    store = identity_store_of(tenant)
    if store is None or not store.login_by_bind:
        return None
    try:
        return client.bind_as(store=store, identifier=identifier, password=password)
    except DirectoryError as error:
        logger.warning("directory: login checked by the portal (%s)", error.detail)
        return portal_says
