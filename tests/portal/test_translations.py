"""The English catalogue is complete, and a visitor who picks English gets English pages."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

STATISTIC = re.compile(r"(\d+) (translated|fuzzy|untranslated) messages?")
PO_FILE = Path(__file__).resolve().parents[2] / "locale" / "en" / "LC_MESSAGES" / "django.po"


def _statistics() -> dict[str, int]:
    """msgfmt's own count of the catalogue's translated, fuzzy and untranslated messages."""
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("msgfmt (gettext) is not installed")
    result = subprocess.run(
        [msgfmt, "--check", "--statistics", "-o", "/dev/null", str(PO_FILE)],
        capture_output=True,
        text=True,
        env={**os.environ, "LC_ALL": "C", "LANGUAGE": ""},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    counts = {"translated": 0, "fuzzy": 0, "untranslated": 0}
    for number, kind in STATISTIC.findall(result.stderr):
        counts[kind] = int(number)
    return counts


def test_english_catalogue_is_complete():
    counts = _statistics()
    assert counts["translated"] > 0
    assert counts["untranslated"] == 0, counts
    assert counts["fuzzy"] == 0, counts


def test_english_catalogue_has_no_fuzzy_flag():
    """Not even on the header, which msgfmt does not count."""
    assert "#, fuzzy" not in PO_FILE.read_text(encoding="utf-8")


@pytest.mark.django_db
def test_login_page_in_english(client_a, tenant_a):
    response = client_a.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302

    response = client_a.get("/accounts/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Please use your username, not your email address" in html
    assert "Veuillez utiliser votre identifiant" not in html
    assert f"Sign in to {tenant_a.display_name}" in html


@pytest.mark.django_db
def test_login_page_stays_french_by_default(client_a, tenant_a):
    html = client_a.get("/accounts/login/").content.decode()
    assert '<html lang="fr">' in html
    assert "Veuillez utiliser votre identifiant et non votre email" in html
