"""What bench/login_throughput.py, bench/floors.py and bench/stall.py share: the app under
gunicorn with production settings on PostgreSQL, a scratch database, and a light HTTP client.

Production settings here: `DJANGO_DEBUG=0` (so persistent connections, `DATABASE_CONN_MAX_AGE`
600 with health checks, and the statement timeout of the web requests), a random secret key,
Redis as the cache, the manifest static storage (files collected once into a temporary folder),
`DJANGO_SECURE_SSL_REDIRECT=0` since the benchmark speaks plain HTTP on loopback.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")
PG_SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
REDIS_SERVER = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379")

# gunicorn as docker-compose.yml runs it, and the size this 2-core machine gets by default: one
# process per core, threads to overlap the database round trips (the GIL serialises the Python).
COMPOSE_GUNICORN = {"workers": 3, "threads": 8}
TWO_CORE_GUNICORN = {"workers": 2, "threads": 4}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def scratch_database(name: str) -> Iterator[str]:
    """An empty database of this name (dropped first if a previous run left it), dropped at the
    end. Yields its URL."""
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class ProdApp:
    """The app's environment with production settings, one temporary folder, and its gunicorn."""

    def __init__(
        self,
        database_url: str,
        *,
        redis_db: int,
        demo: bool = False,
        secret_key: str | None = None,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="cartable-bench-"))
        self.redis = redis.Redis.from_url(f"{REDIS_SERVER}/{redis_db}")
        drop = {"DJANGO_SETTINGS_MODULE", "EMAIL_URL", "CELERY_TASK_ALWAYS_EAGER", "REDIS_URL"}
        self.env = {k: v for k, v in os.environ.items() if k not in drop}
        self.env.update(
            DJANGO_SETTINGS_MODULE="portal.settings",
            DJANGO_DEBUG="0",
            DJANGO_SECRET_KEY=secret_key or secrets.token_urlsafe(40),
            CARTABLE_LEDGER_KEY=secrets.token_urlsafe(40),
            DJANGO_SECURE_SSL_REDIRECT="0",
            DJANGO_ALLOWED_HOSTS=".localhost,localhost,127.0.0.1",
            CARTABLE_DEMO="1" if demo else "0",
            DATABASE_URL=database_url,
            REDIS_URL=f"{REDIS_SERVER}/{redis_db}",
            CARTABLE_VAR_DIR=str(self.tmp / "var"),
            DJANGO_STATIC_ROOT=str(self.tmp / "static"),
            LOG_LEVEL="WARNING",
            PYTHONPATH=str(ROOT),
            **(extra_env or {}),
        )
        self.servers: list[subprocess.Popen] = []
        self.static_ready = False

    def check_redis_empty(self) -> None:
        if self.redis.dbsize():
            shutil.rmtree(self.tmp, ignore_errors=True)
            raise SystemExit(
                f"Redis database {self.env['REDIS_URL']} is not empty: the benchmark flushes "
                "it at the end, so it must hold nothing else (--redis-db)"
            )

    def python(self, *argv: str, env: dict[str, str] | None = None, timeout: float = 900) -> str:
        done = subprocess.run(
            [sys.executable, *argv], cwd=ROOT, env={**self.env, **(env or {})},
            capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"{argv} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout.strip()

    def manage(self, *argv: str, env: dict[str, str] | None = None) -> str:
        return self.python("manage.py", *argv, env=env)

    def collectstatic(self) -> None:
        if not self.static_ready:  # the manifest storage of production needs its manifest
            self.manage("collectstatic", "--noinput", "--verbosity", "0")
            self.static_ready = True

    def gunicorn(
        self,
        app: str = "portal.wsgi:application",
        *,
        workers: int,
        threads: int,
        ready_path: str,
        ready_host: str,
        env: dict[str, str] | None = None,
        timeout: int = 120,
    ) -> Server:
        """gunicorn with compose's flags (`--worker-class gthread`), on a free loopback port;
        returns once `ready_path` answers 200 at `ready_host`."""
        self.collectstatic()
        port = free_port()
        log_path = self.tmp / f"gunicorn-{port}.log"
        proc = subprocess.Popen(
            [str(GUNICORN), app, "--worker-class", "gthread", "--workers", str(workers),
             "--threads", str(threads), "--bind", f"127.0.0.1:{port}",
             "--timeout", str(timeout), "--log-level", "warning"],
            cwd=ROOT, env={**self.env, **(env or {})}, stdout=log_path.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, stopped as a group
        )  # fmt: skip
        self.servers.append(proc)
        server = Server(proc, port, log_path)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{server.log_tail()}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                client = Client(port, ready_host)
                try:
                    if client.get(ready_path).status == 200:
                        return server
                finally:
                    client.close()
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer in 60 s:\n{server.log_tail()}")

    def cleanup(self) -> None:
        for proc in self.servers:
            stop(proc)
        with contextlib.suppress(redis.RedisError):
            self.redis.flushdb()  # checked empty at the start: only this run's keys
        shutil.rmtree(self.tmp, ignore_errors=True)


@dataclass
class Server:
    proc: subprocess.Popen
    port: int
    log_path: Path

    def log_tail(self) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-30:])

    def stop(self) -> None:
        stop(self.proc)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()  # gunicorn's master stops its workers on SIGTERM
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the group started for this gunicorn only
        proc.wait(timeout=5)


