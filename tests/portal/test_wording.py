"""Punctuation follows the language: « Échéance : » (no-break space) in French, "Due date:" in
English, on the pages that print a label before a value."""

from django.template import engines
from django.utils import translation


def _render(source: str, **context) -> str:
    return engines["django"].from_string(source).render(context)


def test_a_label_takes_french_or_english_punctuation():
    source = '{% load i18n %}{% translate "Échéance" as due %}{{ due|colon }} 3 mars'
    with translation.override("fr"):
        assert _render(source) == "Échéance\u00a0: 3 mars"
    with translation.override("en"):
        assert _render(source) == "Due date: 3 mars"


def test_the_label_is_escaped():
    assert _render("{{ label|colon }}", label="<b>") in ("&lt;b&gt;\u00a0:", "&lt;b&gt;:")
