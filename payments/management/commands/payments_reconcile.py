"""Check every wallet's balance against its ledger lines, every transaction's zero sum, and every
line's seal (payments.ledger_seal)."""

from django.core.management.base import BaseCommand, CommandError

from payments.ledger import ledger_reconcile, ledger_report_lines
from payments.ledger_verify import ledger_seals_verify
from tenants.models import Tenant
from tenants.scoping import tenant_scope


class Command(BaseCommand):
    help = "Vérifie que le solde de chaque portefeuille égale la somme de ses écritures."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--tenant", help="code (slug) d'un seul réseau")
        parser.add_argument(
            "--full",
            action="store_true",
            help="vérifier le sceau de chaque écriture, pas seulement depuis la dernière "
            "vérification sans anomalie (comme la vérification de nuit)",
        )

    def handle(self, *args, **options) -> None:
        tenants = Tenant.objects.order_by("pk")
        if options.get("tenant"):
            tenants = tenants.filter(slug=options["tenant"])
            if not tenants:
                raise CommandError(f"réseau inconnu : {options['tenant']}")
        mismatches, unbalanced, breaks = [], [], []
        for tenant in tenants:
            with tenant_scope(tenant):
                wrong, unbalanced_here = ledger_reconcile()
                breaks += ledger_seals_verify(tenant=tenant, full=options["full"])
            mismatches += wrong
            unbalanced += unbalanced_here
        for line in ledger_report_lines(mismatches, unbalanced, breaks):
            self.stdout.write(line)
        if mismatches or unbalanced or breaks:
            raise CommandError(
                f"{len(mismatches)} portefeuille(s) en écart, {len(unbalanced)} écriture(s) "
                f"déséquilibrée(s), {len(breaks)} ligne(s) au sceau invalide"
            )
        self.stdout.write(self.style.SUCCESS("Tous les portefeuilles concordent avec le journal."))