@dataclass
class Response:
    status: int
    body: bytes
    headers: dict[str, str]
    seconds: float

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Client:
    """A browser on one keep-alive connection: a Host header, cookies kept by hand (production
    cookies are `Secure`, which a cookie jar would not send over plain HTTP), a Referer on POST
    (Django's CSRF check wants one over HTTPS only, but it costs nothing)."""

    def __init__(self, port: int, host: str, timeout: float = 600) -> None:
        self.port, self.host, self.timeout = port, host, timeout
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(self, method: str, path: str, data: dict[str, str] | None = None) -> Response:
        headers = {"Host": self.host}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://{self.host}{path}"
        for attempt in (1, 2):  # a kept-alive connection the server closed: one retry
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            started = time.perf_counter()
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                content = response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()
                if attempt == 2:
                    raise
                continue
            seconds = time.perf_counter() - started
            break
        for raw in response.headers.get_all("Set-Cookie") or []:
            name, _eq, rest = raw.partition("=")
            value = rest.split(";", 1)[0]
            if not value or value == '""' or "max-age=0" in raw.lower():
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value
        if response.will_close:
            self.close()
        return Response(response.status, content, dict(response.headers.items()), seconds)

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, data: dict[str, str]) -> Response:
        return self.request("POST", path, data)


@dataclass
class Load:
    """What a closed loop of clients did in a time window."""

    ok: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    wall: float = 0.0
    client_cpu: float = 0.0

    @property
    def rate(self) -> float:
        return self.ok / self.wall if self.wall else 0.0

    def percentile(self, q: float) -> float:
        data = sorted(self.latencies)
        if not data:
            return float("nan")
        return data[min(len(data) - 1, round(q * (len(data) - 1)))]


def closed_loop(
    make_client: Callable[[int], Callable[[], bool | str]],
    *,
    clients: int,
    seconds: float,
    warmup: float = 1.0,
) -> Load:
    """`clients` threads, each calling its own function back to back (a new request as soon as
    the last one answered) for `warmup` + `seconds`; only the last `seconds` count. A function
    returns True (success) or a short error label."""
    load = Load()
    lock = threading.Lock()
    start_clock = threading.Event()
    stop_at = [float("inf")]
    counting = [False]

    def worker(index: int) -> None:
        call = make_client(index)
        start_clock.wait()
        while time.monotonic() < stop_at[0]:
            began = time.perf_counter()
            try:
                outcome = call()
            except Exception as error:  # the table shows the failures; the run goes on
                outcome = type(error).__name__
            elapsed = time.perf_counter() - began
            with lock:
                if not counting[0]:
                    continue
                if outcome is True:
                    load.ok += 1
                    load.latencies.append(elapsed)
                else:
                    load.errors[str(outcome)] = load.errors.get(str(outcome), 0) + 1

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    start_clock.set()
    time.sleep(warmup)
    cpu0 = time.process_time()
    with lock:
        counting[0] = True
        began = time.monotonic()
        stop_at[0] = began + seconds
    time.sleep(seconds)
    with lock:
        counting[0] = False
        load.wall = time.monotonic() - began
    load.client_cpu = time.process_time() - cpu0
    for thread in threads:
        thread.join(timeout=120)
    return load


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its children (Linux /proc; 0 elsewhere)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
            todo.extend(int(child) for child in children)
    return total


def machine_cpu_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, every core (/proc/stat)."""
    with contextlib.suppress(OSError):
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        ticks = os.sysconf("SC_CLK_TCK")
        idle = values[3] + values[4]
        return (sum(values[:8]) - idle) / ticks, sum(values[:8]) / ticks
    return 0.0, 0.0


def machine() -> str:
    import platform

    return f"{os.cpu_count()} CPUs, Python {platform.python_version()}"
