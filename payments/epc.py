"""The EPC ("SEPA") QR code a banking app scans to pre-fill a credit transfer (EPC069-12)."""

import base64

import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_M

from payments.money import decimal_from_cents, iban_compact, structured_digits


def epc_payload(
    *, creditor_name: str, iban: str, reference: str, amount_cents: int | None = None
) -> str:
    """Version 002 (no BIC needed inside the EEA), SEPA credit transfer, amount optional.

    The Belgian structured communication goes in the structured remittance field as its 12
    digits, as Belgian banking apps expect; the unstructured field stays empty (one or the other).
    """
    amount = ""
    if amount_cents:
        amount = f"EUR{decimal_from_cents(amount_cents)}"
    lines = [
        "BCD",
        "002",
        "1",
        "SCT",
        "",
        creditor_name[:70],
        iban_compact(iban),
        amount,
        "",
        structured_digits(reference),
        "",
    ]
    return "\n".join(lines)


def qr_svg(payload: str) -> str:
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4, box_size=10)
    qr.add_data(payload)
    qr.make(fit=True)
    image = qr.make_image(image_factory=qrcode.image.svg.SvgPathImage)
    return image.to_string(encoding="unicode")


def qr_svg_data_uri(payload: str) -> str:
    svg = qr_svg(payload).encode()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode()
