from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp

from demo.totp import demo_totp_key


class Command(BaseCommand):
    help = "Print the current second-factor code of a demo staff account (demo only)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("identifier", help="for example secretariat.creos")

    def handle(self, *args, identifier: str, **options) -> None:
        from django.conf import settings

        if not settings.DEMO_MODE:
            raise CommandError("Demo codes are only available with CARTABLE_DEMO=1.")
        code = totp(bytes.fromhex(demo_totp_key(identifier)))
        self.stdout.write(f"{code:06d}")
