"""Check every wallet's balance against its ledger lines, and every transaction's zero sum."""

from django.core.management.base import BaseCommand, CommandError

from payments.ledger import ledger_reconcile, ledger_report_lines
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
        for line in ledger_report_lines(mismatches, unbalanced):
            self.stdout.write(line)
        if mismatches or unbalanced:
            raise CommandError(
                f"{len(mismatches)} portefeuille(s) en écart, {len(unbalanced)} écriture(s) "
                "déséquilibrée(s)"
            )
        self.stdout.write(self.style.SUCCESS("Tous les portefeuilles concordent avec le journal."))
