"""Checkpoints of the ledger's seal check (payments.ledger_verify)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from tenants.models import Tenant
from tenants.scoping import tenant_scoped_manager


class LedgerSealCheckpoint(models.Model):
    """Every line of a tenant up to `up_to_line_id` had a valid seal, and there were
    `line_count` of them, when this was written; signed with the ledger's key, so that whoever
    writes rows without the key cannot move it forward. The next check reads only the lines
    after it (and counts those before it); the nightly check reads them all again."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    up_to_line_id = models.BigIntegerField()
    line_count = models.BigIntegerField()
    signature = models.BinaryField(max_length=32)
    created_at = models.DateTimeField(default=timezone.now)

    objects = tenant_scoped_manager()

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "-up_to_line_id"], name="ledger_checkpoint_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.tenant_id}: ≤ #{self.up_to_line_id} ({self.line_count})"
