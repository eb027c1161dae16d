"""The dev inbox: every message of the tenant, so a person can follow a flow without a phone.

The demo app is installed only in demo mode; the views still answer 404 if DEMO_MODE is off.
"""

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from demo import selectors
from tenants.http import TenantRequest


def _require_demo() -> None:
    if not settings.DEMO_MODE:
        raise Http404


@never_cache
@require_GET
def dev_inbox(request: TenantRequest) -> HttpResponse:
    _require_demo()
    tenant = request.tenant
    messages = list(selectors.inbox_messages(tenant=tenant)[: selectors.INBOX_LIMIT])
    return render(
        request,
        "demo/dev_inbox.html",
        {
            "inbox": messages,
            "limit": selectors.INBOX_LIMIT,
            "codes": selectors.demo_totp_codes(tenant=tenant),
        },
    )


@never_cache
@require_GET
def dev_inbox_message(request: TenantRequest, message_id: int) -> HttpResponse:
    _require_demo()
    message = selectors.inbox_message_get(message_id=message_id)
    return render(request, "demo/dev_inbox_message.html", {"message": message})
