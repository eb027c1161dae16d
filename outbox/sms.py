"""SMS and voice backends, chosen by settings.SMS_BACKEND, in the manner of Django's mail backends.

A backend's `send` returns when the provider accepted the message, raises
`RetryableDeliveryError` when a later try may succeed (timeouts, 5xx) and
`PermanentDeliveryError` when it will not (4xx). The text holds codes: no backend logs or prints it.
"""

import logging
import sys
from typing import TextIO

import requests
from django.conf import settings
from django.utils.module_loading import import_string

from outbox.exceptions import PermanentDeliveryError, RetryableDeliveryError
from outbox.models import mask_recipient

logger = logging.getLogger(__name__)


class BaseSmsBackend:
    def send(self, *, to: str, text: str, channel: str) -> None:
        raise NotImplementedError


class OutboxSmsBackend(BaseSmsBackend):
    """Stores only: the row is the message, shown in the dev inbox."""

    def send(self, *, to: str, text: str, channel: str) -> None:
        return None


class ConsoleSmsBackend(BaseSmsBackend):
    """Prints who would be reached and how long the text is; never the text."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream

    def send(self, *, to: str, text: str, channel: str) -> None:
        stream = self.stream or sys.stdout
        stream.write(f"[{channel}] → {to} ({len(text)} caractères, texte masqué)\n")
        stream.flush()


class HttpSmsBackend(BaseSmsBackend):
    """POSTs {"to", "text", "channel"} as JSON to SMS_GATEWAY_URL with a bearer token."""

    def __init__(
        self, url: str | None = None, token: str | None = None, timeout: float | None = None
    ) -> None:
        self.url = url if url is not None else settings.SMS_GATEWAY_URL
        self.token = token if token is not None else settings.SMS_GATEWAY_TOKEN
        self.timeout = timeout if timeout is not None else settings.SMS_GATEWAY_TIMEOUT

    def send(self, *, to: str, text: str, channel: str) -> None:
        if not self.url:
            raise PermanentDeliveryError("SMS_GATEWAY_URL n'est pas configuré")
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        try:
            response = requests.post(
                self.url,
                json={"to": to, "text": text, "channel": channel},
                headers=headers,
                timeout=self.timeout,
            )
        except requests.Timeout as exc:
            raise RetryableDeliveryError("passerelle SMS : délai dépassé") from exc
        except requests.RequestException as exc:
            # The exception's text may quote the request; keep only its kind.
            raise RetryableDeliveryError(
                f"passerelle SMS injoignable ({type(exc).__name__})"
            ) from exc
        if response.status_code >= 500:
            raise RetryableDeliveryError(f"passerelle SMS : HTTP {response.status_code}")
        if response.status_code >= 400:
            raise PermanentDeliveryError(f"passerelle SMS : refusé, HTTP {response.status_code}")
        logger.info("SMS gateway accepted a %s to %s", channel, mask_recipient(to))


BACKENDS = {
    "outbox": OutboxSmsBackend,
    "console": ConsoleSmsBackend,
    "http": HttpSmsBackend,
}


def get_sms_backend(name: str | None = None) -> BaseSmsBackend:
    """`outbox`, `console`, `http`, or the dotted path of a BaseSmsBackend subclass."""
    name = name or settings.SMS_BACKEND
    backend_class = BACKENDS.get(name) or import_string(name)
    return backend_class()
