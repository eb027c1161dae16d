"""Bar charts drawn on the server as accessible SVG: no script, no CDN.

Each chart is an `<svg role="img">` named by its `<title>` and described by its `<desc>` (which
spells out every number); every bar carries its label and its value as text, so colour never
carries meaning alone. The page shows a table with the same numbers beside each chart.
"""

from collections.abc import Sequence
from typing import Protocol

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

WIDTH = 640
LABEL_WIDTH = 280
BAR_AREA = 280
ROW_HEIGHT = 26
BAR_HEIGHT = 16
TOP = 8
TEXT_COLOUR = "#1b1b1b"
BAR_COLOUR = "#2f5f8a"  # 6.9:1 against white, also outlined in the text colour


class Datum(Protocol):
    # Read-only: a frozen dataclass (the selectors' Tally) qualifies.
    @property
    def label(self) -> str: ...
    @property
    def value(self) -> int: ...
    @property
    def group(self) -> str: ...


def bar_chart(
    *, chart_id: str, title: str, bars: Sequence[Datum], description: str = ""
) -> SafeString:
    """A horizontal bar chart; bars sharing a `group` are drawn under the group's heading."""
    rows: list[tuple[str, Datum | str]] = []
    group = None
    for bar in bars:
        if bar.group and bar.group != group:
            rows.append(("group", bar.group))
        group = bar.group
        rows.append(("bar", bar))
    if not rows:
        rows.append(("empty", _("Aucune donnée pour cette période.")))

    height = TOP * 2 + ROW_HEIGHT * len(rows)
    top = max((bar.value for bar in bars), default=0) or 1
    summary = "; ".join(
        f"{bar.group} — {bar.label} : {bar.value}" if bar.group else f"{bar.label} : {bar.value}"
        for bar in bars
    )
    desc = " ".join(p for p in [description, summary or _("Aucune donnée.")] if p)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="helpdesk-chart" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'font-family="sans-serif" font-size="13">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(desc)}</desc>',
    ]
    for index, (kind, row) in enumerate(rows):
        y = TOP + index * ROW_HEIGHT
        baseline = y + ROW_HEIGHT // 2 + 5
        if kind == "group":
            parts.append(
                f'<text x="4" y="{baseline}" fill="{TEXT_COLOUR}" font-weight="bold">'
                f"{escape(row)}</text>"
            )
            continue
        if kind == "empty":
            parts.append(f'<text x="4" y="{baseline}" fill="{TEXT_COLOUR}">{escape(row)}</text>')
            continue
        assert not isinstance(row, str)
        indent = 20 if row.group else 4
        width = round(BAR_AREA * row.value / top)
        bar_y = y + (ROW_HEIGHT - BAR_HEIGHT) // 2
        parts.append(
            f'<text x="{indent}" y="{baseline}" fill="{TEXT_COLOUR}">{escape(row.label)}</text>'
        )
        if width:
            parts.append(
                f'<rect x="{LABEL_WIDTH}" y="{bar_y}" width="{width}" height="{BAR_HEIGHT}" '
                f'fill="{BAR_COLOUR}" stroke="{TEXT_COLOUR}" stroke-width="0.5"/>'
            )
        parts.append(
            f'<text x="{LABEL_WIDTH + width + 6}" y="{baseline}" fill="{TEXT_COLOUR}">'
            f"{row.value}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 — every piece of text above is escaped
