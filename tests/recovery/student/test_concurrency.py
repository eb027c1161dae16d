"""Races on a real PostgreSQL: one temporary password, one link, many parallel requests."""

import pytest
from django.test import Client

from recovery.models import TemporaryPassword
from tests.conftest import HOST_A
from tests.recovery.student.conftest import NUMBER, _logs_in

pytestmark = pytest.mark.django_db


def _race(count: int, work) -> list:
    import threading

    from django.db import connection

    results: list = []
    barrier = threading.Barrier(count)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results.append(work(i))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_logins_with_one_temporary_password_succeed_once(
    student, temporary_password
):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL for real concurrency (the PostgreSQL pass of make test)")
    temporary = temporary_password()
    wins = _race(20, lambda _i: _logs_in("abc123456", temporary))
    assert wins.count(True) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_answers_through_one_link_create_one_password(student, student_link):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL for real concurrency (the PostgreSQL pass of make test)")
    client = Client(HTTP_HOST=HOST_A)
    client.get(student_link(client, student))
    cookie = client.cookies["sessionid"].value

    def submit(_i: int) -> int:
        racer = Client(HTTP_HOST=HOST_A)
        racer.cookies["sessionid"] = cookie
        data = {"student_number": NUMBER, "username": "abc123456"}
        return racer.post("/eleve/reinitialiser/", data).status_code

    statuses = _race(20, submit)
    assert statuses.count(302) == 1 and set(statuses) <= {302, 410}
    assert TemporaryPassword.objects.filter(user=student).count() == 1
