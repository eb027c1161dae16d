import logging

import pytest

from portal.logging import RedactSecretsFilter

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_broker(client, settings, tmp_path):
    # The embedded default broker is the filesystem: it answers when its folders exist.
    response = client.get("/healthz", HTTP_HOST="localhost")
    assert response.status_code in (200, 503)
    body = response.json()
    assert body["database"] == "ok" and body["broker"] in ("ok", "down")


def test_healthz_is_503_when_the_broker_is_down(client, monkeypatch):
    from portal import views

    monkeypatch.setattr(views, "_broker_ok", lambda: False)
    response = client.get("/healthz", HTTP_HOST="localhost")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "broker": "down", "cache": "ok"}


def test_pages_carry_security_headers(client_a, tenant_a):
    response = client_a.get("/accounts/login/")
    csp = response["Content-Security-Policy"]
    assert (
        "script-src 'self'" in csp
        and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    )
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_no_inline_script_in_pages(client_a, tenant_a):
    page = client_a.get("/accounts/login/").content.decode()
    assert "<script>" not in page and "onclick=" not in page


def test_log_filter_redacts_passwords_codes_and_link_tokens():
    message = "password=Secret123 code=599523 GET /mot-de-passe-oublie/lien/abc.def-123/ token: xyz"
    record = logging.LogRecord("x", logging.INFO, __file__, 1, message, None, None)
    RedactSecretsFilter().filter(record)
    text = record.getMessage()
    assert "Secret123" not in text and "599523" not in text
    assert "abc.def-123" not in text and "xyz" not in text


def test_failed_login_logs_never_contain_the_password(client_a, parent, caplog):
    with caplog.at_level(logging.DEBUG):
        client_a.post(
            "/accounts/login/", {"login": parent.identifier, "password": "Hunter2-Secret!"}
        )
    assert "Hunter2-Secret!" not in caplog.text


def test_csrf_failure_is_a_friendly_403(tenant_a):
    from django.test import Client

    client = Client(HTTP_HOST="alpha.localhost", enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"login": "a", "password": "b"})
    assert response.status_code == 403
    assert "Formulaire expiré" in response.content.decode()


def test_uploaded_files_are_not_served_as_plain_media(client_a, tenant_a, settings, tmp_path):
    from django.core.files.base import ContentFile

    settings.MEDIA_ROOT = tmp_path
    tenant_a.logo.save("logo.png", ContentFile(b"\x89PNG fake"), save=True)
    assert b"".join(client_a.get("/logo").streaming_content) == b"\x89PNG fake"
    assert client_a.get(f"/media/{tenant_a.logo.name}").status_code == 404
    assert 'src="/logo"' in client_a.get("/accounts/login/").content.decode()
