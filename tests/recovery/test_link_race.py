"""A reset link under 20 parallel submissions: exactly one succeeds (real PostgreSQL)."""

import threading

import pytest
from django.db import connection
from django.test import Client

from tests.conftest import HOST_A

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twenty_parallel_submissions_of_one_link_succeed_once(parent, reset_link):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL for real concurrency (the PostgreSQL pass of make test)")
    client = Client(HTTP_HOST=HOST_A)
    client.get(reset_link(client, parent))
    cookie = client.cookies["sessionid"].value
    statuses: list[int] = []
    barrier = threading.Barrier(20)

    def submit(i: int) -> None:
        racer = Client(HTTP_HOST=HOST_A)
        racer.cookies["sessionid"] = cookie
        barrier.wait()
        password = f"Parallel-{i:02d}-Pw!"
        response = racer.post(
            "/mot-de-passe-oublie/nouveau/",
            {"email": parent.email, "password1": password, "password2": password},
        )
        statuses.append(response.status_code)
        connection.close()

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses).count(302) == 1
    assert all(s in (302, 410) for s in statuses)
    parent.refresh_from_db()
    winners = [i for i in range(20) if parent.check_password(f"Parallel-{i:02d}-Pw!")]
    assert len(winners) == 1
