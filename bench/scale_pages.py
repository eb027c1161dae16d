"""Every page of issue 10, timed at demo size and at full size, with its number of SQL queries.

    .venv/bin/python bench/scale_pages.py --demo bench_scale_demo --full bench_scale_full
    .venv/bin/python bench/scale_pages.py --full bench_scale_full --only 'Invitations|login'

For each database (made by bench/scale_load.py), gunicorn runs the app with production settings
(DJANGO_DEBUG=0, a random secret key, Redis for cache and broker, no SSL redirect, the demo
tenants) on a loopback port, through bench/scale_wsgi.py, which adds the number of SQL queries of
each request to the response. One client asks each page in turn: one warm-up request, then up
to --runs requests within --budget seconds (a warm-up slower than 2 s counts as a run); the
table gives the median and the queries of the last run, and the ratio full / demo.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scale_pages_http import (  # noqa: E402
    Client,
    Hit,
    admin_changelists,
    admin_login,
    captcha_key,
    changelist_links,
    login,
)

SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
GUNICORN = Path(sys.executable).with_name("gunicorn")
PASSWORD = "Cartable-Demo-1"  # the demo's (README)
# seed_demo runs with the embedded default's key (portal/settings.py), and NUMEN hashes are
# keyed with it: the Créteil lookup finds its demo staff only under the same key.
SEED_SECRET_KEY = "insecure-development-key-only-for-the-embedded-default"
PARENT, SECRETARY = "jacqueline.dubois", "secretariat.creos"
RESETS = [  # (tenant, label, form path, fields, expected status)
    ("creos", "reset request, CREOS e-mail", "/mot-de-passe-oublie/",
     {"method": "email", "login": "jean.dupont@hotmail.com"}, 302),
    ("creos", "reset request, CREOS identifier", "/mot-de-passe-oublie/",
     {"method": "identifier", "login": "jacqueline.dubois"}, 302),
    ("eceps", "reset request, two-step (ECEPS)", "/compte-inaccessible/",
     {"address": "pierre.martin@eceps.localhost"}, 302),
    ("sepne", "reset request, student mailbox (SEPNE)", "/eleve/",
     {"address": "lea.gagnon@eleves.sepne.ca"}, 302),
    ("creteil", "identifier lookup, NUMEN + captcha (Créteil)", "/identifiant/",
     {"surname": "Dupont", "numen": "05E0512345ABC"}, 200),
]  # fmt: skip


@dataclass
class Result:
    page: str
    ms: float | None = None
    queries: int | None = None
    runs: int = 0
    status: int = 0
    size: int = 0
    detail: str = ""
    error: str = ""


@dataclass
class Run:
    database: str
    results: dict[str, Result] = field(default_factory=dict)


# --- Steps run inside Django, with the server's environment -----------------------------------


def step_discover() -> None:
    """The ids and URLs the pages need, read through the app's own models and URLconf."""
    import django

    django.setup()
    from django.db.models import Count
    from django.urls import reverse

    from accounts.models import User
    from payments.models import Activity
    from tenants.models import Tenant
    from tenants.scoping import tenant_scope

    with tenant_scope(Tenant.objects.get(slug="creos")):
        parent = User.objects.get(identifier__iexact=PARENT)
        handball = Activity.objects.get(title="Activité handball temps de midi")
        biggest = (
            Activity.objects.annotate(n=Count("invitations")).order_by("-n", "pk").values("pk", "n")
        )[0]
    export = "admin:payments_activity_export"
    print(
        json.dumps(
            {
                "person_change": reverse("admin:accounts_user_change", args=[parent.pk]),
                "helpdesk": reverse("admin:helpdesk_index"),
                "helpdesk_card": reverse("admin:helpdesk_person", args=[parent.pk]),
                "export_demo": reverse(export, args=[handball.pk]),
                "export_biggest": reverse(export, args=[biggest["pk"]]),
                "biggest_rows": biggest["n"],
            }
        )
    )


