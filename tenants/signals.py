"""A tenant or one of its hosts saved or deleted: this process forgets the tenants it keeps per
host (tenants.selectors.tenant_for_host), so its next request reads them again."""

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from tenants.models import Tenant, TenantHost
from tenants.selectors import tenant_cache_clear


@receiver([post_save, post_delete], sender=Tenant, dispatch_uid="tenants.cache.tenant")
@receiver([post_save, post_delete], sender=TenantHost, dispatch_uid="tenants.cache.host")
def tenant_changed(**_kwargs: Any) -> None:
    tenant_cache_clear()
