import ipaddress

from django.conf import settings
from django.http import HttpRequest
from django.views.decorators.cache import cache_control

# Like never_cache, without the time-stamped Expires header: recovery responses must not differ
# from one request to the next by anything but what the visitor sent.
no_store = cache_control(
    no_store=True, no_cache=True, must_revalidate=True, private=True, max_age=0
)


def client_ip(request: HttpRequest) -> str | None:
    """The visitor's address: the peer's, unless the peer is a trusted proxy (DESIGN.md §3).

    Behind trusted proxies `X-Forwarded-For` is read from the right: the first address that is
    not itself a trusted proxy is the client (anything left of it may be forged by the client).
    """
    peer = request.META.get("REMOTE_ADDR") or None
    trusted = settings.CARTABLE_TRUSTED_PROXIES
    if not peer or not _is_trusted(peer, trusted):
        return peer
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _valid(hop):
            return peer
        if not _is_trusted(hop, trusted):
            return hop
    return peer


def _valid(address: str) -> bool:
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True


def _is_trusted(address: str, networks: list[str]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(net, strict=False) for net in networks)
