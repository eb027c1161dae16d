"""Rendering of activation letters: one HTML document for the whole batch, one A4 page per
person, turned into a PDF by WeasyPrint with the system's fonts and no network access."""

import base64
import io
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import qrcode
from django.template.loader import render_to_string
from django.utils import timezone, translation
from qrcode.constants import ERROR_CORRECT_M

from tenants.models import Tenant

# Pages rendered between two progress reports of a batch job.
CHUNK = 50

# WeasyPrint logs every rendering step at INFO: a 500-letter batch would flood the logs.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


@dataclass(frozen=True)
class Letter:
    name: str
    identifier: str
    code: str  # as shown: "ABCD-EFGH-JKMN"
    qr_src: str  # data: URI of the QR code of the activation address
    expires_at: datetime


def qr_png_data_uri(payload: str) -> str:
    """The QR code as a PNG of one pixel per module (the page scales it up without blurring):
    small, quick to make (one fixed mask instead of trying all eight) and quick to draw."""
    from PIL import Image

    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=2, mask_pattern=2)
    qr.add_data(payload)
    qr.make(fit=True)
    matrix = qr.get_matrix()
    size = len(matrix)
    image = Image.new("L", (size, size))
    image.putdata([0 if dark else 255 for row in matrix for dark in row])
    buffer = io.BytesIO()
    image.convert("1").save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _url_fetcher():
    """data: URIs only: a letter never loads anything from the network or the file system."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)


def letters_render(
    *,
    tenant: Tenant,
    letters: Sequence[Letter],
    activation_url: str,
    progress: Callable[[int], None] | None = None,
) -> bytes:
    """One PDF, one page per letter, in the tenant's language. `progress(n)` is called with the
    number of pages ready after each chunk (batch jobs show it in the admin)."""
    from weasyprint import HTML

    if not letters:
        raise ValueError("no letter to print")
    fetcher = _url_fetcher()
    pages = []
    first = None
    with translation.override(tenant.default_language):
        for start in range(0, len(letters), CHUNK):
            chunk = letters[start : start + CHUNK]
            html = render_to_string(
                "accounts/letters/letter.html",
                {
                    "tenant": tenant,
                    "letters": chunk,
                    "activation_url": activation_url,
                    "printed_at": timezone.localtime(),
                    "language": tenant.default_language,
                },
            )
            document = HTML(string=html, url_fetcher=fetcher).render()
            first = first or document
            pages.extend(document.pages)
            if progress is not None:
                progress(start + len(chunk))
    return first.copy(pages).write_pdf()
