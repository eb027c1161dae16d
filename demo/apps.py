from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Demo tenants, their seeding, the dev inbox and `rundev`: installed only when
    CARTABLE_DEMO is on (portal.settings); no other app imports it."""

    name = "demo"
    label = "demo"
    verbose_name = _("Démonstration")
