from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse


def dev_inbox(request: HttpRequest) -> dict:
    """The page footer's link to the dev inbox, at a tenant's host in demo mode."""
    if settings.DEMO_MODE and getattr(request, "tenant", None) is not None:
        return {"dev_inbox_url": reverse("dev_inbox")}
    return {}
