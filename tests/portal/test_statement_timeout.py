"""One slow page must not hold a web worker: on PostgreSQL a web request's statement is
cancelled after DATABASE_WEB_STATEMENT_TIMEOUT_MS, and the visitor gets a 503 that says why."""

import os
import subprocess
import sys

import pytest
from django.db import connection
from django.test import Client

from portal.middleware import statement_timeout_set

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _needs_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("statement_timeout is PostgreSQL's (the PostgreSQL pass of make test)")


@pytest.fixture
def short_timeout(settings):
    settings.DATABASE_WEB_STATEMENT_TIMEOUT_MS = 200
    statement_timeout_set(connection=connection)  # as on a web worker's new connection
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")


def test_a_page_slower_than_the_timeout_is_cut_short_with_a_503(short_timeout, monkeypatch):
    # given a page whose query takes a second
    def slow_tenants():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(1)")
        return []

    monkeypatch.setattr("tenants.views.demo_tenants", slow_tenants)
    # when a visitor opens it, then the statement is cancelled and the page says why
    response = Client(HTTP_HOST="localhost").get("/")
    assert response.status_code == 503
    assert "trop de temps" in response.content.decode()
    # and the connection serves the next request
    monkeypatch.undo()
    assert Client(HTTP_HOST="localhost").get("/").status_code == 200


def test_a_web_connection_gets_the_timeout(settings):
    settings.DATABASE_WEB_STATEMENT_TIMEOUT_MS = 1234
    statement_timeout_set(connection=connection)
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "1234ms"
        cursor.execute("SET statement_timeout = 0")


def test_a_command_or_worker_connection_has_no_limit():
    # a process that never loads the web middleware: `manage.py shell`, like a Celery worker
    settings_dict = connection.settings_dict
    url = f"postgres://{settings_dict['USER']}@{settings_dict['HOST']}:{settings_dict['PORT']}/postgres"
    script = (
        "from django.db import connection; c = connection.cursor(); "
        "c.execute('SHOW statement_timeout'); print(c.fetchone()[0])"
    )
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "portal.settings"}
    env.pop("REDIS_URL", None)
    shown = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        env=env, capture_output=True, text=True, timeout=60, check=True,
    ).stdout.split()  # fmt: skip
    assert shown[-1] == "0"
