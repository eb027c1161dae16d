"""The secretaries' admin for payments: activities, invitations, wallets and ledger, bank
statements, transfers leaving for bank accounts, one module each (forms, the CSV export and the
shared helpers beside them).

Every admin is tenant-scoped (TenantScopedAdmin) and narrowed to the secretary's schools. The
ledger is read-only for everyone, superusers included: money moves only through the services.
Importing this package registers them all on the portal's admin site.
"""

from payments.admin import activities, bank, invitations, jobs, transfers, wallets

__all__ = ["activities", "bank", "invitations", "jobs", "transfers", "wallets"]
