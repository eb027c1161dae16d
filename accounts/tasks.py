"""Celery tasks of accounts: ids in (or nothing), one service call."""

from celery import shared_task
from django.utils.translation import gettext as _

from accounts.directory.exceptions import DirectoryError
from accounts.directory.models import IdentityStore
from accounts.directory.sync import directory_sync, directory_sync_all
from tenants.scoping import in_scope_of


@shared_task(acks_late=True, ignore_result=True)
def sync_directories() -> dict[int, str]:
    """Celery beat, hourly: every tenant's directory sync (DESIGN.md §7b)."""
    return directory_sync_all()


@shared_task(acks_late=True, ignore_result=True)
@in_scope_of(IdentityStore)
def sync_directory(store_id: int) -> str:
    """One tenant's sync, asked for by its administrator."""
    store = IdentityStore.objects.select_related("tenant").get(pk=store_id)
    try:
        return str(directory_sync(store=store))
    except DirectoryError as error:
        IdentityStore.objects.filter(pk=store_id).update(
            last_sync_report=(_("échec : %(detail)s") % {"detail": error.detail})[:500]
        )
        return f"failed: {error.detail}"
