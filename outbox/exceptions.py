"""Errors of the outbox. Their messages end up in `Message.last_error`: never put a body in them."""


class DeliveryError(Exception):
    """A send failed. `permanent` errors are not retried (a refused number, a bad request)."""

    permanent = False


class RetryableDeliveryError(DeliveryError):
    permanent = False


class PermanentDeliveryError(DeliveryError):
    permanent = True


class MessageNotResendable(Exception):
    """Only a message that failed for good can be sent again by hand."""
