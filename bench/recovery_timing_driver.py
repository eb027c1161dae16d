"""The driver of bench/recovery_timing.py: a throw-away database, gunicorn (and the worker) in
their own process groups, and the timed reset requests, sent one at a time."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(__file__).resolve().with_name("recovery_timing.py")  # run with `--step prepare`
GUNICORN = Path(sys.executable).with_name("gunicorn")
TENANT_HOST = "creos.localhost"
FORM_PATH = "/mot-de-passe-oublie/"
SENT_PATH = "/mot-de-passe-oublie/envoye/"
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PG_SERVER = "postgres://postgres@127.0.0.1:5432"


@dataclass
class Sample:
    kind: str  # "known" | "unknown"
    method: str  # "identifier" | "email"
    login: str
    seconds: float = 0.0
    outcome: tuple = ()  # (status, Location, Set-Cookie names, body length)
    error: str = ""


@dataclass
class Results:
    samples: list[Sample] = field(default_factory=list)
    outcomes: dict[str, int] = field(default_factory=dict)
    stopped_early: bool = False

    def timings(self, kind: str, method: str | None = None) -> list[float]:
        return [
            s.seconds
            for s in self.samples
            if s.kind == kind and not s.error and (method is None or s.method == method)
        ]


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="cartable-bench-timing-"))
        self.db_path = self.tmp / "db.sqlite3"
        self.pg_name = f"bench_recovery_timing_{os.getpid()}" if args.postgres else ""
        self.pg_created = False
        self.env = {
            k: v
            for k, v in os.environ.items()
            if k not in {"REDIS_URL", "DATABASE_URL", "EMAIL_URL", "CELERY_TASK_ALWAYS_EAGER"}
        }
        self.env.update(
            DJANGO_SETTINGS_MODULE="portal.settings",
            DATABASE_URL=(
                f"{PG_SERVER}/{self.pg_name}" if args.postgres else f"sqlite:///{self.db_path}"
            ),
            CARTABLE_VAR_DIR=str(self.tmp),  # broker folders and mails land here too
            CARTABLE_DEMO="1",
            DJANGO_DEBUG="1",
            DJANGO_ALLOWED_HOSTS=f"{TENANT_HOST},localhost,127.0.0.1",
            LOG_LEVEL="WARNING",
            PYTHONPATH=str(ROOT),
        )
        self.procs: dict[str, subprocess.Popen] = {}
        self.base = ""

    # --- database access from the driver (outside the timed window only) ---
    def sql(self, query: str) -> list[tuple]:
        if self.args.postgres:
            import psycopg

            with psycopg.connect(f"{PG_SERVER}/{self.pg_name}", autocommit=True) as conn:
                cur = conn.execute(query)
                return cur.fetchall() if cur.description else []
        with sqlite3.connect(self.db_path, timeout=20) as conn:
            rows = conn.execute(query).fetchall()
        conn.close()
        return rows

    def pg_admin(self, create: bool) -> None:
        import psycopg
        from psycopg import sql

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            name = sql.Identifier(self.pg_name)
            if create:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(name))
                self.pg_created = True
            elif self.pg_created:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
                self.pg_created = False

    def clear_throttles(self) -> None:
        """Per-IP (30/10 min) and per-account (5/h) counters live in the cache table: deleted
        between batches so the worker keeps doing the real lookups and sends."""
        self.sql("DELETE FROM cartable_cache WHERE cache_key LIKE '%:throttle:%'")

    def pending(self) -> int:
        rows = self.sql("SELECT COUNT(*) FROM recovery_recoveryrequest WHERE processed_at IS NULL")
        return rows[0][0]

    def drain(self, timeout: float) -> bool:
        """With a worker: wait until every recorded request has been processed."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.pending() == 0:
                return True
            self.check_alive()
            time.sleep(0.05)
        return False

    # --- processes ---
    def prepare(self) -> list[tuple[str, str]]:
        if self.args.postgres:
            self.pg_admin(create=True)
        done = subprocess.run(
            [sys.executable, str(SCRIPT), "--step", "prepare",
             str(self.args.accounts), str(self.args.seed)],
            cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"prepare failed:\n{done.stdout}\n{done.stderr}")
        return [tuple(pair) for pair in json.loads(done.stdout.strip().splitlines()[-1])]

    def spawn(self, name: str, argv: list[str]) -> subprocess.Popen:
        log = (self.tmp / f"{name}.log").open("w")
        proc = subprocess.Popen(
            argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped as a group below
        )  # fmt: skip
        self.procs[name] = proc
        return proc

    def log_tail(self, name: str) -> str:
        path = self.tmp / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-30:])

    def check_alive(self) -> None:
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited ({proc.returncode}):\n{self.log_tail(name)}")

    def start_server(self) -> None:
        port = _free_port()
        self.spawn(
            "gunicorn",
            [str(GUNICORN), "portal.wsgi:application", "--workers", str(self.args.workers),
             "--bind", f"127.0.0.1:{port}", "--timeout", "60", "--log-level", "warning"],
        )  # fmt: skip
        self.base = f"http://127.0.0.1:{port}"
        self.host = {"Host": f"{TENANT_HOST}:{port}"}
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                if requests.get(self.base + FORM_PATH, headers=self.host, timeout=2).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer in 30 s:\n{self.log_tail('gunicorn')}")

    def start_worker(self) -> None:
        self.spawn(
            "worker",
            [sys.executable, "-m", "celery", "-A", "portal", "worker", "--loglevel", "WARNING",
             "--concurrency", "1", "--without-gossip", "--without-mingle",
             "--without-heartbeat"],
        )  # fmt: skip

    def stop_all(self) -> None:
        for name in list(self.procs):
            proc = self.procs.pop(name)
            if proc.poll() is None:
                proc.terminate()  # gunicorn's master and celery stop their children on SIGTERM
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=20)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)  # stragglers of this group only
            proc.wait(timeout=5)

    def cleanup(self) -> None:
        try:
            self.stop_all()
        finally:
            try:
                if self.args.postgres:
                    self.pg_admin(create=False)
            finally:
                shutil.rmtree(self.tmp, ignore_errors=True)

    # --- one request ---
    def csrf_session(self) -> tuple[requests.Session, str]:
        http = requests.Session()
        http.headers.update(self.host)
        page = http.get(self.base + FORM_PATH, timeout=30)
        match = CSRF_RE.search(page.text)
        if page.status_code != 200 or not match:
            http.close()
            raise RuntimeError(f"GET {FORM_PATH} → {page.status_code}, no CSRF token")
        return http, match.group(1)

    def post(self, http: requests.Session, token: str, sample: Sample) -> None:
        data = {"csrfmiddlewaretoken": token, "method": sample.method, "login": sample.login}
        try:
            started = time.perf_counter()
            response = http.post(
                self.base + FORM_PATH, data=data, allow_redirects=False, timeout=30
            )
            sample.seconds = time.perf_counter() - started
        except requests.RequestException as error:
            sample.error = type(error).__name__
            return
        cookies = tuple(sorted(c.split("=", 1)[0].strip() for c in _set_cookies(response)))
        sample.outcome = (
            response.status_code,
            response.headers.get("Location", ""),
            cookies,
            len(response.content),
        )

    def run(self, known_pool: list[tuple[str, str]], unknown_pool: list[tuple[str, str]]):
        args = self.args
        rng = random.Random(args.seed)
        results = Results()

        def draw(kind: str, pool: list[tuple[str, str]], n: int) -> list[Sample]:
            methods = ["identifier", "email"] * (n // 2 + 1)
            out = []
            for method in methods[:n]:
                identifier, email = rng.choice(pool)
                out.append(Sample(kind, method, identifier if method == "identifier" else email))
            return out

        plan = draw("known", known_pool, args.requests)
        plan += draw("unknown", unknown_pool, args.requests)
        rng.shuffle(plan)
        warm = draw("known", known_pool, args.warmup // 2)
        warm += draw("unknown", unknown_pool, args.warmup - args.warmup // 2)
        rng.shuffle(warm)

        shared = None if args.fresh_session else self.csrf_session()
        try:
            for sample in warm:
                self.one(shared, sample)
                if sample.error or sample.outcome[:2] != (302, SENT_PATH):
                    raise RuntimeError(
                        f"warm-up request failed: {sample}\n{self.log_tail('gunicorn')}"
                    )
            if args.with_worker and not self.drain(120):
                tail = self.log_tail("worker")
                raise RuntimeError(f"worker did not process the warm-up:\n{tail}")
            self.clear_throttles()

            deadline = time.monotonic() + args.time_limit
            for start in range(0, len(plan), args.batch):
                for sample in plan[start : start + args.batch]:
                    if time.monotonic() > deadline:
                        results.stopped_early = True
                        break
                    self.one(shared, sample)
                    results.samples.append(sample)
                if results.stopped_early:
                    break
                # Between batches, outside the timed window: let the worker catch up (so a
                # batch's requests are processed, throttles included, before counters reset).
                if args.with_worker and not self.drain(60):
                    raise RuntimeError(f"worker fell behind:\n{self.log_tail('worker')}")
                self.clear_throttles()
                self.check_alive()
        finally:
            if shared:
                shared[0].close()
        if args.with_worker:
            self.drain(60)
        results.outcomes = dict(
            self.sql(
                "SELECT outcome, COUNT(*) FROM recovery_recoveryrequest "
                "WHERE flow = 'identifier' GROUP BY outcome"
            )
        )
        return results

    def one(self, shared: tuple[requests.Session, str] | None, sample: Sample) -> None:
        if shared is not None:
            self.post(*shared, sample)
            return
        try:
            http, token = self.csrf_session()
        except (requests.RequestException, RuntimeError) as error:
            sample.error = f"GET {type(error).__name__}"
            return
        with http:
            self.post(http, token, sample)


def _set_cookies(response: requests.Response) -> list[str]:
    raw = getattr(response.raw, "headers", None)
    if raw is not None and hasattr(raw, "getlist"):
        return raw.getlist("Set-Cookie")
    value = response.headers.get("Set-Cookie")
    return [value] if value else []


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
