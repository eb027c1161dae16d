"""The periodic sync (DESIGN.md §7b): people who appear in the tenant's directory come into the
portal, those who left it are deactivated (never deleted), and what the directory owns (names,
addresses, roles from groups) follows it. What the portal owns is never touched: passwords,
recovery methods, wallets, guardian links."""

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.directory import client
from accounts.directory.exceptions import DirectoryError
from accounts.directory.models import DirectoryEntry, IdentityStore
from accounts.models import User
from tenants.scoping import tenant_scope

logger = logging.getLogger(__name__)

OWNED_BY_THE_DIRECTORY = ("first_name", "last_name", "email", "school_email")


class DirectoryLooksEmpty(DirectoryError):
    """The directory returned nobody: a wrong filter or a half-answer, not everyone leaving."""


@dataclass(frozen=True)
class SyncReport:
    seen: int
    created: int
    updated: int
    departed: int
    returned: int

    def __str__(self) -> str:
        return _(
            "%(seen)d dans l'annuaire : %(created)d nouvelles, %(updated)d mises à jour, "
            "%(departed)d parties, %(returned)d revenues"
        ) % {
            "seen": self.seen,
            "created": self.created,
            "updated": self.updated,
            "departed": self.departed,
            "returned": self.returned,
        }


def directory_sync(*, store: IdentityStore, now: datetime | None = None) -> SyncReport:
    """One tenant's sync. Raises a DirectoryError (nothing changed) when the directory cannot
    be read completely, or returns nobody."""
    now = now or timezone.now()
    people = client.people_read(store)
    if not people:
        raise DirectoryLooksEmpty("the directory returned nobody: nothing deactivated")
    with tenant_scope(store.tenant_id):
        report = _apply(store=store, people=people, now=now)
        IdentityStore.objects.filter(pk=store.pk).update(
            last_sync_at=now, last_sync_report=str(report)[:500]
        )
    logger.info("directory sync of tenant %s: %s", store.tenant_id, report)
    return report


@transaction.atomic
def _apply(
    *, store: IdentityStore, people: list[client.DirectoryPerson], now: datetime
) -> SyncReport:
    tenant = store.tenant
    users = {user.identifier.lower(): user for user in User.objects.filter(tenant=tenant)}
    links = {entry.user_id: entry for entry in DirectoryEntry.objects.filter(tenant=tenant)}
    created = updated = 0
    returned: list[int] = []
    seen: list[DirectoryEntry] = []
    seen_users: set[int] = set()
    for person in people:
        user = users.get(person.identifier.lower())
        if user is None:
            user = User(
                tenant=tenant, identifier=person.identifier, is_migrated=True, migrated_at=now
            )
            user.set_unusable_password()  # activation, or the directory's own password to log in
            _copy(user, person)
            user.save()
            users[person.identifier.lower()] = user
            created += 1
        elif _copy(user, person):
            user.save(update_fields=[*OWNED_BY_THE_DIRECTORY, *client.ROLE_GROUPS])
            updated += 1
        if user.pk in seen_users:
            continue  # two entries with one identifier (case): the first one counts
        seen_users.add(user.pk)
        link = links.get(user.pk)
        if link is None:
            link = DirectoryEntry(tenant=tenant, user=user, dn=person.dn, seen_at=now)
            link.save()
            continue
        if link.departed_at is not None and not user.is_active:
            returned.append(user.pk)  # the sync had deactivated her: it brings her back
        link.dn, link.seen_at, link.departed_at = person.dn, now, None
        seen.append(link)
    DirectoryEntry.objects.bulk_update(seen, ["dn", "seen_at", "departed_at"], batch_size=1000)
    User.objects.filter(pk__in=returned).update(is_active=True)
    # Whoever the directory no longer lists: deactivated, never deleted.
    gone = DirectoryEntry.objects.filter(tenant=tenant, departed_at__isnull=True, seen_at__lt=now)
    departed = User.objects.filter(pk__in=gone.values("user_id"), is_active=True).update(
        is_active=False
    )
    gone.update(departed_at=now)
    return SyncReport(
        seen=len(seen_users),
        created=created,
        updated=updated,
        departed=departed,
        returned=len(returned),
    )


def _copy(user: User, person: client.DirectoryPerson) -> bool:
    """The directory's values onto the account; whether anything changed. An empty value in
    the directory does not erase the portal's (a missing attribute is not a removal)."""
    changed = False
    values = {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "email": person.email,
        "school_email": person.school_email,
        **person.roles,
    }
    for field, value in values.items():
        if value in ("", None) or getattr(user, field) == value:
            continue
        setattr(user, field, value)
        changed = True
    return changed


def directory_sync_all() -> dict[int, str]:
    """Every tenant whose directory is synced, each in its own scope; one tenant's failure does
    not stop the others (it is kept in its store's last report)."""
    from tenants.scoping import scopes_disabled

    with scopes_disabled():
        stores = list(
            IdentityStore.objects.filter(kind=IdentityStore.Kind.LDAP, sync_enabled=True)
            .select_related("tenant")
            .order_by("pk")
        )
    results: dict[int, str] = {}
    for store in stores:
        try:
            results[store.tenant_id] = str(directory_sync(store=store))
        except DirectoryError as error:
            logger.warning("directory sync of tenant %s failed: %s", store.tenant_id, error.detail)
            with scopes_disabled():
                IdentityStore.objects.filter(pk=store.pk).update(
                    last_sync_report=(_("échec : %(detail)s") % {"detail": error.detail})[:500]
                )
            results[store.tenant_id] = f"failed: {error.detail}"
    return results
