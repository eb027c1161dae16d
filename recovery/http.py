"""Response helpers of the pages a mailed link leads to."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect


def no_referrer(response: HttpResponse) -> HttpResponse:
    """The page was reached with a secret in its URL: no Referer may carry it elsewhere."""
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def link_secret_keep(request: HttpRequest, *, key: str, value: Any, to: str) -> HttpResponse:
    """A mailed link was opened: its secret moves into the session and leaves the address bar."""
    request.session[key] = value
    return no_referrer(redirect(to))
