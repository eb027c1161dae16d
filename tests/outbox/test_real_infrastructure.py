"""The whole pipeline on real parts: PostgreSQL, Redis, a Celery worker process, an SMTP server.

Skipped unless the database is PostgreSQL and Redis answers (REDIS_URL, else 127.0.0.1:6379):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cartable REDIS_URL=redis://127.0.0.1:6379/0 \
        .venv/bin/pytest tests/outbox
"""

import email
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import timedelta
from email import policy
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from outbox.models import Message, Status
from outbox.services import email_queue

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

WORKER_READY_SECONDS = 30
DELIVERY_SECONDS = 20


class Inbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self) -> None:
        self.received: list[tuple[float, list[str], email.message.EmailMessage]] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self.received.append((time.monotonic(), list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if len(self.received) >= count:
                return True
            time.sleep(0.05)
        return len(self.received) >= count


def _redis_url_or_skip() -> str:
    # settings.REDIS_URL is this xdist worker's own database (portal/settings_test.py)
    url = settings.REDIS_URL or "redis://127.0.0.1:6379/0"
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception as exc:
        pytest.skip(f"Redis does not answer at {url} ({type(exc).__name__})")
    return url


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    inbox.port = controller.port
    yield inbox
    controller.stop()


@pytest.fixture
def real_broker():
    """Point this process's Celery app at Redis, on a queue of its own, with eager mode off."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: a worker process cannot see an SQLite test database")
    redis_url = _redis_url_or_skip()
    from portal.celery import app

    queue = f"cartable-test-{uuid.uuid4().hex[:12]}"
    keys = ["broker_url", "task_always_eager", "task_default_queue", "broker_transport_options"]
    saved = {key: app.conf.get(key) for key in keys}
    app.conf.update(
        broker_url=redis_url,
        task_always_eager=False,
        task_default_queue=queue,
        broker_transport_options={"visibility_timeout": 3600},
    )
    _forget_connections(app)
    yield redis_url, queue
    _forget_connections(app)
    app.conf.update(saved)
    import redis

    redis.Redis.from_url(redis_url).delete(queue)


def _forget_connections(app) -> None:
    """Pools are built from the broker URL on first use: drop our references when the URL
    changes (without closing them: kombu shares them between apps by URL)."""
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def start_worker(real_broker, smtp_server, tmp_path: Path):
    """Starts real `celery -A portal worker` processes on the test database, our Redis queue and
    SMTP server; every one still running is killed at the end."""
    redis_url, queue = real_broker
    db = connection.settings_dict
    database_url = (
        f"postgres://{db.get('USER') or 'postgres'}@{db.get('HOST') or '127.0.0.1'}:"
        f"{db.get('PORT') or 5432}/{db['NAME']}"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_server.port}",
        "CARTABLE_DEMO": "1",
        "CARTABLE_VAR_DIR": str(tmp_path / "var"),
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "LOG_LEVEL": "INFO",
    }
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    started: list[tuple[subprocess.Popen, object]] = []

    def start(name: str = "a") -> subprocess.Popen:
        log_path = tmp_path / f"worker-{name}.log"
        log = log_path.open("wb")
        command = [
            sys.executable, "-m", "celery", "-A", "portal", "worker",
            "--queues", queue, "--hostname", f"{queue}-{name}@%h", "--pool", "solo",
            "--loglevel", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]  # fmt: skip
        process = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        started.append((process, log))
        deadline = time.monotonic() + WORKER_READY_SECONDS
        while b"ready." not in log_path.read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the worker did not start:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.1)
        process.log_path = log_path
        return process

    yield start
    for process, log in started:
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
        log.close()


@pytest.fixture
def worker(start_worker):
    return start_worker("a")


def _worker_log(worker) -> str:
    return worker.log_path.read_text()[-3000:]


def _wait_for_log(worker, text: str, count: int = 1, seconds: float = DELIVERY_SECONDS) -> None:
    """Waits until the worker has logged `text` `count` times (e.g. "] received")."""
    deadline = time.monotonic() + seconds
    while worker.log_path.read_text().count(text) < count:
        if time.monotonic() > deadline:
            pytest.fail(f"the worker never logged {text!r} {count} time(s):\n{_worker_log(worker)}")
        time.sleep(0.05)


def _wait_for_status(message: Message, status: str, seconds: float = 5) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        message.refresh_from_db()
        if message.status == status:
            break
        time.sleep(0.05)
    return message.status


def test_a_worker_delivers_queued_mails_over_smtp_now_and_later(tenant_a, worker, smtp_server):
    context = {"title": "Réunion des parents", "text": "Jeudi à 19 h."}

    # given a mail queued in a committed transaction
    with transaction.atomic():
        now_mail = email_queue(
            tenant=tenant_a, to="parent@example.org", template="outbox/notice", context=context
        )
    # then the SMTP server receives it from the worker
    assert smtp_server.wait_for(1, DELIVERY_SECONDS), _worker_log(worker)
    _at, recipients, received = smtp_server.received[0]
    assert recipients == ["parent@example.org"]
    assert received["Subject"] == "Réunion des parents"
    assert received["To"] == "parent@example.org"
    assert _wait_for_status(now_mail, Status.SENT) == Status.SENT

    # given a mail asked for in two seconds
    context["title"] = "Rappel : réunion"
    queued_at = time.monotonic()
    with transaction.atomic():
        later_mail = email_queue(
            tenant=tenant_a,
            to="later@example.org",
            template="outbox/notice",
            context=context,
            not_before=timezone.now() + timedelta(seconds=2),
        )
    # then nothing arrives before its time
    assert not smtp_server.wait_for(2, 1.5)
    later_mail.refresh_from_db()
    assert later_mail.status == Status.PENDING
    # and it arrives a few seconds after
    assert smtp_server.wait_for(2, 8.0), _worker_log(worker)
    arrived_at, recipients, received = smtp_server.received[1]
    assert arrived_at - queued_at >= 1.5
    assert recipients == ["later@example.org"]
    assert received["Subject"] == "Rappel : réunion"
    assert _wait_for_status(later_mail, Status.SENT) == Status.SENT


def test_a_delayed_mail_held_by_a_killed_worker_is_delivered_once_by_the_next(
    tenant_a, start_worker, smtp_server
):
    from outbox.services import outbox_sweep

    # given a mail due in three seconds, its task held (ETA) by a first worker
    first = start_worker("first")
    due_at = time.monotonic() + 3
    with transaction.atomic():
        mail = email_queue(
            tenant=tenant_a, to="held@example.org", template="outbox/notice",
            context={"title": "Sortie scolaire", "text": "Vendredi."},
            not_before=timezone.now() + timedelta(seconds=3),
        )  # fmt: skip
    _wait_for_log(first, "] received")
    # when that worker is killed before the mail is due (the broker loses the ETA task)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    second = start_worker("second")
    # then nothing arrives, even once the mail is due
    assert not smtp_server.wait_for(1, max(due_at - time.monotonic(), 0) + 0.5)
    # and the periodic sweep (run here by hand) hands the row to the next worker, once
    requeued = 0
    deadline = time.monotonic() + DELIVERY_SECONDS
    while not smtp_server.received and time.monotonic() < deadline:
        requeued += outbox_sweep(now=timezone.now() + timedelta(minutes=5))
        smtp_server.wait_for(1, 1.0)
    assert smtp_server.wait_for(1, 1.0), _worker_log(second)
    # a duplicate would have arrived once the worker has run every task the sweeps queued
    _wait_for_log(second, "] succeeded", count=requeued)
    assert len(smtp_server.received) == 1
    assert smtp_server.received[0][1] == ["held@example.org"]
    assert _wait_for_status(mail, Status.SENT) == Status.SENT
