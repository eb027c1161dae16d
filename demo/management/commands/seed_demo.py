from django.core.management.base import BaseCommand, CommandError

from demo.seed import seed_demo


class Command(BaseCommand):
    help = "Create or refresh the demo tenants and accounts (CARTABLE_DEMO=1 only; idempotent)."

    def handle(self, *args, **options) -> None:
        try:
            counts = seed_demo()
        except RuntimeError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo ready: {counts['tenants']} tenants, {counts['people']} people."
            )
        )
