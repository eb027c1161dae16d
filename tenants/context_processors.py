from django.conf import settings
from django.http import HttpRequest


def tenant(request: HttpRequest) -> dict:
    return {"tenant": getattr(request, "tenant", None), "demo_mode": settings.DEMO_MODE}
