"""Template filters for typography that follows the active language (a builtin of the HTML
template engine, portal/settings.py): French puts a no-break space before « : », English none."""

from django import template
from django.utils import translation
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def colon(label: str) -> SafeString:
    """« Échéance » → « Échéance : » in French (never wrapped apart), « Due date: » in English."""
    if (translation.get_language() or "fr").startswith("fr"):
        return format_html("{}\u00a0:", label)
    return format_html("{}:", label)