def step_reconcile(runs: int, budget: float) -> None:
    """`payments_reconcile --tenant creos` in this process: median time, queries of one run."""
    import io

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    count = 0

    def counter(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    samples: list[float] = []
    started = time.monotonic()
    while len(samples) < runs and (not samples or time.monotonic() - started < budget):
        count, out = 0, io.StringIO()
        with connection.execute_wrapper(counter):
            t0 = time.perf_counter()
            call_command("payments_reconcile", tenant="creos", stdout=out)
            samples.append(time.perf_counter() - t0)
    print(json.dumps({"samples": samples, "queries": count, "out": out.getvalue().strip()}))


# --- The driver -----------------------------------------------------------------------------


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="cartable-bench-pages-"))
        self.redis = redis.Redis.from_url(f"{args.redis}/{args.redis_db}")
        self.server: subprocess.Popen | None = None
        self.base = ""
        self.port = 0
        self.static_ready = False

    def env(self, database: str) -> dict[str, str]:
        drop = {"DJANGO_SETTINGS_MODULE", "EMAIL_URL", "CELERY_TASK_ALWAYS_EAGER"}
        env = {k: v for k, v in os.environ.items() if k not in drop}
        env.update(
            DJANGO_SETTINGS_MODULE="portal.settings",
            DJANGO_DEBUG="0",
            DJANGO_SECRET_KEY=self.args.secret_key,
            # Pages only: no seal is checked here (bench/scale_load.py seals the ledger it loads).
            CARTABLE_LEDGER_KEY=self.args.secret_key,
            DJANGO_SECURE_SSL_REDIRECT="0",
            DJANGO_ALLOWED_HOSTS=".localhost,localhost,127.0.0.1",
            CARTABLE_DEMO="1",
            DATABASE_URL=f"{SERVER}/{database}",
            REDIS_URL=f"{self.args.redis}/{self.args.redis_db}",
            CARTABLE_VAR_DIR=str(self.tmp / "var"),
            DJANGO_STATIC_ROOT=str(self.tmp / "static"),
            LOG_LEVEL="WARNING",
            PYTHONPATH=str(ROOT),
        )
        return env

    def python(self, database: str, *argv: str, timeout: float = 1800) -> str:
        done = subprocess.run(
            [sys.executable, *argv], cwd=ROOT, env=self.env(database), capture_output=True,
            text=True, timeout=timeout,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"{argv} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout.strip()

    def step(self, database: str, *argv: str) -> dict:
        out = self.python(database, str(Path(__file__).resolve()), "--step", *argv)
        return json.loads(out.splitlines()[-1])

    # --- gunicorn ---
    def start(self, database: str) -> None:
        if not self.static_ready:  # the manifest production's static storage needs
            self.python(database, "manage.py", "collectstatic", "--noinput", "--verbosity", "0")
            self.static_ready = True
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        log = (self.tmp / "gunicorn.log").open("a")
        self.server = subprocess.Popen(
            [str(GUNICORN), "bench.scale_wsgi:application", "--workers", str(self.args.workers),
             "--threads", str(self.args.threads), "--bind", f"127.0.0.1:{self.port}",
             "--timeout", "900", "--log-level", "warning"],
            cwd=ROOT, env=self.env(database), stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, stopped as a group
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log_tail()}")
            with contextlib.suppress(Exception):
                if self.client("creos").get("/accounts/login/").status == 200:
                    return
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer in 60 s:\n{self.log_tail()}")

    def stop(self) -> None:
        proc, self.server = self.server, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()  # the master stops its workers on SIGTERM
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the group started for this gunicorn only
            proc.wait(timeout=5)

    def log_tail(self) -> str:
        path = self.tmp / "gunicorn.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-30:])

    def cleanup(self) -> None:
        try:
            self.stop()
        finally:
            with contextlib.suppress(redis.RedisError):
                self.redis.flushdb()  # checked empty at the start: only this run's keys
            shutil.rmtree(self.tmp, ignore_errors=True)

    def client(self, tenant: str) -> Client:
        return Client(self.base, f"{tenant}.localhost:{self.port}")

    def clear_throttles(self) -> None:
        keys = list(self.redis.scan_iter("*:throttle:*"))
        if keys:
            self.redis.delete(*keys)

    def captcha_answer(self, database: str, key: str) -> str:
        with psycopg.connect(f"{SERVER}/{database}") as conn:
            row = conn.execute(
                "SELECT response FROM captcha_captchastore WHERE hashkey = %s", (key,)
            ).fetchone()
        return row[0]

    # --- one page ---
    def measure(self, run: Run, page: str, fn: Callable[[], Hit], expect: int = 200, **kw) -> bool:
        """Time one page; False when --only leaves it out."""
        if self.args.only and not re.search(self.args.only, page, re.IGNORECASE):
            return False
        result = Result(page, detail=kw.get("detail", ""))
        run.results[page] = result
        samples: list[Hit] = []
        try:
            warm = fn()
            if warm.seconds > 2:
                samples.append(warm)
            started = time.monotonic()
            while len(samples) < self.args.runs and (
                not samples or time.monotonic() - started < self.args.budget
            ):
                samples.append(fn())
        except Exception as error:  # the table says which page failed, and the run goes on
            result.error = f"{type(error).__name__}: {error}"[:200]
        if samples:
            last = samples[-1]
            result.ms = statistics.median(s.seconds for s in samples) * 1000
            result.queries, result.runs = last.queries, len(samples)
            result.status, result.size = last.status, last.size
            if last.status != expect:
                result.error = f"status {last.status} (expected {expect}) {last.location}"
        shown = f"{result.ms:9.1f} ms" if result.ms is not None else "   failed"
        print(f"  {page:<62} {shown} {result.queries!s:>6} q {result.error}", flush=True)
        return True

    # --- every page of one database ---
    def run(self, database: str) -> Run:
        run = Run(database)
        print(f"\n{database}:", flush=True)
        self.redis.flushdb()
        urls = self.step(database, "discover")
        self.start(database)
        try:
            self.public_pages(run, database)
            self.admin_pages(run, urls)
        finally:
            self.stop()
        self.reconcile(run, database)
        return run

    def public_pages(self, run: Run, database: str) -> None:
        def fresh_login() -> Hit:
            client = self.client("creos")
            try:
                return login(client, PARENT, PASSWORD)
            finally:
                client.close()

        self.measure(run, "login (parent, POST)", fresh_login, expect=302)
        parent = self.client("creos")
        login(parent, PARENT, PASSWORD)
        self.measure(run, "parent: Mes invitations", lambda: parent.get("/paiements/invitations/"))
        self.measure(run, "parent: wallet", lambda: parent.get("/paiements/portefeuille/"))
        for tenant, label, path, fields, expect in RESETS:
            client = self.client(tenant)

            def reset(client=client, path=path, fields=fields) -> Hit:
                self.clear_throttles()  # per-IP limits: every run is the same first request
                token = client.csrf(path)
                data = {"csrfmiddlewaretoken": token, **fields}
                if "captcha_0" in client.last_text:
                    key = captcha_key(client.last_text)
                    data |= {"captcha_0": key, "captcha_1": self.captcha_answer(database, key)}
                return client.request("POST", path, data)

            self.measure(run, label, reset, expect=expect)

    def admin_pages(self, run: Run, urls: dict) -> None:
        admin = self.client("creos")
        admin_login(admin, SECRETARY, PASSWORD, _totp_key(SECRETARY))
        self.measure(run, "admin index", lambda: admin.get("/admin/"))
        admin.get("/admin/")
        q = self.args.search
        for label, url in admin_changelists(admin.last_text):
            if not self.measure(run, f"{label}", lambda url=url: admin.get(url)):
                admin.get(url)  # what the list offers: search box, filters, pages, rows
            links = changelist_links(admin.last_text)
            if "search" in links:
                self.measure(run, f"{label} ?q={q}", lambda url=url: admin.get(f"{url}?q={q}"))
            if "filter" in links:
                filtered = url + links["filter"]
                self.measure(run, f"{label}, a filter", lambda u=filtered: admin.get(u),
                             detail=links["filter"])  # fmt: skip
            last = url + links.get("last", "")
            self.measure(run, f"{label}, last page", lambda u=last: admin.get(u),
                         detail=links.get("last", "(one page)"))  # fmt: skip
            if "change" in links:
                change = links["change"]
                self.measure(run, f"{label}, change form (first row)",
                             lambda u=change: admin.get(u), detail=change)  # fmt: skip
        self.measure(run, f"person change form ({PARENT})",
                     lambda: admin.get(urls["person_change"]))  # fmt: skip
        helpdesk = urls["helpdesk"]
        self.measure(run, "help desk: index (charts)", lambda: admin.get(helpdesk))
        self.measure(run, f"help desk: search ?q={q}", lambda: admin.get(f"{helpdesk}?q={q}"))
        self.measure(run, f"help desk: card ({PARENT})", lambda: admin.get(urls["helpdesk_card"]))
        self.measure(run, "CSV export, demo activity (2 rows)",
                     lambda: admin.get(urls["export_demo"]))  # fmt: skip
        self.measure(run, "CSV export, the biggest activity", lambda: admin.get(
            urls["export_biggest"]), detail=f"{urls['biggest_rows']} rows")  # fmt: skip
        admin.close()

    def reconcile(self, run: Run, database: str) -> None:
        page = "payments_reconcile --tenant creos (in process)"
        if self.args.only and not re.search(self.args.only, page, re.IGNORECASE):
            return
        out = self.step(database, "reconcile", str(self.args.runs), str(self.args.budget))
        result = Result(page, statistics.median(out["samples"]) * 1000, out["queries"],
                        len(out["samples"]), detail=out["out"])  # fmt: skip
        if "concordent" not in out["out"]:
            result.error = out["out"][:200]
        run.results[page] = result
        print(f"  {page:<62} {result.ms:9.1f} ms {result.queries:>6} q", flush=True)


def _totp_key(identifier: str) -> str:
    from demo.totp import demo_totp_key

    return demo_totp_key(identifier)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ms(value: float | None) -> str:
    if value is None:
        return "failed"
    return f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.1f} ms"


