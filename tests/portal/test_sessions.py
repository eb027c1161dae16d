"""A signed-in page reads its session from the cache, not the database; the database keeps it,
so a cache that lost it (a Redis restart) costs one query, not a sign-out."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import HOST_A

pytestmark = pytest.mark.django_db


def session_queries(client) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/_floor/", HTTP_HOST=HOST_A).status_code == 200
    return [q["sql"] for q in captured.captured_queries if "django_session" in q["sql"]]


def test_a_signed_in_page_reads_the_session_without_a_query(client, parent):
    client.force_login(parent)
    session_queries(client)  # the first read fills the cache
    assert session_queries(client) == []


def test_a_session_the_cache_lost_is_read_back_from_the_database(client, parent):
    client.force_login(parent)
    session_queries(client)
    cache.clear()
    assert len(session_queries(client)) == 1
    page = client.get("/_floor/", HTTP_HOST=HOST_A).content.decode()
    assert "Déconnexion" in page  # still signed in
