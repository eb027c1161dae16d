import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import cache_control

# Like never_cache, without the time-stamped Expires header: recovery responses must not differ
# from one request to the next by anything but what the visitor sent.
no_store = cache_control(
    no_store=True, no_cache=True, must_revalidate=True, private=True, max_age=0
)


# Where the decision is kept on the request: made once, before the middleware rewrites
# REMOTE_ADDR with it.
_DECIDED = "cartable.client_ip"


def client_ip(request: HttpRequest) -> str | None:
    """The visitor's address: the peer's, unless the peer is a trusted proxy (DESIGN.md §3).

    Behind trusted proxies `X-Forwarded-For` is read from the right: the first address that is
    not itself a trusted proxy is the client (anything left of it may be forged by the client).
    The one place that decides: `ClientAddressMiddleware` writes the answer into REMOTE_ADDR for
    what reads it there (allauth's limits, django-otp, logs), the views ask here.
    """
    if _DECIDED not in request.META:
        request.META[_DECIDED] = _decide(request)
    return request.META[_DECIDED]


class ClientAddressMiddleware:
    """First of all middleware: REMOTE_ADDR becomes the visitor's address (`client_ip`)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        address = client_ip(request)
        if address:
            request.META["REMOTE_ADDR"] = address
        return self.get_response(request)


def _decide(request: HttpRequest) -> str | None:
    peer = request.META.get("REMOTE_ADDR") or None
    if not peer or not _is_trusted(peer):
        return peer
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        if _parsed(hop) is None:
            return peer  # a garbled header: only the peer is known
        if not _is_trusted(hop):
            return hop
    return peer


def _parsed(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(address)
    except ValueError:
        return None


def _is_trusted(address: str) -> bool:
    ip = _parsed(address)
    networks = settings.CARTABLE_TRUSTED_PROXIES
    return ip is not None and any(ip in ipaddress.ip_network(n, strict=False) for n in networks)
