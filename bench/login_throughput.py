"""Login throughput: the app's Argon2id against Django's default Argon2 (DESIGN.md §2, issue 10).

    .venv/bin/python bench/login_throughput.py [--seconds 8] [--rounds 3] [--clients 8]

Runs the real login (GET `/accounts/login/` for the CSRF token, POST it with identifier and
password, a fresh cookie jar per login, counted on `302` with a session cookie) under gunicorn
with production settings on PostgreSQL (bench/prodserver.py: DEBUG off, persistent connections,
Redis cache, `--worker-class gthread`), once per hasher in the same run, and prints logins per
second, the ratio (target ≥ 4×) and the POST latency. Loopback traffic only; the script drops
its database and stops gunicorn by itself.
"""

from __future__ import annotations

import argparse
import itertools
import re
import signal
import statistics
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.prodserver import (  # noqa: E402
    TWO_CORE_GUNICORN,
    Client,
    Load,
    ProdApp,
    closed_loop,
    machine,
    machine_cpu_seconds,
    scratch_database,
    tree_cpu_seconds,
)

BENCH_SLUG = "bench"
BENCH_HOST = "bench.localhost"
PASSWORD = "Bench-Login-2025!"
LOGIN_PATH = "/accounts/login/"
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

# (label, settings module, prefix of its accounts' identifiers)
RUNS = [
    ("app: accounts.hashers (Argon2id)", "bench.settings_owasp", "app"),
    ("Django default Argon2id 100 MiB t=2 p=8", "bench.settings_default_argon2", "dflt"),
]


# --- Steps run inside Django (a subprocess with the run's settings) ----------------------------


def _django() -> None:
    import django

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
        User(tenant=tenant, identifier=_identifier(prefix, i), is_parent=True, password="!")
        for _label, _settings, prefix in RUNS
        for i in range(users)
    )


def step_rehash(prefix: str) -> None:
    """The run's accounts get a hash made by its first hasher."""
    _django()
    from django.contrib.auth.hashers import make_password

    from accounts.models import User

    # One hash for all: same cost to verify as distinct ones, and no minute of set-up.
    with _bench_scope():
        users = User.objects.filter(identifier__startswith=f"{prefix}.")
        users.update(password=make_password(PASSWORD))
    step_params(prefix)


def step_params(prefix: str) -> None:
    """Print how many of the run's accounts hold a hash with each parameter set."""
    _django()
    from accounts.models import User

    with _bench_scope():
        users = User.objects.filter(identifier__startswith=f"{prefix}.")
        passwords = users.values_list("password", flat=True)
        counts = Counter(_hash_params(p) for p in passwords)
    print(", ".join(f"{n} × {params}" for params, n in sorted(counts.items())))


def step_verify() -> None:
    """The median time (ms) and CPU time of one password check in this process, alone."""
    _django()
    from django.contrib.auth.hashers import check_password, make_password

    encoded = make_password(PASSWORD)
    walls, cpus = [], []
    for _ in range(9):
        wall, cpu = time.perf_counter(), time.process_time()
        assert check_password(PASSWORD, encoded)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    print(f"{statistics.median(walls) * 1000:.0f} / {statistics.median(cpus) * 1000:.0f}")


def _hash_params(encoded: str) -> str:
    parts = encoded.split("$")
    return f"{parts[0]} {parts[3]}" if parts[0] == "argon2" and len(parts) > 3 else parts[0]


def _identifier(prefix: str, i: int) -> str:
    return f"{prefix}.user{i:05d}"


# --- The driver -------------------------------------------------------------------------------


@dataclass
class RunResult:
    label: str
    settings: str
    prefix: str
    loads: list[Load] = field(default_factory=list)
    post_latencies: list[float] = field(default_factory=list)
    server_cpu: float = 0.0  # gunicorn's CPU seconds while measured
    machine_busy: float = 0.0  # the machine's busy CPU seconds while measured
    params_before: str = ""
    params_after: str = ""
    verify_ms: str = ""

    @property
    def ok(self) -> int:
        return sum(load.ok for load in self.loads)

    @property
    def wall(self) -> float:
        return sum(load.wall for load in self.loads)

    @property
    def rate(self) -> float:
        return self.ok / self.wall if self.wall else 0.0

    @property
    def errors(self) -> Counter:
        return sum((Counter(load.errors) for load in self.loads), Counter())

    def per_login_ms(self, seconds: float) -> float:
        return seconds / self.ok * 1000 if self.ok else float("nan")

    def post_percentile(self, q: float) -> float:
        return Load(latencies=self.post_latencies).percentile(q)


