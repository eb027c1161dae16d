"""Login throughput: Argon2id at OWASP's minimum vs Django's default Argon2 (DESIGN.md §2).

Runs the real login view (`POST /accounts/login/`, CSRF token from a GET, a fresh cookie jar per
login) under gunicorn, once per hasher, against a throw-away SQLite database, and prints logins per
second, the ratio and the POST latency. Loopback traffic only; the script stops gunicorn and
deletes its temporary files by itself.

    .venv/bin/python bench/login_throughput.py [--logins 200] [--concurrency 6] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")
BENCH_SLUG = "bench"
BENCH_HOST = "bench.localhost"
PASSWORD = "Bench-Login-2025!"
LOGIN_PATH = "/accounts/login/"
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

RUNS = [
    ("OWASP Argon2id 19 MiB, t=2, p=1", "bench.settings_owasp"),
    ("Django default Argon2id 100 MiB, t=2, p=8", "bench.settings_default_argon2"),
]


# --- Steps run inside Django (a subprocess with the run's settings) ----------------------------


def _django() -> None:
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()


def _bench_scope():
    """The bench tenant's scope: its users are read through the tenant-scoped manager."""
    from tenants.models import Tenant
    from tenants.scoping import tenant_scope

    return tenant_scope(Tenant.objects.get(slug=BENCH_SLUG))


def step_prepare(users: int) -> None:
    """Migrate the empty database, then one tenant and its users (hashes set by step_rehash)."""
    _django()
    from django.core.management import call_command

    from accounts.models import User
    from tenants.models import Tenant, TenantHost

    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)
    tenant = Tenant.objects.create(
        slug=BENCH_SLUG, name="Bench", display_name="Bench", primary_colour="#1f5aa6"
    )
    TenantHost.objects.create(tenant=tenant, host=BENCH_HOST, is_primary=True)
    User.objects.bulk_create(
        User(tenant=tenant, identifier=_identifier(i), is_parent=True, password="!")
        for i in range(users)
    )


def step_rehash() -> None:
    """Every bench user gets a hash made by this run's first hasher; sessions and cache reset."""
    _django()
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.models import Session
    from django.core.cache import cache

    from accounts.models import User

    # One hash for all: same cost to verify as distinct ones, and no minute of set-up.
    with _bench_scope():
        User.objects.filter(tenant__slug=BENCH_SLUG).update(password=make_password(PASSWORD))
    Session.objects.all().delete()
    cache.clear()
    step_params()


def step_params() -> None:
    """Print how many bench users hold a hash with each parameter set."""
    _django()
    from accounts.models import User

    with _bench_scope():
        passwords = User.objects.filter(tenant__slug=BENCH_SLUG).values_list("password", flat=True)
        counts = Counter(_hash_params(p) for p in passwords)
    print(", ".join(f"{n} × {params}" for params, n in sorted(counts.items())))


def step_verify() -> None:
    """Print the median time (ms) of one password check in this process, nothing else running."""
    _django()
    from accounts.models import User

    with _bench_scope():
        user = User.objects.filter(tenant__slug=BENCH_SLUG).first()
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        assert user.check_password(PASSWORD)
        timings.append(time.perf_counter() - started)
    print(f"{sorted(timings)[2] * 1000:.0f}")


def _hash_params(encoded: str) -> str:
    parts = encoded.split("$")
    return f"{parts[0]} {parts[3]}" if parts[0] == "argon2" and len(parts) > 3 else parts[0]


def _identifier(i: int) -> str:
    return f"bench.user{i:04d}"


# --- The driver -------------------------------------------------------------------------------


