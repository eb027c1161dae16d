"""Check every wallet's balance against its ledger lines, and every transaction's zero sum."""

from django.core.management.base import BaseCommand, CommandError

from payments.ledger import ledger_reconcile
from payments.money import format_cents
from tenants.models import Tenant
from tenants.scoping import tenant_scope


class Command(BaseCommand):
    help = "Vérifie que le solde de chaque portefeuille égale la somme de ses écritures."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--tenant", help="code (slug) d'un seul réseau")

    def handle(self, *args, **options) -> None:
        tenants = Tenant.objects.order_by("pk")
        if options.get("tenant"):
            tenants = tenants.filter(slug=options["tenant"])
            if not tenants:
                raise CommandError(f"réseau inconnu : {options['tenant']}")
        mismatches, unbalanced = [], []
        for tenant in tenants:
            with tenant_scope(tenant):
                wrong, unbalanced_here = ledger_reconcile()
            mismatches += wrong
            unbalanced += unbalanced_here
        for m in mismatches:
            self.stdout.write(
                f"ÉCART portefeuille #{m.wallet_id} ({m.owner}) : "
                f"solde {format_cents(m.balance_cents)}, écritures {format_cents(m.ledger_cents)}, "
                f"dernier solde courant "
                f"{format_cents(m.last_running_cents) if m.last_running_cents is not None else '—'}"
            )
        for pk in unbalanced:
            self.stdout.write(f"ÉCRITURE DÉSÉQUILIBRÉE #{pk}")
        if mismatches or unbalanced:
            raise CommandError(
                f"{len(mismatches)} portefeuille(s) en écart, {len(unbalanced)} écriture(s) "
                "déséquilibrée(s)"
            )
        self.stdout.write(self.style.SUCCESS("Tous les portefeuilles concordent avec le journal."))
