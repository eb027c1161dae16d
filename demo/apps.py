from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo tenants, their seeding, the dev inbox and `rundev`: installed only when
    CARTABLE_DEMO is on (portal.settings); no other app imports it."""

    name = "demo"
    label = "demo"
