"""The fault suite: a real Redis, started here on a port of its own, killed, frozen (SIGSTOP) and
brought back empty, in front of the cache and the broker (README, "Outages"; issue 12, item 8).

While it is down: no page answers 5xx, nobody is signed out, what a person submits is kept, the
limits still count, `/healthz` answers 503 and says what is down. Once it is back: `/healthz`
answers 200 and every outbox row written meanwhile is delivered, once.

Needs the `redis-server` binary (Debian's package); runs on SQLite and PostgreSQL.
"""

import shutil
import signal
import socket
import statistics
import subprocess
import time
from contextlib import contextmanager
from datetime import timedelta

import pytest
import redis
from django.core import mail
from django.db import transaction
from django.test import Client
from django.utils import timezone

from outbox.models import Message, Status
from outbox.services import email_queue, outbox_sweep
from recovery import throttle
from recovery.models import RecoveryRequest
from tenants.selectors import tenant_cache_clear
from tests.conftest import HOST_A

REDIS_SERVER = shutil.which("redis-server")
pytestmark = [
    pytest.mark.skipif(REDIS_SERVER is None, reason="needs the redis-server binary"),
    pytest.mark.django_db(transaction=True),
]

TIMEOUT = 0.2  # seconds: a call to a frozen Redis gives up after this
RETRY_AFTER = 1  # seconds: then the process leaves Redis alone this long


class OwnRedis:
    """A redis-server process on a free port, nothing kept on disk."""

    def __init__(self, folder) -> None:
        self.folder = folder
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        log = (self.folder / "redis.log").open("ab")
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.folder)],
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while not self.answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                log = (self.folder / "redis.log").read_text()
                pytest.fail(f"redis-server did not start:\n{log}")
            time.sleep(0.02)

    def answers(self) -> bool:
        try:
            return bool(redis.Redis.from_url(self.url, socket_timeout=0.2).ping())
        except redis.RedisError:
            return False

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def freeze(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def stored_keys(self) -> list[bytes]:
        return redis.Redis.from_url(self.url).keys("*")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.thaw()
            self.kill()


@pytest.fixture
def own_redis(tmp_path, settings):
    """Our Redis as cache (database fallback behind it) and broker, with short timeouts."""
    from portal.celery import app, publish_breaker

    server = OwnRedis(tmp_path)
    server.start()
    settings.REDIS_TIMEOUT_MS = int(TIMEOUT * 1000)
    settings.REDIS_RETRY_AFTER_SECONDS = RETRY_AFTER
    settings.CACHES = {
        "default": {
            "BACKEND": "portal.cache.ResilientRedisCache",
            "LOCATION": server.url,
            "KEY_PREFIX": "cartable",
            "OPTIONS": {
                "FALLBACK": "fallback",
                "RETRY_AFTER": RETRY_AFTER,
                "socket_timeout": TIMEOUT,
                "socket_connect_timeout": TIMEOUT,
            },
        },
        "fallback": settings.CACHES["fallback"],
    }
    keys = [
        "broker_url", "task_always_eager", "broker_transport_options",
        "broker_connection_timeout", "task_publish_retry_policy",
    ]  # fmt: skip
    saved = {key: app.conf.get(key) for key in keys}
    app.conf.update(
        broker_url=server.url,
        task_always_eager=False,
        broker_transport_options={
            "visibility_timeout": 3600, "socket_timeout": TIMEOUT, "socket_connect_timeout": TIMEOUT
        },
        broker_connection_timeout=TIMEOUT,
        task_publish_retry_policy={"max_retries": 1, "interval_start": 0},
    )  # fmt: skip
    app._pool, app.amqp._producer_pool = None, None
    breaker = publish_breaker()
    saved_retry, breaker.retry_after = breaker.retry_after, RETRY_AFTER
    breaker.reset()
    yield server
    server.stop()
    breaker.retry_after = saved_retry
    app.conf.update(saved)
    app._pool, app.amqp._producer_pool = None, None


@contextmanager
def worker_thread():
    """A real Celery worker consuming our Redis, in a thread of this process (so it sees the
    test database on SQLite too); mails go to `mail.outbox`."""
    from celery.contrib.testing.worker import start_worker

    from portal.celery import app

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=20):
        yield


def timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def signed_in(client: Client) -> bool:
    response = client.get("/_floor/")
    assert response.status_code == 200
    return "Déconnexion" in response.content.decode()


def health(client: Client) -> tuple[int, dict]:
    response = client.get("/healthz", HTTP_HOST="localhost")
    return response.status_code, response.json()


def wait_until(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def ask_reset(client: Client, login: str):
    client.get("/mot-de-passe-oublie/")
    return client.post("/mot-de-passe-oublie/", {"method": "identifier", "login": login})


# --- Killed -------------------------------------------------------------------------------------


def test_with_redis_killed_pages_answer_from_the_database(own_redis, parent):
    # given a parent signed in while Redis works (her session is read through it)
    client = Client(HTTP_HOST=HOST_A)
    client.force_login(parent)
    assert signed_in(client)
    assert health(Client())[0] == 200

    # when Redis is killed (and this process's few seconds of host → tenant memory are over)
    own_redis.kill()
    tenant_cache_clear()

    # then pages answer, and she is still signed in
    assert Client(HTTP_HOST=HOST_A).get("/accounts/login/").status_code == 200
    assert signed_in(client)
    # and a reset request is answered as usual, its row kept for the sweep
    response = ask_reset(Client(HTTP_HOST=HOST_A), parent.identifier)
    assert response.status_code == 302
    assert RecoveryRequest.objects.filter(login=parent.identifier, processed_at=None).exists()
    # and /healthz says what is down
    assert health(Client()) == (503, {"database": "ok", "broker": "down", "cache": "down"})


def test_with_redis_killed_the_limits_still_count(own_redis, tenant_a):
    # given Redis is down
    own_redis.kill()
    limit = throttle.MAILS_PER_ACCOUNT
    # then the hourly limit of reset mails still holds (counted in the database meanwhile):
    # an attacker who kills Redis does not get unlimited tries
    allowed = [
        throttle.throttle_hit(tenant=tenant_a, limit=limit, subject="42")
        for _try in range(limit.count + 2)
    ]
    assert allowed == [True] * limit.count + [False, False]
    assert throttle.throttle_exceeded(tenant=tenant_a, limit=limit, subject="42")


# --- Frozen -------------------------------------------------------------------------------------


def test_with_redis_frozen_pages_do_not_wait_for_it(own_redis, parent):
    # given a signed-in parent
    client = Client(HTTP_HOST=HOST_A)
    client.force_login(parent)
    assert signed_in(client)

    # when Redis hangs (SIGSTOP: connections open, nothing answers)
    own_redis.freeze()
    tenant_cache_clear()

    # then the first page pays one timeout, not a page's worth of them
    ok, first = timed(lambda: signed_in(client))
    assert ok
    assert first < 10 * TIMEOUT
    # and the next ones do not wait for it (the breaker sends them to the database; one call a
    # second probes Redis)
    pages = [timed(lambda: signed_in(client)) for _page in range(20)]
    assert all(ok for ok, _took in pages)
    assert statistics.median(took for _ok, took in pages) < TIMEOUT
    # and a reset request is answered, quickly, its row kept
    response, took = timed(lambda: ask_reset(Client(HTTP_HOST=HOST_A), parent.identifier))
    assert response.status_code == 302
    assert took < 10 * TIMEOUT
    assert RecoveryRequest.objects.filter(login=parent.identifier).exists()
    # and /healthz answers 503 within a second or two
    (status, body), took = timed(lambda: health(Client()))
    assert (status, body["cache"], body["broker"]) == (503, "down", "down")
    assert took < 10 * TIMEOUT


def test_a_session_ended_while_redis_was_frozen_does_not_come_back(own_redis, parent):
    # given a parent signed in, her session cached in Redis
    client = Client(HTTP_HOST=HOST_A)
    client.force_login(parent)
    assert signed_in(client)
    stolen = client.cookies["sessionid"].value

    # when she signs out while Redis hangs, and Redis then resumes with what it held
    own_redis.freeze()
    assert client.post("/accounts/logout/").status_code == 302
    own_redis.thaw()
    time.sleep(RETRY_AFTER + 0.1)

    # then her old session cookie opens nothing
    other = Client(HTTP_HOST=HOST_A)
    other.cookies["sessionid"] = stolen
    assert not signed_in(other)
    assert not signed_in(other)  # read again once Redis serves the cache


def test_a_session_ended_between_two_outages_does_not_come_back_at_the_next(own_redis, parent):
    from portal.cache import cache_outages_reset

    # given a parent signed in during an outage (her session copied to the database cache), whose
    # web process then died, so nothing emptied that copy
    client = Client(HTTP_HOST=HOST_A)
    client.force_login(parent)
    stolen = client.cookies["sessionid"].value
    own_redis.kill()
    assert signed_in(client)
    cache_outages_reset()
    own_redis.start()

    # when she signs out while Redis works, and Redis fails again later
    assert client.post("/accounts/logout/").status_code == 302
    own_redis.kill()

    # then her old session cookie opens nothing
    other = Client(HTTP_HOST=HOST_A)
    other.cookies["sessionid"] = stolen
    assert not signed_in(other)


# --- Back, empty --------------------------------------------------------------------------------


def test_redis_back_empty_healthz_recovers_and_nobody_is_signed_out(own_redis, parent):
    # given a parent signed in, and Redis killed
    client = Client(HTTP_HOST=HOST_A)
    client.force_login(parent)
    own_redis.kill()
    assert health(Client())[0] == 503
    assert signed_in(client)

    # when Redis comes back empty
    own_redis.start()

    # then /healthz says 200 at once and pages use Redis again within the breaker's delay
    assert health(Client()) == (200, {"database": "ok", "broker": "ok", "cache": "ok"})
    time.sleep(RETRY_AFTER + 0.1)
    assert signed_in(client)
    assert any(b"sessions.cached_db" in key for key in own_redis.stored_keys())  # cached again
    assert signed_in(client)


@pytest.mark.parametrize("fault", ["kill", "freeze"])
def test_outbox_rows_written_during_an_outage_are_delivered_once_after_it(
    own_redis, tenant_a, fault
):
    # given Redis down (killed, or frozen: a publish may then reach it after all)
    getattr(own_redis, fault)()

    # when mails are queued meanwhile (each in its committed transaction)
    recipients = [f"parent{n}@example.be" for n in range(5)]
    for to in recipients:
        with transaction.atomic():
            email_queue(
                tenant=tenant_a, to=to, template="outbox/notice",
                context={"title": "Réunion", "text": "Jeudi."},
            )  # fmt: skip
    assert Message.objects.filter(status=Status.PENDING).count() == 5

    # and Redis comes back (empty after a kill, with what it received after a freeze)
    if fault == "kill":
        own_redis.start()
    else:
        own_redis.thaw()
    time.sleep(RETRY_AFTER + 0.1)

    # then a worker and the periodic sweep deliver every row, once
    with worker_thread():
        outbox_sweep(now=timezone.now() + timedelta(minutes=2))
        assert wait_until(lambda: len(mail.outbox) >= 5, 20), mail.outbox
        outbox_sweep(now=timezone.now() + timedelta(minutes=4))  # a later sweep finds nothing
        time.sleep(1)
    assert sorted(m.to[0] for m in mail.outbox) == recipients
    assert set(Message.objects.values_list("status", flat=True)) == {Status.SENT}