def report(runs: list[Run]) -> None:
    pages = list(dict.fromkeys(p for run in runs for p in run.results))
    print()
    if len(runs) == 2:
        demo, full = runs
        print(f"| page | demo ({demo.database}) | queries | full ({full.database}) | queries |"
              " ratio |")  # fmt: skip
        print("|---|---|---|---|---|---|")
        for page in pages:
            a, b = demo.results.get(page), full.results.get(page)
            ratio = f"{b.ms / a.ms:.1f}×" if a and b and a.ms and b.ms else "—"
            cells = [_ms(r.ms) if r else "—" for r in (a, b)]
            queries = [str(r.queries) if r and r.queries is not None else "—" for r in (a, b)]
            print(f"| {page} | {cells[0]} | {queries[0]} | {cells[1]} | {queries[1]} | {ratio} |")
    else:
        (run,) = runs
        print(f"| page ({run.database}) | time | queries | runs |")
        print("|---|---|---|---|")
        for page, r in run.results.items():
            print(f"| {page} | {_ms(r.ms)} | {r.queries if r.queries is not None else '—'} | "
                  f"{r.runs} |")  # fmt: skip
    for run in runs:
        for r in run.results.values():
            if r.error:
                print(f"{run.database}: {r.page}: {r.error}")
            elif r.detail or r.size >= 1e6:
                detail = f"{r.detail} " if r.detail else ""
                print(f"{run.database}: {r.page}: {detail}({_size(r.size)})")


