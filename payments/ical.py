"""A private iCalendar feed (RFC 5545) of a parent's due dates and activity dates."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from payments.money import format_cents
from payments.selectors import CalendarEvent

# RFC 5545 §3.3.11: TEXT holds no control character but HTAB; a line break is written "\n".
# A bare CR left raw in a title ended the property for some readers and let the rest of the
# title inject properties of its own.
_CONTROLS: dict[int, None] = dict.fromkeys([*range(0x00, 0x09), *range(0x0A, 0x20), 0x7F])


def _escape(text: str) -> str:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    escaped = (
        line.translate(_CONTROLS).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
        for line in lines
    )
    return "\\n".join(escaped)


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space."""
    encoded = line.encode()
    if len(encoded) <= 75:
        return line
    parts: list[str] = []
    current = b""
    for char in line:
        piece = char.encode()
        if len(current) + len(piece) > (75 if not parts else 74):
            parts.append(current.decode())
            current = b""
        current += piece
    parts.append(current.decode())
    return "\r\n ".join(parts)


def ical_feed(*, events: list[CalendarEvent], calendar_name: str, host: str) -> str:
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Cartable//Paiements//FR",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_escape(calendar_name)}",
    ]
    for event in events:
        if event.kind == "due":
            summary = _("Échéance : %(title)s (%(child)s)") % {
                "title": event.title,
                "child": event.child,
            }
            description = _("Montant : %(amount)s") % {"amount": format_cents(event.amount_cents)}
        else:
            summary = _("%(title)s (%(child)s)") % {"title": event.title, "child": event.child}
            description = ""
        lines += [
            "BEGIN:VEVENT",
            f"UID:{event.kind}-{event.invitation_id}@{host}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{event.day:%Y%m%d}",
            f"DTEND;VALUE=DATE:{event.day + timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{_escape(summary)}",
        ]
        if description:
            lines.append(f"DESCRIPTION:{_escape(description)}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