class Bench:
    def __init__(self, args: argparse.Namespace, app: ProdApp) -> None:
        self.args, self.app = args, app

    def step(self, settings: str, *step: str) -> str:
        return self.app.python(
            str(Path(__file__).resolve()), "--step", *step,
            env={"DJANGO_SETTINGS_MODULE": settings},
        )  # fmt: skip

    def login_loop(self, port: int, result: RunResult) -> Callable[[int], Callable]:
        accounts = itertools.cycle(range(self.args.users))  # shared: every login a new account
        lock = threading.Lock()

        def make(_index: int) -> Callable[[], bool | str]:
            client = Client(port, BENCH_HOST)

            def login() -> bool | str:
                with lock:
                    identifier = _identifier(result.prefix, next(accounts))
                client.cookies.clear()  # a new visitor on a kept-alive connection
                page = client.get(LOGIN_PATH)
                token = CSRF_RE.search(page.text)
                if page.status != 200 or token is None:
                    return f"GET {page.status}"
                data = {
                    "csrfmiddlewaretoken": token.group(1),
                    "login": identifier,
                    "password": PASSWORD,
                }
                done = client.post(LOGIN_PATH, data)
                if done.status != 302 or "sessionid" not in client.cookies:
                    return f"POST {done.status}"
                with lock:
                    result.post_latencies.append(done.seconds)
                return True

            return login

        return make

    def run(self, results: list[RunResult]) -> None:
        """Both servers up at once, idle in turn; the hashers take turns, round after round, so
        that whatever else the machine does falls on both."""
        servers = {}
        for result in results:
            result.params_before = self.step(result.settings, "rehash", result.prefix)
            result.verify_ms = self.step(result.settings, "verify")
            servers[result.label] = self.app.gunicorn(
                workers=self.args.workers, threads=self.args.threads, ready_path=LOGIN_PATH,
                ready_host=BENCH_HOST, env={"DJANGO_SETTINGS_MODULE": result.settings},
            )  # fmt: skip
        for round_ in range(1, self.args.rounds + 1):
            for result in results:
                print(f"  round {round_}: {result.label} …", flush=True)
                server = servers[result.label]
                cpu0, (busy0, _) = tree_cpu_seconds(server.proc.pid), machine_cpu_seconds()
                load = closed_loop(
                    self.login_loop(server.port, result),
                    clients=self.args.clients,
                    seconds=self.args.seconds,
                    warmup=self.args.warmup,
                )
                # The warm-up's share is left out in proportion (both are CPU-bound alike).
                share = load.wall / (load.wall + self.args.warmup)
                result.server_cpu += (tree_cpu_seconds(server.proc.pid) - cpu0) * share
                result.machine_busy += (machine_cpu_seconds()[0] - busy0) * share
                result.loads.append(load)
        for result in results:
            servers[result.label].stop()
            result.params_after = self.step(result.settings, "params", result.prefix)


def _report(args: argparse.Namespace, results: list[RunResult]) -> None:
    from importlib.metadata import version

    import django

    print()
    print(
        f"Login throughput — {args.rounds} rounds × {args.seconds:g} s per hasher, taking turns, "
        f"{args.clients} clients, gunicorn gthread {args.workers} workers × {args.threads} "
        f"threads, production settings on PostgreSQL; {machine()}, Django "
        f"{django.get_version()}, argon2-cffi {version('argon2-cffi')}; the clients run on the "
        "same machine"
    )
    header = f"{'hasher':<42} {'logins':>6} {'fail':>4} {'logins/s':>9} {'rounds':>16} "
    header += f"{'POST med/p95 ms':>16} {'CPU ms/login':>13} {'1 hash ms':>10}"
    print(header)
    print("-" * len(header))
    for r in results:
        rounds = "/".join(f"{load.rate:.1f}" for load in r.loads)
        cpu = f"{r.per_login_ms(r.server_cpu):.0f} ({r.per_login_ms(r.machine_busy):.0f})"
        post = f"{r.post_percentile(0.5) * 1000:.0f}/{r.post_percentile(0.95) * 1000:.0f}"
        print(
            f"{r.label:<42} {r.ok:>6} {sum(r.errors.values()):>4} {r.rate:>9.1f} {rounds:>16} "
            f"{post:>16} {cpu:>13} {r.verify_ms:>10}"
        )
    print(
        "A login: GET the form, then POST it (302 and a session cookie). POST med/p95: latency "
        "of the POST,\nqueueing included. CPU ms/login: gunicorn's (the whole machine's, "
        "clients, PostgreSQL, Redis and\nanything else running included). 1 hash: one "
        "password check alone in one process, wall / CPU."
    )
    print()
    for r in results:
        print(f"{r.label}: hashes before {r.params_before}; after {r.params_after}")
        if r.errors:
            print(f"  failures: {dict(r.errors)}")
    if len(results) == 2 and results[1].rate:
        ratio = results[0].rate / results[1].rate
        verdict = "meets" if ratio >= 4 else "BELOW"
        print(f"\nRatio app / Django default: {ratio:.1f}× ({verdict} the ≥ 4× target)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=8, help="measured, per hasher and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=float, default=2, help="seconds before each round")
    parser.add_argument("--clients", type=int, default=8, help="client threads (default 8)")
    parser.add_argument("--users", type=int, default=2000, help="accounts per hasher")
    parser.add_argument("--workers", type=int, default=TWO_CORE_GUNICORN["workers"])
    parser.add_argument("--threads", type=int, default=TWO_CORE_GUNICORN["threads"])
    parser.add_argument("--database", default="cartable_bench_login", help="scratch database")
    parser.add_argument("--redis-db", type=int, default=10, help="an empty Redis database")
    parser.add_argument(
        "--app-settings",
        default=RUNS[0][1],
        help="settings module of the app's run (portal.settings: allauth's limits unchanged)",
    )
    parser.add_argument("--step", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.step:
        name, *rest = args.step
        steps = {
            "prepare": lambda: step_prepare(int(rest[0])),
            "verify": step_verify,
            "rehash": lambda: step_rehash(rest[0]),
            "params": lambda: step_params(rest[0]),
        }
        steps[name]()  # fmt: skip
        return 0

    # SIGTERM (e.g. a CI timeout) unwinds like Ctrl-C, so the finally below always cleans up.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    results = [RunResult(RUNS[0][0], args.app_settings, RUNS[0][2]), RunResult(*RUNS[1])]
    with scratch_database(args.database) as url:
        app = ProdApp(url, redis_db=args.redis_db)
        app.check_redis_empty()
        bench = Bench(args, app)
        try:
            print(f"Preparing {args.users} accounts per hasher …", flush=True)
            bench.step(results[0].settings, "prepare", str(args.users))
            bench.run(results)
        finally:
            app.cleanup()
    _report(args, results)
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