def _size(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{size / 1e3:.0f} kB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--demo", help="the demo-size database (bench_scale_demo)")
    parser.add_argument("--full", help="the full-size database (bench_scale_full)")
    parser.add_argument("--runs", type=int, default=5, help="timed requests per page")
    parser.add_argument("--budget", type=float, default=20, help="seconds per page, at most")
    parser.add_argument("--only", help="regular expression: only the pages it matches")
    parser.add_argument("--search", default="dupont", help="the term of the ?q= searches")
    parser.add_argument("--workers", type=int, default=1, help="gunicorn sync workers")
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379", help="Redis server")
    parser.add_argument("--redis-db", type=int, default=9, help="an empty Redis database")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument(
        "--secret-key",
        default=SEED_SECRET_KEY,
        help="DJANGO_SECRET_KEY of the server (default: the key seed_demo ran with, so the "
        "NUMEN hashes it stored still match)",
    )
    parser.add_argument("--step", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        name, *rest = args.step
        if name == "discover":
            step_discover()
        else:
            step_reconcile(int(rest[0]), float(rest[1]))
        return 0
    databases = [d for d in (args.demo, args.full) if d]
    if not databases:
        parser.error("give --demo and/or --full")

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwinds through the cleanup
    bench = Bench(args)
    if bench.redis.dbsize():
        raise SystemExit(f"Redis database {args.redis_db} is not empty: pick another --redis-db")
    try:
        runs = [bench.run(database) for database in databases]
    finally:
        bench.cleanup()
    report(runs)
    if args.json:
        data = [{"database": r.database, "results": [asdict(x) for x in r.results.values()]}
                for r in runs]  # fmt: skip
        Path(args.json).write_text(json.dumps(data, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
