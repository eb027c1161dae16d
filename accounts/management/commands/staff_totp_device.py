"""Give a staff member the TOTP device the admin's login asks a code of (README, "The admin's
login"). Run by whoever runs the platform: the key is shown once, here, to be added to the
person's authenticator app (the otpauth:// address is what a QR code would hold)."""

import base64

from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.selectors import user_for_login
from tenants.models import Tenant
from tenants.scoping import scopes_disabled, tenant_scope


class Command(BaseCommand):
    help = "Add a TOTP device to a staff account and print its key (for an authenticator app)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("tenant", help="the network's slug, or - for a platform superuser")
        parser.add_argument("identifier", help="for example secretariat.creos")
        parser.add_argument("--name", default="application", help="the device's name")
        parser.add_argument(
            "--replace", action="store_true", help="remove the person's other TOTP devices"
        )

    def handle(self, *args, tenant: str, identifier: str, name: str, replace: bool, **options):
        network = None
        if tenant != "-":
            network = Tenant.objects.filter(slug=tenant).first()
            if network is None:
                raise CommandError(f"no network with the slug {tenant!r}")
        # The command names its tenant itself: its scope, or the platform's accounts.
        with tenant_scope(network) if network else scopes_disabled():
            user = user_for_login(tenant=network, identifier=identifier)
            if user is None or not user.is_staff:
                raise CommandError(f"{identifier!r} is no active staff account of {tenant!r}")
            if replace:
                TOTPDevice.objects.filter(user=user).delete()
            device = TOTPDevice.objects.create(user=user, name=name, confirmed=True)
        self.stdout.write(f"key (base32): {base64.b32encode(device.bin_key).decode()}")
        self.stdout.write(f"otpauth URL:  {device.config_url}")