@dataclass
class RunResult:
    label: str
    ok: int = 0
    failed: Counter = field(default_factory=Counter)
    skipped: int = 0
    wall: float = 0.0
    latencies: list[float] = field(default_factory=list)
    params_before: str = ""
    params_after: str = ""
    verify_ms: str = ""

    @property
    def rate(self) -> float:
        return self.ok / self.wall if self.wall else 0.0

    def percentile(self, q: float) -> float:
        data = sorted(self.latencies)
        if not data:
            return float("nan")
        return data[min(len(data) - 1, round(q * (len(data) - 1)))]


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="cartable-bench-"))
        self.env = {
            k: v
            for k, v in os.environ.items()
            if k not in {"DJANGO_SETTINGS_MODULE", "REDIS_URL", "DATABASE_URL", "EMAIL_URL"}
        }
        self.env.update(
            DATABASE_URL=f"sqlite:///{self.tmp / 'bench.sqlite3'}",
            CARTABLE_VAR_DIR=str(self.tmp),
            CARTABLE_DEMO="1",
            DJANGO_DEBUG="1",
            LOG_LEVEL="WARNING",
            PYTHONPATH=str(ROOT),
        )
        self.server: subprocess.Popen | None = None
        self.stopping = threading.Event()

    # subprocess helpers
    def django_step(self, settings: str, *step: str) -> str:
        env = {**self.env, "DJANGO_SETTINGS_MODULE": settings}
        done = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--step", *step],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if done.returncode != 0:
            raise RuntimeError(f"step {step} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout.strip()

    def start_server(self, settings: str) -> str:
        port = _free_port()
        log = (self.tmp / f"gunicorn-{settings}.log").open("w")
        self.server = subprocess.Popen(
            [
                str(GUNICORN),
                "portal.wsgi:application",
                "--workers",
                str(self.args.workers),
                "--bind",
                f"127.0.0.1:{port}",
                "--timeout",
                "120",
                "--log-level",
                "warning",
            ],  # fmt: skip
            cwd=ROOT,
            env={**self.env, "DJANGO_SETTINGS_MODULE": settings},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log_tail(settings)}")
            try:
                if requests.get(base + LOGIN_PATH, headers=self.host, timeout=2).ok:
                    return base
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer in 30 s:\n{self.log_tail(settings)}")

    def stop_server(self) -> None:
        proc, self.server = self.server, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()  # gunicorn's master stops its workers on SIGTERM
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the group started for this gunicorn only
            proc.wait(timeout=5)

    def log_tail(self, settings: str) -> str:
        path = self.tmp / f"gunicorn-{settings}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-30:])

    @property
    def host(self) -> dict[str, str]:
        return {"Host": BENCH_HOST}

    def cleanup(self) -> None:
        self.stop_server()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # one login, as a browser would: GET the form (CSRF cookie + token), POST it
    def login(self, base: str, identifier: str, deadline: float) -> tuple[str, float]:
        if self.stopping.is_set() or time.monotonic() > deadline:
            return "skipped", 0.0
        with requests.Session() as http:
            http.headers.update(self.host)
            try:
                page = http.get(base + LOGIN_PATH, timeout=60)
                match = CSRF_RE.search(page.text)
                if page.status_code != 200 or not match:
                    return f"GET {page.status_code}", 0.0
                started = time.perf_counter()
                response = http.post(
                    base + LOGIN_PATH,
                    data={
                        "csrfmiddlewaretoken": match.group(1),
                        "login": identifier,
                        "password": PASSWORD,
                    },
                    allow_redirects=False,
                    timeout=60,
                )
                elapsed = time.perf_counter() - started
            except requests.RequestException as error:
                return type(error).__name__, 0.0
        if response.status_code == 302 and "sessionid" in response.cookies:
            return "ok", elapsed
        return f"POST {response.status_code}", elapsed

    def run(self, label: str, settings: str) -> RunResult:
        args = self.args
        result = RunResult(label)
        result.params_before = self.django_step(settings, "rehash")
        result.verify_ms = self.django_step(settings, "verify")
        base = self.start_server(settings)
        try:
            # Warm-up: every worker imports and renders once before the clock starts.
            warm = [_identifier(args.users + i) for i in range(args.warmup)]
            with ThreadPoolExecutor(args.concurrency) as pool:
                outcomes = list(pool.map(lambda u: self.login(base, u, float("inf")), warm))
            bad = [o for o, _ in outcomes if o != "ok"]
            if bad:
                raise RuntimeError(f"warm-up logins failed: {bad}\n{self.log_tail(settings)}")

            users = [_identifier(i % args.users) for i in range(args.logins)]
            started = time.monotonic()
            deadline = started + args.time_limit
            pool = ThreadPoolExecutor(args.concurrency)
            try:
                futures = [pool.submit(self.login, base, u, deadline) for u in users]
                for future in as_completed(futures):
                    outcome, elapsed = future.result()
                    if outcome == "ok":
                        result.ok += 1
                        result.latencies.append(elapsed)
                    elif outcome == "skipped":
                        result.skipped += 1
                    else:
                        result.failed[outcome] += 1
            except BaseException:
                self.stopping.set()  # Ctrl-C / SIGTERM: logins not yet started are dropped
                raise
            finally:
                pool.shutdown(wait=True, cancel_futures=True)
            result.wall = time.monotonic() - started
        finally:
            self.stop_server()
        result.params_after = self.django_step(settings, "params")
        return result


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _report(args: argparse.Namespace, results: list[RunResult]) -> None:
    from importlib.metadata import version

    import django

    print()
    print(
        f"Login throughput — {args.logins} logins per hasher, {args.concurrency} client threads, "
        f"gunicorn {args.workers} sync workers, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, Django {django.get_version()}, "
        f"argon2-cffi {version('argon2-cffi')}"
    )
    header = f"{'hasher':<44} {'ok':>4} {'fail':>4} {'wall s':>7} {'logins/s':>9} "
    header += f"{'median ms':>10} {'p95 ms':>8} {'1 hash ms':>10}"
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r.label:<44} {r.ok:>4} {sum(r.failed.values()) + r.skipped:>4} {r.wall:>7.1f} "
            f"{r.rate:>9.1f} {r.percentile(0.5) * 1000:>10.0f} "
            f"{r.percentile(0.95) * 1000:>8.0f} {r.verify_ms:>10}"
        )
    print(
        "logins/s: successful logins ÷ wall time; median/p95: latency of the login POST "
        "(queueing included);\n1 hash ms: one password check alone, in one process."
    )
    print()
    for r in results:
        print(f"{r.label}: hashes before {r.params_before}; after {r.params_after}")
        if r.failed or r.skipped:
            print(f"  failures: {dict(r.failed)}, skipped (time limit): {r.skipped}")
    if len(results) == 2 and results[1].rate:
        ratio = results[0].rate / results[1].rate
        verdict = "meets" if ratio >= 4 else "BELOW"
        print(f"\nRatio OWASP / default: {ratio:.1f}× ({verdict} the ≥ 4× target)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=200, help="distinct accounts (default 200)")
    parser.add_argument("--logins", type=int, default=200, help="logins per hasher")
    parser.add_argument("--concurrency", type=int, default=6, help="client threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--warmup", type=int, default=8, help="logins before the clock starts")
    parser.add_argument(
        "--time-limit", type=float, default=120, help="seconds per hasher before giving up"
    )
    parser.add_argument(
        "--owasp-settings",
        default=RUNS[0][1],
        help="settings module of the OWASP run (portal.settings shows allauth's login limit)",
    )
    parser.add_argument("--step", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.step:
        name, *rest = args.step
        {"prepare": lambda: step_prepare(int(rest[0])), "rehash": step_rehash,
         "params": step_params, "verify": step_verify}[name]()  # fmt: skip
        return 0

    # SIGTERM (e.g. a CI timeout) unwinds like Ctrl-C, so the finally below always cleans up.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    bench = Bench(args)
    results: list[RunResult] = []
    try:
        print(f"Preparing {args.users + args.warmup} accounts in {bench.tmp} …", flush=True)
        runs = [(RUNS[0][0], args.owasp_settings), RUNS[1]]
        bench.django_step(runs[0][1], "prepare", str(args.users + args.warmup))
        for label, settings in runs:
            print(f"Running: {label} …", flush=True)
            results.append(bench.run(label, settings))
    finally:
        bench.cleanup()
    _report(args, results)
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
